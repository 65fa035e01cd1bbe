package serverside

import (
	"testing"
	"time"
)

// The backoff before retry n lies in [d/2, d], d = 1ms·2^(n-1) capped at
// 32ms, both ends reachable: checked with the least and the greatest draw.
func TestBackoffDelay(t *testing.T) {
	ms := time.Millisecond
	for _, c := range []struct {
		attempt int
		lo, hi  time.Duration
	}{
		{1, ms / 2, ms}, {2, ms, 2 * ms}, {3, 2 * ms, 4 * ms}, {5, 8 * ms, 16 * ms},
		{6, 16 * ms, 32 * ms}, {7, 16 * ms, 32 * ms}, {64, 16 * ms, 32 * ms}, {1 << 20, 16 * ms, 32 * ms},
	} {
		var asked time.Duration
		least := func(n time.Duration) time.Duration { asked = n; return 0 }
		greatest := func(n time.Duration) time.Duration { return n - 1 }
		if got := backoffDelay(c.attempt, least); got != c.lo {
			t.Errorf("attempt %d, least draw: %v, want %v", c.attempt, got, c.lo)
		}
		if want := c.hi - c.lo + 1; asked != want {
			t.Errorf("attempt %d: drew from [0, %v), want [0, %v)", c.attempt, asked, want)
		}
		if got := backoffDelay(c.attempt, greatest); got != c.hi {
			t.Errorf("attempt %d, greatest draw: %v, want %v", c.attempt, got, c.hi)
		}
	}
}
