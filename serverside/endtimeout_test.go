package serverside_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/store"
)

// hangingStore blocks Delete, CompareAndDelete and DeleteSubject until their
// context ends, recording whether that context had a deadline.
type hangingStore struct {
	store.SubjectStore
	deadline chan bool
}

func (h *hangingStore) hang(ctx context.Context) error {
	_, ok := ctx.Deadline()
	select {
	case h.deadline <- ok:
	default:
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(wait):
		return errors.New("the context of an ending never ended")
	}
}

func (h *hangingStore) Delete(ctx context.Context, key string) error { return h.hang(ctx) }
func (h *hangingStore) CompareAndDelete(ctx context.Context, key string, version uint64) error {
	return h.hang(ctx)
}
func (h *hangingStore) DeleteSubject(ctx context.Context, subject, keep string) (int, error) {
	return 0, h.hang(ctx)
}

// The detached context of an ending has a deadline of its own
// (Options.EndTimeout): a hanging store fails the request, reported.
func TestEndingIsBoundedByEndTimeout(t *testing.T) {
	for name, end := range endings {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, serverside.Options{})
			id := e.login(t, "alice")
			hs := &hangingStore{SubjectStore: e.store, deadline: make(chan bool, 1)}
			iface, err := serverside.New(serverside.Options{Store: hs, EndTimeout: 50 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			e.iface = iface
			m, _ := session.New(session.Config{Interface: iface, Logger: slogDiscard(),
				ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
					e.errs <- err
					http.Error(w, "session error", 500)
				}})
			e.m = m // the endings revoke through e.m
			start := time.Now()
			w := serve(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				session.From(r).Get("user")
				end(e, r)
			})), nil, "/logout", id)
			if took := time.Since(start); took > wait/2 {
				t.Errorf("the ending took %v", took)
			}
			if _, _, ok := cookieOf(w); w.Code != 500 || ok {
				t.Errorf("status %d, Set-Cookie %v; want 500 and none", w.Code, w.Header().Values("Set-Cookie"))
			}
			if err := e.nextError(t); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("error %v, want the end deadline", err)
			}
			select {
			case had := <-hs.deadline:
				if !had {
					t.Error("the ending ran without a deadline")
				}
			case <-time.After(wait):
				t.Fatal("the store was never asked to end the session")
			}
		})
	}
}

// conflictStore makes every Save conflict, as if other requests always
// committed first.
type conflictStore struct {
	store.SubjectStore
	saves atomic.Int32
}

func (c *conflictStore) Save(ctx context.Context, key string, rec store.Record) (uint64, error) {
	if rec.Version == 0 {
		return c.SubjectStore.Save(ctx, key, rec)
	}
	c.saves.Add(1)
	return 0, store.ErrConflict
}

// 4: conflicting saves back off and retry until the deadline — the
// request's own, or Options.RetryTimeout when it has none — and only then
// fail with ErrTooManyConflicts.
func TestConflictRetriesLastUntilTheDeadline(t *testing.T) {
	for _, withDeadline := range []bool{false, true} {
		t.Run(fmt.Sprintf("request deadline %v", withDeadline), func(t *testing.T) {
			e := newEnv(t, serverside.Options{})
			id := e.login(t, "alice")
			cs := &conflictStore{SubjectStore: e.store}
			bound := 600 * time.Millisecond
			opts := serverside.Options{Store: cs, RetryTimeout: bound}
			ctx := context.Background()
			if withDeadline {
				opts.RetryTimeout = time.Hour // the request's deadline must win
				c, cancel := context.WithTimeout(ctx, bound)
				defer cancel()
				ctx = c
			}
			iface, _ := serverside.New(opts)
			m, _ := session.New(session.Config{Interface: iface, Logger: slogDiscard(),
				ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
					e.errs <- err
					http.Error(w, "session error", 500)
				}})
			start := time.Now()
			w := serve(m.Handler(http.HandlerFunc(routes["/set"])), ctx, "/set?b=2", id)
			took := time.Since(start)
			if w.Code != 500 || len(w.Header().Values("Set-Cookie")) != 0 {
				t.Errorf("status %d, Set-Cookie %v", w.Code, w.Header().Values("Set-Cookie"))
			}
			if err := e.nextError(t); !errors.Is(err, serverside.ErrTooManyConflicts) {
				t.Errorf("error %v, want ErrTooManyConflicts", err)
			}
			if took < bound*9/10 || took > wait/2 {
				t.Errorf("gave up after %v, want about %v", took, bound)
			}
			if n := cs.saves.Load(); n <= 10 || n > 1000 {
				t.Errorf("%d attempts in %v: want backed-off retries beyond the old count of 10", n, took)
			}
		})
	}
}

// MaxRetries, when set, still bounds the number of retries.
func TestMaxRetriesStillBoundsRetries(t *testing.T) {
	e := newEnv(t, serverside.Options{})
	id := e.login(t, "alice")
	cs := &conflictStore{SubjectStore: e.store}
	iface, _ := serverside.New(serverside.Options{Store: cs, MaxRetries: 3})
	m, _ := session.New(session.Config{Interface: iface, Logger: slogDiscard(),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			e.errs <- err
			http.Error(w, "session error", 500)
		}})
	if w := serve(m.Handler(http.HandlerFunc(routes["/set"])), nil, "/set?b=2", id); w.Code != 500 {
		t.Errorf("status %d", w.Code)
	}
	if err := e.nextError(t); !errors.Is(err, serverside.ErrTooManyConflicts) {
		t.Errorf("error %v", err)
	}
	if n := cs.saves.Load(); n != 4 {
		t.Errorf("%d attempts, want 1 + 3 retries", n)
	}
}

// slowReloadStore conflicts on every update, and its reloads (after the
// first load) take until the caller's deadline: the deadline strikes inside
// a store call of the retry loop, not in its backoff.
type slowReloadStore struct {
	conflictStore
	loads atomic.Int32
}

func (c *slowReloadStore) Load(ctx context.Context, key string) (store.Record, bool, error) {
	if c.loads.Add(1) == 1 {
		return c.conflictStore.Load(ctx, key)
	}
	<-ctx.Done() // the test's request deadline (below) ends it
	return store.Record{}, false, ctx.Err()
}

// Retries that spend the deadline fail with ErrTooManyConflicts wherever
// the deadline strikes, in a reload as much as in a backoff.
func TestConflictDeadlineInAReloadIsTooManyConflicts(t *testing.T) {
	e := newEnv(t, serverside.Options{})
	id := e.login(t, "alice")
	cs := &slowReloadStore{conflictStore: conflictStore{SubjectStore: e.store}}
	iface, _ := serverside.New(serverside.Options{Store: cs, RetryTimeout: time.Hour})
	m, _ := session.New(session.Config{Interface: iface, Logger: slogDiscard(),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			e.errs <- err
			http.Error(w, "session error", 500)
		}})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	w := serve(m.Handler(http.HandlerFunc(routes["/set"])), ctx, "/set?b=2", id)
	if w.Code != 500 {
		t.Errorf("status %d, want 500", w.Code)
	}
	if err := e.nextError(t); !errors.Is(err, serverside.ErrTooManyConflicts) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("error %v, want ErrTooManyConflicts wrapping the deadline", err)
	}
}
