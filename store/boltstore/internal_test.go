package boltstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/memstore"
)

func openT(t *testing.T, opts Options) *Store {
	t.Helper()
	s, err := Open(filepath.Join(t.TempDir(), "s.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// waitGoroutines waits until at most n goroutines run.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("%d goroutines, want at most %d:\n%s", runtime.NumGoroutine(), n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(time.Millisecond)
	}
}

func TestCloseStopsSweeper(t *testing.T) {
	waitGoroutines(t, runtime.NumGoroutine())
	before := runtime.NumGoroutine()
	var sweeps atomic.Int64
	testOnBatch = func(int) { sweeps.Add(1) }
	s, err := Open(filepath.Join(t.TempDir(), "s.db"), Options{SweepInterval: time.Millisecond})
	testOnBatch = nil
	if err != nil {
		t.Fatal(err)
	}
	if s.sweeperDone == nil {
		t.Fatal("no sweeper started")
	}
	deadline := time.Now().Add(10 * time.Second)
	for sweeps.Load() < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("%d sweeps in 10s with a 1ms SweepInterval", sweeps.Load())
		}
		time.Sleep(time.Millisecond)
	}
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Close did not return within 10s")
	}
	select {
	case <-s.sweeperDone:
	default:
		t.Fatal("Close returned before the sweeper had stopped")
	}
	n := sweeps.Load()
	time.Sleep(20 * time.Millisecond)
	if sweeps.Load() != n {
		t.Error("the sweeper ran after Close")
	}
	waitGoroutines(t, before)
}

func TestNoSweeper(t *testing.T) {
	s := openT(t, Options{SweepInterval: -1})
	if s.sweeperDone != nil || s.stopSweeper != nil {
		t.Error("a negative SweepInterval started a sweeper")
	}
	d := openT(t, Options{})
	if d.sweeperDone == nil {
		t.Error("the zero SweepInterval started no sweeper")
	}
}

// A sweep of many records runs in bounded transactions.
func TestSweepBatches(t *testing.T) {
	now := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	var clock atomic.Pointer[time.Time]
	clock.Store(&now)
	s := openT(t, Options{SweepInterval: -1, Now: func() time.Time { return *clock.Load() }})
	s.batch = 10
	var batches []int
	s.onBatch = func(n int) { batches = append(batches, n) }
	ctx := context.Background()
	for i := range 25 {
		r := store.Record{Data: []byte("x"), Subject: "s", Created: now, Expires: now.Add(time.Duration(i+1) * time.Second)}
		if _, err := s.Save(ctx, fmt.Sprintf("k%02d", i), r); err != nil {
			t.Fatal(err)
		}
	}
	live := store.Record{Data: []byte("live"), Subject: "s", Expires: now.Add(time.Hour)}
	if _, err := s.Save(ctx, "live", live); err != nil {
		t.Fatal(err)
	}
	later := now.Add(time.Minute)
	clock.Store(&later)
	n, err := s.Sweep(ctx)
	if err != nil || n != 25 {
		t.Fatalf("Sweep = %d, %v; want 25", n, err)
	}
	if !slices.Equal(batches, []int{10, 10, 5}) {
		t.Errorf("batches %v, want [10 10 5]", batches)
	}
	checkIndexes(t, s)
	if infos, _ := s.Sessions(ctx, "s"); len(infos) != 1 || infos[0].Key != "live" {
		t.Errorf("left: %+v", infos)
	}
	// A canceled context stops a sweep between transactions.
	for i := range 25 {
		r := store.Record{Data: []byte("x"), Expires: now}
		if _, err := s.Save(ctx, fmt.Sprintf("k%02d", i), r); err != nil {
			t.Fatal(err)
		}
	}
	cctx, cancel := context.WithCancel(ctx)
	batches = nil
	s.onBatch = func(n int) { batches = append(batches, n); cancel() }
	n, err = s.Sweep(cctx)
	if !errors.Is(err, context.Canceled) || n != 10 {
		t.Errorf("canceled Sweep = %d, %v; want 10 and context.Canceled", n, err)
	}
}

