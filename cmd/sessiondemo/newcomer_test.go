package main

// What a newcomer tripped over in the demo (issue 12, item 11), each with
// the test that keeps it fixed.

import (
	"bytes"
	"context"
	"errors"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/memstore"
)

var titleRE = regexp.MustCompile(`<title>([^<]*)</title>`)

func titleOf(t *testing.T, page string) string {
	t.Helper()
	m := titleRE.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no <title>:\n%s", page)
	}
	return html.UnescapeString(m[1])
}

// The home page's title says "sessionkit demo" once; other pages add it
// after their own title.
func TestDemoTitleNotDoubled(t *testing.T) {
	d := startDemo(t, "-store", "memory")
	c := browser("x")
	if got := titleOf(t, get(t, c, d.base+"/")); got != "sessionkit demo" {
		t.Errorf("home title %q, want %q", got, "sessionkit demo")
	}
	if got := titleOf(t, get(t, c, d.base+"/cookie")); got != "Your cookie, decoded · sessionkit demo" {
		t.Errorf("cookie page title %q", got)
	}
}

// A bad flag is reported once (by the flag package, with the usage), and
// the exit status says it was the command line.
func TestDemoBadFlagPrintedOnce(t *testing.T) {
	var stderr bytes.Buffer
	err := run(t.Context(), []string{"-nope"}, func(string) string { return "" }, &stderr, nil)
	if code := exitCode(err, &stderr); code != 2 {
		t.Errorf("exit status %d, want 2", code)
	}
	const msg = "flag provided but not defined: -nope"
	if n := strings.Count(stderr.String(), msg); n != 1 {
		t.Errorf("%q printed %d times, want once:\n%s", msg, n, stderr.String())
	}
	if !strings.Contains(stderr.String(), "Usage: sessiondemo") {
		t.Errorf("no usage after a bad flag:\n%s", stderr.String())
	}

	// Other errors are printed once, by exitCode.
	stderr.Reset()
	err = run(t.Context(), []string{"-addr", "127.0.0.1:0", "-store", "nope"}, func(string) string { return "" }, &stderr, nil)
	if code := exitCode(err, &stderr); code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	if n := strings.Count(stderr.String(), `-store "nope"`); n != 1 {
		t.Errorf("a bad -store printed %d times, want once:\n%s", n, stderr.String())
	}
	stderr.Reset()
	err = run(t.Context(), []string{"-h"}, func(string) string { return "" }, &stderr, nil)
	if code := exitCode(err, io.Discard); code != 0 {
		t.Errorf("-h: exit status %d, want 0", code)
	}
}

func TestDescribeAgent(t *testing.T) {
	for _, tc := range []struct{ ua, want string }{
		{"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "Firefox 128 on Linux"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome 131 on Windows"},
		{"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86", "Edge 131 on Windows"},
		{"Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Safari/605.1.15", "Safari 17 on macOS"},
		{"Mozilla/5.0 (iPhone; CPU iPhone OS 17_6 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.6 Mobile/15E148 Safari/604.1", "Safari 17 on iOS"},
		{"Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", "Chrome 131 on Android"},
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 OPR/115.0.0.0", "Opera 115 on Linux"},
		{"Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/131.0.0.0 Safari/537.36", "Headless Chrome 131 on Linux"},
		{"Mozilla/5.0 (X11; CrOS x86_64 14541.0.0) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome 131 on ChromeOS"},
		{"Mozilla/5.0 (X11; Linux x86_64) Firefox/", "Firefox on Linux"},
		{"Mozilla/5.0 (Windows NT 10.0)", "a browser on Windows"},
		// Not recognised: shown as sent, never guessed.
		{"curl/8.11.1", "curl/8.11.1"},
		{"laptop", "laptop"},
		{"", "unknown device"},
		{strings.Repeat("x", 61), strings.Repeat("x", 60) + "…"},
		{strings.Repeat("x", 60), strings.Repeat("x", 60)},
	} {
		if got := describeAgent(tc.ua); got != tc.want {
			t.Errorf("describeAgent(%q) = %q, want %q", tc.ua, got, tc.want)
		}
	}
}

