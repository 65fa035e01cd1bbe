package memstore

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/sessionkit/session/store"
)

// checkExpiryIndex fails unless the expiry index holds exactly the records
// with an Expires, each under the second of its Expires, and secs lists the
// index's seconds in order.
func checkExpiryIndex(t *testing.T, s *Store) {
	t.Helper()
	s.mu.RLock()
	defer s.mu.RUnlock()
	indexed := 0
	for sec, keys := range s.expiry {
		if len(keys) == 0 {
			t.Errorf("second %d has an empty set of keys", sec)
		}
		for key := range keys {
			rec, ok := s.records[key]
			if !ok || rec.Expires.IsZero() || rec.Expires.Unix() != sec {
				t.Errorf("key %q indexed under second %d: record present %v, expires %v", key, sec, ok, rec.Expires)
			}
			indexed++
		}
	}
	want := 0
	for _, rec := range s.records {
		if !rec.Expires.IsZero() {
			want++
		}
	}
	if indexed != want {
		t.Errorf("%d keys indexed, %d records have an Expires", indexed, want)
	}
	// secs is a heap holding every second of the index (and maybe stale
	// ones), and stays in proportion to it.
	for i := 1; i < len(s.secs); i++ {
		if s.secs[(i-1)/2] > s.secs[i] {
			t.Errorf("secs is not a heap at %d: %v", i, s.secs)
			break
		}
	}
	inHeap := make(map[int64]bool, len(s.secs))
	for _, sec := range s.secs {
		inHeap[sec] = true
	}
	for sec := range s.expiry {
		if !inHeap[sec] {
			t.Errorf("second %d of the index is not in secs", sec)
		}
	}
	if n := len(s.secs); n > 64 && n > 2*len(s.expiry) {
		t.Errorf("secs holds %d entries for %d seconds", n, len(s.expiry))
	}
}

// TestExpiryIndexFollowsEveryWrite runs random operations on a store whose
// clock moves forward in steps of less than a second, Sweep among them (in
// batches: more records expire at once than sweepBatch), and checks the
// index after each, and that Sweep removes exactly the records expired at
// its start.
func TestExpiryIndexFollowsEveryWrite(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s := New(Options{Now: func() time.Time { return now }})
	defer s.Close()
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 2))
	versions := map[string]uint64{}
	const keys = 3 * sweepBatch
	for step := range 4000 {
		key := fmt.Sprint("k", rng.IntN(keys))
		var expires time.Time
		if rng.IntN(10) > 0 {
			expires = now.Add(time.Duration(rng.IntN(5000)) * time.Millisecond)
		}
		switch op := rng.IntN(10); {
		case op < 5:
			v, err := s.Save(ctx, key, store.Record{Version: versions[key], Subject: fmt.Sprint("u", rng.IntN(20)), Expires: expires})
			if err == nil {
				versions[key] = v
			} else {
				// Expired meanwhile: it counts as absent.
				versions[key] = 0
			}
		case op == 5:
			if err := s.Touch(ctx, key, now, expires); err != nil {
				t.Fatal(err)
			}
		case op == 6:
			if err := s.Delete(ctx, key); err != nil {
				t.Fatal(err)
			}
			versions[key] = 0
		case op == 7:
			if _, err := s.DeleteSubject(ctx, fmt.Sprint("u", rng.IntN(20)), ""); err != nil {
				t.Fatal(err)
			}
		default:
			expired := 0
			s.mu.RLock()
			for _, rec := range s.records {
				if rec.Expired(now) {
					expired++
				}
			}
			s.mu.RUnlock()
			n, err := s.Sweep(ctx)
			if err != nil || n != expired {
				t.Fatalf("step %d: Sweep = %d, %v; %d had expired", step, n, err, expired)
			}
		}
		checkExpiryIndex(t, s)
		if t.Failed() {
			t.Fatalf("after step %d", step)
		}
		now = now.Add(time.Duration(rng.IntN(300)) * time.Millisecond)
	}
}

// TestSweepInBatches sweeps more records of one second than a batch holds,
// beside live ones of the same second.
func TestSweepInBatches(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s := New(Options{Now: func() time.Time { return now }})
	defer s.Close()
	ctx := context.Background()
	const expiring = 3*sweepBatch + 7
	for i := range expiring + 10 {
		exp := now.Add(500 * time.Millisecond)
		if i >= expiring {
			exp = now.Add(900 * time.Millisecond) // the same second, later
		}
		if _, err := s.Save(ctx, fmt.Sprint("k", i), store.Record{Expires: exp}); err != nil {
			t.Fatal(err)
		}
	}
	now = now.Add(600 * time.Millisecond)
	if n, err := s.Sweep(ctx); err != nil || n != expiring {
		t.Fatalf("Sweep = %d, %v; want %d", n, err, expiring)
	}
	if s.Len() != 10 {
		t.Fatalf("%d records left, want 10", s.Len())
	}
	checkExpiryIndex(t, s)
}
