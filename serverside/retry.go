package serverside

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"
)

// Backoff between two attempts of a conflicting write: attempt n waits a
// random time in [d/2, d], d = retryBase·2^(n-1) capped at retryCap, so
// that writers which collided once do not collide again in lock step.
const (
	retryBase = time.Millisecond
	retryCap  = 32 * time.Millisecond
)

// retryContext bounds the conflict retries of a save: by ctx's deadline if
// it has one, else by Options.RetryTimeout.
func (i *Interface) retryContext(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, i.opts.RetryTimeout)
}

// endContext is the context of the store operations that end a session:
// detached from ctx's cancellation and deadline (the server decided; the
// client going away must not undo it), bounded by Options.EndTimeout. It
// keeps ctx's values.
func (i *Interface) endContext(ctx context.Context) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.WithoutCancel(ctx), i.opts.EndTimeout)
}

// backoff waits before retry number attempt (1 for the first retry), or
// fails with ErrTooManyConflicts when ctx ends first or MaxRetries is spent.
func (i *Interface) backoff(ctx context.Context, attempt int) error {
	if i.opts.MaxRetries > 0 && attempt > i.opts.MaxRetries {
		return fmt.Errorf("%w (%d attempts)", ErrTooManyConflicts, attempt)
	}
	d := retryCap
	if attempt <= 6 {
		d = min(retryBase<<(attempt-1), retryCap)
	}
	d = d/2 + rand.N(d/2+1)
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return fmt.Errorf("%w (%d attempts): %w", ErrTooManyConflicts, attempt, ctx.Err())
	case <-t.C:
		return nil
	}
}
