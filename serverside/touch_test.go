package serverside_test

import (
	"context"
	"errors"
	"net/http"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/store"
)

// withIface points e at a new Interface over opts (its Store defaulting to
// e.store), keeping e's clock and error channel.
func (e *env) withIface(t *testing.T, opts serverside.Options) {
	t.Helper()
	if opts.Store == nil {
		opts.Store = e.store
	}
	iface, err := serverside.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	e.iface = iface
	e.m, err = session.New(session.Config{Interface: iface, Now: e.clock.Now, Logger: slogDiscard(),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			e.errs <- err
			http.Error(w, "session error", http.StatusInternalServerError)
		}})
	if err != nil {
		t.Fatal(err)
	}
}

// A read-only request touches the record once the last touch is at least
// TouchInterval old: not one second before, and at exactly the interval.
// With no TouchInterval, the interval is a minute, or half the shorter idle
// timeout (IdleTimeout or PermanentIdleTimeout) when that is less.
func TestTouchInterval(t *testing.T) {
	for _, c := range []struct {
		name     string
		opts     serverside.Options
		interval time.Duration
	}{
		{"explicit", serverside.Options{TouchInterval: 5 * time.Minute, IdleTimeout: time.Hour}, 5 * time.Minute},
		{"default, no idle timeout", serverside.Options{}, time.Minute},
		{"default, long idle timeout", serverside.Options{IdleTimeout: 4 * time.Minute}, time.Minute},
		{"default, idle timeout under two minutes", serverside.Options{IdleTimeout: 40 * time.Second}, 20 * time.Second},
		{"default, permanent idle timeout under two minutes", serverside.Options{PermanentIdleTimeout: 90 * time.Second}, 45 * time.Second},
		{"default, long idle, short permanent idle", serverside.Options{IdleTimeout: 24 * time.Hour, PermanentIdleTimeout: 90 * time.Second}, 45 * time.Second},
		{"default, short idle, long permanent idle", serverside.Options{IdleTimeout: 40 * time.Second, PermanentIdleTimeout: 3 * time.Hour}, 20 * time.Second},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, serverside.Options{})
			spy := &spyStore{Store: e.store}
			c.opts.Store = spy
			e.withIface(t, c.opts)
			id := e.setup(t, "", map[string]any{"a": "1"})
			e.clock.Add(c.interval - time.Second)
			if got := e.value(id, "a"); got != "1" || spy.touches.Load() != 0 {
				t.Fatalf("a second before the interval: a=%q, %d touches; want 1 and none", got, spy.touches.Load())
			}
			e.clock.Add(time.Second)
			if got := e.value(id, "a"); got != "1" || spy.touches.Load() != 1 {
				t.Errorf("at the interval: a=%q, %d touches; want 1 and one", got, spy.touches.Load())
			}
			e.noError(t)
		})
	}
}

// untouchableStore hides every optional capability of the store it wraps (no
// store.Toucher), so a touch is a Load and a Save; it can fail the Load
// numbered failLoad (counted from 1 since the last reset) and every Save
// with saveErr.
type untouchableStore struct {
	store.Store
	loads    atomic.Int32
	failLoad int32
	saveErr  error
}

func (p *untouchableStore) Load(ctx context.Context, key string) (store.Record, bool, error) {
	if n := p.loads.Add(1); n == p.failLoad {
		return store.Record{}, false, errDown
	}
	return p.Store.Load(ctx, key)
}

func (p *untouchableStore) Save(ctx context.Context, key string, rec store.Record) (uint64, error) {
	if p.saveErr != nil {
		return 0, p.saveErr
	}
	return p.Store.Save(ctx, key, rec)
}

