package session_test

// Ports of Flask's own session tests (tests/test_basic.py unless noted), with
// the Flask test's name in each Go test's name.

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/sessiontest"
	"github.com/sessionkit/session/tagjson"
)

func TestFlask_SessionAccessed(t *testing.T) {
	m := newManager(t, session.Config{})
	var last *session.Session
	c := client(m, map[string]http.HandlerFunc{
		"/nothing": func(w http.ResponseWriter, r *http.Request) {},
		"/set": func(w http.ResponseWriter, r *http.Request) {
			last = session.From(r)
			_ = last.Set("value", 42)
		},
		"/get": func(w http.ResponseWriter, r *http.Request) {
			last = session.From(r)
			fmt.Fprint(w, last.Get("value"))
		},
	})
	if res := c.Get("/nothing"); res.Header.Get("Vary") != "" {
		t.Errorf("untouched session: Vary = %q", res.Header.Get("Vary"))
	}
	res := c.Get("/set")
	if res.Header.Get("Vary") != "Cookie" || !last.Accessed() || !last.Modified() {
		t.Errorf("set: Vary=%q accessed=%v modified=%v", res.Header.Get("Vary"), last.Accessed(), last.Modified())
	}
	res = c.Get("/get")
	if res.Header.Get("Vary") != "Cookie" || !last.Accessed() || last.Modified() || res.Body != "42" {
		t.Errorf("get: Vary=%q accessed=%v modified=%v body=%q", res.Header.Get("Vary"), last.Accessed(), last.Modified(), res.Body)
	}
}

func TestFlask_SessionPath_UsingApplicationRoot(t *testing.T) {
	for _, tc := range []struct {
		cfg  session.Config
		want string
	}{
		{session.Config{ApplicationRoot: "/foo"}, "/foo"},
		{session.Config{CookiePath: "/bar", ApplicationRoot: "/foo"}, "/bar"},
		{session.Config{}, "/"},
	} {
		m := newManager(t, tc.cfg)
		c := client(m, map[string]http.HandlerFunc{"/": func(w http.ResponseWriter, r *http.Request) { _ = session.From(r).Set("testing", 42) }})
		_, attrs := cookieAttrs(c.Get("/").Header.Get("Set-Cookie"))
		if attrs["path"] != tc.want {
			t.Errorf("Path = %q, want %q", attrs["path"], tc.want)
		}
	}
}

func TestFlask_SessionUsingSessionSettings(t *testing.T) {
	cfg := session.Config{
		CookieDomain: ".example.com", DisableHTTPOnly: true, CookieSecure: true,
		CookieSameSite: "Lax", CookiePath: "/", CookiePartitioned: true,
	}
	m := newManager(t, cfg)
	c := client(m, map[string]http.HandlerFunc{
		"/":      func(w http.ResponseWriter, r *http.Request) { _ = session.From(r).Set("testing", 42) },
		"/clear": func(w http.ResponseWriter, r *http.Request) { _, _, _ = session.From(r).Pop("testing") },
	})
	for _, path := range []string{"/", "/clear"} {
		h := c.Get(path).Header.Get("Set-Cookie")
		nv, a := cookieAttrs(h)
		if a["domain"] != "example.com" || a["path"] != "/" || a["samesite"] != "Lax" {
			t.Errorf("%s: %s", path, h)
		}
		for _, flag := range []string{"secure", "partitioned"} {
			if _, ok := a[flag]; !ok {
				t.Errorf("%s: no %s in %s", path, flag, h)
			}
		}
		if _, ok := a["httponly"]; ok {
			t.Errorf("%s: HttpOnly present though disabled: %s", path, h)
		}
		if path == "/clear" && (nv != "session=" || a["max-age"] != "0" || a["expires"] != "Thu, 01 Jan 1970 00:00:00 GMT") {
			t.Errorf("deletion cookie wrong: %s", h)
		}
	}
}

