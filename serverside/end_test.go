package serverside_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/serverside"
)

// wait is the deadline of every wait in these tests.
const wait = 10 * time.Second

// serve runs one request through h with the session cookie id ("" for
// none) and ctx (nil for a background context).
func serve(h http.Handler, ctx context.Context, path, id string) *httptest.ResponseRecorder {
	if ctx == nil {
		ctx = context.Background()
	}
	r := httptest.NewRequestWithContext(ctx, "GET", path, nil)
	if id != "" {
		r.Header.Set("Cookie", "session="+id)
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

// cookieOf returns the session cookie a response sets: its value and
// whether it deletes the cookie; ok is false when there is none.
func cookieOf(w *httptest.ResponseRecorder) (value string, deleted, ok bool) {
	for _, c := range w.Result().Cookies() {
		if c.Name == "session" {
			return c.Value, c.MaxAge < 0 || c.Value == "", true
		}
	}
	return "", false, false
}

// login stores a session for subject holding user=subject and returns its ID.
func (e *env) login(t *testing.T, subject string) string {
	t.Helper()
	w := serve(e.m.Handler(http.HandlerFunc(routes["/login"])), nil, "/login?user="+subject, "")
	id, _, ok := cookieOf(w)
	if w.Code != 200 || !ok || id == "" {
		t.Fatalf("login: status %d, cookie %q", w.Code, id)
	}
	return id
}

// value reads key through a request carrying id.
func (e *env) value(id, key string) string {
	return serve(e.m.Handler(http.HandlerFunc(routes["/get"])), nil, "/get?k="+key, id).Body.String()
}

// noError asserts the error handler was not called.
func (e *env) noError(t *testing.T) {
	t.Helper()
	select {
	case err := <-e.errs:
		t.Fatalf("error handler called: %v", err)
	default:
	}
}

// nextError returns the error the handler saw, failing after a deadline.
func (e *env) nextError(t *testing.T) error {
	t.Helper()
	select {
	case err := <-e.errs:
		return err
	case <-time.After(wait):
		t.Fatal("the error handler was never called")
		return nil
	}
}

// endings are the ways a handler ends the current session.
var endings = map[string]func(e *env, r *http.Request){
	"Destroy": func(e *env, r *http.Request) { _ = session.From(r).Destroy() },
	"Clear":   func(e *env, r *http.Request) { _ = session.From(r).Clear() },
	"Pop last key": func(e *env, r *http.Request) {
		_, _, _ = session.From(r).Pop("user")
	},
	"Delete last key": func(e *env, r *http.Request) { _ = session.From(r).Delete("user") },
	"RevokeSubject all": func(e *env, r *http.Request) {
		_ = e.m.Revoke(r.Context(), session.From(r).Subject(), nil)
	},
	"Revoke current": func(e *env, r *http.Request) {
		s := session.From(r)
		_ = e.m.RevokeKey(r.Context(), s.Subject(), serverside.Key(s))
	},
}

// 1b(a): once the handler ended the session, a client that disconnects
// (cancelling the request's context) before the save does not keep it.
func TestEndingSurvivesClientDisconnect(t *testing.T) {
	for name, end := range endings {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, serverside.Options{})
			id := e.login(t, "alice")
			ctx, disconnect := context.WithCancel(context.Background())
			defer disconnect()
			h := e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				session.From(r).Get("user")
				if name == "Revoke current" || name == "RevokeSubject all" {
					disconnect() // the client left before the revocation ran
				}
				end(e, r)
				disconnect() // the client leaves during slow work after the decision
				select {
				case <-r.Context().Done():
				case <-time.After(wait):
					t.Error("the request context was not cancelled")
				}
			}))
			serve(h, ctx, "/logout", id)
			if n := e.store.Len(); n != 0 {
				t.Errorf("%d records left after the session was ended", n)
			}
			if got := e.value(id, "user"); got != "<nil>" {
				t.Errorf("the pre-logout cookie still opens the session: user=%q", got)
			}
			if infos, _ := e.m.Sessions(context.Background(), "alice"); len(infos) != 0 {
				t.Errorf("alice still has %d sessions", len(infos))
			}
			e.noError(t)
		})
	}
}

// 1b(b): a session emptied at logout ends, subject or not: record deleted,
// cookie cleared, the ID never reused, nothing listed under the user.
func TestEmptiedSessionEndsWithSubject(t *testing.T) {
	cases := map[string]func(s *session.Session){
		"Clear":           func(s *session.Session) { _ = s.Clear() },
		"Pop last key":    func(s *session.Session) { _, _, _ = s.Pop("user") },
		"Delete last key": func(s *session.Session) { _ = s.Delete("user") },
		"Flashes read the last key": func(s *session.Session) {
			_ = s.Delete("user")
			s.Flashes()
		},
		"Clear after SetSubject": func(s *session.Session) {
			_ = s.SetSubject("alice")
			_ = s.Clear()
		},
	}
	for name, logout := range cases {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, serverside.Options{})
			id := e.login(t, "alice")
			if name == "Flashes read the last key" {
				w := serve(e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					_ = session.From(r).Flash("hello", "")
				})), nil, "/", id)
				if w.Code != 200 {
					t.Fatalf("flash: %d", w.Code)
				}
			}
			w := serve(e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				logout(session.From(r))
			})), nil, "/logout", id)
			if v, deleted, ok := cookieOf(w); w.Code != 200 || !ok || !deleted {
				t.Errorf("logout: status %d, cookie %q (deleted %v, present %v); want the cookie cleared", w.Code, v, deleted, ok)
			}
			if n := e.store.Len(); n != 0 {
				t.Errorf("%d records left after logout", n)
			}
			if infos, _ := e.m.Sessions(context.Background(), "alice"); len(infos) != 0 {
				t.Errorf("alice still has %d sessions", len(infos))
			}
			if got := e.value(id, "user"); got != "<nil>" {
				t.Errorf("the pre-logout cookie opens user=%q", got)
			}
			w = serve(e.m.Handler(http.HandlerFunc(routes["/set"])), nil, "/set?a=1", id)
			if next, _, _ := cookieOf(w); next == id || next == "" {
				t.Errorf("a write with the pre-logout cookie got ID %q, want a new one", next)
			}
			e.noError(t)
		})
	}
}

