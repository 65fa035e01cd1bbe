package session_test

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/sealed"
	"github.com/sessionkit/session/sessiontest"
)

// sessionCookies returns the Set-Cookie lines of res for the cookie name.
func sessionCookies(res *sessiontest.Response, name string) []string {
	var out []string
	for _, l := range setCookies(res) {
		if strings.HasPrefix(l, name+"=") {
			out = append(out, l)
		}
	}
	return out
}

// The same middleware applied at several levels (router-wide and a
// group's Use) gives one session and one Set-Cookie per request, carrying
// every write: the stale cookie of an outer layer never follows the inner
// layer's and undoes it.
func TestMiddlewareNestedOneSession(t *testing.T) {
	cfg := session.Config{}
	m := newManager(t, cfg)
	twin := newManager(t, cfg) // another Manager, equal config
	// between is a middleware between the layers that writes to the session.
	between := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if n := r.URL.Query().Get("n"); n != "" {
				if err := session.From(r).Set("between", n); err != nil {
					t.Errorf("between: %v", err)
				}
			}
			next.ServeHTTP(w, r)
		})
	}
	cases := map[string]func(http.Handler) http.Handler{
		"same Manager twice":      func(h http.Handler) http.Handler { return m.Handler(m.Handler(h)) },
		"equal Managers":          func(h http.Handler) http.Handler { return m.Handler(twin.Handler(h)) },
		"three levels":            func(h http.Handler) http.Handler { return m.Handler(twin.Handler(m.Handler(h))) },
		"writer in between":       func(h http.Handler) http.Handler { return m.Handler(between(m.Handler(h))) },
		"writer in between twins": func(h http.Handler) http.Handler { return twin.Handler(between(m.Handler(between(m.Handler(h))))) },
	}
	for name, wrap := range cases {
		t.Run(name, func(t *testing.T) {
			var sessions []*session.Session
			h := wrap(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := session.From(r)
				sessions = append(sessions, s, m.From(r), twin.From(r))
				switch r.URL.Path {
				case "/login":
					_ = s.SetPermanent(true)
					_ = s.Set("user", "alice")
				case "/count":
					n := session.GetOr(s, "n", 0)
					if err := s.Set("n", n+1); err != nil {
						t.Errorf("Set: %v", err)
					}
					fmt.Fprintf(w, "%d", n+1)
				case "/show":
					fmt.Fprintf(w, "%v %v %v", s.Get("user"), s.Get("n"), s.Get("between"))
				}
			}))
			c := sessiontest.NewClient(h)
			for i, path := range []string{"/login?n=0", "/count?n=1", "/count?n=2"} {
				res := c.Get(path)
				if res.StatusCode != 200 {
					t.Fatalf("%s: status %d", path, res.StatusCode)
				}
				if got := sessionCookies(res, "session"); len(got) != 1 {
					t.Fatalf("%s: %d Set-Cookie lines for the session, want 1: %q", path, len(got), got)
				}
				if sessions[3*i] != sessions[3*i+1] || sessions[3*i] != sessions[3*i+2] {
					t.Errorf("%s: From and Manager.From gave different sessions", path)
				}
			}
			want := "alice 2 <nil>"
			if strings.Contains(name, "between") {
				want = "alice 2 2" // the last count's between write, saved with the handler's
			}
			if got := c.Get("/show").Body; got != want {
				t.Errorf("after two counts the session holds %q, want %q", got, want)
			}
		})
	}
}