func TestFlask_SessionUsingSamesiteAttribute(t *testing.T) {
	if _, err := session.New(session.Config{SecretKey: []byte("k"), CookieSameSite: "invalid"}); err == nil {
		t.Error("invalid SameSite accepted")
	}
	for _, tc := range []struct{ in, want string }{{"", ""}, {"Strict", "Strict"}, {"lax", "Lax"}} {
		m := newManager(t, session.Config{CookieSameSite: tc.in})
		c := client(m, map[string]http.HandlerFunc{"/": func(w http.ResponseWriter, r *http.Request) { _ = session.From(r).Set("k", "v") }})
		_, a := cookieAttrs(c.Get("/").Header.Get("Set-Cookie"))
		if got, ok := a["samesite"]; got != tc.want || (tc.want == "" && ok) {
			t.Errorf("SameSite %q: got %q (present %v)", tc.in, got, ok)
		}
	}
}

func TestFlask_MissingSession(t *testing.T) {
	m, err := session.New(session.Config{Logger: discardLogger()}) // no secret key
	if err != nil {
		t.Fatal(err)
	}
	var setErr, popErr error
	var readOK bool
	c := client(m, map[string]http.HandlerFunc{
		"/read": func(w http.ResponseWriter, r *http.Request) {
			s := session.From(r)
			readOK = s.IsNull() && s.Get("missing") == nil && s.Len() == 0
			fmt.Fprint(w, "ok")
		},
		"/set": func(w http.ResponseWriter, r *http.Request) {
			setErr = session.From(r).Set("foo", 42)
			fmt.Fprint(w, "handler output")
		},
		"/pop": func(w http.ResponseWriter, r *http.Request) {
			_, _, popErr = session.From(r).Pop("foo")
		},
	})
	res := c.Get("/read")
	if !readOK || res.StatusCode != 200 || res.Header.Get("Vary") != "" || len(setCookies(res)) != 0 {
		t.Errorf("read on null session: ok=%v status=%d vary=%q set-cookie=%v", readOK, res.StatusCode, res.Header.Get("Vary"), setCookies(res))
	}
	res = c.Get("/set")
	if !errors.Is(setErr, session.ErrNoSecretKey) || !strings.Contains(setErr.Error(), "no secret key") {
		t.Errorf("Set on null session: %v", setErr)
	}
	if res.StatusCode != 500 || strings.Contains(res.Body, "handler output") || len(setCookies(res)) != 0 || res.Header.Get("Vary") != "" {
		t.Errorf("write to null session: status=%d body=%q set-cookie=%v vary=%q", res.StatusCode, res.Body, setCookies(res), res.Header.Get("Vary"))
	}
	if res := c.Get("/pop"); res.StatusCode != 500 || !errors.Is(popErr, session.ErrNoSecretKey) {
		t.Errorf("pop on null session: status=%d err=%v", res.StatusCode, popErr)
	}
}

func TestFlask_SecretKeyFallbacks(t *testing.T) {
	handlers := func(m *session.Manager, c *sessiontest.Client) *sessiontest.Client {
		mux := http.NewServeMux()
		mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) { _ = session.From(r).Set("a", 1) })
		mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, session.From(r).Get("a")) })
		if c == nil {
			return sessiontest.NewClient(m.Handler(mux))
		}
		c.Handler = m.Handler(mux)
		return c
	}
	c := handlers(newManager(t, session.Config{SecretKey: []byte("a")}), nil)
	c.Get("/set")
	if got := c.Get("/get").Body; got != "1" {
		t.Fatalf("same key: %q", got)
	}
	// The new key alone cannot read the old cookie.
	handlers(newManager(t, session.Config{SecretKey: []byte("b")}), c)
	if got := c.Get("/get").Body; got != "<nil>" {
		t.Fatalf("new key alone read the old cookie: %q", got)
	}
	// With the old key as a fallback it can; the cookie is re-signed with the new key on write.
	handlers(newManager(t, session.Config{SecretKey: []byte("b"), SecretKeyFallbacks: [][]byte{[]byte("a")}}), c)
	if got := c.Get("/get").Body; got != "1" {
		t.Fatalf("fallback key not used: %q", got)
	}
	c.Get("/set")
	handlers(newManager(t, session.Config{SecretKey: []byte("b")}), c)
	if got := c.Get("/get").Body; got != "1" {
		t.Fatalf("cookie was not re-signed with the current key: %q", got)
	}
	// Rotated again: c is the key, b a fallback.
	handlers(newManager(t, session.Config{SecretKey: []byte("c"), SecretKeyFallbacks: [][]byte{[]byte("a"), []byte("b")}}), c)
	if got := c.Get("/get").Body; got != "1" {
		t.Fatalf("after second rotation: %q", got)
	}
}

