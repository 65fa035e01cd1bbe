package memstore

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/session/store"
)

// hookCtx is a context whose Err runs a hook: Sweep calls Err between
// batches, while it holds a second taken out of the index, which lets a
// test act at that exact point.
type hookCtx struct {
	context.Context
	calls atomic.Int32
	hook  func(call int32) error
}

func (c *hookCtx) Err() error {
	if err := c.hook(c.calls.Add(1)); err != nil {
		return err
	}
	return c.Context.Err()
}

// breakStore holds expired records in one second (more than two batches)
// and live ones.
func breakStore(t *testing.T, expired, live int) (*Store, *time.Time) {
	now := time.Unix(1_700_000_000, 0)
	s := New(Options{Now: func() time.Time { return now }})
	t.Cleanup(func() { s.Close() })
	for i := range expired {
		if _, err := s.Save(context.Background(), fmt.Sprint("old", i), store.Record{Expires: now.Add(100 * time.Millisecond), Subject: "u"}); err != nil {
			t.Fatal(err)
		}
	}
	for i := range live {
		if _, err := s.Save(context.Background(), fmt.Sprint("live", i), store.Record{Expires: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	now = now.Add(2 * time.Second)
	return s, &now
}

// TestBreakConcurrentSweepReturnsEarly: a Sweep that runs while another
// holds a second of the index returns without deleting that second's
// records: when it returns, records expired at its start are still there
// (store.Sweeper: "Sweep deletes the records expired when it starts").
func TestBreakConcurrentSweepReturnsEarly(t *testing.T) {
	const expired, live = 3 * sweepBatch, 5
	s, _ := breakStore(t, expired, live)
	var leftWhenBReturned atomic.Int64
	leftWhenBReturned.Store(-1)
	bDone := make(chan struct{})
	ctx := &hookCtx{Context: context.Background(), hook: func(call int32) error {
		if call != 2 { // 1: Sweep's first check; 2: after the first batch
			return nil
		}
		go func() {
			defer close(bDone)
			if _, err := s.Sweep(context.Background()); err != nil {
				t.Error(err)
			}
			leftWhenBReturned.Store(int64(s.Len()))
		}()
		select { // give B the chance to run inside A's hold
		case <-bDone:
		case <-time.After(200 * time.Millisecond):
		}
		return nil
	}}
	if _, err := s.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	select {
	case <-bDone:
	case <-time.After(10 * time.Second):
		t.Fatal("second Sweep did not return within 10s")
	}
	if left := leftWhenBReturned.Load(); left != live {
		t.Errorf("when the concurrent Sweep returned, %d records were held, want the %d live ones", left, live)
	}
	checkExpiryIndex(t, s)
}

// TestBreakConcurrentSweepCancelled: the same, with the first Sweep
// cancelled after its first batch: it puts the rest back in the index, and
// after both Sweeps have returned (the second without error) records that
// had expired before either started are still stored.
func TestBreakConcurrentSweepCancelled(t *testing.T) {
	const expired, live = 3 * sweepBatch, 5
	s, _ := breakStore(t, expired, live)
	bDone := make(chan struct{})
	var bErr error
	ctx := &hookCtx{Context: context.Background(), hook: func(call int32) error {
		if call != 2 {
			return nil
		}
		go func() {
			defer close(bDone)
			_, bErr = s.Sweep(context.Background())
		}()
		select {
		case <-bDone:
		case <-time.After(200 * time.Millisecond):
		}
		return context.Canceled
	}}
	if _, err := s.Sweep(ctx); err != context.Canceled {
		t.Fatalf("first Sweep: %v, want context.Canceled", err)
	}
	select {
	case <-bDone:
	case <-time.After(10 * time.Second):
		t.Fatal("second Sweep did not return within 10s")
	}
	if bErr != nil {
		t.Fatal(bErr)
	}
	if n := s.Len(); n != live {
		t.Errorf("after a cancelled Sweep and a complete one, %d records are held, want the %d live ones", n, live)
	}
	checkExpiryIndex(t, s)
}

// TestBreakSweepHoldWrites: while Sweep holds a second, records of it are
// re-saved live, touched live, deleted, deleted by subject and deleted by
// version; a sweep cancelled there keeps everything not deleted indexed,
// a later one deletes exactly the expired rest, and no live record goes.
func TestBreakSweepHoldWrites(t *testing.T) {
	for _, cancel := range []bool{false, true} {
		t.Run(fmt.Sprint("cancel=", cancel), func(t *testing.T) {
			const expired = 3 * sweepBatch
			s, now := breakStore(t, expired, 0)
			bg := context.Background()
			// Which keys are in later batches is map order: act on all of them.
			ctx := &hookCtx{Context: bg, hook: func(call int32) error {
				if call != 2 {
					return nil
				}
				for i := range expired {
					key := fmt.Sprint("old", i)
					var err error
					switch i % 5 {
					case 0: // re-saved live (expired counts as absent: version 0)
						_, err = s.Save(bg, key, store.Record{Expires: now.Add(time.Hour)})
					case 1:
						err = s.Touch(bg, key, *now, now.Add(time.Hour))
					case 2:
						err = s.Delete(bg, key)
					case 3:
						err = s.CompareAndDelete(bg, key, 1)
					}
					if err != nil && !errorsIsConflict(err) {
						t.Error(err)
					}
				}
				if cancel {
					return context.Canceled
				}
				return nil
			}}
			s.Sweep(ctx)
			checkExpiryIndex(t, s)
			if _, err := s.Sweep(bg); err != nil {
				t.Fatal(err)
			}
			checkExpiryIndex(t, s)
			for i := range expired {
				key := fmt.Sprint("old", i)
				_, ok, err := s.Load(bg, key)
				if err != nil {
					t.Fatal(err)
				}
				s.mu.RLock()
				_, held := s.records[key]
				s.mu.RUnlock()
				// Touch refuses an expired record, so only re-saved ones live.
				want := i%5 == 0
				if ok != want || held != want {
					t.Errorf("%s (case %d): loaded %v, held %v; want %v", key, i%5, ok, held, want)
				}
			}
		})
	}
}

func errorsIsConflict(err error) bool { return errors.Is(err, store.ErrConflict) }

// TestBreakSweepConcurrentStress runs Save, Touch, Delete, DeleteSubject,
// CompareAndDelete and Sweep from several goroutines with a moving fake
// clock (under -race), then checks the index and that a final Sweep leaves
// exactly the live records.
func TestBreakSweepConcurrentStress(t *testing.T) {
	var clock atomic.Int64
	clock.Store(time.Unix(1_700_000_000, 0).UnixNano())
	s := New(Options{Now: func() time.Time { return time.Unix(0, clock.Load()) }})
	defer s.Close()
	bg := context.Background()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(g), 3))
			for range 3000 {
				key := fmt.Sprint("k", r.IntN(2*sweepBatch))
				now := time.Unix(0, clock.Load())
				exp := now.Add(time.Duration(r.IntN(3000)-500) * time.Millisecond)
				if r.IntN(20) == 0 {
					exp = time.Time{}
				}
				switch r.IntN(8) {
				case 0, 1:
					rec, ok, _ := s.Load(bg, key)
					if !ok {
						rec = store.Record{}
					}
					rec.Expires, rec.Subject = exp, fmt.Sprint("u", r.IntN(5))
					s.Save(bg, key, rec)
				case 2:
					s.Touch(bg, key, now, exp)
				case 3:
					s.Delete(bg, key)
				case 4:
					s.DeleteSubject(bg, fmt.Sprint("u", r.IntN(5)), "")
				case 5:
					rec, ok, _ := s.Load(bg, key)
					if ok {
						s.CompareAndDelete(bg, key, rec.Version)
					}
				case 6:
					ctx, cancel := context.WithCancel(bg)
					if r.IntN(2) == 0 {
						cancel()
					}
					s.Sweep(ctx)
					cancel()
				default:
					clock.Add(int64(r.IntN(400)) * int64(time.Millisecond))
				}
			}
		}()
	}
	wg.Wait()
	checkExpiryIndex(t, s)
	now := time.Unix(0, clock.Load())
	live := 0
	s.mu.RLock()
	for _, rec := range s.records {
		if !rec.Expired(now) {
			live++
		}
	}
	s.mu.RUnlock()
	if _, err := s.Sweep(bg); err != nil {
		t.Fatal(err)
	}
	if s.Len() != live {
		t.Errorf("after the final Sweep %d records are held, %d were live", s.Len(), live)
	}
	checkExpiryIndex(t, s)
}

