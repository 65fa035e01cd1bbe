package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"flag"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"

	"github.com/sessionkit/session/internal/testwait"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

// syncBuffer is a bytes.Buffer safe for the server's and the test's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// demo is one running instance of the demo.
type demo struct {
	base string // http://127.0.0.1:PORT
	addr string
	logs *syncBuffer
	stop func() // stops it and waits; safe to call more than once
}

// startDemo runs the demo with args until the test ends (or stop). Without
// an -addr in args it listens on a free loopback port.
func startDemo(t *testing.T, args ...string) *demo {
	t.Helper()
	if !hasFlag(args, "-addr") {
		args = append([]string{"-addr", "127.0.0.1:0"}, args...)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	d := &demo{logs: &syncBuffer{}}
	go func() { done <- run(ctx, args, func(string) string { return "" }, d.logs, ready) }()
	select {
	case d.addr = <-ready:
		d.base = "http://" + d.addr
	case err := <-done:
		cancel()
		t.Fatalf("demo exited: %v\n%s", err, d.logs)
	case <-time.After(15 * time.Second):
		cancel()
		t.Fatal("demo did not start")
	}
	var once sync.Once
	d.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("demo shutdown: %v", err)
				}
			case <-time.After(10 * time.Second):
				t.Error("demo did not shut down")
			}
		})
	}
	t.Cleanup(d.stop)
	return d
}

func hasFlag(args []string, name string) bool {
	for _, a := range args {
		if a == name || strings.HasPrefix(a, name+"=") {
			return true
		}
	}
	return false
}

// browser is an HTTP client with its own cookie jar and User-Agent.
func browser(agent string) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, Timeout: 10 * time.Second, Transport: agentTransport(agent)}
}

type agentTransport string

func (a agentTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("User-Agent", string(a))
	return http.DefaultTransport.RoundTrip(r)
}

func get(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d\n%s", u, res.StatusCode, b)
	}
	return string(b)
}

// post sends form to u as a browser would from the site's own page: with
// the CSRF token of the form on the home page of u's origin (which GET
// fetches first) unless form has one, and follows the redirect.
func post(t *testing.T, c *http.Client, u string, form url.Values) string {
	t.Helper()
	if !form.Has("csrf_token") {
		form = withToken(form, tokenOf(t, c, u))
	}
	code, body := postStatus(t, c, u, form)
	if code != 200 {
		t.Fatalf("POST %s: %d\n%s", u, code, body)
	}
	return body
}