// "Your sessions" records the peer's address at login, not an
// X-Forwarded-For that any client can send.
func TestDemoSessionsAddress(t *testing.T) {
	d := startDemo(t, "-store", "memory")
	c := &http.Client{Jar: browser("x").Jar, Transport: headerTransport{"User-Agent": "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0", "X-Forwarded-For": "203.0.113.9"}}
	post(t, c, d.base+"/login", url.Values{"name": {"ada"}})
	page := get(t, c, d.base+"/sessions")
	if !strings.Contains(page, `<td class="addr">127.0.0.1</td>`) || strings.Contains(page, "203.0.113.9") {
		t.Errorf("want the peer's address, not X-Forwarded-For:\n%s", page)
	}
	if !strings.Contains(page, ">Firefox 128 on Linux</td>") {
		t.Errorf("no browser and OS:\n%s", page)
	}
}

type headerTransport map[string]string

func (h headerTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	for k, v := range h {
		r.Header.Set(k, v)
	}
	return http.DefaultTransport.RoundTrip(r)
}

// /cookie shows what the request carried (name and value only) and, apart
// and labelled, what the server's configuration sets; values are shown as
// text, not \u escapes.
func TestDemoCookiePage(t *testing.T) {
	const name = "Zoë 日本 <b>"
	d := startDemo(t, "-store", "cookie", "-secret", "k")
	c := browser("x")
	post(t, c, d.base+"/login", url.Values{"name": {name}})
	u, _ := url.Parse(d.base)
	c.Jar.SetCookies(u, []*http.Cookie{{Name: "other", Value: "1"}})
	raw := get(t, c, d.base+"/cookie")
	page := html.UnescapeString(raw)
	for _, want := range []string{`"_user_id": "` + name + `"`, `"_subject": "` + name + `"`, "It also sent: <code>other</code>",
		"What this server sets", "From this server's configuration, not from your request",
		"<li>HttpOnly (page scripts cannot read it)</li>", "<li>SameSite=Lax</li>", "<li>Path=/</li>", "<li>no Domain (this host only)</li>"} {
		if !strings.Contains(page, want) {
			t.Errorf("cookie page lacks %q:\n%s", want, page)
		}
	}
	if strings.Contains(page, `\u00eb`) || strings.Contains(page, `\u65e5`) || strings.Contains(page, `\u003c`) {
		t.Errorf("cookie page shows escapes instead of text:\n%s", page)
	}
	if strings.Contains(page, "Secure") {
		t.Errorf("the demo does not set Secure, yet the page says it does:\n%s", page)
	}
	if !strings.Contains(raw, "Zoë 日本 &lt;b&gt;") {
		t.Error("the name is not HTML-escaped on the page")
	}

	// Server-side: the values held on the server, as text too.
	m := startDemo(t, "-store", "memory")
	c = browser("x")
	post(t, c, m.base+"/login", url.Values{"name": {name}})
	if page := html.UnescapeString(get(t, c, m.base+"/cookie")); !strings.Contains(page, `"_user_id": "`+name+`"`) || strings.Contains(page, `\u00eb`) {
		t.Errorf("server-side cookie page:\n%s", page)
	}
}

// The attributes /cookie lists come from the configuration, whatever the
// request carries.
func TestCookieAttributesFollowConfig(t *testing.T) {
	m, err := session.New(session.Config{SecretKey: []byte("k"), CookieSecure: true, CookieSameSite: "Strict",
		CookiePath: "/app", CookieDomain: "example.com", DisableHTTPOnly: true, PermanentLifetime: 7 * 24 * 60 * 60 * 1e9})
	if err != nil {
		t.Fatal(err)
	}
	a := &app{m: m}
	got := strings.Join(a.cookieAttributes(), "|")
	want := "Secure (sent over HTTPS only)|SameSite=Strict|Path=/app|Domain=example.com|Expires in 7 days with “remember me”, else none (the cookie ends with the browser session)"
	if got != want {
		t.Errorf("attributes\n got %s\nwant %s", got, want)
	}
}

