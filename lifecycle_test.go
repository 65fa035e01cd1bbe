package session_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/revocation"
	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/sessiontest"
	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/memstore"
)

// lifecycleApp is one application written once, with no branch on the
// backend: log in (Renew, SetSubject), show the user, list the user's
// sessions, log out other devices (Revoke keeping this one), log out
// everywhere, log out (Destroy) and flash afterwards.
func lifecycleApp(m *session.Manager) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		name := r.URL.Query().Get("user")
		_ = s.Clear()
		_ = s.Renew()
		_ = s.SetSubject(name)
		_ = s.Set("user", name)
		_ = s.SetPermanent(true)
	})
	mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		flashes := s.Flashes()
		fmt.Fprintf(w, "user=%s subject=%s", session.GetOr(s, "user", "-"), s.Subject())
		for _, f := range flashes {
			fmt.Fprintf(w, " flash=%s", f.Message)
		}
	})
	mux.HandleFunc("/sessions", func(w http.ResponseWriter, r *http.Request) {
		infos, err := m.Sessions(r.Context(), session.From(r).Subject())
		if errors.Is(err, session.ErrNotSupported) {
			fmt.Fprint(w, "unsupported")
			return
		}
		current := 0
		for _, in := range infos {
			if in.Current {
				current++
			}
		}
		fmt.Fprintf(w, "%d current=%d", len(infos), current)
	})
	mux.HandleFunc("/others", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		if err := m.Revoke(r.Context(), s.Subject(), s); err != nil {
			http.Error(w, err.Error(), 500)
		}
	})
	mux.HandleFunc("/everywhere", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		if err := m.Revoke(r.Context(), s.Subject(), nil); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		_ = s.Flash("logged out everywhere", "")
	})
	mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		_ = s.Destroy()
		_ = s.Flash("logged out", "")
	})
	return m.Handler(mux)
}