// TestBreakSweepBoundaries: Expires exactly at now, a nanosecond either
// side, exactly on an earlier second, zero, and before 1970.
func TestBreakSweepBoundaries(t *testing.T) {
	for _, now := range []time.Time{time.Unix(1_700_000_000, 0), time.Unix(1_700_000_000, 999_999_999), time.Unix(0, 0), time.Unix(-5, 300)} {
		s := New(Options{Now: func() time.Time { return now }})
		bg := context.Background()
		recs := map[string]time.Time{
			"at now":      now,
			"1ns before":  now.Add(-1),
			"1ns after":   now.Add(1),
			"second back": now.Truncate(time.Second).Add(-time.Second),
			"zero":        {},
			"1970-":       time.Unix(-3, 5),
			"far":         now.Add(1000 * time.Hour),
		}
		// Saved while the clock reads 10,000 hours earlier, so all are live then.
		real := now
		now = now.Add(-10000 * time.Hour)
		for k, exp := range recs {
			if _, err := s.Save(bg, k, store.Record{Expires: exp}); err != nil {
				t.Fatal(err)
			}
		}
		now = real
		want := 0
		for _, exp := range recs {
			if !exp.IsZero() && !now.Before(exp) {
				want++
			}
		}
		n, err := s.Sweep(bg)
		if err != nil || n != want {
			t.Errorf("now %v: Sweep = %d, %v; want %d", now, n, err, want)
		}
		for k, exp := range recs {
			s.mu.RLock()
			_, held := s.records[k]
			s.mu.RUnlock()
			if live := exp.IsZero() || now.Before(exp); held != live {
				t.Errorf("now %v: %s (expires %v): held %v, live %v", now, k, exp, held, live)
			}
		}
		checkExpiryIndex(t, s)
		s.Close()
	}
}
