package boltstore_test

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/boltstore"
	"github.com/sessionkit/session/store/storetest"
)

var ctx = context.Background()

func open(t testing.TB, opts boltstore.Options) (*boltstore.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sessions.db")
	s, err := boltstore.Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
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

func rec(c *clock, data string, ttl time.Duration) store.Record {
	n := c.Now()
	return store.Record{Data: []byte(data), Created: n, LastSeen: n, Expires: n.Add(ttl)}
}

func mustSave(t *testing.T, s store.Store, key string, r store.Record) uint64 {
	t.Helper()
	v, err := s.Save(ctx, key, r)
	if err != nil {
		t.Fatalf("Save(%q): %v", key, err)
	}
	return v
}

func loaded(t *testing.T, s store.Store, key string) (store.Record, bool) {
	t.Helper()
	r, ok, err := s.Load(ctx, key)
	if err != nil {
		t.Fatalf("Load(%q): %v", key, err)
	}
	return r, ok
}

// count returns the number of entries in each of the store's buckets.
func count(t *testing.T, db *bolt.DB) (sessions, subjects, expiry int) {
	t.Helper()
	err := db.View(func(tx *bolt.Tx) error {
		sessions = tx.Bucket([]byte("sessions")).Stats().KeyN
		subjects = tx.Bucket([]byte("subjects")).Stats().KeyN
		expiry = tx.Bucket([]byte("expiry")).Stats().KeyN
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return
}

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, _ := open(t, boltstore.Options{SweepInterval: -1})
		return s
	})
}

func TestConformanceWithSweeper(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		s, _ := open(t, boltstore.Options{SweepInterval: 20 * time.Millisecond})
		return s
	})
}

// An application's own database, opened with NoSync, passed to New.
func TestConformanceNew(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		db, err := bolt.Open(filepath.Join(t.TempDir(), "app.db"), 0o600, &bolt.Options{NoSync: true, Timeout: time.Second})
		if err != nil {
			t.Fatal(err)
		}
		s, err := boltstore.New(db, boltstore.Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			s.Close()
			db.Close()
		})
		return s
	})
}

func TestFileMode(t *testing.T) {
	_, path := open(t, boltstore.Options{})
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if perm := fi.Mode().Perm(); perm != 0o600 {
		t.Errorf("database file mode %v, want 0600", perm)
	}
}