// lifecycleBackends are the configurations the one application runs on.
func lifecycleBackends(t *testing.T) map[string]session.Config {
	ss, err := serverside.New(serverside.Options{Store: memstore.New(memstore.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	return map[string]session.Config{
		"cookie": {SecretKey: []byte("k"), Logger: discardLogger(),
			Revocations: revocation.New(memstore.New(memstore.Options{}), 0)},
		"serverside": {Interface: ss, Logger: discardLogger()},
	}
}

// Issue 12 item 1: login, "log out other devices", "log out everywhere" and
// logout behave alike for cookie and server-side sessions, through the same
// calls.
func TestLifecycleOnEveryBackend(t *testing.T) {
	for name, cfg := range lifecycleBackends(t) {
		t.Run(name, func(t *testing.T) {
			m := newManager(t, cfg)
			h := lifecycleApp(m)
			laptop, phone, bob := sessiontest.NewClient(h), sessiontest.NewClient(h), sessiontest.NewClient(h)
			laptop.Get("/login?user=alice")
			phone.Get("/login?user=alice")
			bob.Get("/login?user=bob")
			for _, c := range []*sessiontest.Client{laptop, phone} {
				if got := c.Get("/whoami").Body; got != "user=alice subject=alice" {
					t.Fatalf("after login: %q", got)
				}
			}
			list := phone.Get("/sessions").Body
			if name == "cookie" && list != "unsupported" || name != "cookie" && list != "2 current=1" {
				t.Errorf("sessions: %q", list)
			}
			if res := phone.Get("/others"); res.StatusCode != 200 {
				t.Fatalf("log out other devices: %d %s", res.StatusCode, res.Body)
			}
			if got := laptop.Get("/whoami").Body; got != "user=- subject=" {
				t.Errorf("the laptop after log out other devices: %q", got)
			}
			if got := phone.Get("/whoami").Body; got != "user=alice subject=alice" {
				t.Errorf("the phone after log out other devices: %q", got)
			}
			if res := phone.Get("/everywhere"); res.StatusCode != 200 {
				t.Fatalf("log out everywhere: %d %s", res.StatusCode, res.Body)
			}
			if got := phone.Get("/whoami").Body; got != "user=- subject= flash=logged out everywhere" {
				t.Errorf("the phone after log out everywhere: %q", got)
			}
			if got := bob.Get("/whoami").Body; got != "user=bob subject=bob" {
				t.Errorf("another user after alice logged out everywhere: %q", got)
			}
			pre := bob.Cookie("session")
			bob.Get("/logout")
			if got := bob.Get("/whoami").Body; got != "user=- subject= flash=logged out" {
				t.Errorf("after logout: %q", got)
			}
			replay := sessiontest.NewClient(h)
			r := replay.NewRequest("GET", "/whoami", nil)
			r.AddCookie(pre)
			if got := replay.Do(r).Body; name == "serverside" && got != "user=- subject=" {
				t.Errorf("the pre-logout cookie still opens the session: %q", got)
			}
		})
	}
}

// Renew gives a server-side session a new ID and re-issues a cookie with a
// new establishment time, keeping the values.
func TestRenew(t *testing.T) {
	for name, cfg := range lifecycleBackends(t) {
		t.Run(name, func(t *testing.T) {
			clock := time.Unix(1800000000, 0)
			cfg.Now = func() time.Time { return clock }
			m := newManager(t, cfg)
			c := client(m, map[string]http.HandlerFunc{
				"/set":   func(w http.ResponseWriter, r *http.Request) { _ = session.From(r).Set("a", "1") },
				"/renew": func(w http.ResponseWriter, r *http.Request) { _ = session.From(r).Renew() },
				"/get": func(w http.ResponseWriter, r *http.Request) {
					fmt.Fprint(w, session.From(r).Get("a"))
				},
			})
			c.Get("/set")
			before := c.Cookie("session").Value
			clock = clock.Add(time.Second)
			res := c.Get("/renew")
			after := c.Cookie("session").Value
			if res.StatusCode != 200 || after == before {
				t.Fatalf("renew: status %d, cookie unchanged %t", res.StatusCode, after == before)
			}
			if got := c.Get("/get").Body; got != "1" {
				t.Errorf("values after Renew: %q", got)
			}
			if name == "cookie" {
				var est any
				err := c.SessionTransaction(m, func(s *session.Session) error {
					est = s.Get(session.EstablishedKey)
					return nil
				})
				if err != nil || est != clock.UnixNano() {
					t.Errorf("established %v (%v), want %d", est, err, clock.UnixNano())
				}
			}
		})
	}
}

// bareInterface is a third-party Interface whose sessions have no
// Lifecycle and which cannot list or revoke.
type bareInterface struct{ session.Defaults }

func (bareInterface) Open(cfg *session.Config, r *http.Request) (*session.Session, error) {
	return session.NewValues(nil), nil
}

func (bareInterface) Save(cfg *session.Config, s *session.Session, w http.ResponseWriter, r *http.Request) error {
	return nil
}

// A lifecycle call the backend cannot perform fails with ErrNotSupported;
// a write or revocation that did not happen (Renew, SetSubject, Destroy,
// Revoke, RevokeKey) also answers the request through the error handler,
// while a query (Sessions) is left to the handler.
func TestLifecycleNotSupported(t *testing.T) {
	writes := map[string]func(s *session.Session) error{
		"Renew":      (*session.Session).Renew,
		"SetSubject": func(s *session.Session) error { return s.SetSubject("alice") },
		"Destroy":    (*session.Session).Destroy,
	}
	for name, op := range writes {
		t.Run(name, func(t *testing.T) {
			var handled error
			m := newManager(t, session.Config{Interface: bareInterface{},
				ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
					handled = err
					http.Error(w, "session error", 500)
				}})
			var got error
			c := client(m, map[string]http.HandlerFunc{"/": func(w http.ResponseWriter, r *http.Request) {
				got = op(session.From(r))
			}})
			res := c.Get("/")
			if !errors.Is(got, session.ErrNotSupported) || !errors.Is(handled, session.ErrNotSupported) || res.StatusCode != 500 {
				t.Errorf("returned %v, handled %v, status %d; want ErrNotSupported and 500", got, handled, res.StatusCode)
			}
		})
	}
	// Sessions, a query, is left to the caller (a page hides "your
	// sessions"); Revoke and RevokeKey, actions, are reported as the
	// Session calls are: a revocation that cannot happen answers 500 even
	// when the handler ignores the error.
	backends := map[string]session.Config{
		"third-party":             {Interface: bareInterface{}},
		"cookie, no Revocations":  {},
		"cookie with Revocations": {Revocations: revocation.New(memstore.New(memstore.Options{}), 0)},
	}
	calls := map[string]func(m *session.Manager, r *http.Request) error{
		"Sessions": func(m *session.Manager, r *http.Request) error {
			_, err := m.Sessions(r.Context(), "alice")
			return err
		},
		"Revoke":    func(m *session.Manager, r *http.Request) error { return m.Revoke(r.Context(), "alice", nil) },
		"RevokeKey": func(m *session.Manager, r *http.Request) error { return m.RevokeKey(r.Context(), "alice", "k") },
	}
	for bname, cfg := range backends {
		for cname, call := range calls {
			t.Run(bname+"/"+cname, func(t *testing.T) {
				if cname == "Revoke" && cfg.Revocations != nil {
					t.Skip("supported")
				}
				var handled error
				cfg := cfg
				cfg.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) {
					handled = err
					http.Error(w, "session error", 500)
				}
				m := newManager(t, cfg)
				var got error
				c := client(m, map[string]http.HandlerFunc{"/": func(w http.ResponseWriter, r *http.Request) {
					got = call(m, r) // the error ignored, as handlers do
				}})
				res := c.Get("/")
				if !errors.Is(got, session.ErrNotSupported) {
					t.Fatalf("returned %v, want ErrNotSupported", got)
				}
				if cname == "Sessions" {
					if res.StatusCode != 200 || handled != nil {
						t.Errorf("status %d, handled %v; a query is left to the caller", res.StatusCode, handled)
					}
				} else if res.StatusCode != 500 || !errors.Is(handled, session.ErrNotSupported) {
					t.Errorf("status %d, handled %v; want ErrNotSupported reported, 500", res.StatusCode, handled)
				}
			})
		}
	}
	if s := session.NewValues(map[string]any{"_subject": "alice"}); s.Subject() != "" {
		t.Errorf("Subject of a session without a Lifecycle = %q, want \"\"", s.Subject())
	}
}

// A failing revocation store fails the request closed, reported through
// the error handler even if the handler ignores the error.
func TestRevokeFailureIsReported(t *testing.T) {
	rev := &testRevocations{}
	var handled error
	m := newManager(t, session.Config{Revocations: rev,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			handled = err
			http.Error(w, "session error", 500)
		}})
	errDown := errors.New("revocations down")
	c := client(m, map[string]http.HandlerFunc{"/": func(w http.ResponseWriter, r *http.Request) {
		rev.fail(errDown)
		_ = m.Revoke(r.Context(), "alice", nil) // ignored
	}})
	if res := c.Get("/"); res.StatusCode != 500 || !errors.Is(handled, errDown) {
		t.Errorf("status %d, error handler got %v; want 500 and the store's error", res.StatusCode, handled)
	}
}

