package serverside_test

import (
	"context"
	"net/http"
	"testing"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/serverside"
)

// Finding 14: a login made only of the lifecycle calls (Renew, SetSubject:
// the subject is the login, no other value) is stored, like the cookie
// backend keeps it: the next request's Subject is the user, the session is
// listed, and a later read keeps it.
func TestSubjectOnlyLoginIsStored(t *testing.T) {
	for name, login := range map[string]func(s *session.Session) error{
		"Renew, SetSubject": func(s *session.Session) error {
			_ = s.Renew()
			return s.SetSubject("alice")
		},
		"SetSubject": func(s *session.Session) error { return s.SetSubject("alice") },
		"over an anonymous session, Clear, SetSubject": func(s *session.Session) error {
			_ = s.Clear()
			return s.SetSubject("alice")
		},
		"again, Renew, SetSubject": func(s *session.Session) error {
			_ = s.Renew()
			return s.SetSubject("alice")
		},
		"over an anonymous session, Destroy, Renew, SetSubject": func(s *session.Session) error {
			_ = s.Destroy()
			_ = s.Renew()
			return s.SetSubject("alice")
		},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, serverside.Options{})
			c := e.client(map[string]http.HandlerFunc{
				"/anon": routes["/set"],
				"/login": func(w http.ResponseWriter, r *http.Request) {
					if err := login(session.From(r)); err != nil {
						t.Errorf("login: %v", err)
					}
				},
				"/whoami": func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(session.From(r).Subject())) },
			})
			anon := ""
			if len(name) > 4 && name[:4] == "over" {
				c.Get("/anon?theme=dark")
				anon = sessionCookie(c)
			}
			if name[:5] == "again" { // a second login over a stored subject-only session
				c.Get("/login")
				anon = sessionCookie(c)
				if anon == "" {
					t.Fatal("the first login was not stored")
				}
			}
			c.Get("/login")
			if got := c.Get("/whoami").Body; got != "alice" {
				t.Fatalf("Subject after a login by %s: %q", name, got)
			}
			if infos, err := e.m.Sessions(context.Background(), "alice"); err != nil || len(infos) != 1 {
				t.Errorf("alice has %d sessions (%v), want 1", len(infos), err)
			}
			if anon != "" && (sessionCookie(c) == anon || e.value(anon, "theme") != "<nil>") {
				t.Errorf("the session before the login kept its ID or its values")
			}
			if n := e.store.Len(); n != 1 {
				t.Errorf("%d records, want 1", n)
			}
			e.noError(t)
		})
	}
}

// A session whose subject only comes from its record still ends when a
// request leaves it with no values (the emptying rule, subject or not);
// detaching the subject (SetSubject("")) of a value-less session ends it.
func TestSubjectOnlySessionEnds(t *testing.T) {
	for name, end := range map[string]func(s *session.Session){
		"Set then Delete a key": func(s *session.Session) {
			_ = s.Set("x", 1)
			_ = s.Delete("x")
		},
		`SetSubject("")`: func(s *session.Session) { _ = s.SetSubject("") },
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, serverside.Options{})
			c := e.client(map[string]http.HandlerFunc{
				"/login": func(w http.ResponseWriter, r *http.Request) { _ = session.From(r).SetSubject("alice") },
				"/end":   func(w http.ResponseWriter, r *http.Request) { end(session.From(r)) },
			})
			c.Get("/login")
			if e.store.Len() != 1 {
				t.Fatalf("the login was not stored")
			}
			c.Get("/end")
			if n := e.store.Len(); n != 0 || sessionCookie(c) != "" {
				t.Errorf("%d records, cookie %q after the request emptied the session", n, sessionCookie(c))
			}
			e.noError(t)
		})
	}
}
