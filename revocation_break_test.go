package session_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/internal/testwait"
	"github.com/sessionkit/session/revocation"
	"github.com/sessionkit/session/sealed"
	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/memstore"
)

// flakyStore fails the methods named in fail.
type flakyStore struct {
	*memstore.Store
	mu   sync.Mutex
	fail map[string]bool
}

var errFlaky = errors.New("revocation store down")

func (f *flakyStore) set(methods ...string) {
	f.mu.Lock()
	f.fail = map[string]bool{}
	for _, m := range methods {
		f.fail[m] = true
	}
	f.mu.Unlock()
}

func (f *flakyStore) failing(m string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.fail[m]
}

func (f *flakyStore) Load(ctx context.Context, key string) (store.Record, bool, error) {
	if f.failing("Load") {
		return store.Record{}, false, errFlaky
	}
	return f.Store.Load(ctx, key)
}

func (f *flakyStore) Save(ctx context.Context, key string, rec store.Record) (uint64, error) {
	if f.failing("Save") {
		return 0, errFlaky
	}
	return f.Store.Save(ctx, key, rec)
}

// cookieApp is an application over cookie sessions with a real revocation
// list (revocation.List over a memstore that can be made to fail).
type cookieApp struct {
	m  *session.Manager
	st *flakyStore
	h  http.Handler
}

func newCookieApp(t *testing.T, codec string) *cookieApp {
	t.Helper()
	a := &cookieApp{st: &flakyStore{Store: memstore.New(memstore.Options{})}}
	cfg := session.Config{SecretKey: []byte("cookie-app"), Revocations: revocation.New(a.st, 0)}
	if codec == "sealed" {
		c, err := sealed.New([][]byte{newSealKey})
		if err != nil {
			t.Fatal(err)
		}
		cfg.Interface = &session.SecureCookie{Codec: c}
	}
	a.m = newManager(t, cfg)
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		_ = errors.Join(s.Clear(), s.Renew(), s.SetSubject(r.URL.Query().Get("u")), s.Set("user", r.URL.Query().Get("u")), s.SetPermanent(true))
	})
	mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		fmt.Fprintf(w, "%s|%s", session.GetOr(s, "user", "-"), session.GetOr(s, "flash", "-"))
	})
	mux.HandleFunc("/renew-keep", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		if err := errors.Join(s.Renew(), a.m.Revoke(r.Context(), s.Subject(), s), s.Set("flash", "kept")); err != nil {
			http.Error(w, err.Error(), 599)
		}
	})
	mux.HandleFunc("/logout", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		_ = errors.Join(s.Destroy(), s.Set("flash", "bye"))
	})
	mux.HandleFunc("/everywhere", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		_ = a.m.Revoke(r.Context(), s.Subject(), nil)
		_ = s.Set("flash", "bye")
	})
	mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) { _ = session.From(r).Set("n", 1) })
	a.h = a.m.Handler(mux)
	return a
}

func (a *cookieApp) get(path, cookie string) (code int, body, newCookie string, set bool) {
	rec := serve(a.h, path, cookie)
	v, ok := sessionCookie(rec)
	return rec.Code, rec.Body.String(), v, ok
}

func (a *cookieApp) login(t *testing.T, u string) string {
	t.Helper()
	code, _, c, ok := a.get("/login?u="+u, "")
	if code != 200 || !ok || c == "" {
		t.Fatalf("login: %d", code)
	}
	return c
}

func (a *cookieApp) who(cookie string) string {
	_, body, _, _ := a.get("/whoami", cookie)
	return body
}

