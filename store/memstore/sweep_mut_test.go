package memstore

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/sessionkit/session/store"
)

// stopAfter is a context whose Err is nil for its first allow calls and
// context.Canceled after them; onErr, if set, runs on every call (Sweep
// calls Err without holding the store's lock, so onErr may use the store).
type stopAfter struct {
	context.Context
	allow int
	calls int
	onErr func(call int)
}

func (c *stopAfter) Err() error {
	c.calls++
	if c.onErr != nil {
		c.onErr(c.calls)
	}
	if c.calls > c.allow {
		return context.Canceled
	}
	return nil
}

// fillSecond saves n records named prefix0..prefixN-1 that expire 500 ms
// after now, all in now's second.
func fillSecond(t *testing.T, s *Store, now time.Time, prefix string, n int) {
	t.Helper()
	for i := range n {
		if _, err := s.Save(context.Background(), fmt.Sprint(prefix, i), store.Record{Expires: now.Add(500 * time.Millisecond)}); err != nil {
			t.Fatal(err)
		}
	}
}

// TestSweepStopsBetweenBatches cancels Sweep's context after its first and
// after its second batch: Sweep deletes exactly that many whole batches,
// returns the context's error, and leaves the rest of the second indexed, so
// that a later Sweep deletes it.
func TestSweepStopsBetweenBatches(t *testing.T) {
	for batches := 1; batches <= 2; batches++ {
		t.Run(fmt.Sprint(batches), func(t *testing.T) {
			now := time.Unix(1_700_000_000, 0)
			s := New(Options{Now: func() time.Time { return now }})
			defer s.Close()
			const expiring = 2*sweepBatch + 10
			fillSecond(t, s, now, "k", expiring)
			if _, err := s.Save(context.Background(), "live", store.Record{Expires: now.Add(time.Hour)}); err != nil {
				t.Fatal(err)
			}
			now = now.Add(time.Second)
			// One call at the start of Sweep, one after each batch.
			ctx := &stopAfter{Context: context.Background(), allow: batches}
			n, err := s.Sweep(ctx)
			if !errors.Is(err, context.Canceled) || n != batches*sweepBatch {
				t.Fatalf("Sweep = %d, %v; want %d, context.Canceled", n, err, batches*sweepBatch)
			}
			if got, want := s.Len(), expiring+1-batches*sweepBatch; got != want {
				t.Fatalf("Len after the stopped Sweep = %d, want %d", got, want)
			}
			checkExpiryIndex(t, s)
			n, err = s.Sweep(context.Background())
			if err != nil || n != expiring-batches*sweepBatch {
				t.Fatalf("second Sweep = %d, %v; want %d", n, err, expiring-batches*sweepBatch)
			}
			if s.Len() != 1 {
				t.Fatalf("Len = %d, want 1 (live)", s.Len())
			}
			checkExpiryIndex(t, s)
		})
	}
}

// TestSweepStoppedRestoresOnlyItsSecond changes records of the second a
// Sweep has taken out of the index while the Sweep runs (from its context's
// Err, called between batches without the lock): one is saved anew under a
// later second, one deleted. When the Sweep stops, the records still
// expiring in that second go back into the index, and the others are not
// indexed under it again.
func TestSweepStoppedRestoresOnlyItsSecond(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s := New(Options{Now: func() time.Time { return now }})
	defer s.Close()
	const expiring = sweepBatch + 20
	fillSecond(t, s, now, "k", expiring)
	first := now
	now = now.Add(time.Second)
	var resaved, deleted string
	ctx := &stopAfter{Context: context.Background(), allow: 1, onErr: func(call int) {
		if call != 2 {
			return
		}
		// After the first batch: pick two records left in the taken second.
		s.mu.RLock()
		for key, rec := range s.records {
			if rec.Expires.Unix() != first.Unix() {
				continue
			}
			if resaved == "" {
				resaved = key
			} else if deleted == "" {
				deleted = key
			}
		}
		s.mu.RUnlock()
		if deleted == "" {
			t.Error("fewer than two records left after the first batch")
			return
		}
		// The record has expired: Save treats it as absent (version 0).
		if _, err := s.Save(context.Background(), resaved, store.Record{Expires: now.Add(time.Hour)}); err != nil {
			t.Error(err)
		}
		if err := s.Delete(context.Background(), deleted); err != nil {
			t.Error(err)
		}
	}}
	n, err := s.Sweep(ctx)
	if !errors.Is(err, context.Canceled) || n != sweepBatch {
		t.Fatalf("Sweep = %d, %v; want %d, context.Canceled", n, err, sweepBatch)
	}
	checkExpiryIndex(t, s)
	if t.Failed() {
		t.FailNow()
	}
	if got, want := s.Len(), expiring-sweepBatch-1; got != want {
		t.Fatalf("Len = %d, want %d", got, want)
	}
	s.mu.RLock()
	_, again := s.expiry[first.Unix()][resaved]
	s.mu.RUnlock()
	if again {
		t.Fatalf("the record saved anew under a later second is indexed under the swept one too")
	}
	n, err = s.Sweep(context.Background())
	if err != nil || n != expiring-sweepBatch-2 {
		t.Fatalf("second Sweep = %d, %v; want %d", n, err, expiring-sweepBatch-2)
	}
	if _, ok, _ := s.Load(context.Background(), resaved); !ok {
		t.Fatal("the record saved anew during the stopped Sweep is gone")
	}
	checkExpiryIndex(t, s)
}

// TestSweepAfterClose: a closed store's Sweep fails with ErrClosed, and so
// does one whose store closes between two batches.
func TestSweepAfterClose(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	s := New(Options{Now: func() time.Time { return now }})
	fillSecond(t, s, now, "k", sweepBatch+5)
	now = now.Add(time.Second)
	ctx := &stopAfter{Context: context.Background(), allow: 100, onErr: func(call int) {
		if call == 2 {
			s.Close()
		}
	}}
	if n, err := s.Sweep(ctx); !errors.Is(err, store.ErrClosed) || n != sweepBatch {
		t.Fatalf("Sweep with Close after the first batch = %d, %v; want %d, ErrClosed", n, err, sweepBatch)
	}
	if n, err := s.Sweep(context.Background()); !errors.Is(err, store.ErrClosed) || n != 0 {
		t.Fatalf("Sweep after Close = %d, %v; want 0, ErrClosed", n, err)
	}
}