func TestFlask_SessionExpiration(t *testing.T) {
	m := newManager(t, session.Config{Now: fixedClock(t0)})
	c := client(m, map[string]http.HandlerFunc{
		"/perm": func(w http.ResponseWriter, r *http.Request) {
			s := session.From(r)
			_ = s.Set("test", 42)
			_ = s.SetPermanent(true)
		},
		"/temp": func(w http.ResponseWriter, r *http.Request) {
			s := session.From(r)
			_ = s.Set("test", 42)
			_ = s.SetPermanent(false)
		},
	})
	_, a := cookieAttrs(c.Get("/perm").Header.Get("Set-Cookie"))
	exp, err := time.Parse(http.TimeFormat, a["expires"])
	if err != nil || !exp.Equal(t0.Add(31*24*time.Hour)) {
		t.Errorf("permanent Expires = %q (%v), want now + 31 days", a["expires"], err)
	}
	if _, ok := a["max-age"]; ok {
		t.Error("Max-Age sent on a non-deletion cookie")
	}
	_, a = cookieAttrs(c.Get("/temp").Header.Get("Set-Cookie"))
	if _, ok := a["expires"]; ok {
		t.Errorf("non-permanent session has Expires %q", a["expires"])
	}
}

// Changes made after the view (Flask's after_request hooks; in Go, an outer
// middleware) are saved as long as the header has not gone out.
func TestFlask_SessionStoredLast(t *testing.T) {
	m := newManager(t, session.Config{})
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, session.From(r).Get("foo"))
	})
	after := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = session.From(r).Set("foo", 42)
			next.ServeHTTP(w, r)
		})
	}
	c := sessiontest.NewClient(m.Handler(after(mux)))
	if got := c.Get("/").Body; got != "42" {
		t.Errorf("first request body %q", got)
	}
	if got := c.Get("/").Body; got != "42" {
		t.Errorf("second request body %q", got)
	}
}

func TestFlask_SessionSpecialTypes(t *testing.T) {
	m := newManager(t, session.Config{})
	u := tagjson.UUID{0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78, 0x12, 0x34, 0x56, 0x78}
	now := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	want := map[string]any{
		"t":      tagjson.Tuple{int64(1), int64(2), int64(3)},
		"b":      []byte("\xff"),
		"m":      tagjson.Markup("<html>"),
		"u":      u,
		"d":      now,
		"t_tag":  map[string]any{" t": "not-a-tuple"},
		"di_tag": map[string]any{" di": "not-a-dict"},
		"x_tag":  map[string]any{" t__": "not-a-tuple"},
	}
	var got map[string]any
	c := client(m, map[string]http.HandlerFunc{
		"/set": func(w http.ResponseWriter, r *http.Request) { _ = session.From(r).Update(want) },
		"/get": func(w http.ResponseWriter, r *http.Request) { got = session.From(r).Values() },
	})
	c.Get("/set")
	c.Get("/get")
	if fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", want) {
		t.Errorf("round trip changed values:\n got %#v\nwant %#v", got, want)
	}
}

