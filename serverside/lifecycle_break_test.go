package serverside_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/internal/testwait"
	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/store/memstore"
)

// who returns the user a request carrying id sees ("<nil>" for none).
func (e *env) who(id string) string { return e.value(id, "user") }

// RevokeKey with another subject's key is ignored: bob cannot log alice out
// with a key he learned; alice's key under her own subject works.
func TestBreakRevokeKeyOfAnotherSubject(t *testing.T) {
	e := newEnv(t, serverside.Options{})
	alice := e.login(t, "alice")
	bob := e.login(t, "bob")
	infos, err := e.m.Sessions(context.Background(), "alice")
	if err != nil || len(infos) != 1 {
		t.Fatalf("Sessions(alice) = %v, %v", infos, err)
	}
	w := serve(e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		if err := e.m.RevokeKey(r.Context(), s.Subject(), infos[0].Key); err != nil {
			t.Errorf("RevokeKey = %v", err)
		}
	})), nil, "/", bob)
	if w.Code != 200 {
		t.Fatalf("status %d", w.Code)
	}
	if got := e.who(alice); got != "alice" {
		t.Errorf("bob's RevokeKey of alice's key logged alice out: %q", got)
	}
	if got := e.who(bob); got != "bob" {
		t.Errorf("bob lost his own session: %q", got)
	}
	if err := e.m.RevokeKey(context.Background(), "alice", infos[0].Key); err != nil {
		t.Fatal(err)
	}
	if got := e.who(alice); got != "<nil>" {
		t.Errorf("alice's own RevokeKey left her logged in: %q", got)
	}
	e.noError(t)
}

// Orders of the lifecycle calls within one request.
func TestBreakLifecycleOrders(t *testing.T) {
	type result struct{ user, flash, subject string }
	cases := []struct {
		name string
		h    func(s *session.Session) error
		// want describes what the response's cookie (if any) holds.
		want     result
		oldAlive bool
	}{
		{"Renew then Destroy", func(s *session.Session) error {
			return errors.Join(s.Renew(), s.Destroy())
		}, result{"<nil>", "<nil>", ""}, false},
		{"Destroy then Renew", func(s *session.Session) error {
			return errors.Join(s.Destroy(), s.Renew())
		}, result{"<nil>", "<nil>", ""}, false},
		{"Destroy then Set", func(s *session.Session) error {
			return errors.Join(s.Destroy(), s.Set("flash", "bye"))
		}, result{"<nil>", "bye", ""}, false},
		{"Destroy then login as bob", func(s *session.Session) error {
			return errors.Join(s.Destroy(), s.Renew(), s.SetSubject("bob"), s.Set("user", "bob"))
		}, result{"bob", "<nil>", "bob"}, false},
		{"Renew then Set", func(s *session.Session) error {
			return errors.Join(s.Renew(), s.Set("flash", "hi"))
		}, result{"alice", "hi", "alice"}, false},
		{"SetSubject without Renew", func(s *session.Session) error {
			return s.SetSubject("carol")
		}, result{"alice", "<nil>", "carol"}, true},
		{"Clear then Set", func(s *session.Session) error {
			return errors.Join(s.Clear(), s.Set("flash", "bye"))
		}, result{"<nil>", "bye", ""}, false},
		{"Revoke self then flash", func(s *session.Session) error {
			return s.Set("flash", "bye") // the revocation is done by the route below
		}, result{"<nil>", "bye", ""}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, serverside.Options{})
			old := e.login(t, "alice")
			var opErr error
			w := serve(e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := session.From(r)
				if c.name == "Revoke self then flash" {
					if err := e.m.Revoke(r.Context(), "alice", nil); err != nil {
						opErr = err
					}
				}
				opErr = errors.Join(opErr, c.h(s))
			})), nil, "/", old)
			if w.Code != 200 || opErr != nil {
				t.Fatalf("status %d, error %v", w.Code, opErr)
			}
			e.noError(t)
			id, deleted, ok := cookieOf(w)
			got := result{"<nil>", "<nil>", ""}
			if ok && !deleted {
				if id == old && !c.oldAlive {
					t.Errorf("the ended ID %q was sent again", id)
				}
				got.user, got.flash = e.who(id), e.value(id, "flash")
				var subj string
				serve(e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					subj = session.From(r).Subject()
				})), nil, "/", id)
				got.subject = subj
			} else if !ok && c.oldAlive {
				got.user, got.flash = e.who(old), e.value(old, "flash")
				serve(e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					got.subject = session.From(r).Subject()
				})), nil, "/", old)
			}
			if got != c.want {
				t.Errorf("after the request: %+v, want %+v", got, c.want)
			}
			if alive := e.who(old) != "<nil>"; alive != c.oldAlive {
				t.Errorf("old ID alive: %t, want %t", alive, c.oldAlive)
			}
			if infos, _ := e.m.Sessions(context.Background(), "alice"); len(infos) != 0 && c.want.subject != "alice" && !c.oldAlive {
				t.Errorf("alice still has %d sessions listed", len(infos))
			}
		})
	}
}