// downStore is a server-side store that is down.
type downStore struct{ store.Store }

var errStoreDown = errors.New("connection refused")

func (downStore) Load(context.Context, string) (store.Record, bool, error) {
	return store.Record{}, false, errStoreDown
}

// Issue 11 item 11 (the 503): the default error handler answers a store
// outage — an error wrapping ErrStoreUnavailable, as serverside's store
// failures and revocation lookups do — with 503 and Retry-After; other
// failures stay 500.
func TestDefaultErrorHandlerStoreOutage(t *testing.T) {
	ss, err := serverside.New(serverside.Options{Store: downStore{memstore.New(memstore.Options{})}})
	if err != nil {
		t.Fatal(err)
	}
	m := newManager(t, session.Config{Interface: ss})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { session.From(r).Get("user") }))
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Cookie", "session="+strings.Repeat("a", 43))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") != "5" {
		t.Errorf("store outage: status %d, Retry-After %q; want 503 and 5", w.Code, w.Header().Get("Retry-After"))
	}
	for name, err := range map[string]error{
		"outage":        fmt.Errorf("x: %w: %w", session.ErrStoreUnavailable, errStoreDown),
		"other failure": session.ErrBadPayload,
	} {
		w := httptest.NewRecorder()
		session.DefaultErrorHandler(w, httptest.NewRequest("GET", "/", nil), err)
		want := http.StatusInternalServerError
		if name == "outage" {
			want = http.StatusServiceUnavailable
		}
		if w.Code != want || (want == 503) != (w.Header().Get("Retry-After") != "") {
			t.Errorf("%s: status %d, Retry-After %q; want %d", name, w.Code, w.Header().Get("Retry-After"), want)
		}
	}
}

// Issue 12 item 8: several sessions per request — two Managers with
// different cookies (here a server-side login session and a signed
// preferences cookie), both reachable from one handler through
// Manager.From, each saved with its own cookie, each with its lifecycle.
func TestTwoSessionsPerRequest(t *testing.T) {
	ss, err := serverside.New(serverside.Options{Store: memstore.New(memstore.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	login := newManager(t, session.Config{Interface: ss})
	prefs := newManager(t, session.Config{CookieName: "prefs"})
	h := login.Handler(prefs.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ls, ps := login.From(r), prefs.From(r)
		if r.URL.Path == "/set" {
			_ = ls.Renew()
			_ = ls.SetSubject("alice")
			_ = ls.Set("user", "alice")
			_ = ps.Set("theme", "dark")
			return
		}
		fmt.Fprintf(w, "%v %v %v %v", ls.Get("user"), ls.Subject(), ps.Get("theme"), ps.Get("user"))
	})))
	c := sessiontest.NewClient(h)
	res := c.Get("/set")
	if c.Cookie("session") == nil || c.Cookie("prefs") == nil || len(res.Header.Values("Set-Cookie")) != 2 {
		t.Fatalf("Set-Cookie %q: want one per session", res.Header.Values("Set-Cookie"))
	}
	if got := c.Get("/").Body; got != "alice alice dark <nil>" {
		t.Errorf("next request: %q, want both sessions, each with its own values", got)
	}
	if infos, err := login.Sessions(context.Background(), "alice"); err != nil || len(infos) != 1 {
		t.Errorf("the login session is listed: %d, %v", len(infos), err)
	}
}
