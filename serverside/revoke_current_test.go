package serverside_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/serverside"
)

// Finding 3: "log out everywhere" (Revoke with a nil keep) from a request
// whose own session is the subject's ends that session too, whether the
// store already knew it as the subject's or the request attached it
// earlier (a login in the same request), as the cookie backend ends a
// session established before the revocation. What the request writes
// afterwards goes into a fresh session without a subject.
func TestRevokeAllEndsTheSessionLoggedInByTheSameRequest(t *testing.T) {
	for name, c := range map[string]struct {
		before string // a request before: "" none, "anon" an anonymous session, "alice" a login
		login  func(s *session.Session)
	}{
		"new session, Renew SetSubject Set": {"", func(s *session.Session) {
			_ = s.Renew()
			_ = s.SetSubject("alice")
			_ = s.Set("user", "alice")
		}},
		"new session, SetSubject only": {"", func(s *session.Session) { _ = s.SetSubject("alice") }},
		"anonymous stored session, SetSubject Set": {"anon", func(s *session.Session) {
			_ = s.SetSubject("alice")
			_ = s.Set("user", "alice")
		}},
		"anonymous stored session, Clear SetSubject Set": {"anon", func(s *session.Session) {
			_ = s.Clear()
			_ = s.SetSubject("alice")
			_ = s.Set("user", "alice")
		}},
		"bob's session, Destroy SetSubject Set": {"bob", func(s *session.Session) {
			_ = s.Destroy()
			_ = s.SetSubject("alice")
			_ = s.Set("user", "alice")
		}},
		"alice's session, Renew": {"alice", func(s *session.Session) { _ = s.Renew() }},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, serverside.Options{})
			before := ""
			switch c.before {
			case "anon":
				before = e.setup(t, "", map[string]any{"theme": "dark"})
			case "bob", "alice":
				before = e.login(t, c.before)
			}
			other := e.login(t, "alice") // another device
			w := serve(e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := session.From(r)
				c.login(s)
				if err := e.m.Revoke(r.Context(), "alice", nil); err != nil {
					t.Errorf("Revoke: %v", err)
				}
				if got := s.Subject(); got != "" {
					t.Errorf("Subject after log out everywhere: %q", got)
				}
				if err := s.Flash("logged out everywhere", ""); err != nil {
					t.Errorf("Flash: %v", err)
				}
			})), nil, "/everywhere", before)
			next, deleted, _ := cookieOf(w)
			if w.Code != 200 || deleted || next == "" || next == before {
				t.Fatalf("status %d, cookie %q (deleted %v): want 200 and a fresh session", w.Code, next, deleted)
			}
			if n := e.store.Len(); n != 1 { // the fresh session of the flash, only
				t.Errorf("%d records, want 1", n)
			}
			var flashes []session.Flash
			serve(e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := session.From(r)
				if s.Subject() != "" || s.Has("user") || s.Has("theme") {
					t.Errorf("the next request is logged in or carries the old session: subject %q, values %v", s.Subject(), s.Values())
				}
				flashes = s.Flashes()
			})), nil, "/", next)
			if len(flashes) != 1 {
				t.Errorf("flashes on the next page: %+v", flashes)
			}
			if infos, _ := e.m.Sessions(context.Background(), "alice"); len(infos) != 0 {
				t.Errorf("alice has %d sessions", len(infos))
			}
			for _, id := range []string{before, other} {
				if id != "" && (e.value(id, "user") != "<nil>" || e.value(id, "theme") != "<nil>") {
					t.Errorf("an ID from before the revocation still opens its session")
				}
			}
			e.noError(t)
		})
	}
}

// "Log out other devices" at login, in the same request, keeps the current
// session (keep); a revocation of another subject leaves it alone.
func TestRevokeFromTheLoginRequestKeepsWhatItShould(t *testing.T) {
	for name, revoke := range map[string]func(m *session.Manager, r *http.Request) error{
		"keep current": func(m *session.Manager, r *http.Request) error {
			return m.Revoke(r.Context(), "alice", session.From(r))
		},
		"another subject": func(m *session.Manager, r *http.Request) error {
			return m.Revoke(r.Context(), "bob", nil)
		},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, serverside.Options{})
			other := e.login(t, "alice")
			bob := e.login(t, "bob")
			w := serve(e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := session.From(r)
				_ = s.Renew()
				_ = s.SetSubject("alice")
				_ = s.Set("user", "alice")
				if err := revoke(e.m, r); err != nil {
					t.Errorf("Revoke: %v", err)
				}
			})), nil, "/login", "")
			id, _, _ := cookieOf(w)
			if got := e.value(id, "user"); w.Code != 200 || got != "alice" {
				t.Errorf("status %d; the login's session has user=%q, want alice", w.Code, got)
			}
			wantOther, wantBob := "<nil>", "bob"
			if name == "another subject" {
				wantOther, wantBob = "alice", "<nil>"
			}
			if got := e.value(other, "user"); got != wantOther {
				t.Errorf("alice's other device: user=%q, want %q", got, wantOther)
			}
			if got := e.value(bob, "user"); got != wantBob {
				t.Errorf("bob's session: user=%q, want %q", got, wantBob)
			}
			e.noError(t)
		})
	}
}
