package session_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/sessiontest"
)

// R11, R13: the secure profile.
func TestSecureProfile(t *testing.T) {
	cfg := session.SecureProfile(session.Config{SecretKey: []byte("k"), CookieDomain: "example.com", CookiePath: "/app", DisableHTTPOnly: true})
	m := newManager(t, cfg)
	c := client(m, map[string]http.HandlerFunc{"/": func(w http.ResponseWriter, r *http.Request) { _ = session.From(r).Set("a", 1) }})
	nv, a := cookieAttrs(c.Get("/").Header.Get("Set-Cookie"))
	if len(nv) < 15 || nv[:15] != "__Host-session=" || a["path"] != "/" || a["samesite"] != "Lax" {
		t.Errorf("secure profile cookie: %s %v", nv, a)
	}
	for _, flag := range []string{"secure", "httponly"} {
		if _, ok := a[flag]; !ok {
			t.Errorf("no %s", flag)
		}
	}
	if _, ok := a["domain"]; ok {
		t.Error("a __Host- cookie with a Domain")
	}
}

// R20: a response that sets a session cookie is never cacheable by shared caches.
func TestSetCookieResponsesArePrivate(t *testing.T) {
	m := newManager(t, session.Config{})
	for _, tc := range []struct{ app, want string }{
		{"", "private"},
		{"public, max-age=3600", "max-age=3600, private"},
		{"max-age=60", "max-age=60, private"},
		{"no-store", "no-store"},
		{"private, max-age=5", "private, max-age=5"},
	} {
		c := client(m, map[string]http.HandlerFunc{
			"/set": func(w http.ResponseWriter, r *http.Request) {
				if tc.app != "" {
					w.Header().Set("Cache-Control", tc.app)
				}
				_ = session.From(r).Set("a", 1)
			},
			"/clear": func(w http.ResponseWriter, r *http.Request) {
				if tc.app != "" {
					w.Header().Set("Cache-Control", tc.app)
				}
				_ = session.From(r).Clear()
			},
			"/read": func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Cache-Control", "public, max-age=60")
				session.From(r).Get("a")
			},
		})
		for _, path := range []string{"/set", "/clear"} {
			if got := c.Get(path).Header.Get("Cache-Control"); got != tc.want {
				t.Errorf("%s with Cache-Control %q: got %q, want %q", path, tc.app, got, tc.want)
			}
		}
		// No Set-Cookie: the application's caching is left alone (Vary: Cookie still guards it).
		res := c.Get("/read")
		if res.Header.Get("Cache-Control") != "public, max-age=60" || res.Header.Get("Vary") != "Cookie" {
			t.Errorf("read-only response: Cache-Control %q Vary %q", res.Header.Get("Cache-Control"), res.Header.Get("Vary"))
		}
	}
}

// memRevocations is an in-memory session.Revocations for tests.
type memRevocations struct {
	mu sync.Mutex
	nb map[string]time.Time
}

func (m *memRevocations) NotBefore(_ context.Context, subject string) (time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.nb[subject], nil
}

func (m *memRevocations) Revoke(_ context.Context, subject string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.nb == nil {
		m.nb = map[string]time.Time{}
	}
	m.nb[subject] = at
	return nil
}

// R5, R6: cookie sessions revoked through a per-subject not-before time.
func TestRevocableCookieSessions(t *testing.T) {
	clock := t0
	var mu sync.Mutex
	now := func() time.Time { mu.Lock(); defer mu.Unlock(); return clock }
	rev := &memRevocations{nb: map[string]time.Time{}}
	m := newManager(t, session.Config{Now: now, Revocations: rev})
	routes := map[string]http.HandlerFunc{
		"/login": func(w http.ResponseWriter, r *http.Request) {
			s := session.From(r)
			_ = s.SetSubject("alice")
			_ = s.Set("user", "alice")
		},
		"/get": func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(session.GetOr(session.From(r), "user", "-")))
		},
	}
	laptop, phone := client(m, routes), client(m, routes)
	laptop.Get("/login")
	phone.Get("/login")
	mu.Lock()
	clock = clock.Add(time.Minute)
	mu.Unlock()
	rev.mu.Lock()
	rev.nb["alice"] = now() // log out everywhere
	rev.mu.Unlock()
	for name, c := range map[string]*sessiontest.Client{"laptop": laptop, "phone": phone} {
		if got := c.Get("/get").Body; got != "-" {
			t.Errorf("%s still logged in after revocation: %q", name, got)
		}
	}
	mu.Lock()
	clock = clock.Add(time.Second)
	mu.Unlock()
	laptop.Get("/login")
	if got := laptop.Get("/get").Body; got != "alice" {
		t.Errorf("a login after the revocation is refused: %q", got)
	}
}