// A browser session sealed with a key being rotated out is re-issued on
// every request (stale); nested layers still send one cookie, the inner
// write included.
func TestMiddlewareNestedSealedRotation(t *testing.T) {
	oldKey, newKey := make([]byte, sealed.KeySize), make([]byte, sealed.KeySize)
	rand.Read(oldKey)
	rand.Read(newKey)
	oldCodec, err := sealed.New([][]byte{oldKey})
	if err != nil {
		t.Fatal(err)
	}
	rotated, err := sealed.New([][]byte{newKey, oldKey})
	if err != nil {
		t.Fatal(err)
	}
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		n := session.GetOr(s, "n", 0)
		_ = s.Set("n", n+1)
		fmt.Fprintf(w, "%d", n+1)
	})
	before := newManager(t, session.Config{Interface: &session.SecureCookie{Codec: oldCodec}})
	c := sessiontest.NewClient(before.Handler(handler))
	c.Get("/")
	after := newManager(t, session.Config{Interface: &session.SecureCookie{Codec: rotated}})
	c.Handler = after.Handler(after.Handler(handler))
	res := c.Get("/")
	if got := sessionCookies(res, "session"); len(got) != 1 {
		t.Fatalf("%d Set-Cookie lines, want 1: %q", len(got), got)
	}
	if got := c.Get("/").Body; got != "3" {
		t.Errorf("third visit counted %q, want 3: the second visit's write was lost", got)
	}
}

// Managers with different cookies on one request keep separate sessions,
// each reached with Manager.From, each saved in its own cookie.
func TestMiddlewareNestedDifferentCookies(t *testing.T) {
	a := newManager(t, session.Config{CookieName: "a"})
	b := newManager(t, session.Config{CookieName: "b"})
	h := a.Handler(b.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sa, sb := a.From(r), b.From(r)
		if sa == sb {
			t.Error("two cookies, one session")
		}
		if session.From(r) != sb {
			t.Error("From is not the innermost Manager's session")
		}
		if r.URL.Path == "/set" {
			_ = sa.Set("x", "from a")
			_ = sb.Set("y", "from b")
		}
		fmt.Fprintf(w, "%v|%v|%v|%v", sa.Get("x"), sa.Get("y"), sb.Get("x"), sb.Get("y"))
	})))
	c := sessiontest.NewClient(h)
	res := c.Get("/set")
	if len(sessionCookies(res, "a")) != 1 || len(sessionCookies(res, "b")) != 1 {
		t.Fatalf("Set-Cookie lines %q, want one for a and one for b", setCookies(res))
	}
	if got, want := c.Get("/").Body, "from a|<nil>|<nil>|from b"; got != want {
		t.Errorf("next request reads %q, want %q", got, want)
	}
	// Without the middleware, Manager.From is a null session.
	m := newManager(t, session.Config{CookieName: "c"})
	r, _ := http.NewRequest("GET", "/", nil)
	if s := m.From(r); !s.IsNull() {
		t.Errorf("Manager.From without the middleware: null=%v", s.IsNull())
	}
	if err := m.From(r).Set("k", 1); !errors.Is(err, session.ErrNoMiddleware) {
		t.Error("Manager.From without the middleware: write did not fail with ErrNoMiddleware")
	}
}

// A middleware between the layers that sends the header first: the outer
// layer saves then (one Set-Cookie at most, the permanent session's
// refresh) and the inner handler's write is reported as late, not lost.
func TestMiddlewareNestedHeaderSentBetween(t *testing.T) {
	reports := make(errReports, 4)
	m := newManager(t, session.Config{ErrorHandler: reports.handler})
	sendsHeader := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusAccepted)
			next.ServeHTTP(w, r)
		})
	}
	var writeErr error
	h := m.Handler(sendsHeader(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeErr = session.From(r).Set("n", 1)
	}))))
	c := loggedIn(t, m, h)
	if err := c.SessionTransaction(m, func(s *session.Session) error { return s.SetPermanent(true) }); err != nil {
		t.Fatal(err)
	}
	res := c.Get("/")
	if got := sessionCookies(res, "session"); res.StatusCode != http.StatusAccepted || len(got) > 1 {
		t.Errorf("status %d, Set-Cookie %q", res.StatusCode, got)
	}
	if !errors.Is(writeErr, session.ErrHeaderWritten) {
		t.Errorf("inner write: %v, want ErrHeaderWritten", writeErr)
	}
	if err := reports.next(t); !errors.Is(err, session.ErrHeaderWritten) {
		t.Errorf("reported %v", err)
	}
}