// checkIndexes checks that the indexes hold exactly one entry for each
// record's subject and expiry, and nothing else.
func checkIndexes(t *testing.T, s *Store) {
	t.Helper()
	err := s.db.View(func(tx *bolt.Tx) error {
		b, err := bucketsOf(tx)
		if err != nil {
			return err
		}
		wantSub, wantExp := map[string]bool{}, map[string]bool{}
		err = b.sessions.ForEach(func(k, v []byte) error {
			r, err := parseRecord(v)
			if err != nil {
				return fmt.Errorf("record %q: %w", k, err)
			}
			if sk := subjectKey(k, r.subject); sk != nil {
				wantSub[string(sk)] = true
			}
			if ek := expiryKey(k, r.expires); ek != nil {
				wantExp[string(ek)] = true
			}
			return nil
		})
		if err != nil {
			return err
		}
		for name, pair := range map[string]struct {
			b    *bolt.Bucket
			want map[string]bool
		}{"subjects": {b.subjects, wantSub}, "expiry": {b.expiry, wantExp}} {
			got := map[string]bool{}
			pair.b.ForEach(func(k, _ []byte) error { got[string(k)] = true; return nil })
			if !maps.Equal(got, pair.want) {
				t.Errorf("%s index: got %q, want %q", name, slices.Sorted(maps.Keys(got)), slices.Sorted(maps.Keys(pair.want)))
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Random operations agree with memstore, the reference, and keep the
// indexes consistent.
func TestAgainstMemstore(t *testing.T) {
	base := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	var offset atomic.Int64
	now := func() time.Time { return base.Add(time.Duration(offset.Load())) }
	// NoSync: 3000 steps of fsync would take most of the test's time, and
	// durability is not what this test checks.
	db, err := bolt.Open(filepath.Join(t.TempDir(), "s.db"), 0o600, &bolt.Options{NoSync: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	bs, err := New(db, Options{SweepInterval: -1, Now: now})
	if err != nil {
		t.Fatal(err)
	}
	defer bs.Close()
	ms := memstore.New(memstore.Options{Now: now})
	defer ms.Close()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	keys := []string{"a", "b", "c", "d", "a\x00", "é"}
	subjects := []string{"", "alice", "bob", "alice\x00bob"}
	pick := func(xs []string) string { return xs[rng.IntN(len(xs))] }
	same := func(op string, e1, e2 error) {
		t.Helper()
		if (e1 == nil) != (e2 == nil) || errors.Is(e1, store.ErrConflict) != errors.Is(e2, store.ErrConflict) {
			t.Fatalf("%s: boltstore %v, memstore %v", op, e1, e2)
		}
	}
	for i := range 3000 {
		key := pick(keys)
		switch op := rng.IntN(11); op {
		case 0, 1, 2: // save based on what was loaded, sometimes stale
			cur, _, _ := ms.Load(ctx, key)
			r := store.Record{Data: fmt.Appendf(nil, "%d", i), Version: cur.Version, Subject: pick(subjects),
				Created: now(), LastSeen: now(), Expires: now().Add(time.Duration(rng.IntN(20)-2) * time.Second)}
			if rng.IntN(10) == 0 {
				r.Expires = time.Time{}
			}
			if rng.IntN(5) == 0 {
				r.Meta = map[string]string{"i": fmt.Sprint(i)}
			}
			if rng.IntN(8) == 0 {
				r.Version = uint64(rng.IntN(3))
			}
			v1, e1 := bs.Save(ctx, key, r)
			v2, e2 := ms.Save(ctx, key, r)
			same("Save", e1, e2)
			if v1 != v2 {
				t.Fatalf("Save versions %d, %d", v1, v2)
			}
		case 3:
			same("Delete", bs.Delete(ctx, key), ms.Delete(ctx, key))
		case 4:
			ls, exp := now(), now().Add(time.Duration(rng.IntN(20)-2)*time.Second)
			same("Touch", bs.Touch(ctx, key, ls, exp), ms.Touch(ctx, key, ls, exp))
		case 5:
			sub, keep := pick(subjects), ""
			if rng.IntN(2) == 0 {
				keep = pick(keys)
			}
			n1, e1 := bs.DeleteSubject(ctx, sub, keep)
			n2, e2 := ms.DeleteSubject(ctx, sub, keep)
			same("DeleteSubject", e1, e2)
			if n1 != n2 {
				t.Fatalf("DeleteSubject(%q, %q) = %d, memstore %d", sub, keep, n1, n2)
			}
		case 6:
			_, e1 := bs.Sweep(ctx)
			_, e2 := ms.Sweep(ctx)
			same("Sweep", e1, e2)
		case 7:
			offset.Add(int64(time.Duration(rng.IntN(3)) * time.Second))
		case 8, 9: // compare-and-delete with what was loaded, sometimes stale or 0
			cur, _, _ := ms.Load(ctx, key)
			v := cur.Version
			if rng.IntN(3) == 0 {
				v = uint64(rng.IntN(3))
			}
			same(fmt.Sprintf("CompareAndDelete(%q, %d)", key, v), bs.CompareAndDelete(ctx, key, v), ms.CompareAndDelete(ctx, key, v))
		default:
		}
		for _, k := range keys {
			r1, ok1, e1 := bs.Load(ctx, k)
			r2, ok2, e2 := ms.Load(ctx, k)
			same("Load", e1, e2)
			if ok1 != ok2 || !equalRecords(r1, r2) {
				t.Fatalf("step %d: Load(%q): boltstore %+v %v, memstore %+v %v", i, k, r1, ok1, r2, ok2)
			}
		}
		for _, sub := range subjects {
			l1, e1 := bs.Sessions(ctx, sub)
			l2, e2 := ms.Sessions(ctx, sub)
			same("Sessions", e1, e2)
			if !slices.EqualFunc(l1, l2, equalInfos) {
				t.Fatalf("step %d: Sessions(%q): boltstore %+v, memstore %+v", i, sub, l1, l2)
			}
		}
		if i%100 == 0 {
			checkIndexes(t, bs)
		}
	}
	checkIndexes(t, bs)
}

func equalRecords(a, b store.Record) bool {
	return bytes.Equal(a.Data, b.Data) && a.Version == b.Version && a.Subject == b.Subject &&
		a.Created.Equal(b.Created) && a.LastSeen.Equal(b.LastSeen) && a.Expires.Equal(b.Expires) && maps.Equal(a.Meta, b.Meta)
}

func equalInfos(a, b store.Info) bool {
	return a.Key == b.Key && a.Subject == b.Subject && a.Created.Equal(b.Created) &&
		a.LastSeen.Equal(b.LastSeen) && a.Expires.Equal(b.Expires) && maps.Equal(a.Meta, b.Meta)
}

func sampleRecord(dataLen int) store.Record {
	t := time.Date(2030, 1, 2, 3, 4, 5, 6, time.UTC)
	return store.Record{
		Data:     bytes.Repeat([]byte("d"), dataLen),
		Version:  41,
		Subject:  "user-12345",
		Created:  t,
		LastSeen: t.Add(time.Minute),
		Expires:  t.Add(time.Hour),
		Meta:     map[string]string{"ua": "Mozilla/5.0 (X11; Linux x86_64) Firefox/140.0", "ip": "192.0.2.0/24"},
	}
}

func TestCodecRoundTrip(t *testing.T) {
	for _, r := range []store.Record{
		{},
		{Data: []byte{0}, Version: 1<<64 - 1},
		{Created: time.Unix(-1, 999999999), LastSeen: time.Unix(0, 1), Expires: time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)},
		// The zero Time and the instants next to it.
		{Created: time.Time{}.Add(time.Nanosecond), LastSeen: time.Time{}.Add(time.Second), Expires: time.Time{}.Add(-time.Nanosecond)},
		{Subject: "a\x00b", Meta: map[string]string{"": "", "k": strings.Repeat("v", 300)}},
		sampleRecord(200),
		sampleRecord(1 << 20),
		// Every field at its longest encoding: 10-byte version and seconds,
		// 5-byte nanoseconds, 2- and 3-byte length prefixes.
		{Data: bytes.Repeat([]byte("d"), 1<<20), Version: 1<<64 - 1, Subject: strings.Repeat("s", 200),
			Created: time.Unix(1<<62, 999999999), LastSeen: time.Unix(-1<<62, 999999999), Expires: time.Unix(1<<62, 999999999),
			Meta: map[string]string{strings.Repeat("k", 300): "", "": strings.Repeat("v", 20000)}},
	} {
		enc := encodeRecord(&r)
		// encodedLen is exact, so that encodeRecord allocates once.
		if n := encodedLen(&r); len(enc) != n || cap(enc) != n {
			t.Errorf("encoded %d bytes (capacity %d), encodedLen %d", len(enc), cap(enc), n)
		}
		raw, err := parseRecord(enc)
		if err != nil {
			t.Fatalf("%+v: %v", r, err)
		}
		got := raw.record(true)
		if !equalRecords(got, r) || got.Created.IsZero() != r.Created.IsZero() || got.Expires.IsZero() != r.Expires.IsZero() {
			t.Errorf("round trip of %+v gave %+v", r, got)
		}
		// The zero Time comes back as the zero Time itself, UTC and all.
		for name, pair := range map[string][2]time.Time{"Created": {r.Created, got.Created}, "LastSeen": {r.LastSeen, got.LastSeen}, "Expires": {r.Expires, got.Expires}} {
			if pair[0].IsZero() && pair[1] != (time.Time{}) {
				t.Errorf("the zero %s came back as %#v", name, pair[1])
			}
		}
		// touched keeps everything but the two times, in one allocation.
		lastSeen, expires := time.Unix(-1<<62, 999999999), time.Unix(1<<62, 1)
		if r.Version == 0 {
			lastSeen, expires = time.Time{}, time.Unix(0, 0)
		}
		val := raw.touched(lastSeen, expires)
		if cap(val) != len(val) {
			t.Errorf("touched value of %d bytes has capacity %d", len(val), cap(val))
		}
		traw, err := parseRecord(val)
		if err != nil {
			t.Fatalf("touched %+v: %v", r, err)
		}
		want := r
		want.LastSeen, want.Expires = lastSeen, expires
		if tgot := traw.record(true); !equalRecords(tgot, want) {
			t.Errorf("touched %+v gave %+v", want, tgot)
		}
	}
}

func FuzzParseRecord(f *testing.F) {
	r := sampleRecord(10)
	f.Add(encodeRecord(&r))
	f.Add([]byte{1})
	f.Add([]byte{1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	f.Fuzz(func(t *testing.T, b []byte) {
		raw, err := parseRecord(b)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("error %v does not wrap ErrCorrupt", err)
			}
			return
		}
		got := raw.record(true)
		again, err := parseRecord(encodeRecord(&got))
		if err != nil {
			t.Fatal(err)
		}
		if !equalRecords(again.record(true), got) {
			t.Fatalf("re-encoding changed %+v", got)
		}
	})
}

// The codec against encoding/json, for the record format decision.
func BenchmarkCodec(b *testing.B) {
	for _, size := range []int{200, 1 << 20} {
		r := sampleRecord(size)
		bin := encodeRecord(&r)
		js, _ := json.Marshal(r)
		b.Run(fmt.Sprintf("binary/encode/%d", size), func(b *testing.B) {
			b.ReportMetric(float64(len(bin)), "stored-bytes")
			for b.Loop() {
				encodeRecord(&r)
			}
		})
		b.Run(fmt.Sprintf("binary/decode/%d", size), func(b *testing.B) {
			for b.Loop() {
				raw, _ := parseRecord(bin)
				raw.record(true)
			}
		})
		b.Run(fmt.Sprintf("json/encode/%d", size), func(b *testing.B) {
			b.ReportMetric(float64(len(js)), "stored-bytes")
			for b.Loop() {
				json.Marshal(r)
			}
		})
		b.Run(fmt.Sprintf("json/decode/%d", size), func(b *testing.B) {
			for b.Loop() {
				var got store.Record
				json.Unmarshal(js, &got)
			}
		})
	}
}