// 7: a flash after the request ended its own session shows on the next
// page, from a fresh session with a new ID, no subject and no metadata.
// (Pop or Delete of the user key followed by a flash does not end the
// session: it is not empty; they are left out.)
func TestFlashAfterLogout(t *testing.T) {
	for name, end := range endings {
		if strings.HasSuffix(name, "last key") {
			continue
		}
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, serverside.Options{})
			id := e.login(t, "alice")
			w := serve(e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				session.From(r).Get("user")
				end(e, r)
				if err := session.From(r).Flash("You are logged out", "info"); err != nil {
					t.Errorf("Flash: %v", err)
				}
				if got := session.From(r).Subject(); got != "" {
					t.Errorf("subject after the end: %q", got)
				}
				http.Redirect(w, r, "/", http.StatusFound)
			})), nil, "/logout", id)
			next, deleted, ok := cookieOf(w)
			if w.Code != http.StatusFound || !ok || deleted || next == id {
				t.Fatalf("logout: status %d, cookie %q (deleted %v); want 302 and a new ID", w.Code, next, deleted)
			}
			e.noError(t)
			var flashes []session.Flash
			serve(e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := session.From(r)
				flashes = s.Flashes()
				if s.Has("user") || s.Subject() != "" {
					t.Errorf("the fresh session carries the old session: user %v, subject %q", s.Get("user"), s.Subject())
				}
			})), nil, "/", next)
			if len(flashes) != 1 || flashes[0].Message != "You are logged out" || flashes[0].Category != "info" {
				t.Errorf("next page flashes: %+v", flashes)
			}
			if got := e.value(id, "user"); got != "<nil>" {
				t.Errorf("the pre-logout cookie opens user=%q", got)
			}
			if infos, _ := e.m.Sessions(context.Background(), "alice"); len(infos) != 0 {
				t.Errorf("alice still has %d sessions", len(infos))
			}
			e.noError(t)
		})
	}
}

// A session ended by another request stays ended, and the error says so.
func TestSessionGoneSaysAnotherRequest(t *testing.T) {
	if !strings.Contains(serverside.ErrSessionGone.Error(), "ended by another request") {
		t.Errorf("ErrSessionGone = %q", serverside.ErrSessionGone)
	}
}

// Revoking other users' sessions from a request whose client went away
// still happens (an admin's "log out bob everywhere").
func TestRevokeOthersSurvivesClientDisconnect(t *testing.T) {
	e := newEnv(t, serverside.Options{})
	bob := e.login(t, "bob")
	bobKey := ""
	if infos, _ := e.m.Sessions(context.Background(), "bob"); len(infos) == 1 {
		bobKey = infos[0].Key
	}
	for _, how := range []string{"RevokeSubject", "Revoke"} {
		ctx, disconnect := context.WithCancel(context.Background())
		disconnect()
		var err error
		serve(e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if how == "Revoke" {
				err = e.m.RevokeKey(r.Context(), "bob", bobKey)
			} else {
				err = e.m.Revoke(r.Context(), "bob", nil)
			}
		})), ctx, "/admin", "")
		if err != nil {
			t.Errorf("%s with a gone client: %v", how, err)
		}
		if got := e.value(bob, "user"); got != "<nil>" {
			t.Errorf("%s with a gone client: bob's session still opens (user=%q)", how, got)
		}
		bob = e.login(t, "bob")
		if infos, _ := e.m.Sessions(context.Background(), "bob"); len(infos) == 1 {
			bobKey = infos[0].Key
		}
	}
}

// Logging in as someone else after Destroy, in the same request: the fresh
// session has only the new subject and values.
func TestLoginAfterDestroyInTheSameRequest(t *testing.T) {
	e := newEnv(t, serverside.Options{})
	id := e.login(t, "alice")
	w := serve(e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		_ = s.Destroy()
		_ = s.Set("user", "bob")
		_ = s.SetSubject("bob")
	})), nil, "/switch", id)
	next, deleted, _ := cookieOf(w)
	if w.Code != 200 || deleted || next == "" || next == id {
		t.Fatalf("status %d, cookie %q (deleted %v)", w.Code, next, deleted)
	}
	if got := e.value(next, "user"); got != "bob" {
		t.Errorf("user=%q in the new session", got)
	}
	alice, _ := e.m.Sessions(context.Background(), "alice")
	bobs, _ := e.m.Sessions(context.Background(), "bob")
	if len(alice) != 0 || len(bobs) != 1 || len(bobs[0].Meta) != 0 {
		t.Errorf("alice has %d sessions, bob %d (%+v)", len(alice), len(bobs), bobs)
	}
	e.noError(t)
}