// Cookie sessions, every codec: "log out other devices" from a request
// that just renewed keeps this device only; logout then flash; log out
// everywhere then flash.
func TestBreakCookieLifecycleOrders(t *testing.T) {
	for _, codec := range []string{"signed", "sealed"} {
		t.Run(codec, func(t *testing.T) {
			a := newCookieApp(t, codec)
			other := a.login(t, "alice")
			cur := a.login(t, "alice")
			bob := a.login(t, "bob")
			time.Sleep(time.Millisecond) // distinct nanosecond clocks on coarse timers
			code, body, kept, ok := a.get("/renew-keep", cur)
			if code != 200 || !ok || kept == "" {
				t.Fatalf("renew+revoke others: %d %q", code, body)
			}
			if got := a.who(kept); got != "alice|kept" {
				t.Errorf("kept device: %q", got)
			}
			if got := a.who(other); got != "-|-" {
				t.Errorf("other device after log out other devices: %q", got)
			}
			if got := a.who(bob); got != "bob|-" {
				t.Errorf("bob was logged out: %q", got)
			}
			code, _, out, ok := a.get("/logout", kept)
			if code != 200 || !ok || a.who(out) != "-|bye" {
				t.Errorf("logout then flash: %d, cookie set %t, sees %q", code, ok, a.who(out))
			}
			code, _, out, ok = a.get("/everywhere", bob)
			if code != 200 || !ok || a.who(out) != "-|bye" {
				t.Errorf("log out everywhere then flash: %d, cookie set %t, sees %q", code, ok, a.who(out))
			}
			if got := a.who(bob); got != "-|-" {
				t.Errorf("bob's old cookie after log out everywhere: %q", got)
			}
		})
	}
}

// A failing revocation store: opening, revoking and saving a session with a
// subject fail closed with 503 and no Set-Cookie; nothing is reported done.
func TestBreakCookieRevocationStoreFailure(t *testing.T) {
	for _, codec := range []string{"signed", "sealed"} {
		for _, tc := range []struct {
			path, fail string
		}{
			{"/whoami", "Load"},
			{"/set", "Load"},
			{"/everywhere", "Load"},
			{"/everywhere", "Save"},
			{"/renew-keep", "Save"},
			{"/login?u=carol", "Load"},
		} {
			t.Run(codec+tc.path+"/"+tc.fail, func(t *testing.T) {
				a := newCookieApp(t, codec)
				c := a.login(t, "alice")
				a.st.set(tc.fail)
				rec := serve(a.h, tc.path, c)
				a.st.set()
				if rec.Code != http.StatusServiceUnavailable || rec.Result().Header.Get("Retry-After") == "" {
					t.Errorf("status %d, Retry-After %q; want 503", rec.Code, rec.Result().Header.Get("Retry-After"))
				}
				if sc := rec.Result().Header.Values("Set-Cookie"); len(sc) != 0 {
					t.Errorf("Set-Cookie %q", sc)
				}
				if tc.fail == "Save" {
					if got := a.who(c); got != "alice|-" {
						t.Errorf("a failed revocation changed the session: %q", got)
					}
				}
			})
		}
	}
}

// Concurrent requests of alice's cookie (reads, writes, renewals) racing a
// "log out everywhere": no cookie any of them sends opens her session
// afterwards.
func TestBreakCookieConcurrentRevoke(t *testing.T) {
	for _, codec := range []string{"signed", "sealed"} {
		t.Run(codec, func(t *testing.T) {
			a := newCookieApp(t, codec)
			c := a.login(t, "alice")
			bob := a.login(t, "bob")
			opened := make(chan struct{}, 8)
			release := make(chan struct{})
			mux := http.NewServeMux()
			mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
				s := session.From(r)
				_ = s.Get("user")
				opened <- struct{}{}
				select {
				case <-release:
				case <-time.After(testwait.Timeout):
				}
				switch r.URL.Query().Get("op") {
				case "set":
					_ = s.Set("n", 2)
				case "flash":
					_ = s.Flash("hi", "")
				}
			})
			h := a.m.Handler(mux)
			ops := []string{"read", "set", "flash", "read", "set", "flash"}
			var wg sync.WaitGroup
			sent := make(chan string, len(ops))
			for _, op := range ops {
				wg.Add(1)
				go func() {
					defer wg.Done()
					rec := serve(h, "/?op="+op, c)
					if v, ok := sessionCookie(rec); ok && v != "" {
						sent <- v
					}
				}()
			}
			for range ops {
				testwait.Recv(t, opened, 0, "a request to open the session")
			}
			if code, _, _, _ := a.get("/everywhere", bob); code != 200 {
				t.Fatal("bob's request failed")
			}
			if err := a.m.Revoke(context.Background(), "alice", nil); err != nil {
				t.Fatal(err)
			}
			close(release)
			testwait.Wait(t, &wg, 0, "the racing requests")
			close(sent)
			for v := range sent {
				if got := a.who(v); got != "-|-" {
					t.Errorf("a cookie sent by a request that raced the revocation opens %q", got)
				}
			}
			if got := a.who(c); got != "-|-" {
				t.Errorf("the original cookie after the revocation: %q", got)
			}
		})
	}
}