// postStatus sends form to u as it is and returns the final status and body.
func postStatus(t *testing.T, c *http.Client, u string, form url.Values) (int, string) {
	t.Helper()
	res, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// tokenOf returns the CSRF token of the first form on the home page of
// u's origin.
func tokenOf(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	home, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	home.Path, home.RawQuery = "/", ""
	page := get(t, c, home.String())
	tok := tokenIn(page)
	if tok == "" {
		t.Fatalf("no CSRF token on %s:\n%s", home, page)
	}
	return tok
}

// tokenIn returns the value of the first csrf_token field in page, or "".
func tokenIn(page string) string {
	const field = `name="csrf_token" value="`
	i := strings.Index(page, field)
	if i < 0 {
		return ""
	}
	v := page[i+len(field):]
	return html.UnescapeString(v[:strings.IndexByte(v, '"')])
}

// withToken returns a copy of form with csrf_token set to tok.
func withToken(form url.Values, tok string) url.Values {
	out := url.Values{"csrf_token": {tok}}
	for k, v := range form {
		out[k] = v
	}
	return out
}

// cookieOf returns the jar's session cookie for base, or nil.
func cookieOf(t *testing.T, c *http.Client, base string) *http.Cookie {
	t.Helper()
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	for _, ck := range c.Jar.Cookies(u) {
		if ck.Name == "session" {
			return ck
		}
	}
	return nil
}

func counterIs(page string, n int) bool {
	return strings.Contains(page, `<output id="counter">`+strconv.Itoa(n)+`</output>`)
}

const loginForm = `action="/login"`

func TestDemoCookieFlow(t *testing.T) {
	d := startDemo(t, "-store", "cookie")
	if !strings.Contains(d.logs.String(), "random key") {
		t.Errorf("no log line about the random key:\n%s", d.logs)
	}
	c := browser("test")

	if page := get(t, c, d.base+"/"); !strings.Contains(page, loginForm) || !strings.Contains(page, `data-kind="cookie"`) {
		t.Fatalf("anonymous home has no login form or does not name the store:\n%s", page)
	}
	// The login form's CSRF token is the only thing an anonymous visit
	// stores, as with Flask-WTF.
	if page := html.UnescapeString(get(t, c, d.base+"/cookie")); !strings.Contains(page, `"csrf_token": "`) || strings.Contains(page, "_user_id") {
		t.Errorf("an anonymous visit should store the CSRF token and nothing else:\n%s", page)
	}
	page := post(t, c, d.base+"/login", url.Values{"name": {"Ada <script>"}, "remember": {"on"}})
	if !strings.Contains(page, "Welcome, Ada &lt;script&gt;!") || !counterIs(page, 0) {
		t.Fatalf("after login (flash, counter 0, escaped name):\n%s", page)
	}
	if !strings.Contains(page, "remembered for 31 days") {
		t.Error("remember me did not make the session permanent")
	}
	if ck := cookieOf(t, c, d.base); ck == nil {
		t.Fatal("no session cookie after login")
	}
	page = get(t, c, d.base+"/")
	if strings.Contains(page, "Welcome") || !counterIs(page, 0) {
		t.Errorf("second visit: flash shown again, or viewing changed the counter:\n%s", page)
	}
	post(t, c, d.base+"/count", nil)
	page = post(t, c, d.base+"/count", nil)
	if !counterIs(page, 2) {
		t.Errorf("two +1: want counter 2:\n%s", page)
	}
	page = html.UnescapeString(get(t, c, d.base+"/cookie"))
	for _, want := range []string{`id="payload"`, `"_user_id": "Ada <script>"`, `"_fresh": true`, `"_permanent": true`, `"count": 2`, `class="part sig"`, "when it was signed: 20"} {
		if !strings.Contains(page, want) {
			t.Errorf("cookie page lacks %q:\n%s", want, page)
		}
	}
	if page := post(t, c, d.base+"/count", url.Values{"reset": {"1"}}); !counterIs(page, 0) {
		t.Errorf("reset: want counter 0:\n%s", page)
	}
	page = get(t, c, d.base+"/sessions")
	if !strings.Contains(page, `id="needs-store"`) || !strings.Contains(page, "revoke-others") {
		t.Errorf("sessions page in cookie mode should explain it cannot list, and offer to log out other devices:\n%s", page)
	}
	// Log out other devices works with cookie sessions too (revocation).
	other := browser("other")
	post(t, other, d.base+"/login", url.Values{"name": {"Ada <script>"}})
	if page := post(t, c, d.base+"/sessions/revoke-others", nil); !strings.Contains(page, "Logged out every other session.") {
		t.Errorf("log out other devices in cookie mode:\n%s", page)
	}
	assertToldLoggedOut(t, other, d.base)
	if page := get(t, c, d.base+"/"); !strings.Contains(page, `id="who">`) {
		t.Errorf("log out other devices logged this device out:\n%s", page)
	}
	before := cookieOf(t, c, d.base)
	page = post(t, c, d.base+"/logout", nil)
	if !strings.Contains(page, "You are logged out.") || !strings.Contains(page, loginForm) || strings.Contains(page, loggedOutNotice) {
		t.Errorf("after logout:\n%s", page)
	}
	assertLoggedOutCookie(t, c, d.base, before)
	if page := post(t, c, d.base+"/login", url.Values{"name": {" "}}); !strings.Contains(page, "Enter a name") {
		t.Errorf("blank name not refused:\n%s", page)
	}
	if page := post(t, browser("x"), d.base+"/count", nil); !strings.Contains(page, "Log in first.") {
		t.Errorf("counter without login:\n%s", page)
	}
}

// The same secret across restarts keeps a cookie-mode login.
func TestDemoSecretSurvivesRestart(t *testing.T) {
	c := browser("test")
	d := startDemo(t, "-store", "cookie", "-secret", "restart-secret")
	post(t, c, d.base+"/login", url.Values{"name": {"Grace"}})
	d.stop()
	d2 := startDemo(t, "-store", "cookie", "-secret", "restart-secret")
	// Cookies are not port-specific: the second demo sees the first's cookie.
	if page := get(t, c, d2.base+"/"); !strings.Contains(page, `id="who">Grace<`) {
		t.Errorf("second demo with the same secret lost the login:\n%s", page)
	}
	d3 := startDemo(t, "-store", "cookie", "-secret", "another-secret")
	// A cookie that no longer opens a session (here: signed with another
	// key, as an expired one is refused too) is told so.
	if page := get(t, c, d3.base+"/"); !strings.Contains(page, loginForm) || !strings.Contains(page, loggedOutNotice) {
		t.Errorf("a demo with another secret accepted the cookie, or did not say why the login is gone:\n%s", page)
	}
}

// serverSideFlow runs the two-device scenario against demos sharing one
// store: laptop uses a, phone uses b (a and b may be the same instance).
func serverSideFlow(t *testing.T, a, b *demo, user string) {
	t.Helper()
	laptop, phone := browser("laptop"), browser("phone")
	post(t, laptop, a.base+"/login", url.Values{"name": {user}})
	post(t, laptop, a.base+"/count", nil)
	// The laptop's session is in the store: the other instance sees it.
	if page := get(t, laptop, b.base+"/"); !counterIs(page, 1) || !strings.Contains(page, `id="who">`+user+`<`) {
		t.Fatalf("the laptop's session is not seen by the other instance:\n%s", page)
	}
	post(t, phone, b.base+"/login", url.Values{"name": {user}})
	page := get(t, phone, b.base+"/sessions")
	if n := strings.Count(page, "<tr"); n != 3 || !strings.Contains(page, `title="laptop">laptop</td>`) ||
		!strings.Contains(page, `title="phone">phone</td>`) || strings.Count(page, `<td class="addr">127.0.0.1</td>`) != 2 || !strings.Contains(page, "this device") {
		t.Fatalf("sessions page does not list both devices with their agents and addresses (%d rows):\n%s", n-1, page)
	}
	page = html.UnescapeString(get(t, phone, b.base+"/cookie"))
	if !strings.Contains(page, "random 256-bit ID") || !strings.Contains(page, `id="store-key"`) || !strings.Contains(page, `"_user_id": "`+user+`"`) {
		t.Errorf("cookie page in server mode:\n%s", page)
	}
	page = post(t, phone, b.base+"/sessions/revoke-others", nil)
	if !strings.Contains(page, "Logged out 1 other session(s).") || strings.Count(page, "<tr") != 2 {
		t.Errorf("log out other devices:\n%s", page)
	}
	assertToldLoggedOut(t, laptop, a.base)
	if page := get(t, phone, a.base+"/"); !strings.Contains(page, `id="who">`+user+`<`) {
		t.Errorf("the phone was logged out too:\n%s", page)
	}
	before := cookieOf(t, phone, b.base)
	post(t, phone, b.base+"/logout", nil)
	assertLoggedOutCookie(t, phone, b.base, before)
	if page := get(t, phone, a.base+"/"); !strings.Contains(page, loginForm) {
		t.Errorf("still logged in after logout:\n%s", page)
	}
}

func TestDemoServerSideSessions(t *testing.T) {
	d := startDemo(t, "-store", "memory")
	serverSideFlow(t, d, d, "ada")

	// Revoking one named session, and only one's own.
	laptop, phone, eve := browser("laptop"), browser("phone"), browser("eve")
	post(t, laptop, d.base+"/login", url.Values{"name": {"bob"}})
	post(t, phone, d.base+"/login", url.Values{"name": {"bob"}})
	post(t, eve, d.base+"/login", url.Values{"name": {"eve"}})
	page := get(t, phone, d.base+"/sessions")
	i := strings.Index(page, `name="key" value="`)
	if i < 0 {
		t.Fatalf("no revoke button:\n%s", page)
	}
	key := page[i+len(`name="key" value="`):]
	key = key[:strings.IndexByte(key, '"')]
	post(t, eve, d.base+"/sessions/revoke", url.Values{"key": {key}}) // not eve's session: ignored
	if page := get(t, laptop, d.base+"/"); !strings.Contains(page, `id="who">bob<`) {
		t.Fatalf("another user revoked bob's laptop:\n%s", page)
	}
	if page := post(t, phone, d.base+"/sessions/revoke", url.Values{"key": {key}}); !strings.Contains(page, "Logged out 1 other session.") {
		t.Errorf("revoke one:\n%s", page)
	}
	assertToldLoggedOut(t, laptop, d.base)
}

// assertToldLoggedOut checks that the browser c, whose session ended
// elsewhere, is logged out and told why, once.
func assertToldLoggedOut(t *testing.T, c *http.Client, base string) {
	t.Helper()
	page := get(t, c, base+"/")
	if !strings.Contains(page, loginForm) || !strings.Contains(page, `<p class="flash info" role="status">`+loggedOutNotice+`</p>`) {
		t.Errorf("a device logged out elsewhere is not logged out, or not told why:\n%s", page)
	}
	if page := get(t, c, base+"/"); strings.Contains(page, loggedOutNotice) || !strings.Contains(page, loginForm) {
		t.Errorf("the logged-out notice is shown again:\n%s", page)
	}
}

// assertLoggedOutCookie checks that after a logout the browser holds no
// login: the cookie it had is gone (the page it was sent to makes a new
// one for its form's CSRF token) and the session holds no user.
func assertLoggedOutCookie(t *testing.T, c *http.Client, base string, before *http.Cookie) {
	t.Helper()
	if before == nil {
		t.Fatal("no session cookie before the logout")
	}
	if ck := cookieOf(t, c, base); ck != nil && ck.Value == before.Value {
		t.Errorf("logout left the session cookie: %v", ck)
	}
	if page := get(t, c, base+"/cookie"); strings.Contains(page, "_user_id") || strings.Contains(page, `&#34;count&#34;:`) || strings.Contains(page, `"count":`) {
		t.Errorf("after logout the session still holds the login:\n%s", page)
	}
}

// With bolt, state survives a restart of the demo.
func TestDemoBoltSurvivesRestart(t *testing.T) {
	path := t.TempDir() + "/sessions.db"
	c := browser("test")
	d := startDemo(t, "-store", "bolt:"+path)
	post(t, c, d.base+"/login", url.Values{"name": {"Lin"}})
	post(t, c, d.base+"/count", nil)
	d.stop()
	d2 := startDemo(t, "-store", "bolt:"+path)
	if page := post(t, c, d2.base+"/count", nil); !strings.Contains(page, `id="who">Lin<`) || !counterIs(page, 2) {
		t.Errorf("after a restart with bolt the session is lost:\n%s", page)
	}
}

// Without -store the demo keeps sessions in sessiondemo.db in the working
// directory.
func TestDemoDefaultStore(t *testing.T) {
	t.Chdir(t.TempDir())
	d := startDemo(t)
	c := browser("test")
	if page := post(t, c, d.base+"/login", url.Values{"name": {"Kay"}}); !strings.Contains(page, `data-kind="bolt"`) {
		t.Errorf("default store is not bolt:\n%s", page)
	}
	d.stop()
	if _, err := os.Stat("sessiondemo.db"); err != nil {
		t.Errorf("no sessiondemo.db in the working directory: %v", err)
	}
	if strings.Contains(d.logs.String(), "random key") {
		t.Errorf("warned about a random key though the store needs none:\n%s", d.logs)
	}
}

func TestDemoFlags(t *testing.T) {
	var out bytes.Buffer
	err := run(t.Context(), []string{"-h"}, func(string) string { return "" }, &out, nil)
	if !errors.Is(err, flag.ErrHelp) {
		t.Errorf("-h: %v", err)
	}
	for _, want := range []string{"bolt:sessiondemo.db", "cookie", "memory", "redis://", "postgres://", "SESSIONKIT_SECRET"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("-h does not mention %q:\n%s", want, out.String())
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"-store", "nope"}, `-store "nope"`},
		{[]string{"-store", "bolt:"}, "needs a file path"},
		{[]string{"-store", "memory", "extra"}, "unexpected arguments"},
		{[]string{"-store", "redis://127.0.0.1:1/0"}, "redis at 127.0.0.1:1"},
		{[]string{"-store", "postgres://postgres@127.0.0.1:1/test?sslmode=disable&connect_timeout=5"}, "postgres:"},
	} {
		err := run(t.Context(), append([]string{"-addr", "127.0.0.1:0"}, tc.args...), func(string) string { return "" }, io.Discard, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: err = %v, want it to mention %q", tc.args, err, tc.want)
		}
	}
}

