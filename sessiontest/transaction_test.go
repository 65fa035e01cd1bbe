package sessiontest_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/sealed"
	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/sessiontest"
	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/memstore"
)

// app serves root+"login" (sets user and n=1) and root+"show" (prints
// them), the way an application mounted under root does.
func app(m *session.Manager, root string) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc(root+"login", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		if err := s.Update(map[string]any{"user": r.URL.Query().Get("user"), "n": 1}); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	mux.HandleFunc(root+"show", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		fmt.Fprintf(w, "user=%v n=%v", s.Get("user"), s.Get("n"))
	})
	return m.Handler(mux)
}

// pathHelpers put the cookie at a path of their own.
type pathHelpers struct {
	session.Defaults
	path string
}

func (h pathHelpers) CookiePath(*session.Config) string { return h.path }

// failingStore fails every save.
type failingStore struct{ store.Store }

func (failingStore) Save(context.Context, string, store.Record) (uint64, error) {
	return 0, errors.New("store down")
}

func sealedCookie(t *testing.T) session.Interface {
	codec, err := sealed.New([][]byte{[]byte(strings.Repeat("k", 32))})
	if err != nil {
		t.Fatal(err)
	}
	return &session.SecureCookie{Codec: codec}
}

func serverSide(t *testing.T, opts serverside.Options) session.Interface {
	if opts.Store == nil {
		opts.Store = memstore.New(memstore.Options{})
	}
	i, err := serverside.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return i
}

// TestSessionTransactionHonoursConfig (issue 13): the transaction sees the
// session the application set and its save replaces that very cookie,
// whatever the cookie's name, path, domain and the Interface. Before, with
// ApplicationRoot "/app", it saw no keys and its save overwrote the /app
// cookie with only its own keys (the user was logged out).
func TestSessionTransactionHonoursConfig(t *testing.T) {
	key := []byte("test key")
	tests := []struct {
		name    string
		cfg     func(t *testing.T) session.Config
		baseURL string
		root    string // where the application is mounted
		cookie  string // the session cookie's name
	}{
		{"ApplicationRoot", func(*testing.T) session.Config {
			return session.Config{SecretKey: key, ApplicationRoot: "/app"}
		}, "", "/app/", "session"},
		{"ApplicationRoot with slash", func(*testing.T) session.Config {
			return session.Config{SecretKey: key, ApplicationRoot: "/app/"}
		}, "", "/app/", "session"},
		{"CookiePath over ApplicationRoot", func(*testing.T) session.Config {
			return session.Config{SecretKey: key, ApplicationRoot: "/app", CookiePath: "/p"}
		}, "", "/p/", "session"},
		{"CookieName", func(*testing.T) session.Config {
			return session.Config{SecretKey: key, CookieName: "sid", ApplicationRoot: "/app"}
		}, "", "/app/", "sid"},
		{"CookieDomain", func(*testing.T) session.Config {
			return session.Config{SecretKey: key, CookieDomain: "example.com", ApplicationRoot: "/app"}
		}, "https://www.example.com", "/app/", "session"},
		{"CookieSecure", func(*testing.T) session.Config {
			return session.Config{SecretKey: key, CookieSecure: true, ApplicationRoot: "/app"}
		}, "", "/app/", "session"},
		{"sealed codec", func(t *testing.T) session.Config {
			return session.Config{Interface: sealedCookie(t), ApplicationRoot: "/app"}
		}, "", "/app/", "session"},
		{"SecureCookie.Helpers", func(*testing.T) session.Config {
			return session.Config{SecretKey: key, Interface: &session.SecureCookie{Helpers: pathHelpers{path: "/h"}}}
		}, "", "/h/", "session"},
		{"server-side", func(t *testing.T) session.Config {
			return session.Config{Interface: serverSide(t, serverside.Options{}), ApplicationRoot: "/app", CookieName: "sid"}
		}, "", "/app/", "sid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := session.New(tt.cfg(t))
			if err != nil {
				t.Fatal(err)
			}
			c := sessiontest.NewClient(app(m, tt.root))
			if tt.baseURL != "" {
				if c.BaseURL, err = url.Parse(tt.baseURL); err != nil {
					t.Fatal(err)
				}
			}
			if res := c.Get(tt.root + "login?user=alice"); res.StatusCode != http.StatusOK {
				t.Fatalf("login: %d %s", res.StatusCode, res.Body)
			}
			before := cookies(c, tt.root+"show", tt.cookie)
			if len(before) != 1 {
				t.Fatalf("after login the jar holds %d %q cookies for %s", len(before), tt.cookie, tt.root)
			}

			var seen any
			err = c.SessionTransaction(m, func(s *session.Session) error {
				seen = s.Get("user")
				return s.Set("n", 2)
			})
			if err != nil {
				t.Fatalf("SessionTransaction: %v", err)
			}
			if seen != "alice" {
				t.Errorf("the transaction saw user %v, want alice", seen)
			}
			if got := c.Get(tt.root + "show").Body; got != "user=alice n=2" {
				t.Errorf("after the transaction the application sees %q, want user=alice n=2", got)
			}
			if after := cookies(c, tt.root+"show", tt.cookie); len(after) != 1 {
				t.Errorf("after the transaction the jar sends %d %q cookies, want 1 (replaced)", len(after), tt.cookie)
			}
		})
	}
}