// Over a store without Touch, a touch rewrites the record's LastSeen and
// Expires (through Load and Save): the idle timeout counts from the touch,
// and the data is unchanged.
func TestTouchWithoutToucher(t *testing.T) {
	e := newEnv(t, serverside.Options{})
	ps := &untouchableStore{Store: e.store}
	e.withIface(t, serverside.Options{Store: ps, IdleTimeout: 10 * time.Minute, TouchInterval: time.Minute})
	id := e.setup(t, "", map[string]any{"a": "1"})
	e.clock.Add(6 * time.Minute)
	if got := e.value(id, "a"); got != "1" {
		t.Fatalf("after 6 minutes: a=%q", got)
	}
	e.clock.Add(6 * time.Minute) // 12 minutes after the write, 6 after the touch
	if got := e.value(id, "a"); got != "1" {
		t.Errorf("the touch did not extend the idle timeout: a=%q", got)
	}
	e.clock.Add(10*time.Minute + time.Second)
	if got := e.value(id, "a"); got != "<nil>" {
		t.Errorf("idle for over 10 minutes after the last touch: a=%q", got)
	}
	e.noError(t)
}

// Over a store without Touch, a failing Load or Save of the touch fails the
// request closed; a Save that conflicts (another request wrote the record
// meanwhile, which extended it) is not an error.
func TestTouchWithoutToucherFailures(t *testing.T) {
	for _, c := range []struct {
		name     string
		failLoad int32 // the request's first Load opens the session; its second one touches
		saveErr  error
		want     error // nil: the request succeeds
	}{
		{"Load fails", 2, nil, errDown},
		{"Save fails", 0, errDown, errDown},
		{"Save conflicts", 0, store.ErrConflict, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, serverside.Options{})
			ps := &untouchableStore{Store: e.store}
			e.withIface(t, serverside.Options{Store: ps, IdleTimeout: 10 * time.Minute, TouchInterval: time.Minute})
			id := e.setup(t, "", map[string]any{"a": "1"})
			e.clock.Add(2 * time.Minute)
			ps.loads.Store(0)
			ps.failLoad, ps.saveErr = c.failLoad, c.saveErr
			w := serve(e.m.Handler(http.HandlerFunc(routes["/get"])), nil, "/get?k=a", id)
			if c.want == nil {
				if w.Code != 200 || w.Body.String() != "1" {
					t.Errorf("status %d, a=%q; want 200 and 1", w.Code, w.Body.String())
				}
				e.noError(t)
				return
			}
			if w.Code != 500 || len(w.Header().Values("Set-Cookie")) != 0 {
				t.Errorf("status %d, Set-Cookie %v; want 500 and none", w.Code, w.Header().Values("Set-Cookie"))
			}
			if err := e.nextError(t); !errors.Is(err, c.want) {
				t.Errorf("error %v, want %v", err, c.want)
			}
		})
	}
}

// Issue 12 item 8: a permanent session ("remember me") has its own idle
// timeout: it outlives IdleTimeout, a browser session does not, and each
// still ends after its own.
func TestPermanentIdleTimeout(t *testing.T) {
	e := newEnv(t, serverside.Options{IdleTimeout: time.Hour, PermanentIdleTimeout: 48 * time.Hour})
	login := func(permanent bool) string {
		w := serve(e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			s := session.From(r)
			_ = s.Set("user", "alice")
			_ = s.SetPermanent(permanent)
		})), nil, "/", "")
		id, _, _ := cookieOf(w)
		return id
	}
	remembered, browser := login(true), login(false)
	e.clock.Add(2 * time.Hour)
	if got := e.value(remembered, "user"); got != "alice" {
		t.Errorf("the permanent session after 2 h idle: user=%q, want alice", got)
	}
	if got := e.value(browser, "user"); got != "<nil>" {
		t.Errorf("the browser session after 2 h idle (IdleTimeout 1 h): user=%q, want it ended", got)
	}
	e.clock.Add(49 * time.Hour)
	if got := e.value(remembered, "user"); got != "<nil>" {
		t.Errorf("the permanent session after 49 h idle (PermanentIdleTimeout 48 h): user=%q, want it ended", got)
	}
	e.noError(t)
}
