package sqlitestore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/session/internal/testwait"

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

// pair is one database file seen through two Stores (two connection
// pools, as two processes would have): each call goes to one or the
// other in turn.
type pair struct {
	a, b *sqlitestore.Store
	n    atomic.Uint64
}

func (p *pair) next() *sqlitestore.Store {
	if p.n.Add(1)%2 == 0 {
		return p.a
	}
	return p.b
}

func (p *pair) Load(ctx context.Context, key string) (store.Record, bool, error) {
	return p.next().Load(ctx, key)
}
func (p *pair) Save(ctx context.Context, key string, r store.Record) (uint64, error) {
	return p.next().Save(ctx, key, r)
}
func (p *pair) Delete(ctx context.Context, key string) error { return p.next().Delete(ctx, key) }
func (p *pair) CompareAndDelete(ctx context.Context, key string, v uint64) error {
	return p.next().CompareAndDelete(ctx, key, v)
}
func (p *pair) Touch(ctx context.Context, key string, lastSeen, expires time.Time) error {
	return p.next().Touch(ctx, key, lastSeen, expires)
}
func (p *pair) Sessions(ctx context.Context, subject string) ([]store.Info, error) {
	return p.next().Sessions(ctx, subject)
}
func (p *pair) DeleteSubject(ctx context.Context, subject, keep string) (int, error) {
	return p.next().DeleteSubject(ctx, subject, keep)
}
func (p *pair) Sweep(ctx context.Context) (int, error) { return p.next().Sweep(ctx) }
func (p *pair) Close() error                           { return errors.Join(p.a.Close(), p.b.Close()) }

func newPair(t *testing.T) store.Store {
	s, path := open(t, sqlitestore.Options{SweepInterval: -1})
	return &pair{a: s, b: openAt(t, path, sqlitestore.Options{SweepInterval: -1})}
}

// Two Stores on one file pass the conformance suite as one store, each
// call going to one or the other: what one writes, the other reads, and
// their compare-and-swaps exclude each other.
func TestConformanceTwoStoresOneFile(t *testing.T) {
	storetest.Run(t, newPair)
}

// The model test with every store operation alternating between two
// Stores on one file.
func TestModelTwoStoresOneFile(t *testing.T) {
	storetest.RunModel(t, newPair)
}

// With a settable clock, the exact boundary: a record is live a
// nanosecond before its Expires and gone at it, for every method; Touch
// and Save leave an expired record expired; Sweep deletes exactly the
// records expired when it starts.
func TestExpiryBoundary(t *testing.T) {
	c := newClock()
	s, path := open(t, sqlitestore.Options{Now: c.Now, SweepInterval: -1})
	r := rec(c.Now(), "x", time.Minute)
	r.Subject = "alice"
	v := mustSave(t, s, "k", r)
	c.Advance(time.Minute - 1)
	if _, ok := loaded(t, s, "k"); !ok {
		t.Fatal("record gone a nanosecond before its Expires")
	}
	if infos, _ := s.Sessions(ctx, "alice"); len(infos) != 1 {
		t.Errorf("Sessions a nanosecond before Expires: %d", len(infos))
	}
	if n, err := s.Sweep(ctx); err != nil || n != 0 {
		t.Errorf("Sweep a nanosecond before Expires deleted %d (%v)", n, err)
	}
	c.Advance(1)
	if _, ok := loaded(t, s, "k"); ok {
		t.Error("record returned at its Expires")
	}
	if infos, _ := s.Sessions(ctx, "alice"); len(infos) != 0 {
		t.Errorf("Sessions at Expires: %+v", infos)
	}
	if err := s.Touch(ctx, "k", c.Now(), c.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, ok := loaded(t, s, "k"); ok {
		t.Error("Touch revived an expired record")
	}
	stale := r
	stale.Version = v
	if _, err := s.Save(ctx, "k", stale); !errors.Is(err, store.ErrConflict) {
		t.Errorf("Save with the expired record's version: %v, want ErrConflict", err)
	}
	if err := s.CompareAndDelete(ctx, "k", v); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CompareAndDelete with the expired record's version: %v, want ErrConflict", err)
	}
	if err := s.CompareAndDelete(ctx, "k", 0); err != nil {
		t.Errorf("CompareAndDelete(0) of an expired record: %v", err)
	}
	if got := rows(t, path, s); len(got) != 1 {
		t.Errorf("the expired row should still be there for the sweeper: %v", got)
	}
	// A new record takes the key, at version 1.
	fresh := rec(c.Now(), "new", time.Minute)
	if v, err := s.Save(ctx, "k", fresh); err != nil || v != 1 {
		t.Fatalf("Save(0) over an expired record: %d %v", v, err)
	}
	if got, ok := loaded(t, s, "k"); !ok || string(got.Data) != "new" || got.Version != 1 || got.Subject != "" {
		t.Errorf("the new record: %+v %v", got, ok)
	}
	// Sweep: exactly the records expired when it starts.
	mustSave(t, s, "later", rec(c.Now(), "l", time.Minute+1))
	c.Advance(time.Minute)
	if n, err := s.Sweep(ctx); err != nil || n != 1 {
		t.Errorf("Sweep at k's Expires: %d %v, want 1", n, err)
	}
	if _, ok := loaded(t, s, "later"); !ok {
		t.Error("Sweep deleted a record a nanosecond before its Expires")
	}
}