func TestPersistence(t *testing.T) {
	c := newClock()
	path := filepath.Join(t.TempDir(), "sessions.db")
	s, err := boltstore.Open(path, boltstore.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	r := rec(c, "kept across restarts", time.Hour)
	r.Subject, r.Meta = "alice", map[string]string{"ua": "Firefox"}
	v := mustSave(t, s, "k1", r)
	short := rec(c, "short", time.Minute)
	short.Subject = "alice"
	mustSave(t, s, "k2", short)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	c.Advance(2 * time.Minute) // k2 expires while the store is closed
	s, err = boltstore.Open(path, boltstore.Options{Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	got, ok := loaded(t, s, "k1")
	if !ok || string(got.Data) != "kept across restarts" || got.Version != v || got.Subject != "alice" ||
		got.Meta["ua"] != "Firefox" || !got.Created.Equal(r.Created) || !got.Expires.Equal(r.Expires) {
		t.Fatalf("after reopening: %+v, %v", got, ok)
	}
	if _, ok := loaded(t, s, "k2"); ok {
		t.Error("a record that expired while the store was closed was returned")
	}
	if infos, err := s.Sessions(ctx, "alice"); err != nil || len(infos) != 1 || infos[0].Key != "k1" {
		t.Errorf("Sessions after reopening = %+v, %v", infos, err)
	}
	if n, err := s.Sweep(ctx); err != nil || n != 1 {
		t.Errorf("Sweep after reopening = %d, %v; want 1 (the expiry index persisted)", n, err)
	}
	got.Data = []byte("next")
	if _, err := s.Save(ctx, "k1", got); err != nil {
		t.Errorf("CAS on the persisted version: %v", err)
	}
}

func TestSecondOpenTimesOut(t *testing.T) {
	_, path := open(t, boltstore.Options{})
	start := time.Now()
	var s2 *boltstore.Store
	var err error
	within(t, 10*time.Second, "a second Open with a 200ms timeout", func() {
		s2, err = boltstore.Open(path, boltstore.Options{Timeout: 200 * time.Millisecond})
	})
	if err == nil {
		s2.Close()
		t.Fatal("a second Open of a file in use succeeded")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the second Open took %v", took)
	}
	if !errors.Is(err, berrors.ErrTimeout) || !strings.Contains(err.Error(), path) || !strings.Contains(err.Error(), "locked") {
		t.Errorf("error %q: want one naming the file, saying it is locked, wrapping errors.ErrTimeout", err)
	}
}

func TestDefaultTimeout(t *testing.T) {
	if testing.Short() {
		t.Skip("waits a second")
	}
	_, path := open(t, boltstore.Options{})
	start := time.Now()
	var err error
	within(t, 10*time.Second, "a second Open with the default timeout", func() {
		_, err = boltstore.Open(path, boltstore.Options{})
	})
	if !errors.Is(err, berrors.ErrTimeout) {
		t.Fatalf("second Open: %v", err)
	}
	if took := time.Since(start); took < 500*time.Millisecond || took > 5*time.Second {
		t.Errorf("default timeout took %v, want about 1s", took)
	}
}

// Open's errors name the path once (the file system's own error already
// holds it) and keep the underlying error for errors.Is and errors.As.
func TestOpenBadPath(t *testing.T) {
	dir := t.TempDir()
	notBolt := filepath.Join(dir, "not-bolt.db")
	if err := os.WriteFile(notBolt, bytes.Repeat([]byte("not a bbolt file "), 1024), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, path string
		is         error
	}{
		{"missing directory", filepath.Join(dir, "missing-dir", "s.db"), fs.ErrNotExist},
		{"a directory", dir, nil},
		{"not a bbolt file", notBolt, berrors.ErrInvalid},
	} {
		_, err := boltstore.Open(tc.path, boltstore.Options{})
		if err == nil {
			t.Errorf("%s: Open succeeded", tc.name)
			continue
		}
		if n := strings.Count(err.Error(), tc.path); n != 1 {
			t.Errorf("%s: the error names the path %d times, want once: %v", tc.name, n, err)
		}
		if !strings.HasPrefix(err.Error(), "boltstore: ") {
			t.Errorf("%s: %v lacks the package prefix", tc.name, err)
		}
		if tc.is != nil && !errors.Is(err, tc.is) {
			t.Errorf("%s: %v is not %v", tc.name, err, tc.is)
		}
	}
}

func TestClosed(t *testing.T) {
	s, path := open(t, boltstore.Options{SweepInterval: time.Millisecond})
	c := newClock()
	mustSave(t, s, "k", rec(c, "x", time.Hour))
	var err1, err2 error
	within(t, 10*time.Second, "Close", func() { err1, err2 = s.Close(), s.Close() })
	if err1 != nil {
		t.Fatalf("Close: %v", err1)
	}
	if err2 != nil {
		t.Errorf("second Close: %v", err2)
	}
	checks := map[string]error{}
	_, _, checks["Load"] = s.Load(ctx, "k")
	_, checks["Save"] = s.Save(ctx, "k", rec(c, "y", time.Hour))
	checks["Delete"] = s.Delete(ctx, "k")
	checks["CompareAndDelete"] = s.CompareAndDelete(ctx, "k", 1)
	checks["Touch"] = s.Touch(ctx, "k", c.Now(), c.Now().Add(time.Hour))
	_, checks["Sessions"] = s.Sessions(ctx, "alice")
	_, checks["DeleteSubject"] = s.DeleteSubject(ctx, "alice", "")
	_, checks["Sweep"] = s.Sweep(ctx)
	for name, err := range checks {
		if !errors.Is(err, store.ErrClosed) {
			t.Errorf("%s after Close: %v, want ErrClosed", name, err)
		}
	}
	// The file is released: it opens again at once.
	var s2 *boltstore.Store
	var err error
	within(t, 10*time.Second, "reopening after Close", func() {
		s2, err = boltstore.Open(path, boltstore.Options{Timeout: 100 * time.Millisecond})
	})
	if err != nil {
		t.Fatalf("reopening after Close: %v", err)
	}
	s2.Close()
}

// Close while other goroutines use the store: every call returns a result
// or ErrClosed, nothing panics, Close returns, and every goroutine then
// sees ErrClosed.
func TestCloseWhileBusy(t *testing.T) {
	s, _ := open(t, boltstore.Options{SweepInterval: time.Millisecond})
	c := newClock()
	const workers = 4
	var wg sync.WaitGroup
	var working sync.WaitGroup // done once each goroutine has saved and loaded
	working.Add(workers)
	sawClosed := make([]atomic.Bool, workers)
	for g := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := string(rune('a' + g))
			var v uint64
			first := true
			for {
				r := rec(c, "x", time.Hour)
				r.Version = v
				nv, err := s.Save(ctx, key, r)
				if err == nil {
					v = nv
				}
				_, _, lerr := s.Load(ctx, key)
				if errors.Is(err, store.ErrClosed) || errors.Is(lerr, store.ErrClosed) {
					sawClosed[g].Store(true)
					if first {
						working.Done()
					}
					return
				}
				if err != nil || lerr != nil {
					t.Errorf("before Close: %v / %v", err, lerr)
					if first {
						working.Done()
					}
					return
				}
				if first {
					first = false
					working.Done()
				}
			}
		}()
	}
	within(t, 10*time.Second, "the goroutines' first save", working.Wait)
	var err error
	within(t, 10*time.Second, "Close while busy", func() { err = s.Close() })
	if err != nil {
		t.Error(err)
	}
	within(t, 10*time.Second, "the goroutines after Close", wg.Wait)
	for g := range workers {
		if !sawClosed[g].Load() {
			t.Errorf("goroutine %d stopped without seeing ErrClosed", g)
		}
	}
}

func TestNewDoesNotCloseDB(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "app.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	err = db.Update(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("app"))
		if err != nil {
			return err
		}
		return b.Put([]byte("a"), []byte("b"))
	})
	if err != nil {
		t.Fatal(err)
	}
	s, err := boltstore.New(db, boltstore.Options{SweepInterval: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if s.DB() != db {
		t.Error("DB() is not the database passed to New")
	}
	mustSave(t, s, "k", rec(newClock(), "x", time.Hour))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	err = db.View(func(tx *bolt.Tx) error {
		if v := tx.Bucket([]byte("app")).Get([]byte("a")); string(v) != "b" {
			t.Errorf("the application's bucket: %q", v)
		}
		return nil
	})
	if err != nil {
		t.Fatalf("the application's database after Store.Close: %v", err)
	}
	if _, _, err := s.Load(ctx, "k"); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Load after Close: %v", err)
	}
}

