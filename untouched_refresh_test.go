package session_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sessionkit/session"
)

// TestUntouchedRefreshDecision: a request that never uses its session
// re-sends the cookie exactly when it carries a validly signed cookie of a
// permanent session and refreshing is on — compressed or not — and never
// for a forged permanent payload, a non-permanent session or with
// DisableRefreshEachRequest (the cases the unverified look at the payload
// decides without checking the signature).
func TestUntouchedRefreshDecision(t *testing.T) {
	cookieOf := func(t *testing.T, m *session.Manager, permanent bool, extra string) string {
		t.Helper()
		w := httptest.NewRecorder()
		m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s := session.From(r)
			if err := s.SetPermanent(permanent); err != nil {
				t.Fatal(err)
			}
			if err := s.Set("note", extra); err != nil {
				t.Fatal(err)
			}
		})).ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
		for _, c := range w.Result().Cookies() {
			if c.Name == "session" {
				return c.Value
			}
		}
		t.Fatal("no session cookie")
		return ""
	}
	untouched := func(m *session.Manager, value string) bool {
		w := httptest.NewRecorder()
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Cookie", "session="+value)
		m.Handler(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(w, r)
		return len(w.Result().Header.Values("Set-Cookie")) > 0
	}
	on := newManager(t, session.Config{})
	off := newManager(t, session.Config{DisableRefreshEachRequest: true})
	long := strings.Repeat("compressible ", 40)

	permanent := cookieOf(t, on, true, "x")
	compressed := cookieOf(t, on, true, long)
	if !strings.HasPrefix(compressed, ".") {
		t.Fatalf("expected a compressed cookie, got %q", compressed)
	}
	plain := cookieOf(t, on, false, "x")
	// A forged permanent payload: another key's signature.
	forged := cookieOf(t, newManager(t, session.Config{SecretKey: []byte("another key")}), true, "x")

	for _, tc := range []struct {
		name  string
		m     *session.Manager
		value string
		want  bool
	}{
		{"permanent", on, permanent, true},
		{"permanent, compressed", on, compressed, true},
		{"not permanent", on, plain, false},
		{"forged permanent", on, forged, false},
		{"permanent, refresh off", off, permanent, false},
		{"not a cookie", on, "garbage", false},
	} {
		if got := untouched(tc.m, tc.value); got != tc.want {
			t.Errorf("%s: cookie re-sent = %v, want %v", tc.name, got, tc.want)
		}
	}
}
