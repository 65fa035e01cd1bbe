package session_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/sessionkit/session"
)

// A request that revokes its own subject (what revocation.Revoke does:
// the revocation, then TrackChanges on the request's session) ends its
// session: what it writes afterwards goes out in a fresh cookie without
// the subject and establishment keys; with nothing written afterwards the
// cookie is deleted.
func TestRevocationOwnRequestRestartsSession(t *testing.T) {
	for _, flash := range []bool{true, false} {
		name := "nothing written after"
		if flash {
			name = "flash written after"
		}
		t.Run(name, func(t *testing.T) {
			a := newRevocationApp(t, false, false)
			cookie := a.logIn(t, true)
			a.clock.Set(a.clock.Now().Add(time.Second))
			h := a.main.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := session.From(r)
				_ = s.Set("seen", "before the revocation")
				a.rev.revoke("alice", a.clock.Now())
				s.TrackChanges()
				if flash {
					_ = s.Flash("logged out everywhere", "")
				}
			}))
			rec := serve(h, "/logout-everywhere", cookie)
			fresh, ok := sessionCookie(rec)
			if rec.Code != http.StatusOK || !ok {
				t.Fatalf("status %d, Set-Cookie %q", rec.Code, rec.Result().Header.Values("Set-Cookie"))
			}
			if !flash {
				if fresh != "" {
					t.Errorf("cookie %q, want it deleted", fresh)
				}
				return
			}
			if fresh == "" {
				t.Fatal("the flash written after the revocation was not sent")
			}
			var keys []string
			var flashes []session.Flash
			show := a.main.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := session.From(r)
				keys = s.Keys()
				flashes = s.Flashes()
			}))
			serve(show, "/", fresh)
			if len(keys) != 1 || keys[0] != "_flashes" {
				t.Errorf("the fresh session holds %v, want only the flash", keys)
			}
			if len(flashes) != 1 || flashes[0].Message != "logged out everywhere" {
				t.Errorf("flashes %+v", flashes)
			}
		})
	}
}

// Config.SubjectKey names the key SetSubject writes and revocation reads.
func TestRevocationCustomSubjectKey(t *testing.T) {
	clock := &testClock{t: time.Unix(1800000000, 0)}
	rev := &testRevocations{}
	m := newManager(t, session.Config{SecretKey: []byte("k"), Now: clock.Now, Revocations: rev, SubjectKey: "uid"})
	var keys []string
	login := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		_ = s.SetSubject("alice")
		keys = s.Keys()
	}))
	cookie, ok := sessionCookie(serve(login, "/", ""))
	if !ok || cookie == "" {
		t.Fatal("no cookie")
	}
	if len(keys) != 2 || keys[0] != session.EstablishedKey || keys[1] != "uid" {
		t.Errorf("SetSubject wrote %v, want [%s uid]", keys, session.EstablishedKey)
	}
	who := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(session.GetOr(session.From(r), "uid", "-")))
	}))
	if got := serve(who, "/", cookie).Body.String(); got != "alice" {
		t.Fatalf("before the revocation: %q", got)
	}
	clock.Set(clock.Now().Add(time.Second))
	rev.revoke("alice", clock.Now())
	if got := serve(who, "/", cookie).Body.String(); got != "-" {
		t.Errorf("after revoking the subject under uid: %q, want the session refused", got)
	}
}