// Revoke keeping the current session, from a request whose session was
// just renewed (login, then "log out other devices"): the current session
// survives under its new ID, every other one of alice's is gone, the old ID
// of the current one is gone.
func TestBreakRevokeKeepCurrentAfterRenew(t *testing.T) {
	e := newEnv(t, serverside.Options{})
	other := e.login(t, "alice")
	cur := e.login(t, "alice")
	w := serve(e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		if err := errors.Join(s.Renew(), e.m.Revoke(r.Context(), "alice", s), s.Set("n", "1")); err != nil {
			t.Errorf("lifecycle: %v", err)
		}
	})), nil, "/", cur)
	id, deleted, ok := cookieOf(w)
	if w.Code != 200 || !ok || deleted || id == cur {
		t.Fatalf("status %d, cookie %q (deleted %t, set %t)", w.Code, id, deleted, ok)
	}
	if got := e.who(id); got != "alice" || e.value(id, "n") != "1" {
		t.Errorf("kept session: user %q n %q", got, e.value(id, "n"))
	}
	if got := e.who(cur); got != "<nil>" {
		t.Errorf("the renewed session's old ID still opens: %q", got)
	}
	if got := e.who(other); got != "<nil>" {
		t.Errorf("the other device survived: %q", got)
	}
	infos, err := e.m.Sessions(context.Background(), "alice")
	if err != nil || len(infos) != 1 {
		t.Errorf("alice's sessions: %d, %v; want 1", len(infos), err)
	}
	e.noError(t)
}