func TestFlask_SessionCookieSetting(t *testing.T) {
	for _, tc := range []struct {
		refresh, permanent bool
		wantCookie         bool
	}{
		{true, true, true}, {true, false, false}, {false, true, false}, {false, false, false},
	} {
		m := newManager(t, session.Config{DisableRefreshEachRequest: !tc.refresh})
		c := client(m, map[string]http.HandlerFunc{
			"/bump": func(w http.ResponseWriter, r *http.Request) {
				s := session.From(r)
				_ = s.Set("foo", session.GetOr(s, "foo", 0)+1)
				_ = s.SetPermanent(tc.permanent)
			},
			"/read": func(w http.ResponseWriter, r *http.Request) { session.From(r).Get("foo") },
		})
		if len(setCookies(c.Get("/bump"))) != 1 {
			t.Fatalf("%+v: a modified session sent no cookie", tc)
		}
		if got := len(setCookies(c.Get("/read"))) == 1; got != tc.wantCookie {
			t.Errorf("%+v: read-only request sent a cookie: %v, want %v", tc, got, tc.wantCookie)
		}
	}
}

func TestFlask_SessionVaryCookie(t *testing.T) {
	m := newManager(t, session.Config{})
	c := client(m, map[string]http.HandlerFunc{
		"/set":        func(w http.ResponseWriter, r *http.Request) { _ = session.From(r).Set("a", "a") },
		"/get":        func(w http.ResponseWriter, r *http.Request) { session.From(r).Get("a") },
		"/getitem":    func(w http.ResponseWriter, r *http.Request) { session.From(r).Lookup("a") },
		"/setdefault": func(w http.ResponseWriter, r *http.Request) { _, _ = session.From(r).SetDefault("a", "a") },
		"/clear":      func(w http.ResponseWriter, r *http.Request) { _ = session.From(r).Clear() },
		"/has":        func(w http.ResponseWriter, r *http.Request) { session.From(r).Has("a") },
		"/vary-cookie-header-set": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Vary", "Cookie")
			session.From(r).Get("a")
		},
		"/vary-header-set": func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Vary", "Accept-Encoding, Accept-Language")
			session.From(r).Get("a")
		},
		"/no-vary-header": func(w http.ResponseWriter, r *http.Request) {},
	})
	for path, want := range map[string]string{
		"/set": "Cookie", "/get": "Cookie", "/getitem": "Cookie", "/setdefault": "Cookie", "/clear": "Cookie", "/has": "Cookie",
		"/vary-cookie-header-set": "Cookie", "/vary-header-set": "Accept-Encoding, Accept-Language, Cookie", "/no-vary-header": "",
	} {
		res := c.Get(path)
		if got := res.Header.Values("Vary"); strings.Join(got, "|") != want {
			t.Errorf("%s: Vary = %q, want one header %q", path, got, want)
		}
	}
}

func TestFlask_SessionRefreshVary(t *testing.T) {
	m := newManager(t, session.Config{})
	c := client(m, map[string]http.HandlerFunc{
		"/login": func(w http.ResponseWriter, r *http.Request) {
			s := session.From(r)
			_ = s.Set("user_id", 1)
			_ = s.SetPermanent(true)
		},
		"/ignored": func(w http.ResponseWriter, r *http.Request) {},
	})
	c.Get("/login")
	res := c.Get("/ignored")
	if res.Header.Get("Vary") != "Cookie" || len(setCookies(res)) != 1 {
		t.Errorf("idle request after permanent login: Vary=%q Set-Cookie=%v", res.Header.Get("Vary"), setCookies(res))
	}
}

// test_reqctx.py: an interface whose open fails answers 500.
type failingOpen struct{ session.SecureCookie }

func (failingOpen) Open(*session.Config, *http.Request) (*session.Session, error) {
	return nil, errors.New("backend down")
}

