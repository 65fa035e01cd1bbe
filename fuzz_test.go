package session_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session"
)

// FuzzSetCookie: for any configuration New accepts and any session value,
// every emitted Set-Cookie parses back into a cookie that http.Cookie.Valid
// accepts, with the configured name (R18: only cookie-octets are emitted).
func FuzzSetCookie(f *testing.F) {
	f.Add("session", "example.com", "/app", "Lax", true, false, "alice")
	f.Add("__Host-s", "", "/", "Strict", true, true, "\x00\xff")
	f.Add("sid", ".example.org", "/a b;c", "none", true, false, strings.Repeat("x", 300))
	f.Fuzz(func(t *testing.T, name, domain, path, sameSite string, secure, permanent bool, value string) {
		m, err := session.New(session.Config{
			SecretKey: []byte("fuzz"), CookieName: name, CookieDomain: domain, CookiePath: path,
			CookieSameSite: sameSite, CookieSecure: secure, Logger: discardLogger(),
			Now: fixedClock(t0), AllowOversizeCookie: true, MaxCookieSize: -1,
		})
		if err != nil {
			return // refused at construction: nothing is ever emitted
		}
		for _, clear := range []bool{false, true} {
			h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := session.From(r)
				_ = s.Set("v", value)
				_ = s.SetPermanent(permanent)
				if clear {
					_ = s.Clear()
				}
			}))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
			lines := rec.Result().Header.Values("Set-Cookie")
			if rec.Code == 500 && len(lines) == 0 {
				continue // a value the encoder refuses (invalid UTF-8): an error, nothing emitted
			}
			if len(lines) != 1 {
				t.Fatalf("%d Set-Cookie headers (status %d)", len(lines), rec.Code)
			}
			c, err := http.ParseSetCookie(lines[0])
			if err != nil {
				t.Fatalf("unparsable Set-Cookie %q: %v", lines[0], err)
			}
			want := name
			if want == "" {
				want = session.DefaultCookieName
			}
			if err := c.Valid(); err != nil || c.Name != want {
				t.Fatalf("Set-Cookie %q: %v (name %q, want %q)", lines[0], err, c.Name, want)
			}
		}
	})
}

// FuzzOpen: any Cookie header gives a session or a clean error response,
// never a panic, and never a 500 unless the cookie carries a valid signature.
func FuzzOpen(f *testing.F) {
	m := newManager(f, session.Config{Now: fixedClock(t0.Add(time.Minute))})
	f.Add("session=eyJ1c2VyIjoiYWxpY2UifQ.ZVPxAA.LQ55TDIiJfvxB7VwlwEgxsz5GuU")
	f.Add("session=.eJyrVirKz0lVslIqLU4tUtIBUfGZKUpWSimpaUq1AMh8C1k.ZVPxAA.x")
	f.Add("session=\"a.b.c\"; session=x")
	f.Add(strings.Repeat("a=b; ", 400))
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		s.Keys()
		s.Flashes()
	}))
	f.Fuzz(func(t *testing.T, header string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.Header.Set("Cookie", header)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		if rec.Code != 200 && rec.Code != 500 {
			t.Fatalf("status %d", rec.Code)
		}
	})
}
