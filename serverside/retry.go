package serverside

import (
	"context"
	"fmt"

	"github.com/sessionkit/session"
	"math/rand/v2"
	"time"
)

// Backoff between two attempts of a conflicting write: attempt n waits a
// random time in [d/2, d], d = retryBase·2^(n-1) capped at
// retryBase·2^retryMaxShift (32ms), so that writers which collided once do
// not collide again in lock step.
const (
	retryBase     = time.Millisecond
	retryMaxShift = 5
)

// retryContext bounds the conflict retries of a save: by ctx's deadline if
// it has one, else by Options.RetryTimeout.
func (i *Backend) retryContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, i.opts.RetryTimeout)
}

// endContext is the context of the store operations that end a session:
// detached from ctx's cancellation and deadline (the server decided; the
// client going away must not undo it), bounded by Options.EndTimeout. It
// keeps ctx's values.
func (i *Backend) endContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), i.opts.EndTimeout)
}

// backoff waits before retry number attempt (1 for the first retry), or
// fails with ErrTooManyConflicts when ctx ends first or MaxRetries is spent.
func (i *Backend) backoff(ctx context.Context, attempt int) error {
	if i.opts.MaxRetries > 0 && attempt > i.opts.MaxRetries {
		return fmt.Errorf("%w (%d attempts)", ErrTooManyConflicts, attempt)
	}
	t := time.NewTimer(backoffDelay(attempt, rand.N[time.Duration]))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("%w (%d attempts): %w", ErrTooManyConflicts, attempt, ctx.Err())
	case <-t.C:
		return nil
	}
}

// backoffDelay is the wait before retry number attempt (1 for the first):
// d/2 + draw(d/2+1), d = retryBase·2^(attempt-1) capped at
// retryBase·2^retryMaxShift, where draw(n) returns a duration in [0, n)
// (rand.N); so the wait lies in [d/2, d].
func backoffDelay(attempt int, draw func(time.Duration) time.Duration) time.Duration {
	d := retryBase << min(attempt-1, retryMaxShift)
	return d/2 + draw(d/2+1)
}

// afterConflict classifies err, a store error met while retrying after a
// conflict: when ctx has ended, the retries spent the deadline, which is
// ErrTooManyConflicts whether the deadline struck during the backoff or
// during a store call.
func afterConflict(ctx context.Context, attempt int, err error) error {
	if ctx.Err() != nil {
		return fmt.Errorf("%w (%d attempts): %w", ErrTooManyConflicts, attempt, err)
	}
	return err
}

// storeFailed is the error of a store operation that failed: it wraps
// session.ErrStoreUnavailable (the default error handler answers 503) and
// the store's error.
func storeFailed(what string, err error) error {
	return fmt.Errorf("serverside: %s: %w: %w", what, session.ErrStoreUnavailable, err)
}