// A cross-site form post is refused before it reaches the session.
func TestDemoRefusesCrossSitePosts(t *testing.T) {
	d := startDemo(t, "-store", "memory")
	req, _ := http.NewRequest(http.MethodPost, d.base+"/login", strings.NewReader("name=mallory"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	res, err := testwait.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden || len(res.Cookies()) != 0 {
		t.Errorf("cross-site login: %d, cookies %v; want 403 and none", res.StatusCode, res.Cookies())
	}
}

func TestDemoStaticAndHeaders(t *testing.T) {
	d := startDemo(t, "-store", "cookie", "-secret", "k")
	res, err := testwait.Client().Get(d.base + "/static/style.css")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/css") || len(res.Cookies()) != 0 {
		t.Errorf("style.css: %d %q cookies %v", res.StatusCode, res.Header.Get("Content-Type"), res.Cookies())
	}
	res, err = testwait.Client().Get(d.base + "/")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if csp := res.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'none'") || strings.Contains(csp, "script-src") {
		t.Errorf("CSP %q: want no scripts at all", csp)
	}
}

func TestDemoFlaskPage(t *testing.T) {
	src, err := os.ReadFile("flask_app.py")
	if err != nil {
		t.Fatal(err)
	}
	cookieDemo := startDemo(t, "-store", "cookie", "-secret", "k")
	page := get(t, browser("x"), cookieDemo.base+"/flask")
	for _, want := range []string{"SECRET_KEY", `id="name-map"`, "#flask--go", "-store cookie", "def add10"} {
		if !strings.Contains(page, want) {
			t.Errorf("Flask page lacks %q", want)
		}
	}
	if !strings.Contains(html.UnescapeString(page), string(src)) {
		t.Error("the Flask page does not show flask_app.py")
	}
	if strings.Contains(page, "not-cookie-mode") {
		t.Error("cookie mode warned that it is not cookie mode")
	}
	memDemo := startDemo(t, "-store", "memory")
	if page := get(t, browser("x"), memDemo.base+"/flask"); !strings.Contains(page, `id="not-cookie-mode"`) {
		t.Errorf("server-side mode does not say Flask cannot share its sessions:\n%s", page)
	}
}

