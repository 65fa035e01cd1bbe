package serverside_test

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/serverside"
)

// Finding 7: a permanent session read more often than PermanentIdleTimeout
// stays alive whatever IdleTimeout is: the default TouchInterval is bounded
// by the permanent idle timeout too, so reads extend it.
func TestPermanentIdleTimeoutKeptAliveByReads(t *testing.T) {
	for _, idle := range []time.Duration{0, 24 * time.Hour} {
		t.Run(fmt.Sprint("IdleTimeout=", idle), func(t *testing.T) {
			e := newEnv(t, serverside.Options{IdleTimeout: idle, PermanentIdleTimeout: 90 * time.Second})
			c := e.client(map[string]http.HandlerFunc{
				"/login": func(w http.ResponseWriter, r *http.Request) {
					s := session.From(r)
					_ = s.Set("user", "alice")
					_ = s.SetPermanent(true)
				},
				"/get": routes["/get"],
			})
			c.Get("/login")
			for i := range 6 { // a read every 50 s, inside the 90 s idle timeout
				e.clock.Add(50 * time.Second)
				if got := c.Get("/get?k=user").Body; got != "alice" {
					t.Fatalf("read %d, %v after login, active every 50 s with a 90 s idle timeout: %q", i+1, time.Duration(i+1)*50*time.Second, got)
				}
			}
			e.noError(t)
		})
	}
}