func TestPrettyJSON(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{`{"a":"Zo\u00eb \ud83d\ude00 <b> & \"q\""}`, "{\n  \"a\": \"Zoë 😀 <b> & \\\"q\\\"\"\n}"},
		{`{"n":12345678901234567890,"f":1.50}`, "{\n  \"f\": 1.50,\n  \"n\": 12345678901234567890\n}"},
		{`not json`, `not json`},
	} {
		if got := prettyJSON([]byte(tc.in)); got != tc.want {
			t.Errorf("prettyJSON(%s)\n got %s\nwant %s", tc.in, got, tc.want)
		}
	}
}

// An unknown page gets a 404 in the demo's layout.
func TestDemoNotFound(t *testing.T) {
	d := startDemo(t, "-store", "memory")
	res, err := browser("x").Get(d.base + "/no/such/page")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	page := string(b)
	if res.StatusCode != http.StatusNotFound {
		t.Errorf("status %d, want 404", res.StatusCode)
	}
	for _, want := range []string{`<link rel="stylesheet" href="/static/style.css">`, `<header class="bar">`, "<h1>Page not found</h1>",
		"There is no page at /no/such/page.", `<a href="/">Back to the demo</a>`} {
		if !strings.Contains(page, want) {
			t.Errorf("404 page lacks %q:\n%s", want, page)
		}
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q", ct)
	}
}

// flakyStore is a memstore whose operations fail while down is set.
type flakyStore struct {
	*memstore.Store
	down atomic.Bool
}

var errDown = errors.New("store down")

func (f *flakyStore) Load(ctx context.Context, key string) (store.Record, bool, error) {
	if f.down.Load() {
		return store.Record{}, false, errDown
	}
	return f.Store.Load(ctx, key)
}

func (f *flakyStore) Save(ctx context.Context, key string, rec store.Record) (uint64, error) {
	if f.down.Load() {
		return 0, errDown
	}
	return f.Store.Save(ctx, key, rec)
}

func (f *flakyStore) Delete(ctx context.Context, key string) error {
	if f.down.Load() {
		return errDown
	}
	return f.Store.Delete(ctx, key)
}

func (f *flakyStore) CompareAndDelete(ctx context.Context, key string, version uint64) error {
	if f.down.Load() {
		return errDown
	}
	return f.Store.CompareAndDelete(ctx, key, version)
}

// A store outage answers 503 with Retry-After, as
// session.DefaultErrorHandler does, in the demo's own page; the session
// comes back with the store.
func TestDemoStoreOutage(t *testing.T) {
	st := &flakyStore{Store: memstore.New(memstore.Options{})}
	iface, err := newServerSide(st)
	if err != nil {
		t.Fatal(err)
	}
	var logs syncBuffer
	a, err := newDemo(&backend{iface: iface, st: st, Kind: "memory", Where: "test"}, "k", slog.New(slog.NewTextHandler(&logs, nil)))
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.handler())
	t.Cleanup(srv.Close)
	c := browser("x")
	post(t, c, srv.URL+"/login", url.Values{"name": {"ada"}})
	tok := tokenOf(t, c, srv.URL)

	st.down.Store(true)
	check := func(what string, res *http.Response, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		page := string(b)
		if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") != "5" {
			t.Errorf("%s: %d, Retry-After %q; want 503 and 5", what, res.StatusCode, res.Header.Get("Retry-After"))
		}
		for _, want := range []string{`<link rel="stylesheet" href="/static/style.css">`, "<h1>Sessions are unavailable</h1>", `data-status="503"`, "try again in a few seconds"} {
			if !strings.Contains(page, want) {
				t.Errorf("%s: the page lacks %q:\n%s", what, want, page)
			}
		}
		if len(res.Cookies()) != 0 {
			t.Errorf("%s: cookies sent during an outage: %v", what, res.Cookies())
		}
	}
	res, err := c.Get(srv.URL + "/")
	check("GET /", res, err)
	res, err = c.Get(srv.URL + "/sessions")
	check("GET /sessions", res, err)
	res, err = c.PostForm(srv.URL+"/count", url.Values{"csrf_token": {tok}})
	check("POST /count", res, err)
	if !strings.Contains(logs.String(), "store down") {
		t.Errorf("the outage is not logged:\n%s", logs.String())
	}

	st.down.Store(false)
	if page := post(t, c, srv.URL+"/count", nil); !strings.Contains(page, `id="who">ada<`) || !counterIs(page, 1) {
		t.Errorf("after the outage the session is lost:\n%s", page)
	}
}