// uniqueName is a user name no other test run uses, for shared stores.
func uniqueName(prefix string) string {
	var b [6]byte
	_, _ = rand.Read(b[:])
	return prefix + "-" + hex.EncodeToString(b[:])
}

// serviceURL returns the URL in env, or skips (fails under CI=true).
func serviceURL(t *testing.T, env string) string {
	t.Helper()
	u := os.Getenv(env)
	if u == "" {
		if inCI() {
			t.Fatalf("%s is not set [CI=true: a missing service is a failure]", env)
		}
		t.Skipf("%s is not set (.ci/run sets it)", env)
	}
	return u
}

func inCI() bool {
	ci, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && ci
}

// Two demo instances sharing Redis behave as one app.
func TestDemoRedisStore(t *testing.T) {
	base := serviceURL(t, "SESSIONKIT_TEST_REDIS_URL")
	prefix := uniqueName("sktest-demo") + ":"
	t.Cleanup(func() { deleteRedisPrefix(t, base, prefix) })
	u := withQuery(t, base, "prefix", prefix)
	a, b := startDemo(t, "-store", u), startDemo(t, "-store", u)
	if !strings.Contains(a.logs.String(), "store=redis") {
		t.Errorf("logs do not name the store:\n%s", a.logs)
	}
	serverSideFlow(t, a, b, uniqueName("ada"))
}

