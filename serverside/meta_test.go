package serverside_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/internal/testwait"
	"github.com/sessionkit/session/serverside"
)

// Finding 12: Options.Meta gets the request; reading the session there (its
// subject, to label the device with the user, or a value) must not hang the
// request, and what it returns is recorded.
func TestMetaReadingTheSessionDoesNotHang(t *testing.T) {
	e := newEnv(t, serverside.Options{Meta: func(r *http.Request) map[string]string {
		s := session.From(r)
		return map[string]string{"user": s.Subject(), "value": session.GetOr(s, "user", "-"), "key": serverside.Key(s)}
	}})
	done := make(chan int, 1)
	go func() {
		w := serve(e.m.Handler(http.HandlerFunc(routes["/login"])), nil, "/login?user=alice", "")
		done <- w.Code
	}()
	if code := testwait.Recv(t, done, wait, "the login request whose Options.Meta reads the session"); code != 200 {
		t.Fatalf("status %d", code)
	}
	infos, err := e.m.Sessions(context.Background(), "alice")
	if err != nil || len(infos) != 1 {
		t.Fatalf("Sessions: %v, %d sessions", err, len(infos))
	}
	// /login sets the value, then the subject: Meta sees both; the session
	// is not stored yet, so it has no key.
	if m := infos[0].Meta; m["user"] != "alice" || m["value"] != "alice" || m["key"] != "" || len(m) != 3 {
		t.Errorf("meta %v", m)
	}
	e.noError(t)
}

// Meta runs when SetSubject is called, with the request that opened the
// session, and not again at save time.
func TestMetaRunsAtSetSubject(t *testing.T) {
	calls := 0
	e := newEnv(t, serverside.Options{Meta: func(r *http.Request) map[string]string {
		calls++
		return map[string]string{"ua": r.UserAgent()}
	}})
	var during int
	h := e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		_ = s.Set("user", "alice")
		_ = s.SetSubject("alice")
		during = calls
	}))
	r := httptest.NewRequest("GET", "/login", nil)
	r.Header.Set("User-Agent", "agent/1")
	h.ServeHTTP(httptest.NewRecorder(), r)
	if during != 1 || calls != 1 {
		t.Errorf("Meta called %d times by SetSubject, %d in all; want 1 and 1", during, calls)
	}
	infos, _ := e.m.Sessions(context.Background(), "alice")
	if len(infos) != 1 || infos[0].Meta["ua"] != "agent/1" {
		t.Errorf("sessions %+v", infos)
	}
	e.noError(t)
}