// Every form post needs Flask-WTF's token: without one, with a forged one,
// or with another session's, it is refused with Flask-WTF's reason, in the
// demo's page, and changes nothing.
func TestDemoCSRF(t *testing.T) {
	d := startDemo(t, "-store", "memory")
	c, other := browser("x"), browser("y")
	post(t, c, d.base+"/login", url.Values{"name": {"ada"}})
	otherTok := tokenOf(t, other, d.base)
	for _, tc := range []struct {
		name, token, reason string
	}{
		{"no token", "", "The CSRF token is missing."},
		{"forged token", "IjAwMDAi.aaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbb", "The CSRF token is invalid."},
		{"another session's token", otherTok, "The CSRF tokens do not match."},
	} {
		form := url.Values{}
		if tc.token != "" {
			form.Set("csrf_token", tc.token)
		}
		code, page := postStatus(t, c, d.base+"/count", form)
		if code != http.StatusBadRequest || !strings.Contains(page, tc.reason) || !strings.Contains(page, "<h1>Form refused</h1>") ||
			!strings.Contains(page, `<link rel="stylesheet" href="/static/style.css">`) {
			t.Errorf("%s: %d\n%s", tc.name, code, page)
		}
	}
	if page := get(t, c, d.base+"/"); !counterIs(page, 0) {
		t.Errorf("a refused post changed the counter:\n%s", page)
	}
	// A login without a token logs nobody in.
	anon := browser("z")
	get(t, anon, d.base+"/") // a session with a raw token, as a visitor has
	if code, page := postStatus(t, anon, d.base+"/login", url.Values{"name": {"mallory"}}); code != http.StatusBadRequest || strings.Contains(page, "mallory") {
		t.Errorf("login without a token: %d\n%s", code, page)
	}
	if page := get(t, anon, d.base+"/"); !strings.Contains(page, loginForm) {
		t.Errorf("a login without a token logged in:\n%s", page)
	}
}

// A device logged out elsewhere that posts a form it still shows is sent
// home and told why, not shown a CSRF error.
func TestDemoLoggedOutPost(t *testing.T) {
	for _, spec := range []string{"memory", "cookie"} {
		t.Run(spec, func(t *testing.T) {
			d := startDemo(t, "-store", spec, "-secret", "k")
			laptop, phone := browser("laptop"), browser("phone")
			post(t, laptop, d.base+"/login", url.Values{"name": {"ada"}})
			tok := tokenOf(t, laptop, d.base) // the laptop's page, still open
			post(t, phone, d.base+"/login", url.Values{"name": {"ada"}})
			post(t, phone, d.base+"/sessions/revoke-others", nil)
			code, page := postStatus(t, laptop, d.base+"/count", url.Values{"csrf_token": {tok}})
			if code != 200 || !strings.Contains(page, loginForm) || !strings.Contains(page, loggedOutNotice) {
				t.Errorf("a revoked device's post: %d\n%s", code, page)
			}
			if page := get(t, laptop, d.base+"/"); strings.Contains(page, loggedOutNotice) {
				t.Errorf("the notice is shown twice:\n%s", page)
			}
		})
	}
}

// The cross-site refusal is the demo's page too.
func TestDemoCrossSitePage(t *testing.T) {
	d := startDemo(t, "-store", "memory")
	req, _ := http.NewRequest(http.MethodPost, d.base+"/count", strings.NewReader(""))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res, err := browser("x").Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusForbidden || !strings.Contains(string(b), "<h1>Cross-site request refused</h1>") {
		t.Errorf("%d\n%s", res.StatusCode, b)
	}
}