// Two demo instances sharing PostgreSQL behave as one app.
func TestDemoPostgresStore(t *testing.T) {
	u := serviceURL(t, "SESSIONKIT_TEST_POSTGRES_DSN")
	u = withQuery(t, u, "search_path", ownSchema(t, u)) // a schema of this test's own
	a, b := startDemo(t, "-store", u), startDemo(t, "-store", u)
	if !strings.Contains(a.logs.String(), "store=postgres") {
		t.Errorf("logs do not name the store:\n%s", a.logs)
	}
	serverSideFlow(t, a, b, uniqueName("ada"))
}

// withQuery returns rawURL with the query parameter key set to value.
func withQuery(t *testing.T, rawURL, key, value string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set(key, value)
	u.RawQuery = q.Encode()
	return u.String()
}

// ownSchema creates a PostgreSQL schema for this test and drops it afterwards.
func ownSchema(t *testing.T, dsn string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	schema := strings.ReplaceAll(uniqueName("sk_demo"), "-", "_")
	if _, err := conn.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, dsn)
		if err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
			return
		}
		defer c.Close(context.Background())
		if _, err := c.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	return schema
}

// deleteRedisPrefix removes the keys this test wrote.
func deleteRedisPrefix(t *testing.T, rawURL, prefix string) {
	opts, err := redis.ParseURL(rawURL)
	if err != nil {
		t.Error(err)
		return
	}
	c := redis.NewClient(opts)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	iter := c.Scan(ctx, 0, prefix+"*", 100).Iterator()
	for iter.Next(ctx) {
		if err := c.Del(ctx, iter.Val()).Err(); err != nil {
			t.Error(err)
			return
		}
	}
	if err := iter.Err(); err != nil {
		t.Error(err)
	}
}

