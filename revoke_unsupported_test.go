package session_test

import (
	"net/http"
	"testing"

	"github.com/sessionkit/session"
)

// "Log out everywhere" with cookie sessions and no Config.Revocations,
// the error ignored: the page must not say it happened (breaker finding 9).
func TestIgnoredUnsupportedRevokeIsReported(t *testing.T) {
	m := newManager(t, session.Config{}) // cookie sessions, no Revocations
	c := client(m, map[string]http.HandlerFunc{
		"/login": func(w http.ResponseWriter, r *http.Request) { _ = session.From(r).SetSubject("alice") },
		"/everywhere": func(w http.ResponseWriter, r *http.Request) {
			_ = m.Revoke(r.Context(), session.From(r).Subject(), nil)
			w.Write([]byte("you are logged out everywhere"))
		},
	})
	c.Get("/login")
	if res := c.Get("/everywhere"); res.StatusCode != http.StatusInternalServerError {
		t.Errorf("an unsupported Revoke whose error was ignored answered %d %q, want 500", res.StatusCode, res.Body)
	}
}
