package serverside_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/internal/testwait"
	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/memstore"
)

// await waits for ch with a deadline, from any goroutine (a handler's): it
// reports a timeout with t.Error and returns false.
func await[T any](t *testing.T, ch <-chan T, what string) bool {
	t.Helper()
	select {
	case <-ch:
		return true
	case <-time.After(wait):
		t.Errorf("timed out waiting for %s", what)
		return false
	}
}

// recv waits for ch with a deadline, from the test's goroutine.
func recv[T any](t *testing.T, ch <-chan T, what string) T {
	t.Helper()
	select {
	case v := <-ch:
		return v
	case <-time.After(wait):
		t.Fatalf("timed out waiting for %s", what)
		var zero T
		return zero
	}
}

// setup stores a session holding values (and subject, if not "") and
// returns its ID.
func (e *env) setup(t *testing.T, subject string, values map[string]any) string {
	t.Helper()
	w := serve(e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		_ = s.Update(values)
		if subject != "" {
			_ = s.SetSubject(subject)
		}
	})), nil, "/", "")
	id, _, ok := cookieOf(w)
	if w.Code != 200 || !ok {
		t.Fatalf("setup: %d", w.Code)
	}
	return id
}

// 2: request A removes the last key it sees while B adds another key and
// commits first: A must not delete on its stale view; B's write survives
// and A's removal applies.
func TestEmptyingMergesAConcurrentWrite(t *testing.T) {
	removals := map[string]func(s *session.Session){
		"Pop":     func(s *session.Session) { _, _, _ = s.Pop("x") },
		"Delete":  func(s *session.Session) { _ = s.Delete("x") },
		"Flashes": func(s *session.Session) { s.Flashes() },
	}
	for name, remove := range removals {
		for _, subject := range []string{"", "alice"} {
			t.Run(fmt.Sprintf("%s subject=%q", name, subject), func(t *testing.T) {
				e := newEnv(t, serverside.Options{})
				key := "x"
				if name == "Flashes" {
					key = "_flashes"
				}
				id := e.setup(t, subject, map[string]any{key: []any{"one"}})
				aRead, bDone := make(chan struct{}), make(chan struct{})
				aRes := make(chan int, 1)
				go func() {
					w := serve(e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						remove(session.From(r))
						close(aRead)
						await(t, bDone, "B to commit")
					})), nil, "/a", id)
					if v, deleted, _ := cookieOf(w); deleted || (v != "" && v != id) {
						t.Errorf("A's response cookie %q (deleted %v): the session must go on", v, deleted)
					}
					aRes <- w.Code
				}()
				recv(t, aRead, "A to read")
				if w := serve(e.m.Handler(http.HandlerFunc(routes["/set"])), nil, "/set?y=2", id); w.Code != 200 {
					t.Fatalf("B: %d", w.Code)
				}
				close(bDone)
				if code := recv(t, aRes, "A's response"); code != 200 {
					t.Errorf("A: %d", code)
				}
				if got := e.value(id, "y"); got != "2" {
					t.Errorf("B's acknowledged write is gone: y=%q", got)
				}
				if got := e.value(id, key); got != "<nil>" {
					t.Errorf("A's removal was lost: %s=%q", key, got)
				}
				e.noError(t)
			})
		}
	}
}

