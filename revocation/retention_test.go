package revocation_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/revocation"
	"github.com/sessionkit/session/store/memstore"
)

type stepClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *stepClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *stepClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// session.New refuses a revocation list that keeps a revocation for less
// than the cookie lifetime, at one nanosecond under it, and accepts one
// that keeps it exactly that long (breaker finding 8).
func TestRetentionShorterThanLifetimeRefused(t *testing.T) {
	st := memstore.New(memstore.Options{})
	for _, tc := range []struct {
		keep, lifetime time.Duration
		ok             bool
	}{
		{time.Hour, 0, false}, // the default 31 days
		{31*24*time.Hour - 1, 0, false},
		{31 * 24 * time.Hour, 0, true},
		{0, 400 * 24 * time.Hour, true}, // 0: 400 days, the longest lifetime
		{2 * time.Hour, 2 * time.Hour, true},
		{2*time.Hour - 1, 2 * time.Hour, false},
	} {
		_, err := session.New(session.Config{SecretKey: []byte("k"), PermanentLifetime: tc.lifetime,
			Revocations: revocation.New(st, tc.keep)})
		if tc.ok && err != nil || !tc.ok && !errors.Is(err, session.ErrInvalidConfig) {
			t.Errorf("keep %v, lifetime %v: New returned %v, want ok=%t", tc.keep, tc.lifetime, err, tc.ok)
		}
	}
	if got := revocation.New(st, 0).Retention(); got != 400*24*time.Hour {
		t.Errorf("Retention of New(st, 0) = %v, want 400 days", got)
	}
}

// With a keep New accepts (exactly the lifetime), a revoked cookie is
// refused for as long as it is valid: up to its last second.
func TestRevokedCookieRefusedForItsWholeLifetime(t *testing.T) {
	const lifetime = 2 * time.Hour
	clk := &stepClock{t: time.Unix(1800000000, 0)}
	list := revocation.New(memstore.New(memstore.Options{Now: clk.Now}), lifetime)
	m, err := session.New(session.Config{SecretKey: []byte("k"), Now: clk.Now, Revocations: list, PermanentLifetime: lifetime})
	if err != nil {
		t.Fatal(err)
	}
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		if r.URL.Path == "/login" {
			_ = s.SetSubject("alice")
			_ = s.Set("user", "alice")
			_ = s.SetPermanent(true)
			return
		}
		w.Write([]byte(session.GetOr(s, "user", "-")))
	}))
	get := func(path, cookie string) *httptest.ResponseRecorder {
		req := httptest.NewRequest("GET", path, nil)
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	cookie := strings.SplitN(get("/login", "").Result().Header.Get("Set-Cookie"), ";", 2)[0]
	clk.Add(time.Second)
	if got := get("/", cookie).Body.String(); got != "alice" {
		t.Fatalf("before the revocation: %q", got)
	}
	if err := m.Revoke(t.Context(), "alice", nil); err != nil {
		t.Fatal(err)
	}
	for _, after := range []time.Duration{time.Minute, lifetime - time.Minute - 2*time.Second} {
		clk.Add(after)
		if got := get("/", cookie).Body.String(); got != "-" {
			t.Errorf("%v after log out everywhere the revoked cookie opens %q", after, got)
		}
	}
}