// Sweep deletes in batches of SweepBatch until none is left, and the
// sweeper goroutine runs it; both count only what they deleted.
func TestSweepBatches(t *testing.T) {
	c := newClock()
	swept := make(chan struct{}, 1)
	s, path := open(t, sqlitestore.Options{Now: c.Now, SweepInterval: -1, SweepBatch: 3})
	for i := range 10 {
		mustSave(t, s, fmt.Sprint("old", i), rec(c.Now(), "x", time.Minute))
	}
	mustSave(t, s, "live", rec(c.Now(), "x", time.Hour))
	mustSave(t, s, "forever", store.Record{Data: []byte("x")})
	c.Advance(time.Minute)
	if n, err := s.Sweep(ctx); err != nil || n != 10 {
		t.Fatalf("Sweep = %d, %v; want 10 in batches of 3", n, err)
	}
	if got := rows(t, path, s); len(got) != 2 {
		t.Errorf("rows after Sweep: %v", got)
	}

	// The sweeper, on a second Store of the file.
	sqlitestore.SetTestOnSweep(func() {
		select {
		case swept <- struct{}{}:
		default: // never block the sweeper
		}
	})
	s2 := openAt(t, path, sqlitestore.Options{Now: c.Now, SweepInterval: time.Millisecond, SweepBatch: 2})
	sqlitestore.SetTestOnSweep(nil)
	for i := range 5 {
		mustSave(t, s, fmt.Sprint("old", i), rec(c.Now(), "x", time.Minute))
	}
	c.Advance(time.Minute)
	deadline := time.Now().Add(30 * time.Second)
	for len(rows(t, path, s)) != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the sweeper left %v", rows(t, path, s))
		}
		testwait.Recv(t, swept, 0, "a sweep")
	}
	testwaitWithin(t, "Close stopping the sweeper", func() { s2.Close() })
	// Close waited for the sweeper's goroutine to return: no sweep can
	// follow.
}

// The file: created with mode 0600 (so are its WAL and shared-memory
// files), in WAL mode, and what a Store saved is there when it is opened
// again; Open and Migrate are idempotent and keep the data.
func TestFileAndMigration(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "a dir with ?, # and %25", "sessions.db")
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	s := openAt(t, path, sqlitestore.Options{SweepInterval: -1})
	r := rec(time.Now(), "kept", time.Hour)
	r.Subject, r.Meta = "alice", map[string]string{"ua": "Firefox"}
	v := mustSave(t, s, "k", r)
	for _, name := range []string{"sessions.db", "sessions.db-wal", "sessions.db-shm"} {
		fi, err := os.Stat(filepath.Join(filepath.Dir(path), name))
		if err != nil {
			t.Fatal(err)
		}
		if perm := fi.Mode().Perm(); perm != 0o600 {
			t.Errorf("%s: mode %v, want 0600", name, perm)
		}
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("Open wrote outside the directory of the path: %v", ents)
	}
	var mode string
	if err := rawDB(t, path).QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode %q (%v), want wal", mode, err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate on a migrated file: %v", err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatalf("Migrate again: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s = openAt(t, path, sqlitestore.Options{SweepInterval: -1})
	got, ok := loaded(t, s, "k")
	if !ok || string(got.Data) != "kept" || got.Version != v || got.Subject != "alice" || got.Meta["ua"] != "Firefox" ||
		!got.Created.Equal(r.Created) || !got.Expires.Equal(r.Expires) {
		t.Errorf("after reopening: %+v %v", got, ok)
	}
	got.Data = []byte("next")
	if _, err := s.Save(ctx, "k", got); err != nil {
		t.Errorf("CAS on the persisted version: %v", err)
	}
	var n int
	if err := rawDB(t, path).QueryRowContext(ctx, "SELECT count(*) FROM sqlite_schema WHERE tbl_name = 'sessionkit_sessions'").Scan(&n); err != nil || n != 4 {
		t.Errorf("schema objects of the table: %d (%v), want 4 (table, primary key, two indexes)", n, err)
	}
	if s.Path() != path || s.Table() != `"sessionkit_sessions"` {
		t.Errorf("Path %q, Table %q", s.Path(), s.Table())
	}
}

