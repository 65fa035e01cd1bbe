package session_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/sessiontest"
)

// counting wraps SecureCookie and counts opens and saves.
type counting struct {
	session.SecureCookie
	opens, saves atomic.Int32
}

func (c *counting) Open(cfg *session.Config, r *http.Request) (*session.Session, error) {
	c.opens.Add(1)
	return c.SecureCookie.Open(cfg, r)
}

func (c *counting) Save(cfg *session.Config, s *session.Session, w http.ResponseWriter, r *http.Request) error {
	c.saves.Add(1)
	return c.SecureCookie.Save(cfg, s, w, r)
}

func TestMiddlewareOpensLazily(t *testing.T) {
	iface := &counting{}
	m := newManager(t, session.Config{Interface: iface})
	c := client(m, map[string]http.HandlerFunc{
		"/set":  func(w http.ResponseWriter, r *http.Request) { _ = session.From(r).Set("a", 1) },
		"/none": func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "no session used") },
		"/twice": func(w http.ResponseWriter, r *http.Request) {
			if a, b := session.From(r), session.From(r); a != b {
				t.Error("From returned two different sessions in one request")
			}
		},
	})
	c.Get("/set")
	iface.opens.Store(0)
	iface.saves.Store(0)
	c.Get("/none")
	if iface.opens.Load() != 0 || iface.saves.Load() != 0 {
		t.Errorf("untouched request: %d opens, %d saves", iface.opens.Load(), iface.saves.Load())
	}
	c.Get("/twice")
	if iface.opens.Load() != 1 || iface.saves.Load() != 1 {
		t.Errorf("session used twice: %d opens, %d saves, want 1 and 1", iface.opens.Load(), iface.saves.Load())
	}
}

// The session is saved before the header goes out, whichever way it goes out.
func TestMiddlewareSavesBeforeHeader(t *testing.T) {
	cases := map[string]func(w http.ResponseWriter){
		"WriteHeader": func(w http.ResponseWriter) { w.WriteHeader(http.StatusCreated) },
		"Write":       func(w http.ResponseWriter) { _, _ = w.Write([]byte("body")) },
		"return":      func(w http.ResponseWriter) {},
		"Flush":       func(w http.ResponseWriter) { w.(http.Flusher).Flush() },
		"ResponseController.Flush": func(w http.ResponseWriter) {
			if err := http.NewResponseController(w).Flush(); err != nil {
				t.Errorf("ResponseController.Flush: %v", err)
			}
		},
		"ReadFrom": func(w http.ResponseWriter) { _, _ = io.Copy(w, strings.NewReader("body")) },
	}
	for name, respond := range cases {
		t.Run(name, func(t *testing.T) {
			m := newManager(t, session.Config{})
			var late error
			h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := session.From(r)
				_ = s.Set("user", "alice")
				respond(w)
				late = s.Set("after", "header") // too late for this response
			}))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
			if len(rec.Result().Header.Values("Set-Cookie")) != 1 {
				t.Errorf("no Set-Cookie in the response header: %v", rec.Result().Header)
			}
			if name == "return" {
				if late != nil {
					t.Errorf("write before the handler returned: %v", late)
				}
				return
			}
			if !errors.Is(late, session.ErrHeaderWritten) {
				t.Errorf("write after the header: err = %v, want ErrHeaderWritten", late)
			}
		})
	}
}

// A change after the header went out is reported through the error handler.
func TestMiddlewareReportsLateWrites(t *testing.T) {
	var reported []error
	m := newManager(t, session.Config{ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
		reported = append(reported, err)
	}})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		fmt.Fprint(w, "hello")
		_ = s.Set("late", true)
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if len(reported) != 1 || !errors.Is(reported[0], session.ErrHeaderWritten) {
		t.Fatalf("reported %v, want one ErrHeaderWritten", reported)
	}
	if rec.Code != 200 || rec.Body.String() != "hello" {
		t.Errorf("response changed: %d %q", rec.Code, rec.Body.String())
	}
}

func TestMiddlewareDefaultErrorHandlerIs500(t *testing.T) {
	m, err := session.New(session.Config{Logger: discardLogger()})
	if err != nil {
		t.Fatal(err)
	}
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = session.From(r).Set("x", 1)
		w.Header().Set("X-Handler", "yes")
		w.WriteHeader(http.StatusOK)
		if _, err := w.Write([]byte("secret")); err == nil {
			t.Error("Write after the error response succeeded")
		}
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if rec.Code != 500 || strings.Contains(rec.Body.String(), "secret") || rec.Header().Get("X-Handler") != "" {
		t.Errorf("got %d %q headers %v", rec.Code, rec.Body.String(), rec.Header())
	}
}

