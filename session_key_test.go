package session_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/sessionkit/session"
)

// A key that is not valid UTF-8 (a user typing one byte into a form field
// used as a key) never breaks a page: every write accepts it, and it is
// written as encoding/json writes it, each invalid byte as U+FFFD, so the
// next request (and Flask) reads the key "caf\uFFFD".
func TestSessionInvalidUTF8Key(t *testing.T) {
	const bad = "caf\xe9"
	writes := map[string]func(s *session.Session) error{
		"Set":        func(s *session.Session) error { return s.Set(bad, 1) },
		"Update":     func(s *session.Session) error { return s.Update(map[string]any{bad: 1}) },
		"SetDefault": func(s *session.Session) error { _, err := s.SetDefault(bad, 1); return err },
	}
	for name, write := range writes {
		t.Run(name, func(t *testing.T) {
			m := newManager(t, session.Config{})
			var werr error
			c := client(m, map[string]http.HandlerFunc{
				"/write": func(w http.ResponseWriter, r *http.Request) { werr = write(session.From(r)) },
				"/read": func(w http.ResponseWriter, r *http.Request) {
					s := session.From(r)
					fmt.Fprintf(w, "%v %v %d", s.Get("caf\uFFFD"), s.Has(bad), s.Len())
				},
			})
			if res := c.Get("/write"); res.StatusCode != http.StatusOK || werr != nil {
				t.Fatalf("write: status %d, error %v; one byte broke the page", res.StatusCode, werr)
			}
			if got := c.Get("/read").Body; got != "1 false 1" {
				t.Errorf("next request: %q, want the key read back as caf\\uFFFD (\"1 false 1\")", got)
			}
		})
	}
}
