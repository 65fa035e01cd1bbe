package session_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/sessionkit/session"
)

// A cookie carrying a subject but no establishment time — written by a
// Flask app that sets the subject key itself, or by a Manager without
// revocations — counts as established when it was signed. When its subject
// is revoked while a request that opened it runs, that request's write
// does not send a cookie that still logs the user in.
func TestRevocationRacingAnUnestablishedCookie(t *testing.T) {
	a := newRevocationApp(t, false, false)
	plain := newManager(t, session.Config{SecretKey: []byte("new-key"), Now: a.clock.Now}) // no Revocations: no _established_ns
	login := plain.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		_ = s.Set("_subject", "alice")
		_ = s.Set("user", "alice")
	}))
	cookie, ok := sessionCookie(serve(login, "/login", ""))
	if !ok || cookie == "" {
		t.Fatal("login set no cookie")
	}
	if got := a.whoAmI(cookie); got != "alice" {
		t.Fatalf("before the revocation the main app sees %q", got)
	}
	// Without a revocation, a write re-issues it (and records when it was
	// established).
	w := a.main.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _ = session.From(r).Set("n", 1) }))
	if rec := serve(w, "/write", cookie); rec.Code != http.StatusOK {
		t.Fatalf("a write with no revocation: status %d %q", rec.Code, rec.Body)
	}
	a.clock.Set(a.clock.Now().Add(time.Second))
	h := a.main.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		_ = s.Get("user")                    // opened before the revocation
		a.rev.revoke("alice", a.clock.Now()) // another request logs alice out everywhere
		_ = s.Set("seen", 1)                 // then this one writes
	}))
	rec := serve(h, "/write", cookie)
	if fresh, ok := sessionCookie(rec); ok && fresh != "" {
		if got := a.whoAmI(fresh); got == "alice" {
			t.Fatalf("the cookie re-issued after the revocation still logs alice in (status %d)", rec.Code)
		}
	}
	if got := a.whoAmI(cookie); got == "alice" {
		t.Fatal("the old cookie still logs alice in after the revocation")
	}
}