func TestFromWithoutMiddleware(t *testing.T) {
	r := httptest.NewRequest("GET", "/", nil)
	s := session.From(r)
	if s == nil || !s.IsNull() || s.Get("x") != nil {
		t.Fatal("From without middleware did not give a readable null session")
	}
	if err := s.Set("x", 1); !errors.Is(err, session.ErrNoMiddleware) {
		t.Errorf("write: %v, want ErrNoMiddleware", err)
	}
	if _, err := session.Load(r); !errors.Is(err, session.ErrNoMiddleware) {
		t.Errorf("Load: %v", err)
	}
	if s := session.From(httptest.NewRequest("GET", "/", nil)); !s.IsNull() {
		t.Error("FromContext(Background) is not a null session")
	}
}

// The session survives handlers that derive their own request context.
func TestFromDerivedContext(t *testing.T) {
	m := newManager(t, session.Config{})
	type key struct{}
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithCancel(context.WithValue(r.Context(), key{}, 1))
		defer cancel()
		if err := session.From(r.WithContext(ctx)).Set("a", 1); err != nil {
			t.Errorf("session from a derived context: %v", err)
		}
		if r.Context().Err() != nil {
			t.Error("request context already done")
		}
	}))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if len(rec.Result().Header.Values("Set-Cookie")) != 1 {
		t.Error("change through a derived context was not saved")
	}
}

func TestMiddlewareHijack(t *testing.T) {
	m := newManager(t, session.Config{})
	srv := httptest.NewServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = session.From(r).Set("a", 1)
		conn, brw, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		brw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
		brw.Flush()
	})))
	defer srv.Close()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n")
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	if string(body) != "ok" {
		t.Errorf("hijacked body %q", body)
	}
}

func TestMiddlewareInformationalHeaderDoesNotSave(t *testing.T) {
	m := newManager(t, session.Config{})
	srv := httptest.NewServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		w.Header().Set("Link", "</style.css>; rel=preload")
		w.WriteHeader(http.StatusEarlyHints)
		if err := s.Set("a", 1); err != nil {
			t.Errorf("write after 103 Early Hints: %v", err)
		}
	})))
	defer srv.Close()
	res, err := srv.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 200 || len(res.Header.Values("Set-Cookie")) != 1 {
		t.Errorf("status %d, Set-Cookie %q: the session written after 103 was not saved", res.StatusCode, res.Header.Values("Set-Cookie"))
	}
}

// A signed cookie whose payload cannot be decoded is a 500, as in Flask.
func TestBadPayloadIs500(t *testing.T) {
	// {"a": tagged bytes whose base64 Python cannot decode (binascii.Error:
	// one character is never a whole byte)}, signed with the test key.
	m := newManager(t, session.Config{Now: fixedClock(t0)})
	signer, err := m.Config().Signer()
	if err != nil {
		t.Fatal(err)
	}
	cookie := string(signer.AppendSign(nil, []byte(`{"a":{" b":"A"}}`), t0.Unix()))
	var got error
	m2 := newManager(t, session.Config{Now: fixedClock(t0), ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
		got = err
		w.WriteHeader(500)
	}})
	c := sessiontest.NewClient(m2.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		session.From(r).Get("a")
	})))
	req := c.NewRequest("GET", "/", nil)
	req.AddCookie(&http.Cookie{Name: "session", Value: cookie})
	res := c.Do(req)
	if res.StatusCode != 500 || !errors.Is(got, session.ErrBadPayload) {
		t.Errorf("status %d, err %v", res.StatusCode, got)
	}
}

func TestOversizeCookieIsAnError(t *testing.T) {
	big := strings.Repeat("x", 5000) // base64 of random-ish data would not compress; use varied text
	var b strings.Builder
	for i := range 700 {
		fmt.Fprintf(&b, "%d-%x;", i, i*7919)
	}
	big = b.String()
	var got error
	m := newManager(t, session.Config{ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
		got = err
		http.Error(w, "too big", 500)
	}})
	c := client(m, map[string]http.HandlerFunc{"/": func(w http.ResponseWriter, r *http.Request) { _ = session.From(r).Set("big", big) }})
	res := c.Get("/")
	var tooLarge *session.CookieTooLargeError
	if res.StatusCode != 500 || len(setCookies(res)) != 0 || !errors.As(got, &tooLarge) || !errors.Is(got, session.ErrCookieTooLarge) {
		t.Fatalf("status=%d set-cookie=%d err=%v", res.StatusCode, len(setCookies(res)), got)
	}
	if tooLarge.Limit != 4093 || tooLarge.Size <= 4093 || !strings.Contains(got.Error(), "too large") {
		t.Errorf("error details: %+v", tooLarge)
	}

	// Flask's behaviour on request: warn, send anyway.
	m = newManager(t, session.Config{AllowOversizeCookie: true, Logger: discardLogger()})
	c = client(m, map[string]http.HandlerFunc{"/": func(w http.ResponseWriter, r *http.Request) { _ = session.From(r).Set("big", big) }})
	if res := c.Get("/"); res.StatusCode != 200 || len(setCookies(res)) != 1 {
		t.Errorf("AllowOversizeCookie: status=%d set-cookie=%d", res.StatusCode, len(setCookies(res)))
	}
}