// Two tables in one file (Options.Table) are independent, and a table name
// that needs quoting works.
func TestTables(t *testing.T) {
	s1, path := open(t, sqlitestore.Options{SweepInterval: -1})
	s2 := openAt(t, path, sqlitestore.Options{SweepInterval: -1, Table: `odd "name"; drop`})
	mustSave(t, s1, "k", rec(time.Now(), "one", time.Hour))
	mustSave(t, s2, "k", rec(time.Now(), "two", time.Hour))
	if a, _ := loaded(t, s1, "k"); string(a.Data) != "one" {
		t.Errorf("table 1: %q", a.Data)
	}
	if b, _ := loaded(t, s2, "k"); string(b.Data) != "two" {
		t.Errorf("table 2: %q", b.Data)
	}
}

// Close while other goroutines use the store: every call returns a result
// or ErrClosed, Close returns, and every later call sees ErrClosed,
// Migrate included.
func TestCloseWhileBusy(t *testing.T) {
	s, _ := open(t, sqlitestore.Options{SweepInterval: time.Millisecond})
	var wg sync.WaitGroup
	var started sync.WaitGroup
	const workers = 4
	started.Add(workers)
	errc := make(chan error, workers)
	for g := range workers {
		wg.Go(func() {
			key := fmt.Sprint("k", g)
			var v uint64
			first := true
			for {
				r := rec(time.Now(), "x", time.Hour)
				r.Version = v
				nv, err := s.Save(ctx, key, r)
				if err == nil {
					v = nv
					_, _, err = s.Load(ctx, key)
				}
				if first {
					first = false
					started.Done()
				}
				if errors.Is(err, store.ErrClosed) {
					return
				}
				if err != nil {
					errc <- err
					return
				}
			}
		})
	}
	testwait.Wait(t, &started, 0, "the goroutines' first calls")
	var err error
	testwaitWithin(t, "Close while busy", func() { err = s.Close() })
	if err != nil {
		t.Error(err)
	}
	testwait.Wait(t, &wg, 0, "the goroutines after Close")
	close(errc)
	for err := range errc {
		t.Errorf("before Close: %v", err)
	}
	if err := s.Migrate(ctx); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Migrate after Close: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// Several app instances starting together on a new file: every Open
// succeeds (the WAL switch and the migration wait for each other within
// the busy timeout) and they all see one table.
func TestConcurrentOpens(t *testing.T) {
	// Several rounds on fresh files: the race between the first connections
	// switching a new file to WAL mode is narrow.
	for round := range 20 {
		t.Run(fmt.Sprint(round), testConcurrentOpens)
	}
}

func testConcurrentOpens(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new.db")
	const n = 8
	stores := make([]*sqlitestore.Store, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() { stores[i], errs[i] = sqlitestore.Open(ctx, path, sqlitestore.Options{SweepInterval: -1}) })
	}
	testwait.Wait(t, &wg, 0, "the concurrent Opens")
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("Open %d: %v", i, errs[i])
		}
		t.Cleanup(func() { stores[i].Close() })
	}
	mustSave(t, stores[0], "k", rec(time.Now(), "x", time.Hour))
	for i, s := range stores {
		if _, ok := loaded(t, s, "k"); !ok {
			t.Errorf("Store %d does not see the record", i)
		}
	}
}