func TestSweeperDeletes(t *testing.T) {
	c := newClock()
	s, _ := open(t, boltstore.Options{Now: c.Now, SweepInterval: 5 * time.Millisecond})
	for i, ttl := range []time.Duration{time.Minute, time.Minute, time.Minute, time.Hour, 0} {
		r := rec(c, "x", ttl)
		if ttl == 0 {
			r.Expires = time.Time{} // never
		}
		r.Subject = "alice"
		mustSave(t, s, string(rune('a'+i)), r)
	}
	if n, sub, exp := count(t, s.DB()); n != 5 || sub != 5 || exp != 4 {
		t.Fatalf("buckets hold %d records, %d subject and %d expiry entries; want 5, 5, 4", n, sub, exp)
	}
	c.Advance(2 * time.Minute)
	deadline := time.Now().Add(5 * time.Second)
	for {
		n, sub, exp := count(t, s.DB())
		if n == 2 && sub == 2 && exp == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the sweeper had 5s: %d records, %d subject and %d expiry entries; want 2, 2, 1", n, sub, exp)
		}
		time.Sleep(5 * time.Millisecond)
	}
	for k, want := range map[string]bool{"a": false, "b": false, "c": false, "d": true, "e": true} {
		if _, ok := loaded(t, s, k); ok != want {
			t.Errorf("%s present = %v, want %v", k, ok, want)
		}
	}
}