// Two demo instances sharing one SQLite file behave as one app, and the
// file keeps the sessions over a restart.
func TestDemoSQLiteStore(t *testing.T) {
	spec := "sqlite:" + t.TempDir() + "/sessions.sqlite"
	a, b := startDemo(t, "-store", spec), startDemo(t, "-store", spec)
	if !strings.Contains(a.logs.String(), "store=sqlite") {
		t.Errorf("logs do not name the store:\n%s", a.logs)
	}
	serverSideFlow(t, a, b, "ada")
	c := browser("test")
	post(t, c, a.base+"/login", url.Values{"name": {"Lin"}})
	post(t, c, a.base+"/count", nil)
	a.stop()
	b.stop()
	d := startDemo(t, "-store", spec)
	if page := post(t, c, d.base+"/count", nil); !strings.Contains(page, `id="who">Lin<`) || !counterIs(page, 2) {
		t.Errorf("after a restart with sqlite the session is lost:\n%s", page)
	}
}

// Two demo instances sharing MySQL/MariaDB behave as one app (a database of
// this test's own).
func TestDemoMySQLStore(t *testing.T) {
	dsn := serviceURL(t, "SESSIONKIT_TEST_MYSQL_DSN")
	cfg, err := mysql.ParseDSN(dsn)
	if err != nil {
		t.Fatalf("SESSIONKIT_TEST_MYSQL_DSN: %v", err)
	}
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	name := strings.ReplaceAll(uniqueName("sk_demo"), "-", "_")
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE `"+name+"`"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if _, err := db.ExecContext(ctx, "DROP DATABASE `"+name+"`"); err != nil {
			t.Errorf("dropping database %s: %v", name, err)
		}
	})
	u := url.URL{Scheme: "mysql", Host: cfg.Addr, Path: "/" + name}
	if cfg.Passwd != "" {
		u.User = url.UserPassword(cfg.User, cfg.Passwd)
	} else {
		u.User = url.User(cfg.User)
	}
	a, b := startDemo(t, "-store", u.String()), startDemo(t, "-store", u.String())
	if !strings.Contains(a.logs.String(), "store=mysql") {
		t.Errorf("logs do not name the store:\n%s", a.logs)
	}
	serverSideFlow(t, a, b, uniqueName("ada"))
}
