package pgstore

import (
	"context"
	"errors"
	"testing"
	"time"
)

// passedDeadline is a context whose deadline has passed but whose timer has
// not fired yet: Err is still nil. A socket deadline set to the same
// instant fires in that window.
type passedDeadline struct{ context.Context }

func (passedDeadline) Deadline() (time.Time, bool) { return time.Now().Add(-time.Millisecond), true }

// An I/O timeout caused by the caller's deadline is reported as
// context.DeadlineExceeded even before the context's timer has fired.
func TestWrapPassedDeadline(t *testing.T) {
	ioTimeout := errors.New("i/o timeout")
	c := passedDeadline{context.Background()}
	err := (&Store{}).wrap(c, "load", ioTimeout)
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ioTimeout) {
		t.Errorf("wrap with a passed deadline: %v, want DeadlineExceeded and the I/O error", err)
	}
	live, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	if err := (&Store{}).wrap(live, "load", ioTimeout); errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("wrap with a live deadline: %v, want no DeadlineExceeded", err)
	}
}
