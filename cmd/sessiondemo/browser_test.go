package main

// The demo in a real browser: headless Chromium from Debian, driven with
// chromedp. It needs /usr/bin/chromium (apt-get install -y chromium); without
// it the tests skip, except under CI=true, where that is a failure.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/network"
	cdppage "github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"
)

var screenshotOut = flag.String("screenshot", "", "TestBrowserScreenshot writes the demo's home page to this PNG `file`")

const (
	browserBudget = 50 * time.Second // the whole browser, whatever happens
	stepTimeout   = 15 * time.Second // one step: a navigation, a click and its page
)

// chromiumPath returns Debian's Chromium, or skips (fails under CI=true).
func chromiumPath(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/bin/chromium"} {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	if p, err := exec.LookPath("chromium"); err == nil {
		return p
	}
	msg := "Chromium not installed: apt-get install -y chromium"
	if inCI() {
		t.Fatal(msg + " [CI=true: a missing browser is a failure, not a skip]")
	}
	t.Skip(msg)
	return ""
}

// startBrowser starts a headless Chromium with a fresh profile that lives at
// most browserBudget, and returns the context of its first tab.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	exe := chromiumPath(t)
	profile := t.TempDir()
	var output syncBuffer
	root, cancelRoot := context.WithTimeout(context.Background(), browserBudget)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(root,
		chromedp.ExecPath(exe),
		// Without the network flags Chromium keeps calling home, which on a
		// closed network means a flood of failing connections.
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1000, 720),
		chromedp.CombinedOutput(&output),
	)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
		if err := chromedp.Cancel(cctx); err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, context.DeadlineExceeded) {
			t.Logf("closing the browser: %v", err)
		}
		ccancel()
		cancel()
		cancelAlloc() // waits for the browser process
		cancelRoot()
		if t.Failed() {
			t.Logf("chromium output (tail):\n%s", tail(output.String(), 3000))
		}
		// A child process may still write to the profile for a moment after
		// the browser exits: empty it before t.TempDir's own removal.
		for range 50 {
			if os.RemoveAll(profile) == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	// Start the browser now, with the long-lived context.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("starting %s: %v\n%s", exe, err, tail(output.String(), 3000))
	}
	return ctx
}

func tail(s string, n int) string {
	if len(s) > n {
		return "…" + s[len(s)-n:]
	}
	return s
}

// tab is one browser tab with its own step timeout and a screenshot on
// failure.
type tab struct {
	t    *testing.T
	name string
	ctx  context.Context
	base string // the demo's URL; changes when the demo restarts
}

// newTab opens a tab in the browser of parent. newContext makes it a new
// browser context: another cookie jar, as a second browser would have.
func newTab(t *testing.T, name string, parent context.Context, newContext bool) *tab {
	t.Helper()
	ctx := parent
	if newContext {
		var cancel context.CancelFunc
		ctx, cancel = chromedp.NewContext(parent, chromedp.WithNewBrowserContext())
		t.Cleanup(cancel)
	}
	tb := &tab{t: t, name: name, ctx: ctx}
	// The first Do binds the tab's life to its context: no step timeout
	// here (the browser's own budget still bounds it).
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("%s: opening the tab: %v", name, err)
	}
	dir := t.ArtifactDir() // kept with go test -artifacts -outputdir DIR
	t.Cleanup(func() {
		if t.Failed() {
			tb.screenshot(filepath.Join(dir, name+".png"))
		}
	})
	return tb
}

