package serverside_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/memstore"
)

// moveStore runs hook once, with the new record's key, inside the first
// Save of a new record (version 0) after hook is set: the window between a
// regeneration's save of the new record and its delete of the old one.
// Once the hook ran, a later Save of that new record fails with saveErr and
// every Delete with deleteErr, when set.
type moveStore struct {
	*memstore.Store
	once      sync.Once
	hook      func(newKey string)
	mu        sync.Mutex
	newKey    string
	saveErr   error
	deleteErr error
}

func (m *moveStore) Save(ctx context.Context, key string, rec store.Record) (uint64, error) {
	m.mu.Lock()
	fail := m.saveErr != nil && key == m.newKey && rec.Version != 0
	m.mu.Unlock()
	if fail {
		return 0, m.saveErr
	}
	v, err := m.Store.Save(ctx, key, rec)
	if err == nil && rec.Version == 0 && m.hook != nil {
		m.once.Do(func() {
			m.mu.Lock()
			m.newKey = key
			m.mu.Unlock()
			m.hook(key)
		})
	}
	return v, err
}

func (m *moveStore) Delete(ctx context.Context, key string) error {
	if m.deleteErr != nil {
		return m.deleteErr
	}
	return m.Store.Delete(ctx, key)
}

// moveEnv is an env over a moveStore holding one session with values; it
// returns the env, the store and the session's ID.
func moveEnv(t *testing.T, values map[string]any) (*env, *moveStore, string) {
	t.Helper()
	e := newEnv(t, serverside.Options{})
	ms := &moveStore{Store: e.store}
	e.withIface(t, serverside.Options{Store: ms})
	return e, ms, e.setup(t, "alice", values)
}

// A request that moves the session (Regenerate) while removing keys, when
// another request removes the others in the move's window, ends the
// session: nothing is left to move. The new record is deleted, then the old
// one (at the version that request wrote), and the cookie is cleared; a
// failure to delete the new record fails the request closed.
func TestRegenerateEmptiedDuringTheMove(t *testing.T) {
	for name, deleteErr := range map[string]error{"delete succeeds": nil, "delete fails": errDown} {
		t.Run(name, func(t *testing.T) {
			e, ms, old := moveEnv(t, map[string]any{"a": "1", "b": "2"})
			ms.deleteErr = deleteErr
			var inWindow int
			ms.hook = func(string) {
				inWindow = serve(e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					_ = session.From(r).Delete("b")
				})), nil, "/", old).Code
			}
			w := serve(e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := session.From(r)
				_ = s.Renew()
				_ = s.Delete("a")
			})), nil, "/", old)
			if inWindow != 200 {
				t.Fatalf("the request in the window: %d", inWindow)
			}
			id, deleted, ok := cookieOf(w)
			if deleteErr != nil {
				if w.Code != 500 || ok {
					t.Errorf("status %d, cookie %q: want 500 and none", w.Code, id)
				}
				if err := e.nextError(t); !errors.Is(err, errDown) {
					t.Errorf("error %v, want the store's", err)
				}
				return
			}
			if w.Code != 200 || !deleted {
				t.Errorf("status %d, cookie %q (deleted %v): want 200 and the cookie cleared", w.Code, id, deleted)
			}
			if n := e.store.Len(); n != 0 {
				t.Errorf("%d records left, want none", n)
			}
			e.noError(t)
		})
	}
}

// A move whose new record is revoked in its window (while a write to the
// old ID makes it retry) fails with ErrSessionGone; a store failure saving
// the new record again is reported as that failure. Either way no cookie
// is sent and the new record is gone.
func TestRegenerateNewRecordLostDuringTheMove(t *testing.T) {
	for _, c := range []struct {
		name    string
		saveErr error
		want    error
	}{
		{"revoked", nil, serverside.ErrSessionGone},
		{"store failure", errDown, errDown},
	} {
		t.Run(c.name, func(t *testing.T) {
			e, ms, old := moveEnv(t, map[string]any{"user": "alice"})
			var newKey string
			var inWindow int
			ms.hook = func(key string) {
				newKey = key
				inWindow = serve(e.m.Handler(http.HandlerFunc(routes["/set"])), nil, "/set?z=late", old).Code
				if c.saveErr == nil {
					if err := e.store.Delete(context.Background(), key); err != nil { // revoked
						t.Errorf("Revoke: %v", err)
					}
				}
				ms.saveErr = c.saveErr
			}
			w := serve(e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := session.From(r)
				_ = s.Renew()
				_ = s.Set("login", "yes")
			})), nil, "/", old)
			if inWindow != 200 {
				t.Fatalf("the request in the window: %d", inWindow)
			}
			if _, _, ok := cookieOf(w); w.Code != 500 || ok {
				t.Errorf("status %d, cookie sent %v: want 500 and none", w.Code, ok)
			}
			if err := e.nextError(t); !errors.Is(err, c.want) {
				t.Errorf("error %v, want %v", err, c.want)
			}
			if _, found, err := e.store.Load(context.Background(), newKey); err != nil || found {
				t.Errorf("the new record is still stored (%v)", err)
			}
		})
	}
}
