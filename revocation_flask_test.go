package session_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/internal/flasktest"
)

// A Flask app sharing the cookie keeps EstablishedKey when it re-issues the
// session (it keeps keys it does not know), so a session Flask refreshed or
// wrote after a revocation is still refused by Go.
func TestRevocationEstablishedKeptByFlask(t *testing.T) {
	const secret = "revocation-interop-secret"
	flask := flasktest.StartPeer(t, secret, nil, nil)
	rev := &testRevocations{}
	m := newManager(t, session.Config{SecretKey: []byte(secret), Revocations: rev})
	var established any
	login := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		_ = s.SetSubject("alice")
		_ = s.Set("user", "alice")
		established = s.Get(session.EstablishedKey)
	}))
	cookie, ok := sessionCookie(serve(login, "/login", ""))
	if !ok || cookie == "" {
		t.Fatal("no login cookie")
	}

	// Flask writes to the session: its new cookie keeps the value.
	req, err := http.NewRequest(http.MethodGet, flask.URL+"/set?x=1", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Cookie", "session="+cookie)
	res, body := flask.Do(t, nil, req)
	if !strings.Contains(body, `"_established_ns":`) {
		t.Fatalf("Flask's session lost the established time: %s", body)
	}
	var flaskCookie string
	for _, c := range res.Cookies() {
		if c.Name == "session" {
			flaskCookie = c.Value
		}
	}
	if flaskCookie == "" || flaskCookie == cookie {
		t.Fatalf("Flask did not re-issue the cookie: %v", res.Header.Values("Set-Cookie"))
	}
	open := func() map[string]any {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header.Set("Cookie", "session="+flaskCookie)
		s, err := m.Open(r)
		if err != nil {
			t.Fatal(err)
		}
		return s.Values()
	}
	got := open()
	if got["x"] != "1" || got["user"] != "alice" || got[session.EstablishedKey] != established {
		t.Fatalf("Go reads Flask's cookie as %v, want x=1, user=alice and %s=%v", got, session.EstablishedKey, established)
	}

	rev.revoke("alice", time.Now())
	if got := open(); len(got) != 0 {
		t.Errorf("Flask's re-issue of a session established before the revocation is accepted: %v", got)
	}
}