// 2, the other order: A's emptying commits first, then B (which read the
// session before) saves: the session was ended, B must not bring it back.
func TestSaveAfterEmptyingFailsClosed(t *testing.T) {
	for _, name := range []string{"Pop", "Clear", "Destroy"} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, serverside.Options{})
			id := e.setup(t, "alice", map[string]any{"x": "1"})
			bRead, aDone := make(chan struct{}), make(chan struct{})
			bRes := make(chan int, 1)
			go func() {
				w := serve(e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					s := session.From(r)
					s.Get("x")
					close(bRead)
					await(t, aDone, "A to commit")
					_ = s.Set("y", "2")
				})), nil, "/b", id)
				if _, _, ok := cookieOf(w); ok {
					t.Errorf("B's failed save sent a cookie")
				}
				bRes <- w.Code
			}()
			recv(t, bRead, "B to read")
			w := serve(e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := session.From(r)
				switch name {
				case "Pop":
					_, _, _ = s.Pop("x")
				case "Clear":
					_ = s.Clear()
				case "Destroy":
					_ = s.Destroy()
				}
			})), nil, "/a", id)
			if _, deleted, _ := cookieOf(w); w.Code != 200 || !deleted {
				t.Fatalf("A: status %d, cookie deleted %v", w.Code, deleted)
			}
			close(aDone)
			if code := recv(t, bRes, "B's response"); code != 500 {
				t.Errorf("B after the session ended: %d, want 500", code)
			}
			err := e.nextError(t)
			if !errors.Is(err, serverside.ErrSessionGone) || !strings.Contains(err.Error(), "ended by another request") {
				t.Errorf("B's error %v: want ErrSessionGone saying another request ended the session", err)
			}
			if n := e.store.Len(); n != 0 {
				t.Errorf("the ended session came back: %d records", n)
			}
		})
	}
}

// hookStore runs hook once, once set, inside the first Save of a new
// record (version 0): the window between a regeneration's save of the new
// record and its delete of the old one.
type hookStore struct {
	*memstore.Store
	once sync.Once
	hook func()
}

func (h *hookStore) Save(ctx context.Context, key string, rec store.Record) (uint64, error) {
	v, err := h.Store.Save(ctx, key, rec)
	if err == nil && rec.Version == 0 && h.hook != nil {
		h.once.Do(h.hook)
	}
	return v, err
}

// 3: a write on the old ID that commits while Regenerate moves the session
// is merged into the new session; an ending in that window ends both.
func TestRegenerateMoveIsVersionChecked(t *testing.T) {
	type result struct {
		code int
		err  error
	}
	cases := []struct {
		name string
		// concurrent runs in the window with the old ID, returning the status.
		concurrent func(e *env, id string) int
		check      func(t *testing.T, e *env, res result, newID, oldID string)
	}{
		{"a write to the old ID", func(e *env, id string) int {
			return serve(e.m.Handler(http.HandlerFunc(routes["/set"])), nil, "/set?z=late", id).Code
		}, func(t *testing.T, e *env, res result, newID, oldID string) {
			if res.code != 200 || e.value(newID, "z") != "late" || e.value(newID, "user") != "alice" {
				t.Errorf("status %d, z=%q user=%q in the new session", res.code, e.value(newID, "z"), e.value(newID, "user"))
			}
		}},
		{"a delete on the old ID", func(e *env, id string) int {
			return serve(e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_ = session.From(r).Delete("cart")
			})), nil, "/", id).Code
		}, func(t *testing.T, e *env, res result, newID, oldID string) {
			if res.code != 200 || e.value(newID, "cart") != "<nil>" {
				t.Errorf("status %d, the deleted cart is back: %q", res.code, e.value(newID, "cart"))
			}
		}},
		{"a logout on the old ID", func(e *env, id string) int {
			return serve(e.m.Handler(http.HandlerFunc(routes["/logout"])), nil, "/logout", id).Code
		}, func(t *testing.T, e *env, res result, newID, oldID string) {
			if res.code != 500 || !errors.Is(res.err, serverside.ErrSessionGone) || newID != "" {
				t.Errorf("status %d, error %v, cookie %q: want 500 ErrSessionGone", res.code, res.err, newID)
			}
		}},
		{"revoking the subject", func(e *env, id string) int {
			if err := e.m.Revoke(context.Background(), "alice", nil); err != nil {
				return 500
			}
			return 200
		}, func(t *testing.T, e *env, res result, newID, oldID string) {
			if res.code != 500 || !errors.Is(res.err, serverside.ErrSessionGone) || newID != "" {
				t.Errorf("status %d, error %v, cookie %q: want 500 ErrSessionGone", res.code, res.err, newID)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, serverside.Options{})
			hs := &hookStore{Store: e.store}
			iface, _ := serverside.New(serverside.Options{Store: hs})
			e.iface = iface
			e.m, _ = session.New(session.Config{Interface: iface, Logger: slogDiscard(), Now: e.clock.Now,
				ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
					e.errs <- err
					http.Error(w, "session error", 500)
				}})
			old := e.setup(t, "alice", map[string]any{"user": "alice", "cart": "3"})
			var inWindow atomic.Int32
			hs.hook = func() { inWindow.Store(int32(c.concurrent(e, old))) }
			w := serve(e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_ = session.From(r).Renew()
				_ = session.From(r).Set("login", "yes")
			})), nil, "/login", old)
			if inWindow.Load() == 0 {
				t.Fatal("the concurrent request never ran in the window")
			}
			if inWindow.Load() != 200 && inWindow.Load() != 500 {
				t.Fatalf("concurrent request: %d", inWindow.Load())
			}
			newID, _, _ := cookieOf(w)
			var res result
			res.code = w.Code
			if w.Code != 200 {
				res.err = e.nextError(t)
			}
			if newID == old {
				t.Fatal("regenerate kept the ID")
			}
			c.check(t, e, res, newID, old)
			if got := e.value(old, "user"); got != "<nil>" {
				t.Errorf("the old ID still opens the session: user=%q", got)
			}
			want := 1
			if res.code != 200 {
				want = 0
			}
			if n := e.store.Len(); n != want {
				t.Errorf("%d records, want %d", n, want)
			}
		})
	}
}

