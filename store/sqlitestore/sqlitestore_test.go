package sqlitestore_test

import (
	"context"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/sqlitestore"
	"github.com/sessionkit/session/store/storetest"
)

var ctx = context.Background()

// open opens a Store on a new file in t's temporary directory, closed when
// t ends.
func open(t testing.TB, opts sqlitestore.Options) (*sqlitestore.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sessions.db")
	return openAt(t, path, opts), path
}

// openAt opens a Store on path, closed when t ends.
func openAt(t testing.TB, path string, opts sqlitestore.Options) *sqlitestore.Store {
	t.Helper()
	s, err := sqlitestore.Open(ctx, path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// clock is a settable Now.
type clock struct{ ns atomic.Int64 }

func newClock() *clock {
	c := &clock{}
	c.ns.Store(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC).UnixNano())
	return c
}
func (c *clock) Now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *clock) Advance(d time.Duration) { c.ns.Add(int64(d)) }

func rec(now time.Time, data string, ttl time.Duration) store.Record {
	return store.Record{Data: []byte(data), Created: now, LastSeen: now, Expires: now.Add(ttl)}
}

func mustSave(t testing.TB, s store.Store, key string, r store.Record) uint64 {
	t.Helper()
	v, err := s.Save(ctx, key, r)
	if err != nil {
		t.Fatalf("Save(%q, version %d): %v", key, r.Version, err)
	}
	return v
}

func loaded(t testing.TB, s store.Store, key string) (store.Record, bool) {
	t.Helper()
	r, ok, err := s.Load(ctx, key)
	if err != nil {
		t.Fatalf("Load(%q): %v", key, err)
	}
	return r, ok
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, _ := open(t, sqlitestore.Options{SweepInterval: -1})
		return s
	})
}

func TestConformanceWithSweeper(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, _ := open(t, sqlitestore.Options{SweepInterval: 20 * time.Millisecond, SweepBatch: 2})
		return s
	})
}

// TestModel runs the model-based concurrency test of server-side sessions
// (random interleavings of set, delete, pop, clear, regenerate, destroy and
// revoke from overlapping requests, checked against a reference model).
func TestModel(t *testing.T) {
	storetest.RunModel(t, func(t *testing.T) store.Store {
		s, _ := open(t, sqlitestore.Options{SweepInterval: -1})
		return s
	})
}