// A request that opened alice's session before another request revoked
// her, then renews, writes, or only reads: nothing it does brings the
// session back; a write is reported (ErrSessionGone), never acknowledged.
func TestBreakRequestStartedBeforeRevoke(t *testing.T) {
	for _, op := range []string{"Renew", "Set", "SetSubject", "read", "Destroy"} {
		t.Run(op, func(t *testing.T) {
			e := newEnv(t, serverside.Options{})
			id := e.login(t, "alice")
			opened, revoked := make(chan struct{}), make(chan struct{})
			done := make(chan *struct {
				code int
				id   string
				set  bool
			}, 1)
			go func() {
				w := serve(e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					s := session.From(r)
					_ = s.Get("user")
					close(opened)
					select {
					case <-revoked:
					case <-time.After(testwait.Timeout):
						return
					}
					switch op {
					case "Renew":
						_ = s.Renew()
					case "Set":
						_ = s.Set("x", "1")
					case "SetSubject":
						_ = s.SetSubject("alice")
					case "Destroy":
						_ = s.Destroy()
					}
				})), nil, "/", id)
				v, deleted, ok := cookieOf(w)
				done <- &struct {
					code int
					id   string
					set  bool
				}{w.Code, v, ok && !deleted}
			}()
			testwait.Recv(t, opened, 0, "request A to open its session")
			if err := e.m.Revoke(context.Background(), "alice", nil); err != nil {
				t.Fatal(err)
			}
			close(revoked)
			res := testwait.Recv(t, done, 0, "request A to finish")
			if res.set {
				if got := e.who(res.id); got == "alice" {
					t.Errorf("%s after the revocation: status %d, the cookie it sent opens alice's session", op, res.code)
				}
			}
			wantErr := op == "Renew" || op == "Set" || op == "SetSubject"
			if wantErr {
				if res.code != 500 {
					t.Errorf("%s after the revocation answered %d, want the error handler's 500", op, res.code)
				}
				if err := e.nextError(t); !errors.Is(err, serverside.ErrSessionGone) {
					t.Errorf("error %v, want ErrSessionGone", err)
				}
			} else if res.code != 200 {
				t.Errorf("%s after the revocation answered %d", op, res.code)
			}
			if infos, _ := e.m.Sessions(context.Background(), "alice"); len(infos) != 0 {
				t.Errorf("alice has %d sessions after the revocation", len(infos))
			}
			if e.store.Len() != 0 {
				t.Errorf("%d records left", e.store.Len())
			}
		})
	}
}

// Every lifecycle call whose store operation fails answers 503 with
// Retry-After through the default error handler, sends no Set-Cookie, and
// leaves the session as it was: nothing reported as success.
func TestBreakLifecycleStoreFailure503(t *testing.T) {
	cases := []struct {
		method string
		h      func(m *session.Manager, r *http.Request) error
		alive  bool // the session still opens afterwards
	}{
		{"Save", func(m *session.Manager, r *http.Request) error { return session.From(r).Renew() }, true},
		{"CompareAndDelete", func(m *session.Manager, r *http.Request) error { return session.From(r).Renew() }, true},
		{"Delete", func(m *session.Manager, r *http.Request) error { return session.From(r).Destroy() }, true},
		{"CompareAndDelete", func(m *session.Manager, r *http.Request) error { return session.From(r).Clear() }, true},
		{"DeleteSubject", func(m *session.Manager, r *http.Request) error {
			return m.Revoke(r.Context(), session.From(r).Subject(), nil)
		}, true},
		{"Sessions", func(m *session.Manager, r *http.Request) error {
			_, err := m.Sessions(r.Context(), session.From(r).Subject())
			return err
		}, true},
		{"Sessions", func(m *session.Manager, r *http.Request) error {
			return m.RevokeKey(r.Context(), session.From(r).Subject(), "k")
		}, true},
		{"Delete", func(m *session.Manager, r *http.Request) error {
			infos, err := m.Sessions(r.Context(), session.From(r).Subject())
			if err != nil || len(infos) != 1 {
				return fmt.Errorf("listing: %d, %w", len(infos), err)
			}
			return m.RevokeKey(r.Context(), session.From(r).Subject(), infos[0].Key)
		}, true},
	}
	for n, c := range cases {
		t.Run(fmt.Sprint(n, c.method), func(t *testing.T) {
			clk := &clock{t: time.Now().Truncate(time.Second)}
			fs := &failStore{Store: memstore.New(memstore.Options{Now: clk.Now})}
			b, err := serverside.New(serverside.Options{Store: fs})
			if err != nil {
				t.Fatal(err)
			}
			m, err := session.New(session.Config{Interface: b, Now: clk.Now, Logger: slogDiscard()})
			if err != nil {
				t.Fatal(err)
			}
			e := &env{m: m, iface: b, clock: clk, errs: make(chan error, 10)}
			id := e.login(t, "alice")
			var got error
			h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_ = session.From(r).Get("user")
				fs.fail = c.method
				got = c.h(m, r)
			}))
			w := serve(h, nil, "/", id)
			fs.fail = ""
			if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
				t.Errorf("status %d, Retry-After %q; want 503 with one (call returned %v)", w.Code, w.Header().Get("Retry-After"), got)
			}
			if sc := w.Header().Values("Set-Cookie"); len(sc) != 0 {
				t.Errorf("Set-Cookie %q after a store failure", sc)
			}
			if alive := e.who(id) == "alice"; alive != c.alive {
				t.Errorf("session alive %t after the failed call, want %t", alive, c.alive)
			}
		})
	}
}