// The sweeper's errors go to the logger; the sweeper keeps going.
func TestSweeperLogsErrors(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "app.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var logged syncBuffer
	s, err := boltstore.New(db, boltstore.Options{SweepInterval: 2 * time.Millisecond, Logger: slogTo(&logged)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	// The application breaks the contract and drops a bucket of the store.
	if err := db.Update(func(tx *bolt.Tx) error { return tx.DeleteBucket([]byte("expiry")) }); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(logged.String(), "bucket of the store is missing") {
		if time.Now().After(deadline) {
			t.Fatalf("nothing logged: %q", logged.String())
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func TestExpiryEdges(t *testing.T) {
	c := newClock()
	s, _ := open(t, boltstore.Options{Now: c.Now, SweepInterval: -1})
	never := rec(c, "never", 0)
	never.Expires = time.Time{}
	far := rec(c, "far", 0)
	far.Expires = time.Date(9999, 12, 31, 23, 59, 59, 999999999, time.UTC)
	past := rec(c, "before 1970", 0)
	past.Expires = time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC)
	exact := rec(c, "expires now", 0)
	exact.Expires = c.Now()
	mustSave(t, s, "never", never)
	mustSave(t, s, "far", far)
	mustSave(t, s, "past", past)
	mustSave(t, s, "exact", exact)
	if n, err := s.Sweep(ctx); err != nil || n != 2 {
		t.Errorf("Sweep = %d, %v; want 2 (past and exact)", n, err)
	}
	for k, want := range map[string]bool{"never": true, "far": true, "past": false, "exact": false} {
		if _, ok := loaded(t, s, k); ok != want {
			t.Errorf("%s present = %v, want %v", k, ok, want)
		}
	}
	got, _ := loaded(t, s, "never")
	if !got.Expires.IsZero() {
		t.Errorf("a zero Expires came back as %v", got.Expires)
	}
	got, _ = loaded(t, s, "far")
	if !got.Expires.Equal(far.Expires) {
		t.Errorf("Expires %v came back as %v", far.Expires, got.Expires)
	}
	c.Advance(100 * 365 * 24 * time.Hour)
	if n, err := s.Sweep(ctx); err != nil || n != 0 {
		t.Errorf("a century later: Sweep = %d, %v; want 0", n, err)
	}
}

func TestTouch(t *testing.T) {
	c := newClock()
	s, _ := open(t, boltstore.Options{Now: c.Now, SweepInterval: -1})
	r := rec(c, "data", time.Minute)
	r.Subject, r.Meta = "alice", map[string]string{"ua": "Firefox", "ip": "192.0.2.0/24"}
	mustSave(t, s, "k", r)
	if err := s.Touch(ctx, "k", c.Now().Add(time.Second), c.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	c.Advance(2 * time.Minute) // past the original expiry
	if n, err := s.Sweep(ctx); err != nil || n != 0 {
		t.Errorf("Sweep after Touch = %d, %v; the touched record must survive", n, err)
	}
	got, ok := loaded(t, s, "k")
	if !ok || string(got.Data) != "data" || got.Version != 1 || got.Subject != "alice" || len(got.Meta) != 2 ||
		!got.Created.Equal(r.Created) || !got.LastSeen.Equal(r.LastSeen.Add(time.Second)) {
		t.Fatalf("after Touch: %+v, %v", got, ok)
	}
	if _, _, exp := count(t, s.DB()); exp != 1 {
		t.Errorf("%d expiry entries, want 1", exp)
	}
	// Touching an expired record does nothing.
	c.Advance(2 * time.Hour)
	if err := s.Touch(ctx, "k", c.Now(), c.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, ok := loaded(t, s, "k"); ok {
		t.Error("Touch revived an expired record")
	}
}

// A subject is length-prefixed in the index: "a" does not match "a\x00b".
func TestSubjectPrefixes(t *testing.T) {
	c := newClock()
	s, _ := open(t, boltstore.Options{Now: c.Now, SweepInterval: -1})
	for _, sub := range []string{"a", "a\x00b", "a\x00", "ab", "\x01a"} {
		r := rec(c, "x", time.Hour)
		r.Subject = sub
		mustSave(t, s, "key of "+sub, r)
	}
	for _, sub := range []string{"a", "a\x00b", "a\x00", "ab", "\x01a"} {
		infos, err := s.Sessions(ctx, sub)
		if err != nil || len(infos) != 1 || infos[0].Key != "key of "+sub {
			t.Errorf("Sessions(%q) = %+v, %v", sub, infos, err)
		}
	}
	if n, err := s.DeleteSubject(ctx, "a", ""); err != nil || n != 1 {
		t.Errorf("DeleteSubject(a) = %d, %v; want 1", n, err)
	}
	if n, _, _ := count(t, s.DB()); n != 4 {
		t.Errorf("%d records left, want 4", n)
	}
	if infos, err := s.Sessions(ctx, ""); err != nil || len(infos) != 0 {
		t.Errorf("Sessions(\"\") = %+v, %v", infos, err)
	}
}

func TestSubjectTooLong(t *testing.T) {
	s, _ := open(t, boltstore.Options{SweepInterval: -1})
	r := rec(newClock(), "x", time.Hour)
	r.Subject = strings.Repeat("s", boltstore.MaxSubjectLen)
	mustSave(t, s, "ok", r)
	r.Subject += "s"
	if _, err := s.Save(ctx, "long", r); err == nil || !strings.Contains(err.Error(), "subject") {
		t.Errorf("Save with a %d-byte subject: %v", len(r.Subject), err)
	}
}

// putRaw writes value under key in the sessions bucket, bypassing the store.
func putRaw(t *testing.T, db *bolt.DB, key string, value []byte) {
	t.Helper()
	err := db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("sessions")).Put([]byte(key), value)
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCorruptRecord(t *testing.T) {
	c := newClock()
	var logged syncBuffer
	s, _ := open(t, boltstore.Options{Now: c.Now, SweepInterval: -1, Logger: slogTo(&logged)})
	good := rec(c, strings.Repeat("d", 200), time.Hour)
	good.Subject, good.Meta = "alice", map[string]string{"ua": "Firefox"}
	mustSave(t, s, "good", good)
	var valid []byte
	s.DB().View(func(tx *bolt.Tx) error {
		valid = bytes.Clone(tx.Bucket([]byte("sessions")).Get([]byte("good")))
		return nil
	})

	bad := map[string][]byte{
		"empty":          {},
		"json":           []byte(`{"Data":"aGVsbG8=","Version":1}`),
		"future format":  append([]byte{2}, valid[1:]...),
		"trailing bytes": append(bytes.Clone(valid), 0),
		"huge length":    append(bytes.Clone(valid[:len(valid)-202]), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01),
		"bad varint":     {1, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
	}
	for cut := 1; cut < len(valid); cut++ {
		bad["truncated"+strings.Repeat(".", cut)] = valid[:cut]
	}
	for name, v := range bad {
		putRaw(t, s.DB(), "bad", v)
		r, ok, err := s.Load(ctx, "bad")
		if !errors.Is(err, boltstore.ErrCorrupt) || ok || r.Data != nil {
			t.Errorf("%s: Load = %+v, %v, %v; want an error wrapping ErrCorrupt", name, r, ok, err)
		}
		if _, err := s.Save(ctx, "bad", good); !errors.Is(err, boltstore.ErrCorrupt) {
			t.Errorf("%s: Save over it: %v", name, err)
		}
		if err := s.Touch(ctx, "bad", c.Now(), c.Now().Add(time.Hour)); !errors.Is(err, boltstore.ErrCorrupt) {
			t.Errorf("%s: Touch: %v", name, err)
		}
		for _, v := range []uint64{0, 1} {
			if err := s.CompareAndDelete(ctx, "bad", v); !errors.Is(err, boltstore.ErrCorrupt) {
				t.Errorf("%s: CompareAndDelete(bad, %d): %v", name, v, err)
			}
			if n, _, _ := count(t, s.DB()); n != 2 {
				t.Errorf("%s: CompareAndDelete(bad, %d) deleted the corrupt record", name, v)
			}
		}
	}
	// Delete removes it, and the key is usable again.
	if err := s.Delete(ctx, "bad"); err != nil {
		t.Fatalf("Delete of a corrupt record: %v", err)
	}
	mustSave(t, s, "bad", good)
	if _, ok := loaded(t, s, "bad"); !ok {
		t.Error("the key is not usable after deleting the corrupt record")
	}

	// A corrupt record listed under a subject: Sessions reports it,
	// DeleteSubject deletes it.
	putRaw(t, s.DB(), "good", []byte{1, 2, 3})
	if _, err := s.Sessions(ctx, "alice"); !errors.Is(err, boltstore.ErrCorrupt) {
		t.Errorf("Sessions with a corrupt record: %v", err)
	}
	if n, err := s.DeleteSubject(ctx, "alice", ""); err != nil || n != 2 {
		t.Errorf("DeleteSubject = %d, %v; want 2", n, err)
	}
	if n, sub, _ := count(t, s.DB()); n != 0 || sub != 0 {
		t.Errorf("after DeleteSubject: %d records, %d subject entries", n, sub)
	}

	// The sweeper deletes a corrupt record once its expiry entry has passed.
	mustSave(t, s, "soon", rec(c, "x", time.Minute))
	putRaw(t, s.DB(), "soon", []byte("garbage"))
	c.Advance(2 * time.Minute)
	if n, err := s.Sweep(ctx); err != nil || n != 1 {
		t.Errorf("Sweep = %d, %v; want 1", n, err)
	}
	if !strings.Contains(logged.String(), "could not be decoded") {
		t.Errorf("deleting a corrupt record was not logged: %q", logged.String())
	}
	// The expiry entry of "good", whose corrupt record DeleteSubject could
	// not decode, is left until it passes; then the sweeper drops it.
	if n, sub, exp := count(t, s.DB()); n != 0 || sub != 0 || exp != 1 {
		t.Errorf("after Sweep: %d records, %d subject and %d expiry entries; want 0, 0, 1", n, sub, exp)
	}
	c.Advance(time.Hour)
	if n, err := s.Sweep(ctx); err != nil || n != 0 {
		t.Errorf("Sweep of a stale entry = %d, %v; want 0", n, err)
	}
	if _, _, exp := count(t, s.DB()); exp != 0 {
		t.Errorf("%d expiry entries left", exp)
	}
}

// Large values: 1 MiB written and read back, and a Touch of it keeps it.
func TestLargeTouch(t *testing.T) {
	c := newClock()
	s, _ := open(t, boltstore.Options{Now: c.Now, SweepInterval: -1})
	data := bytes.Repeat([]byte{0, 1, 2, 0xff}, 1<<18)
	r := rec(c, "", time.Minute)
	r.Data = data
	mustSave(t, s, "big", r)
	if err := s.Touch(ctx, "big", c.Now(), c.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if got, ok := loaded(t, s, "big"); !ok || !bytes.Equal(got.Data, data) {
		t.Errorf("1 MiB record changed by Touch (ok=%v, len %d)", ok, len(got.Data))
	}
}

func TestContextChecked(t *testing.T) {
	s, _ := open(t, boltstore.Options{SweepInterval: -1})
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	c := newClock()
	if err := s.Touch(cctx, "k", c.Now(), c.Now()); !errors.Is(err, context.Canceled) {
		t.Errorf("Touch: %v", err)
	}
	if _, err := s.Sessions(cctx, "a"); !errors.Is(err, context.Canceled) {
		t.Errorf("Sessions: %v", err)
	}
	if _, err := s.DeleteSubject(cctx, "a", ""); !errors.Is(err, context.Canceled) {
		t.Errorf("DeleteSubject: %v", err)
	}
	if _, err := s.Sweep(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Sweep: %v", err)
	}
	if err := s.CompareAndDelete(cctx, "k", 0); !errors.Is(err, context.Canceled) {
		t.Errorf("CompareAndDelete: %v", err)
	}
}

// CompareAndDelete at the exact expiry instant: the record counts as
// version 0 and, deleted, leaves no index entry behind.
func TestCompareAndDeleteAtExpiry(t *testing.T) {
	c := newClock()
	s, _ := open(t, boltstore.Options{Now: c.Now, SweepInterval: -1})
	r := rec(c, "x", time.Minute)
	r.Subject = "alice"
	mustSave(t, s, "k", r)
	c.Advance(time.Minute - time.Nanosecond)
	if err := s.CompareAndDelete(ctx, "k", 0); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CompareAndDelete(k, 0) 1ns before Expires: %v, want ErrConflict", err)
	}
	c.Advance(time.Nanosecond)
	if err := s.CompareAndDelete(ctx, "k", 1); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CompareAndDelete(k, 1) at Expires: %v, want ErrConflict", err)
	}
	if n, sub, exp := count(t, s.DB()); n != 1 || sub != 1 || exp != 1 {
		t.Errorf("a refused CompareAndDelete changed the buckets: %d records, %d subject and %d expiry entries", n, sub, exp)
	}
	if err := s.CompareAndDelete(ctx, "k", 0); err != nil {
		t.Errorf("CompareAndDelete(k, 0) at Expires: %v", err)
	}
	if n, sub, exp := count(t, s.DB()); n != 0 || sub != 0 || exp != 0 {
		t.Errorf("after CompareAndDelete: %d records, %d subject and %d expiry entries; want none", n, sub, exp)
	}
	// A live record's entries go too.
	c.Advance(time.Hour)
	v := mustSave(t, s, "k", rec(c, "y", time.Hour))
	r = rec(c, "z", time.Hour)
	r.Subject = "bob"
	mustSave(t, s, "j", r)
	if err := s.CompareAndDelete(ctx, "k", v); err != nil {
		t.Fatal(err)
	}
	if err := s.CompareAndDelete(ctx, "j", 1); err != nil {
		t.Fatal(err)
	}
	if n, sub, exp := count(t, s.DB()); n != 0 || sub != 0 || exp != 0 {
		t.Errorf("after CompareAndDelete of live records: %d records, %d subject and %d expiry entries; want none", n, sub, exp)
	}
}

// The application closes the database under a Store made by New: every
// method, CompareAndDelete included, fails with an error (not ErrClosed:
// the Store was not closed), none reports a success, not even the no-op
// CompareAndDelete(missing, 0).
func TestDatabaseClosedUnderStoreFailsClosed(t *testing.T) {
	db, err := bolt.Open(filepath.Join(t.TempDir(), "app.db"), 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := boltstore.New(db, boltstore.Options{SweepInterval: -1, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	c := newClock()
	r := rec(c, "x", time.Hour)
	r.Subject = "alice"
	v := mustSave(t, s, "k", r)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	checks := map[string]error{}
	_, ok, err := s.Load(ctx, "k")
	if ok {
		t.Error("Load returned a record from a closed database")
	}
	checks["Load"] = err
	r.Version = v
	_, checks["Save"] = s.Save(ctx, "k", r)
	_, checks["Save(0)"] = s.Save(ctx, "new", rec(c, "y", time.Hour))
	checks["Delete"] = s.Delete(ctx, "k")
	checks["CompareAndDelete"] = s.CompareAndDelete(ctx, "k", v)
	checks["CompareAndDelete(missing, 0)"] = s.CompareAndDelete(ctx, "missing", 0)
	checks["Touch"] = s.Touch(ctx, "k", c.Now(), c.Now().Add(time.Hour))
	_, checks["Sessions"] = s.Sessions(ctx, "alice")
	_, checks["DeleteSubject"] = s.DeleteSubject(ctx, "alice", "")
	_, checks["Sweep"] = s.Sweep(ctx)
	for name, err := range checks {
		if err == nil || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrInvalidKey) {
			t.Errorf("%s on a closed database: %v, want an error of the database", name, err)
		}
	}
}