// cookies returns the jar's cookies called name sent to path.
func cookies(c *sessiontest.Client, path, name string) []*http.Cookie {
	var out []*http.Cookie
	for _, ck := range c.Jar.Cookies(c.NewRequest(http.MethodGet, path, nil).URL) {
		if ck.Name == name {
			out = append(out, ck)
		}
	}
	return out
}

// TestSessionTransactionPathMismatch: helpers sessiontest cannot see (a
// server-side Interface's Options.Helpers) put the cookie elsewhere; the
// transaction refuses to save a session that did not start from the
// client's, and Client.SessionPath fixes it.
func TestSessionTransactionPathMismatch(t *testing.T) {
	m, err := session.New(session.Config{Interface: serverSide(t, serverside.Options{Helpers: pathHelpers{path: "/x"}})})
	if err != nil {
		t.Fatal(err)
	}
	c := sessiontest.NewClient(app(m, "/x/"))
	c.Get("/x/login?user=alice")
	old := cookies(c, "/x/show", "session")
	if len(old) != 1 {
		t.Fatalf("login left %d cookies", len(old))
	}
	err = c.SessionTransaction(m, func(s *session.Session) error { return s.Set("n", 2) })
	if !errors.Is(err, sessiontest.ErrPathMismatch) {
		t.Fatalf("SessionTransaction = %v, want ErrPathMismatch", err)
	}
	if got := cookies(c, "/x/show", "session"); len(got) != 1 || got[0].Value != old[0].Value {
		t.Errorf("a refused transaction changed the jar")
	}
	if got := c.Get("/x/show").Body; got != "user=alice n=1" {
		t.Errorf("after a refused transaction: %q", got)
	}

	c.SessionPath = "/x"
	var seen any
	if err := c.SessionTransaction(m, func(s *session.Session) error {
		seen = s.Get("user")
		return s.Set("n", 2)
	}); err != nil {
		t.Fatal(err)
	}
	if got := c.Get("/x/show").Body; seen != "alice" || got != "user=alice n=2" {
		t.Errorf("with SessionPath: saw %v, application sees %q", seen, got)
	}
}

// TestSessionTransactionFailsClosed: when fn fails or the save fails (a
// store that errors), the error is returned and the jar is unchanged.
func TestSessionTransactionFailsClosed(t *testing.T) {
	mem := memstore.New(memstore.Options{})
	good, err := session.New(session.Config{Interface: serverSide(t, serverside.Options{Store: mem}), ApplicationRoot: "/app"})
	if err != nil {
		t.Fatal(err)
	}
	bad, err := session.New(session.Config{Interface: serverSide(t, serverside.Options{Store: failingStore{mem}}), ApplicationRoot: "/app"})
	if err != nil {
		t.Fatal(err)
	}
	c := sessiontest.NewClient(app(good, "/app/"))
	c.Get("/app/login?user=alice")
	old := cookies(c, "/app/show", "session")
	if len(old) != 1 {
		t.Fatalf("login left %d cookies", len(old))
	}
	unchanged := func(what string) {
		t.Helper()
		got := cookies(c, "/app/show", "session")
		if len(got) != 1 || got[0].Value != old[0].Value {
			t.Errorf("%s: the jar changed", what)
		}
		if body := c.Get("/app/show").Body; body != "user=alice n=1" {
			t.Errorf("%s: the application sees %q", what, body)
		}
	}

	errFn := errors.New("fn failed")
	if err := c.SessionTransaction(good, func(s *session.Session) error {
		_ = s.Set("n", 3)
		return errFn
	}); !errors.Is(err, errFn) {
		t.Errorf("fn error: SessionTransaction = %v", err)
	}
	unchanged("fn error")

	if err := c.SessionTransaction(bad, func(s *session.Session) error {
		return s.Set("user", "mallory")
	}); err == nil || !strings.Contains(err.Error(), "store down") {
		t.Errorf("store error: SessionTransaction = %v", err)
	}
	unchanged("store error")
}
