package session_test

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/sessionkit/session"
)

// A request opens alice's cookie session, alice is revoked while it runs
// ("log out everywhere" from another device), then the request re-issues
// the session through Renew (periodic rotation, a step-up) or through
// SetSubject with the same subject: the re-issued cookie is not accepted as
// alice, and the write fails with ErrSessionRevoked (breaker finding 1).
func TestRenewDoesNotReviveRevokedCookie(t *testing.T) {
	ops := map[string]func(*session.Session) error{
		"Renew":       func(s *session.Session) error { return s.Renew() },
		"SetSubject":  func(s *session.Session) error { return s.SetSubject("alice") },
		"Renew+write": func(s *session.Session) error { return errors.Join(s.Renew(), s.Set("x", 1)) },
	}
	for _, codec := range []string{"signed", "sealed"} {
		for name, op := range ops {
			t.Run(codec+"/"+name, func(t *testing.T) {
				a := newRevocationApp(t, codec == "sealed", false)
				cookie := a.logIn(t, true)
				a.clock.Set(a.clock.Now().Add(time.Second))
				h := a.main.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					s := session.From(r)
					_ = s.Get("user") // opened before the revocation
					a.rev.revoke("alice", a.clock.Now())
					a.clock.Set(a.clock.Now().Add(time.Second))
					_ = op(s)
				}))
				res := serve(h, "/", cookie)
				if c, ok := sessionCookie(res); ok && c != "" {
					if who := a.whoAmI(c); who != "-" {
						t.Fatalf("status %d: the cookie re-issued after the revocation is accepted as %q", res.Code, who)
					}
				}
				if res.Code != http.StatusInternalServerError {
					t.Errorf("status %d, want 500 (ErrSessionRevoked reported)", res.Code)
				}
			})
		}
	}
}

// The same Renew on a session established after the revocation (a login
// through this request after Clear) is a fresh session: it is kept.
func TestRenewAfterFreshLoginKept(t *testing.T) {
	a := newRevocationApp(t, false, false)
	cookie := a.logIn(t, true)
	a.clock.Set(a.clock.Now().Add(time.Second))
	h := a.main.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		_ = s.Get("user")
		a.rev.revoke("alice", a.clock.Now())
		a.clock.Set(a.clock.Now().Add(time.Second))
		if err := errors.Join(s.Clear(), s.SetSubject("alice"), s.Set("user", "alice"), s.Renew()); err != nil {
			t.Error(err)
		}
	}))
	res := serve(h, "/", cookie)
	c, ok := sessionCookie(res)
	if res.Code != http.StatusOK || !ok || a.whoAmI(c) != "alice" {
		t.Errorf("status %d, cookie set %t: a login after the revocation was not kept", res.Code, ok)
	}
}
