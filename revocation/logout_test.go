package revocation_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/internal/testwait"
	"github.com/sessionkit/session/revocation"
	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/memstore"
)

// logoutApp is a cookie-session app with Flask's logout habits: /login
// attaches the user, /everywhere revokes all of the user's sessions from the
// request (then flashes, or re-establishes the current device with ?keep),
// /page shows the user and the flashes.
func logoutApp(t *testing.T) (http.Handler, *revocation.List) {
	t.Helper()
	rev := revocation.New(memstore.New(memstore.Options{}), 0)
	m, err := session.New(session.Config{SecretKey: []byte("k"), Revocations: rev})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		s.SetPermanent(true)
		s.SetSubject("alice")
		s.Set("user", "alice")
	})
	mux.HandleFunc("/everywhere", func(w http.ResponseWriter, r *http.Request) {
		if !r.URL.Query().Has("late") {
			session.From(r).Get("user") // who is logging out: opened before the revocation
		}
		var keep *session.Session
		if r.URL.Query().Has("keep") {
			keep = session.From(r)
		}
		if err := m.Revoke(r.Context(), "alice", keep); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		s := session.From(r)
		if keep != nil {
			return
		}
		s.Flash("logged out everywhere", "info")
		http.Redirect(w, r, "/page", http.StatusSeeOther)
	})
	mux.HandleFunc("/page", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		flashes := s.Flashes() // popped before the header goes out
		fmt.Fprintf(w, "user=%v", s.Get("user"))
		for _, f := range flashes {
			fmt.Fprintf(w, " flash=%v", f.Message)
		}
	})
	return m.Handler(mux), rev
}

func do(h http.Handler, path, cookie string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// cookieOf returns the "name=value" of the session cookie a response sets,
// or "" when it sets none or deletes it.
func cookieOf(rec *httptest.ResponseRecorder) string {
	for _, c := range rec.Result().Cookies() {
		if c.Name == "session" && c.Value != "" && c.MaxAge >= 0 {
			return c.Name + "=" + c.Value
		}
	}
	return ""
}

// Logging out everywhere from the current request logs it out too, and the
// flash it writes afterwards reaches the next page (issue 11, fault 7, for
// cookie sessions).
func TestLogOutEverywhereThenFlash(t *testing.T) {
	for _, path := range []string{"/everywhere", "/everywhere?late"} {
		t.Run(path, func(t *testing.T) { testLogOutEverywhereThenFlash(t, path) })
	}
}

func testLogOutEverywhereThenFlash(t *testing.T, path string) {
	h, _ := logoutApp(t)
	login := cookieOf(do(h, "/login", ""))
	if login == "" {
		t.Fatal("login set no cookie")
	}
	time.Sleep(2 * time.Millisecond) // the revocation comes strictly after the login
	out := do(h, path, login)
	if out.Code != http.StatusSeeOther {
		t.Fatalf("logout everywhere: %d %s", out.Code, out.Body)
	}
	next := cookieOf(out)
	if next == "" {
		t.Fatal("the flash written after the revocation was not sent")
	}
	if got := do(h, "/page", next).Body.String(); got != "user=<nil> flash=logged out everywhere" {
		t.Errorf("next page: %q, want the flash and no user", got)
	}
	if got := do(h, "/page", login).Body.String(); got != "user=<nil>" {
		t.Errorf("the pre-logout cookie: %q, want no user", got)
	}
}

// "Log out other devices": re-establishing the current session after the
// revocation keeps it, and only it.
func TestLogOutOtherDevicesKeepsTheCurrentOne(t *testing.T) {
	h, _ := logoutApp(t)
	here := cookieOf(do(h, "/login", ""))
	other := cookieOf(do(h, "/login", ""))
	time.Sleep(2 * time.Millisecond)
	res := do(h, "/everywhere?keep", here)
	kept := cookieOf(res)
	if res.Code != http.StatusOK || kept == "" {
		t.Fatalf("log out other devices: %d, cookie %q", res.Code, kept)
	}
	if got := do(h, "/page", kept).Body.String(); got != "user=alice" {
		t.Errorf("the current device: %q, want still logged in", got)
	}
	if got := do(h, "/page", other).Body.String(); got != "user=<nil>" {
		t.Errorf("the other device: %q, want logged out", got)
	}
}

// A request that did not revoke and writes to a session revoked while it
// ran fails closed: it cannot re-issue the session (fault 1), and it does
// not take the fresh-session path of the revoking request.
func TestConcurrentWriterOfARevokedSessionFails(t *testing.T) {
	h, rev := logoutApp(t)
	login := cookieOf(do(h, "/login", ""))
	time.Sleep(2 * time.Millisecond)
	var once sync.Once
	slow := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r) // opened before the revocation
		once.Do(func() {
			if err := rev.Revoke(context.Background(), "alice", time.Now()); err != nil {
				t.Error(err)
			}
		})
		s.Set("cart", "1")
	})
	m, err := session.New(session.Config{SecretKey: []byte("k"), Revocations: rev})
	if err != nil {
		t.Fatal(err)
	}
	res := do(m.Handler(slow), "/", login)
	if res.Code != http.StatusInternalServerError || cookieOf(res) != "" {
		t.Errorf("a write to a session revoked meanwhile: %d, cookie %q; want 500 and no cookie", res.Code, cookieOf(res))
	}
}

// A revocation decided by the server happens even when the client that
// asked for it has gone away (its request context is cancelled).
func TestRevokeSurvivesClientDisconnect(t *testing.T) {
	rev := revocation.New(memstore.New(memstore.Options{}), 0)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	at := time.Now()
	if err := rev.Revoke(ctx, "alice", at); err != nil {
		t.Fatalf("Revoke with a cancelled context: %v", err)
	}
	nb, err := rev.NotBefore(context.Background(), "alice")
	if err != nil || !nb.Equal(at.Round(0)) {
		t.Fatalf("not before = %v, %v; want %v", nb, err, at)
	}
}

// Many concurrent revocations of one subject all succeed: conflicts back
// off and retry until the deadline instead of failing after a count (the
// no-backoff kind of fault 4).
func TestConcurrentRevocationsAllSucceed(t *testing.T) {
	rev := revocation.New(delayedStore{memstore.New(memstore.Options{})}, 0)
	base := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 40)
	for i := range 40 {
		wg.Go(func() { errs <- rev.Revoke(context.Background(), "alice", base.Add(time.Duration(i))) })
	}
	testwait.Wait(t, &wg, 0, "40 concurrent revocations")
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("a concurrent revocation failed: %v", err)
		}
	}
	nb, err := rev.NotBefore(context.Background(), "alice")
	if err != nil || !nb.Equal(base.Add(39).Round(0)) {
		t.Errorf("not before = %v, %v; want the latest, %v", nb, err, base.Add(39))
	}
}

// delayedStore adds a round trip's delay to Load, so that concurrent
// read-modify-write cycles overlap and conflict as they do on a network store.
type delayedStore struct{ *memstore.Store }

func (d delayedStore) Load(ctx context.Context, key string) (store.Record, bool, error) {
	time.Sleep(500 * time.Microsecond)
	return d.Store.Load(ctx, key)
}

func (d delayedStore) Save(ctx context.Context, key string, rec store.Record) (uint64, error) {
	time.Sleep(500 * time.Microsecond)
	return d.Store.Save(ctx, key, rec)
}