// PermanentIdleTimeout and IdleTimeout, each at exactly the limit (ended)
// and one nanosecond before (alive).
func TestBreakIdleTimeoutBoundaries(t *testing.T) {
	const idle, pidle = 10 * time.Minute, 3 * time.Hour
	for _, permanent := range []bool{false, true} {
		limit := idle
		if permanent {
			limit = pidle
		}
		for _, d := range []time.Duration{limit - time.Nanosecond, limit} {
			t.Run(fmt.Sprint(permanent, d), func(t *testing.T) {
				e := newEnv(t, serverside.Options{IdleTimeout: idle, PermanentIdleTimeout: pidle, TouchInterval: time.Hour})
				c := e.client(map[string]http.HandlerFunc{
					"/login": func(w http.ResponseWriter, r *http.Request) {
						s := session.From(r)
						_ = s.Set("user", "alice")
						_ = s.SetPermanent(permanent)
					},
					"/get": routes["/get"],
				})
				c.Get("/login")
				e.clock.Add(d)
				got := c.Get("/get?k=user").Body
				if want := map[bool]string{true: "alice", false: "<nil>"}[d < limit]; got != want {
					t.Errorf("permanent %t after %v: %q, want %q", permanent, d, got, want)
				}
			})
		}
	}
}

// Concurrent logins, writes, logouts and revocations of one subject's
// sessions never leave a revoked or destroyed session alive, and never
// answer 200 for a write that was not stored.
func TestBreakConcurrentLifecycle(t *testing.T) {
	e := newEnv(t, serverside.Options{})
	ids := make([]string, 6)
	for i := range ids {
		ids[i] = e.login(t, "alice")
	}
	h := e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		switch r.URL.Path {
		case "/renew":
			_ = s.Renew()
			_ = s.Set("n", "renewed")
		case "/set":
			_ = s.Set("n", "set")
		case "/destroy":
			_ = s.Destroy()
		case "/revoke":
			_ = e.m.Revoke(r.Context(), "alice", nil)
		}
	}))
	paths := []string{"/renew", "/set", "/destroy", "/set", "/renew", "/set"}
	var wg sync.WaitGroup
	type out struct {
		path, id string
		code     int
	}
	outs := make(chan out, 2*len(ids)+1)
	for i, id := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w := serve(h, nil, paths[i], id)
			v, deleted, ok := cookieOf(w)
			if !ok || deleted {
				v = ""
			}
			outs <- out{paths[i], v, w.Code}
		}()
	}
	wg.Add(1)
	go func() {
		defer wg.Done()
		serve(h, nil, "/revoke", "")
	}()
	testwait.Wait(t, &wg, 0, "the concurrent requests")
	close(outs)
	for range len(e.errs) {
		<-e.errs
	}
	// Every request started before the revocation finished, and the
	// revocation deleted every record of alice that existed when it ran:
	// whatever interleaving, no cookie sent opens alice's session and none
	// is listed (a Renew or write that lost the race failed, reported).
	infos, err := e.m.Sessions(context.Background(), "alice")
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 0 {
		t.Errorf("%d sessions of alice listed after log out everywhere", len(infos))
	}
	for o := range outs {
		if o.id != "" && e.who(o.id) == "alice" {
			t.Errorf("%s (status %d) sent a cookie that opens alice's session after the revocation", o.path, o.code)
		}
	}
	for _, id := range ids {
		if e.who(id) == "alice" {
			t.Errorf("an original ID survived log out everywhere")
		}
	}
}