func (tb *tab) screenshot(path string) {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err == nil {
		err = os.WriteFile(path, png, 0o644)
	}
	if err != nil {
		tb.t.Logf("%s: no screenshot: %v", tb.name, err)
		return
	}
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText`))
	tb.t.Logf("%s: screenshot at %s (kept with go test -artifacts -outputdir DIR); the page:\n%s", tb.name, path, text)
}

// do runs steps under the step timeout, failing the test on error.
func (tb *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.t.Fatalf("%s: %s: %v", tb.name, what, err)
	}
}

// open navigates to path on the demo and waits for the page to load.
func (tb *tab) open(path string) pageState {
	tb.t.Helper()
	tb.do("open "+path, chromedp.Navigate(tb.base+path))
	return tb.state()
}

// submit clicks the button sel and waits for the page the form leads to
// (after the POST's redirect) to load.
func (tb *tab) submit(sel string) pageState {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	_, err := chromedp.Run(ctx, chromedp.WaitEvent(cdppage.LoadEventFired, nil, chromedp.Click(chromedp.CSS(sel))))
	if err != nil {
		tb.t.Fatalf("%s: submit %s: %v", tb.name, sel, err)
	}
	return tb.state()
}

// pageState is what a user sees on the demo's page, and what page scripts
// can read.
type pageState struct {
	Path      string   `json:"path"`
	User      string   `json:"user"`
	Counter   string   `json:"counter"`
	Flashes   []string `json:"flashes"`
	LoginForm bool     `json:"loginForm"`
	Rows      int      `json:"rows"`
	NoCookie  bool     `json:"noCookie"`
	JSCookie  string   `json:"jsCookie"` // document.cookie
	Title     string   `json:"title"`
	Heading   string   `json:"heading"`
	Values    string   `json:"values"`  // the cookie page's session values (server-side stores)
	Devices   []string `json:"devices"` // the sessions table's device cells
	// Background is the body's computed background colour: the demo's
	// style sheet applies.
	Background string `json:"background"`
}

// styled is the body's background with the demo's style sheet (--bg).
const styled = "rgb(246, 247, 251)"

const stateJS = `({
	path: location.pathname,
	user: document.querySelector("#who")?.textContent ?? "",
	counter: document.querySelector("#counter")?.textContent ?? "",
	flashes: [...document.querySelectorAll(".flash")].map(e => e.textContent.trim()),
	loginForm: document.querySelector('form[action="/login"]') !== null,
	rows: document.querySelectorAll("#sessions tbody tr").length,
	noCookie: document.querySelector("#no-cookie") !== null,
	jsCookie: document.cookie,
	title: document.title,
	heading: document.querySelector("h1")?.textContent ?? "",
	values: document.querySelector("#values")?.textContent ?? "",
	devices: [...document.querySelectorAll("#sessions td.agent")].map(e => e.textContent.trim()),
	background: getComputedStyle(document.body).backgroundColor,
})`

func (tb *tab) state() pageState {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	st, err := chromedp.Run(ctx, chromedp.Evaluate[pageState](stateJS))
	if err != nil {
		tb.t.Fatalf("%s: reading the page: %v", tb.name, err)
	}
	return st
}

// cookies returns the browser's cookies for the demo, as the browser (not
// a page script) sees them.
func (tb *tab) cookies() []*network.Cookie {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	res, err := chromedp.Call(ctx, network.GetCookies, network.GetCookiesParams{URLs: []string{tb.base + "/"}})
	if err != nil {
		tb.t.Fatalf("%s: reading cookies: %v", tb.name, err)
	}
	return res.Cookies
}

func (tb *tab) login(name string, remember bool) pageState {
	tb.t.Helper()
	tb.open("/")
	steps := []chromedp.Action[chromedp.Void]{chromedp.SendKeys(chromedp.CSS("#name"), name)}
	if remember {
		steps = append(steps, chromedp.Click(chromedp.CSS("#remember")))
	}
	tb.do("fill in the login form", steps...)
	return tb.submit("#login")
}

func (tb *tab) check(what string, ok bool, st pageState) {
	tb.t.Helper()
	if !ok {
		tb.t.Fatalf("%s: %s; the page: %+v", tb.name, what, st)
	}
}

func sessionCookie(cks []*network.Cookie) *network.Cookie {
	i := slices.IndexFunc(cks, func(c *network.Cookie) bool { return c.Name == "session" })
	if i < 0 {
		return nil
	}
	return cks[i]
}

// TestBrowserEndToEnd walks through the demo with the bolt store in
// headless Chromium: login and its flash shown once, the counter across a
// restart of the demo, the HttpOnly cookie hidden from scripts, "log out
// other devices" from a second browser, and a logout that leaves nothing.
func TestBrowserEndToEnd(t *testing.T) {
	start := time.Now()
	browserCtx := startBrowser(t)
	db := filepath.Join(t.TempDir(), "sessions.db")
	d := startDemo(t, "-store", "bolt:"+db)

	laptop := newTab(t, "laptop", browserCtx, false)
	laptop.base = d.base
	st := laptop.open("/")
	laptop.check("an anonymous visit shows the login form", st.LoginForm && st.User == "", st)
	laptop.check("the home page's title is not doubled", st.Title == "sessionkit demo" && st.Background == styled, st)
	// The login form's CSRF token (Flask-WTF's) is all an anonymous visit stores.
	st = laptop.open("/cookie")
	laptop.check("an anonymous session holds only the CSRF token",
		strings.Contains(st.Values, `"csrf_token"`) && !strings.Contains(st.Values, "_user_id"), st)
	st = laptop.open("/no/such/page")
	laptop.check("a styled 404 in the demo's layout", st.Heading == "Page not found" &&
		st.Title == "Page not found · sessionkit demo" && st.Background == styled, st)

	// Log in: the welcome message is flashed exactly once.
	st = laptop.login("ada", true)
	laptop.check("logged in, welcome flashed, counter 0",
		st.Path == "/" && st.User == "ada" && slices.Equal(st.Flashes, []string{"Welcome, ada!"}) && st.Counter == "0", st)
	st = laptop.open("/")
	laptop.check("the flash is gone on the next page", len(st.Flashes) == 0 && st.User == "ada", st)

	// The session cookie is HttpOnly: the browser holds it, scripts cannot see it.
	ck := sessionCookie(laptop.cookies())
	if ck == nil || !ck.HTTPOnly || ck.SameSite != network.CookieSameSiteLax || ck.Path != "/" {
		t.Fatalf("session cookie in the browser: %+v; want HttpOnly, SameSite=Lax, Path=/", ck)
	}
	if ck.Session || time.Until(time.Unix(int64(ck.Expires), 0)) < 23*time.Hour {
		t.Errorf("remember me: the cookie should persist; expires %v (session cookie: %v)", time.Unix(int64(ck.Expires), 0), ck.Session)
	}
	laptop.check("document.cookie is empty", st.JSCookie == "", st)

	laptop.submit("#inc")
	st = laptop.submit("#inc")
	laptop.check("two +1 make 2", st.Counter == "2", st)

	// Restart the demo on the same address and data file; the browser keeps
	// its cookie, and the session is still there.
	d.stop()
	d = startDemo(t, "-addr", d.addr, "-store", "bolt:"+db)
	st = laptop.open("/")
	laptop.check("after a restart: still logged in, counter 2", st.User == "ada" && st.Counter == "2", st)
	st = laptop.submit("#inc")
	laptop.check("counting goes on after the restart", st.Counter == "3", st)

	// A second browser (another browser context: its own cookies) logs in
	// as the same user and logs the laptop out.
	phone := newTab(t, "phone", browserCtx, true)
	phone.base = d.base
	st = phone.open("/")
	phone.check("the second browser does not share the first's cookie", st.LoginForm, st)
	st = phone.login("ada", false)
	phone.check("the second browser has its own session", st.User == "ada" && st.Counter == "0", st)
	st = phone.open("/sessions")
	phone.check("two sessions listed, each with its browser and OS", st.Rows == 2 && len(st.Devices) == 2 &&
		strings.HasPrefix(st.Devices[0], "Headless Chrome ") && strings.HasSuffix(st.Devices[0], " on Linux"), st)
	st = phone.submit("#revoke-others")
	phone.check("log out other devices", st.Path == "/sessions" && st.Rows == 1 &&
		slices.Contains(st.Flashes, "Logged out 1 other session(s)."), st)

	st = laptop.open("/")
	laptop.check("the laptop is logged out and told why", st.LoginForm && st.User == "" && st.Counter == "" &&
		slices.Equal(st.Flashes, []string{loggedOutNotice}), st)
	st = laptop.open("/")
	laptop.check("the notice is shown once", st.LoginForm && len(st.Flashes) == 0, st)

	// Logout leaves nothing: no cookie, no data, a fresh login starts at 0.
	phone.open("/")
	st = phone.submit("#inc")
	phone.check("the phone is still logged in and counts", st.User == "ada" && st.Counter == "1", st)
	before := sessionCookie(phone.cookies())
	st = phone.submit("#logout")
	phone.check("logged out", st.LoginForm && st.User == "" && slices.Contains(st.Flashes, "You are logged out."), st)
	if ck := sessionCookie(phone.cookies()); ck != nil && before != nil && ck.Value == before.Value {
		t.Errorf("logout left the session cookie in the browser: %+v", ck)
	}
	st = phone.open("/cookie")
	phone.check("the session after logout holds no login", !strings.Contains(st.Values, "_user_id") && !strings.Contains(st.Values, "count"), st)
	st = phone.login("ada", false)
	phone.check("a new login starts from scratch", st.User == "ada" && st.Counter == "0", st)

	if el := time.Since(start); el > 45*time.Second {
		t.Errorf("the browser test took %v; keep it under a minute", el)
	}
}

// TestBrowserScreenshot writes the README's screenshot when -screenshot is
// given:
//
//	go -C cmd/sessiondemo test -run TestBrowserScreenshot -screenshot $PWD/docs/sessiondemo.png .
//
// (an absolute path: the test runs in the package directory).
//
// It shows the home page right after a login with "remember me", welcome
// flash included.
func TestBrowserScreenshot(t *testing.T) {
	if *screenshotOut == "" {
		t.Skip("no -screenshot FILE")
	}
	out, err := filepath.Abs(*screenshotOut)
	if err != nil {
		t.Fatal(err)
	}
	browserCtx := startBrowser(t)
	t.Chdir(t.TempDir())
	d := startDemo(t) // the default store, as "go -C cmd/sessiondemo run ." has it
	tb := newTab(t, "main", browserCtx, false)
	tb.base = d.base
	st := tb.login("ada", true)
	tb.check("the page to photograph", st.User == "ada" && len(st.Flashes) == 1, st)
	ctx, cancel := context.WithTimeout(tb.ctx, stepTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(out, png, 0o644); err != nil {
		t.Fatal(err)
	}
	fmt.Println("wrote", out)
}
