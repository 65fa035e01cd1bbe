package memstore

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/sessionkit/session/store"
)

// BenchmarkBreakTouchSpreadExpiry: Touch (sliding expiry) on a store whose
// records each expire in a second of their own — sessions created over a
// month at a low, steady rate — so that every Touch empties one second
// of the index and fills another. When secs was a sorted slice, removing
// and inserting in its middle moved up to every entry (about 1 ms a Touch
// at 1 M); as a heap it costs O(log n).
func BenchmarkBreakTouchSpreadExpiry(b *testing.B) {
	for _, n := range []int{1_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			base := time.Unix(1_700_000_000, 0)
			now := base
			s := New(Options{Now: func() time.Time { return now }})
			defer s.Close()
			ctx := context.Background()
			for i := range n {
				if _, err := s.Save(ctx, fmt.Sprint("k", i), store.Record{Expires: base.Add(time.Hour + time.Duration(i)*time.Second)}); err != nil {
					b.Fatal(err)
				}
			}
			b.ResetTimer()
			for i := range b.N {
				k := i % n
				// Move the record's expiry to a new second in the middle
				// of the range (a half-step keeps seconds distinct).
				exp := base.Add(time.Hour + time.Duration(k)*time.Second + time.Duration(n/2)*time.Second)
				if i/n%2 == 1 {
					exp = base.Add(time.Hour + time.Duration(k)*time.Second)
				}
				if err := s.Touch(ctx, fmt.Sprint("k", k), now, exp); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkBreakTouchSliding: the realistic sliding pattern — n sessions
// created one per second over their lifetime, each request Touching one
// of them to now+lifetime while the clock advances a second per request:
// each Touch empties a second somewhere in the index (removed from the
// middle of secs) and adds the newest one (appended).
func BenchmarkBreakTouchSliding(b *testing.B) {
	for _, n := range []int{1_000, 100_000, 1_000_000} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			lifetime := time.Duration(n) * time.Second
			now := time.Unix(1_700_000_000, 0)
			s := New(Options{Now: func() time.Time { return now }})
			defer s.Close()
			ctx := context.Background()
			for i := range n {
				if _, err := s.Save(ctx, fmt.Sprint("k", i), store.Record{Expires: now.Add(lifetime)}); err != nil {
					b.Fatal(err)
				}
				now = now.Add(time.Second)
			}
			keys := make([]string, n)
			for i := range keys {
				keys[i] = fmt.Sprint("k", (i*7919)%n) // a spread of keys, each once per n
			}
			b.ResetTimer()
			for i := range b.N {
				now = now.Add(time.Second)
				if err := s.Touch(ctx, keys[i%n], now, now.Add(lifetime)); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