// Hostile cookies give a new empty session, never a panic or a 500.
func TestHostileCookies(t *testing.T) {
	m := newManager(t, session.Config{Now: fixedClock(t0)})
	valid := "eyJ1c2VyIjoiYWxpY2UifQ.ZVPxAA.LQ55TDIiJfvxB7VwlwEgxsz5GuU"
	inputs := []string{
		"", " ", "||", "...", "cookie", "\"\"", "\x00", strings.Repeat("A", 100<<10),
		valid[:len(valid)-1], strings.Replace(valid, ".", ":", -1), valid + "x",
		"eyJ1c2VyIjoiYWxpY2UifQ", // unsigned JSON
		"e30.AAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAAAAAAA",
	}
	for _, in := range inputs {
		c := sessiontest.NewClient(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprint(w, session.From(r).Len())
		})))
		req := c.NewRequest("GET", "/", nil)
		req.Header.Set("Cookie", "session="+in)
		res := c.Do(req)
		if res.StatusCode != 200 || res.Body != "0" || len(setCookies(res)) != 0 {
			t.Errorf("cookie %.40q: status=%d body=%q set-cookie=%v", in, res.StatusCode, res.Body, setCookies(res))
		}
	}
	// Duplicate names: the first wins, as in Flask.
	c := sessiontest.NewClient(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, session.From(r).Get("user"))
	})))
	for header, want := range map[string]string{
		"session=" + valid + "; session=garbage":           "alice",
		"session=garbage; session=" + valid:                "<nil>",
		"session=\"" + valid + "\"":                        "alice",
		"__HOST-session=" + valid:                          "<nil>",
		"xsession=" + valid + "; other=1":                  "<nil>",
		"a=1;   session=" + valid + "  ; b=2":              "alice",
		"\u00a0session=" + valid:                           "<nil>",
		"session\u00a0=" + valid:                           "<nil>",
		"=session=" + valid:                                "<nil>",
		strings.Repeat("c=1; ", 5000) + "session=" + valid: "alice",
	} {
		req := c.NewRequest("GET", "/", nil)
		req.Header.Set("Cookie", header)
		if got := c.Do(req).Body; got != want {
			t.Errorf("Cookie: %.60s → %q, want %q", header, got, want)
		}
	}
}

// TestHeaderLinesAreIndependent: the Set-Cookie, Vary and Cache-Control
// values Save adds share one allocation; extending one of them afterwards
// must not change another.
func TestHeaderLinesAreIndependent(t *testing.T) {
	m := newManager(t, session.Config{Now: fixedClock(t0)})
	r := httptest.NewRequest("GET", "/", nil)
	s, err := m.Open(r)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Set("user", "alice"); err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	if err := m.Save(s, w, r); err != nil {
		t.Fatal(err)
	}
	hd := w.Header()
	if len(hd["Vary"]) != 1 || len(hd["Set-Cookie"]) != 1 || len(hd["Cache-Control"]) != 1 {
		t.Fatalf("Save wrote %q", hd)
	}
	hd["Vary"] = append(hd["Vary"], "Accept-Encoding")
	hd["Set-Cookie"] = append(hd["Set-Cookie"], "other=1")
	hd["Cache-Control"][0] += ", max-age=0"
	if v := hd["Vary"]; len(v) != 2 || v[0] != "Cookie" || v[1] != "Accept-Encoding" {
		t.Errorf("Vary = %q", v)
	}
	if v := hd["Set-Cookie"]; len(v) != 2 || !strings.HasPrefix(v[0], "session=") || v[1] != "other=1" {
		t.Errorf("Set-Cookie = %q", v)
	}
	if v := hd["Cache-Control"]; len(v) != 1 || v[0] != "private, max-age=0" {
		t.Errorf("Cache-Control = %q", v)
	}
}
