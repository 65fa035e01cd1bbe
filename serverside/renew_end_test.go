package serverside_test

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/memstore"
)

// Finding 11: ending is detached from the client whatever else the request
// did. A session renewed and then emptied (Renew, then Pop or Delete of its
// last key) ends even when the client disconnects before the save; a
// session renewed and changed (the ID moves) leaves nothing under the old
// ID either: the move ends the old ID, detached like every ending.
func TestRenewThenEndOrMoveSurvivesClientDisconnect(t *testing.T) {
	for name, c := range map[string]struct {
		change func(s *session.Session)
		left   int // alice's sessions after the request: 0 ended, 1 moved
	}{
		"Pop last key":    {func(s *session.Session) { _, _, _ = s.Pop("user") }, 0},
		"Delete last key": {func(s *session.Session) { _ = s.Delete("user") }, 0},
		"Delete user, another key left": {func(s *session.Session) {
			_ = s.Set("theme", "dark")
			_ = s.Delete("user")
		}, 1},
	} {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, serverside.Options{})
			id := e.login(t, "alice")
			ctx, disconnect := context.WithCancel(context.Background())
			defer disconnect()
			h := e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s := session.From(r)
				_ = s.Renew()
				c.change(s)
				disconnect() // the client leaves during slow work after the decision
				select {
				case <-r.Context().Done():
				case <-time.After(wait):
					t.Error("the request context was not cancelled")
				}
			}))
			serve(h, ctx, "/logout", id)
			if got := e.value(id, "user"); got != "<nil>" {
				t.Errorf("the pre-logout cookie still opens the session: user=%q", got)
			}
			if got := e.value(id, "theme"); got != "<nil>" {
				t.Errorf("the old ID opens the moved session: theme=%q", got)
			}
			if infos, _ := e.m.Sessions(context.Background(), "alice"); len(infos) != c.left || e.store.Len() != c.left {
				t.Errorf("alice has %d sessions, %d records; want %d", len(infos), e.store.Len(), c.left)
			}
			e.noError(t)
		})
	}
}

// racingStore lets another request commit inside a request's save: the
// first Save of an existing record (version > 0) after arm runs commit
// first (so that Save conflicts), and the Load that follows (the reload
// after the conflict) runs then; each runs once.
type racingStore struct {
	*memstore.Store
	mu             sync.Mutex
	commit, reload func()
}

func (s *racingStore) take(f *func()) func() {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := *f
	*f = nil
	return g
}

func (s *racingStore) Save(ctx context.Context, key string, rec store.Record) (uint64, error) {
	if rec.Version > 0 {
		if f := s.take(&s.commit); f != nil {
			f()
		}
	}
	return s.Store.Save(ctx, key, rec)
}

func (s *racingStore) Load(ctx context.Context, key string) (store.Record, bool, error) {
	rec, found, err := s.Store.Load(ctx, key)
	if f := s.take(&s.reload); f != nil {
		f()
	}
	return rec, found, err
}

// A request whose changes, merged with a request that committed first,
// leave the session empty ends it, detached like any ending: its client
// disconnecting after the reload does not keep the session.
func TestEmptiedByMergeSurvivesClientDisconnect(t *testing.T) {
	e := newEnv(t, serverside.Options{})
	rs := &racingStore{Store: e.store}
	e.withIface(t, serverside.Options{Store: rs})
	id := e.setup(t, "alice", map[string]any{"user": "alice", "x": "1"})
	ctx, disconnect := context.WithCancel(context.Background())
	defer disconnect()
	rs.commit = func() { // B pops user and commits first: {x} is left
		w := serve(e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _, _ = session.From(r).Pop("user")
		})), nil, "/", id)
		if w.Code != 200 {
			t.Errorf("request B: %d", w.Code)
		}
		rs.mu.Lock()
		rs.reload = disconnect // A's client leaves once A has reloaded
		rs.mu.Unlock()
	}
	w := serve(e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = session.From(r).Delete("x") // A removes x: with B's pop, nothing is left
	})), ctx, "/", id)
	if ctx.Err() == nil {
		t.Fatal("the race did not happen: the client never disconnected")
	}
	if _, deleted, ok := cookieOf(w); w.Code != 200 || !ok || !deleted {
		t.Errorf("status %d, Set-Cookie %v; want 200 and the cookie cleared", w.Code, w.Header().Values("Set-Cookie"))
	}
	if n := e.store.Len(); n != 0 {
		t.Errorf("%d records left: the emptied session survived its client's disconnect", n)
	}
	e.noError(t)
}
