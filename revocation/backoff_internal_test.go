package revocation

import (
	"testing"
	"time"
)

// A retry after a conflict always waits: at least 1 µs when the jitter
// draws 0, and below the ceiling plus 1 µs when it draws its largest value.
func TestRetryWaitBounds(t *testing.T) {
	real := jitter
	defer func() { jitter = real }()
	for _, ceiling := range []time.Duration{time.Millisecond, 32 * time.Millisecond} {
		jitter = func(time.Duration) time.Duration { return 0 }
		if got := retryWait(ceiling); got != time.Microsecond {
			t.Errorf("ceiling %v, jitter 0: wait %v, want 1µs", ceiling, got)
		}
		jitter = func(c time.Duration) time.Duration { return c - 1 }
		if got, want := retryWait(ceiling), ceiling-1+time.Microsecond; got != want {
			t.Errorf("ceiling %v, largest jitter: wait %v, want %v", ceiling, got, want)
		}
	}
	// The real jitter stays in [0, ceiling).
	jitter = real
	for range 1000 {
		if w := retryWait(time.Millisecond); w < time.Microsecond || w >= time.Millisecond+time.Microsecond {
			t.Fatalf("wait %v outside [1µs, 1ms+1µs)", w)
		}
	}
}
