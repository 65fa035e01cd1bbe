package session_test

import (
	"fmt"
	"net/http"
	"sync"
	"testing"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/internal/testwait"
)

// A Session is safe for several goroutines of one request: the lifecycle
// calls racing reads and writes from goroutines of the handler (under
// -race) leave a consistent session on every backend, and the request ends.
func TestBreakLifecycleCallsFromGoroutines(t *testing.T) {
	for name, cfg := range lifecycleBackends(t) {
		t.Run(name, func(t *testing.T) {
			m := newManager(t, cfg)
			c := client(m, map[string]http.HandlerFunc{
				"/login": func(w http.ResponseWriter, r *http.Request) {
					s := session.From(r)
					_ = s.Renew()
					_ = s.SetSubject("alice")
					_ = s.Set("user", "alice")
				},
				"/race": func(w http.ResponseWriter, r *http.Request) {
					s := session.From(r)
					var wg sync.WaitGroup
					ops := []func(){
						func() { _ = s.Renew() },
						func() { _ = s.SetSubject("alice") },
						func() { _ = s.Subject() },
						func() { _ = s.Set("k1", 1) },
						func() { _, _ = session.Get[int](s, "k1") },
						func() { _ = s.Flash("hi", "") },
						func() { _, _ = m.Sessions(r.Context(), "alice") },
						func() { _ = s.Values() },
					}
					for _, op := range ops {
						wg.Add(1)
						go func() { defer wg.Done(); op() }()
					}
					testwait.Wait(t, &wg, 0, "the handler's goroutines")
				},
				"/whoami": func(w http.ResponseWriter, r *http.Request) {
					s := session.From(r)
					fmt.Fprintf(w, "%s %s %d", s.Subject(), session.GetOr(s, "user", "-"), session.GetOr(s, "k1", 0))
				},
			})
			c.Get("/login")
			if res := c.Get("/race"); res.StatusCode != 200 {
				t.Fatalf("status %d", res.StatusCode)
			}
			if got := c.Get("/whoami").Body; got != "alice alice 1" {
				t.Errorf("after the racing goroutines: %q", got)
			}
		})
	}
}