// latencyStore adds a round trip's latency to every Load and Save.
type latencyStore struct{ *memstore.Store }

const roundTrip = 200 * time.Microsecond

func (l latencyStore) Load(ctx context.Context, key string) (store.Record, bool, error) {
	time.Sleep(roundTrip)
	return l.Store.Load(ctx, key)
}

func (l latencyStore) Save(ctx context.Context, key string, rec store.Record) (uint64, error) {
	time.Sleep(roundTrip)
	return l.Store.Save(ctx, key, rec)
}

// 4: 40+ writers of different keys overlapping on one session: no request
// fails and no key is lost, on memstore (boltstore's module runs the same
// test over boltstore).
func TestManyOverlappingWritersNoFailureNoLoss(t *testing.T) {
	stores := map[string]func(t *testing.T) store.Store{
		"memstore": func(t *testing.T) store.Store {
			s := memstore.New(memstore.Options{})
			t.Cleanup(func() { s.Close() })
			return latencyStore{s} // a network's round trip, as Redis or PostgreSQL have
		},
	}
	for name, newStore := range stores {
		t.Run(name, func(t *testing.T) {
			// The guarantee is "no failure before the deadline": give the
			// retries a deadline a loaded CI machine cannot spend (the
			// default 5 s can be, with 48 fsyncing writers under -race).
			e := newEnv(t, serverside.Options{Store: newStore(t), RetryTimeout: 2 * time.Minute})
			id := e.setup(t, "", map[string]any{"start": "1"})
			const n = 48
			var loaded sync.WaitGroup
			loaded.Add(n)
			all := make(chan struct{})
			go func() { loaded.Wait(); close(all) }()
			h := e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := session.From(r)
				s.Get("start")
				loaded.Done()
				await(t, all, "every writer to load") // all saves overlap their loads
				_ = s.Set(r.URL.Query().Get("k"), "v")
			}))
			var wg sync.WaitGroup
			var failed atomic.Int32
			for g := range n {
				wg.Go(func() {
					if w := serve(h, nil, fmt.Sprintf("/?k=w%d", g), id); w.Code != 200 {
						failed.Add(1)
					}
				})
			}
			testwait.Wait(t, &wg, 3*time.Minute, "48 overlapping writers")
			lost := 0
			for g := range n {
				if e.value(id, fmt.Sprintf("w%d", g)) != "v" {
					lost++
				}
			}
			if failed.Load() != 0 || lost != 0 {
				t.Errorf("%d writers: %d failed requests, %d lost keys", n, failed.Load(), lost)
			}
		})
	}
}
