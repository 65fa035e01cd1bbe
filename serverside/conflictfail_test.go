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

// scriptStore fails calls in a set order once armed: the first call of the
// method named conflict returns store.ErrConflict (as if another request
// had written first), the Load numbered failLoad (from 1) returns errDown,
// and every call of the method named fail returns errDown.
type scriptStore struct {
	*memstore.Store
	mu         sync.Mutex
	armed      bool
	conflict   string
	conflicted bool
	failLoad   int
	loads      int
	fail       string
}

func (s *scriptStore) check(method string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.armed {
		return nil
	}
	if method == "Load" {
		s.loads++
		if s.loads == s.failLoad {
			return errDown
		}
	}
	if method == s.fail {
		return errDown
	}
	if method == s.conflict && !s.conflicted {
		s.conflicted = true
		return store.ErrConflict
	}
	return nil
}

func (s *scriptStore) Load(ctx context.Context, key string) (store.Record, bool, error) {
	if err := s.check("Load"); err != nil {
		return store.Record{}, false, err
	}
	return s.Store.Load(ctx, key)
}

func (s *scriptStore) Save(ctx context.Context, key string, rec store.Record) (uint64, error) {
	if err := s.check("Save"); err != nil {
		return 0, err
	}
	return s.Store.Save(ctx, key, rec)
}

func (s *scriptStore) CompareAndDelete(ctx context.Context, key string, version uint64) error {
	if err := s.check("CompareAndDelete"); err != nil {
		return err
	}
	return s.Store.CompareAndDelete(ctx, key, version)
}

// Every store failure on the way of a save — the reload after a conflict,
// the delete of a cleared session, each step of a move — fails the request
// closed: 500, no cookie, the store's error reported, and no record left
// behind but the one the request started from.
func TestStoreFailureAfterAConflictFailsClosed(t *testing.T) {
	set := func(r *http.Request) { _ = session.From(r).Set("b", "2") }
	empty := func(r *http.Request) { _ = session.From(r).Delete("user") }
	clear := func(r *http.Request) { _ = session.From(r).Clear() }
	move := func(r *http.Request) {
		_ = session.From(r).Renew()
		_ = session.From(r).Set("b", "2")
	}
	// The request's first Load opens the session; a move loads it again.
	for _, c := range []struct {
		name     string
		handler  func(r *http.Request)
		conflict string
		failLoad int
		fail     string
	}{
		{"update: the reload after a conflict fails", set, "Save", 2, ""},
		{"emptying: the reload after a conflict fails", empty, "CompareAndDelete", 2, ""},
		{"Clear: the delete fails", clear, "", 0, "CompareAndDelete"},
		{"Clear: the reload after a conflict fails", clear, "CompareAndDelete", 2, ""},
		{"move: loading the session fails", move, "", 2, ""},
		{"move: saving the new record fails", move, "", 0, "Save"},
		{"move: deleting the old record fails", move, "", 0, "CompareAndDelete"},
		{"move: the reload after a conflict fails", move, "CompareAndDelete", 3, ""},
	} {
		t.Run(c.name, func(t *testing.T) {
			e := newEnv(t, serverside.Options{})
			ss := &scriptStore{Store: e.store}
			e.withIface(t, serverside.Options{Store: ss})
			id := e.login(t, "alice")
			ss.mu.Lock()
			ss.armed, ss.conflict, ss.failLoad, ss.fail = true, c.conflict, c.failLoad, c.fail
			ss.mu.Unlock()
			w := serve(e.m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { c.handler(r) })), nil, "/", id)
			if w.Code != 500 || len(w.Header().Values("Set-Cookie")) != 0 {
				t.Errorf("status %d, Set-Cookie %v; want 500 and none", w.Code, w.Header().Values("Set-Cookie"))
			}
			if err := e.nextError(t); !errors.Is(err, errDown) {
				t.Errorf("error %v, want the store's", err)
			}
			if n := e.store.Len(); n != 1 {
				t.Errorf("%d records, want the session's one", n)
			}
		})
	}
}
