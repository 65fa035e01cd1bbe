package session_test

import (
	"context"
	"testing"
	"time"

	"github.com/sessionkit/session"
)

// ctxRevocations is a third-party session.Revocations that, like any store
// client, fails on a done context, and records the deadline it was given.
type ctxRevocations struct {
	testRevocations
	deadline time.Time
	values   bool
}

func (r *ctxRevocations) Revoke(ctx context.Context, subject string, at time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	r.deadline, _ = ctx.Deadline()
	r.values = ctx.Value(ctxMark{}) != nil
	return r.testRevocations.Revoke(ctx, subject, at)
}

type ctxMark struct{}

// Manager.Revoke of cookie sessions runs Config.Revocations' Revoke
// detached from the request's cancellation, keeping its values, bounded by
// RevokeTimeout (breaker finding 10).
func TestRevokeDetachedFromCancellation(t *testing.T) {
	rev := &ctxRevocations{}
	m := newManager(t, session.Config{Revocations: rev})
	ctx, cancel := context.WithCancel(context.WithValue(context.Background(), ctxMark{}, 1))
	cancel() // the client went away
	before := time.Now()
	err := m.Revoke(ctx, "alice", nil)
	if nb, _ := rev.NotBefore(context.Background(), "alice"); err != nil || nb.IsZero() {
		t.Fatalf("Revoke with the client gone: %v, not-before %v; the revocation did not happen", err, nb)
	}
	if rev.deadline.IsZero() || rev.deadline.Before(before.Add(session.RevokeTimeout)) || rev.deadline.After(time.Now().Add(session.RevokeTimeout)) {
		t.Errorf("deadline %v, want RevokeTimeout (%v) after the call", rev.deadline, session.RevokeTimeout)
	}
	if !rev.values {
		t.Error("the detached context lost the request context's values")
	}
}