func TestFlask_ReqCtx_OpenSessionError(t *testing.T) {
	var logged error
	m := newManager(t, session.Config{
		Interface:    &failingOpen{},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) { logged = err; w.WriteHeader(500) },
	})
	c := client(m, map[string]http.HandlerFunc{"/": func(w http.ResponseWriter, r *http.Request) {
		session.From(r).Get("x")
		fmt.Fprint(w, "hello")
	}})
	res := c.Get("/")
	if res.StatusCode != 500 || res.Body != "" || logged == nil || !strings.Contains(logged.Error(), "backend down") {
		t.Errorf("status=%d body=%q err=%v", res.StatusCode, res.Body, logged)
	}
}

// test_reqctx.py: the cookie name may be chosen per request.
type pathNamed struct{ session.Defaults }

func (pathNamed) CookieName(cfg *session.Config, r *http.Request) string {
	if strings.HasPrefix(r.URL.Path, "/bar") {
		return "bar"
	}
	return "foo"
}

func TestFlask_ReqCtx_DynamicCookieName(t *testing.T) {
	m := newManager(t, session.Config{Interface: &session.SecureCookie{Helpers: pathNamed{}}})
	mux := http.NewServeMux()
	for _, p := range []string{"/foo", "/bar"} {
		mux.HandleFunc(p+"/set", func(w http.ResponseWriter, r *http.Request) { _ = session.From(r).Set("v", r.URL.Query().Get("v")) })
		mux.HandleFunc(p+"/get", func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, session.From(r).Get("v")) })
	}
	c := sessiontest.NewClient(m.Handler(mux))
	c.Get("/foo/set?v=x")
	c.Get("/bar/set?v=y")
	if a, b := c.Get("/foo/get").Body, c.Get("/bar/get").Body; a != "x" || b != "y" {
		t.Errorf("per-request cookie names: foo=%q bar=%q", a, b)
	}
	if c.Cookie("foo") == nil || c.Cookie("bar") == nil {
		t.Error("cookies foo and bar not both set")
	}
}

// test_helpers.py: a streamed response keeps the session.
func TestFlask_Helpers_StreamedResponseKeepsSession(t *testing.T) {
	m := newManager(t, session.Config{})
	srv := httptest.NewServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		_ = s.Set("n", 1)
		for i := range 3 {
			fmt.Fprintf(w, "chunk %d\n", i)
			if err := http.NewResponseController(w).Flush(); err != nil {
				t.Errorf("flush: %v", err)
			}
		}
	})))
	defer srv.Close()
	res, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	// Read the whole stream: closing early makes the handler's next Flush
	// fail (broken pipe), which ResponseController now reports.
	if body, err := io.ReadAll(res.Body); err != nil || !strings.Contains(string(body), "chunk 2") {
		t.Errorf("streamed body %q, %v", body, err)
	}
	if len(res.Header.Values("Set-Cookie")) != 1 || len(res.TransferEncoding) == 0 {
		t.Errorf("streamed: Set-Cookie=%v transfer-encoding=%v", res.Header.Values("Set-Cookie"), res.TransferEncoding)
	}
}

// test_testing.py: session transactions.
func TestFlask_Testing_SessionTransaction(t *testing.T) {
	m := newManager(t, session.Config{})
	c := client(m, map[string]http.HandlerFunc{"/": func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, session.From(r).Get("foo"))
	}})
	if err := c.SessionTransaction(m, func(s *session.Session) error { return s.Set("foo", "bar") }); err != nil {
		t.Fatal(err)
	}
	if got := c.Get("/").Body; got != "bar" {
		t.Errorf("next request saw %q", got)
	}
	if err := c.SessionTransaction(m, func(s *session.Session) error {
		if s.Get("foo") != "bar" {
			return fmt.Errorf("transaction saw %v", s.Get("foo"))
		}
		return s.Set("foo", "baz")
	}); err != nil {
		t.Fatal(err)
	}
	if got := c.Get("/").Body; got != "baz" {
		t.Errorf("after second transaction: %q", got)
	}
	null, _ := session.New(session.Config{})
	if err := sessiontest.NewClient(null.Handler(http.NotFoundHandler())).SessionTransaction(null, func(*session.Session) error { return nil }); err == nil {
		t.Error("session transaction without a secret key succeeded")
	}
}
