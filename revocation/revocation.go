// Package revocation keeps per-subject "not before" times in a store.Store,
// so cookie sessions can be revoked: configure it as session.Config.Revocations
// and call session.Manager.Revoke to log a user out everywhere.
//
// Times are kept to the nanosecond: Revoke(ctx, subject, at) refuses every
// session of subject established before at (see session.EstablishedKey),
// including one established earlier in the same second, and accepts a
// login made after at, even in the same second. A cookie without
// session.EstablishedKey counts as established when it was issued, in whole
// seconds: one issued in the second of the revocation is refused.
//
// A not-before time is one store.Record under "revoked:" and the base64url
// SHA-256 of the subject; its Data is 12 bytes, Unix seconds (8 bytes,
// big-endian) then nanoseconds (4 bytes, big-endian). Records of 8 bytes
// (whole seconds, written by earlier versions) are still read.
package revocation

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/store"
)

// List is a revocation list: a per-subject not-before time, kept in a
// store.Store under "revoked:" keys. It implements session.Revocations.
type List struct {
	st store.Store
	// keep is how long a revocation is kept: no cookie older than that is
	// valid anyway.
	keep time.Duration
}

var _ session.Revocations = (*List)(nil)

// New returns revocations kept in st for keep after the revocation time; 0
// (or less) means 400 days, the longest cookie lifetime browsers honour and
// session.Config accepts. keep must be at least the cookies' lifetime
// (session.Config.PermanentLifetime, 31 days by default), or a revoked
// cookie would be accepted again once its revocation expired:
// session.New refuses a List whose keep is shorter (ErrInvalidConfig).
// Pass 0 unless the store must be pruned sooner.
func New(st store.Store, keep time.Duration) *List {
	if keep <= 0 {
		keep = 400 * 24 * time.Hour
	}
	return &List{st: st, keep: keep}
}

// Retention returns how long a revocation is kept after its time (keep):
// session.New checks it against the cookie lifetime.
func (s *List) Retention() time.Duration { return s.keep }

func key(subject string) string {
	sum := sha256.Sum256([]byte(subject))
	return "revoked:" + base64.RawURLEncoding.EncodeToString(sum[:])
}

// NotBefore returns subject's not-before time, or the zero Time.
func (s *List) NotBefore(ctx context.Context, subject string) (time.Time, error) {
	rec, ok, err := s.st.Load(ctx, key(subject))
	if err != nil {
		return time.Time{}, fmt.Errorf("revocation: %w", err)
	}
	if !ok {
		return time.Time{}, nil
	}
	nb, err := decode(rec.Data)
	if err != nil {
		return time.Time{}, err
	}
	return nb, nil
}

// ErrCorrupt is returned for a stored not-before record that is neither 8
// nor 12 bytes long, or whose nanoseconds are out of range.
var ErrCorrupt = errors.New("revocation: corrupt record")

// decode reads a not-before record: 12 bytes (seconds, nanoseconds) or,
// from earlier versions, 8 bytes of whole seconds.
func decode(data []byte) (time.Time, error) {
	switch len(data) {
	case 8:
		return time.Unix(int64(binary.BigEndian.Uint64(data)), 0), nil
	case 12:
		ns := binary.BigEndian.Uint32(data[8:])
		if ns >= 1e9 {
			return time.Time{}, ErrCorrupt
		}
		return time.Unix(int64(binary.BigEndian.Uint64(data)), int64(ns)), nil
	}
	return time.Time{}, ErrCorrupt
}

// encode writes a not-before record (12 bytes).
func encode(nb time.Time) []byte {
	b := binary.BigEndian.AppendUint64(make([]byte, 0, 12), uint64(nb.Unix()))
	return binary.BigEndian.AppendUint32(b, uint32(nb.Nanosecond()))
}

// RevokeTimeout bounds a revocation. Revoke runs detached from the
// cancellation of the context it is given: once the server has decided to
// log a user out everywhere, a client that disconnects does not stop it.
const RevokeTimeout = 5 * time.Second

// Revoke revokes every session of subject established before at, to the
// nanosecond. Later revocations only move the time forward; a stored record
// that cannot be read is replaced. Applications call session.Manager.Revoke,
// which calls this with the current time and also ends the session of the
// request it is called from.
//
// It runs detached from ctx's cancellation (keeping its values), bounded by
// RevokeTimeout, and retries a conflicting write with a jittered
// exponential backoff until then.
func (s *List) Revoke(ctx context.Context, subject string, at time.Time) error {
	return s.revoke(ctx, subject, at)
}

// jitter draws a duration uniformly from [0, ceiling); tests replace it.
var jitter = rand.N[time.Duration]

// retryWait is the wait before retrying a conflicting write under the
// backoff ceiling (1 ms, doubling to 32 ms): full jitter, drawn from
// [0, ceiling), plus 1 µs so that a retry never comes without a wait.
func retryWait(ceiling time.Duration) time.Duration {
	return jitter(ceiling) + time.Microsecond
}

func (s *List) revoke(ctx context.Context, subject string, at time.Time) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), RevokeTimeout)
	defer cancel()
	at = at.Round(0) // the wall clock only
	k := key(subject)
	backoff := time.Millisecond
	for {
		cur, ok, err := s.st.Load(ctx, k)
		if err != nil {
			return fmt.Errorf("revocation: %w", err)
		}
		nb := at
		rec := store.Record{Created: at, LastSeen: at}
		if ok {
			rec.Version, rec.Created = cur.Version, cur.Created
			if old, err := decode(cur.Data); err == nil && old.After(nb) {
				nb = old
			}
		}
		rec.Data = encode(nb)
		rec.Expires = nb.Add(s.keep)
		_, err = s.st.Save(ctx, k, rec)
		if err == nil {
			return nil
		}
		if !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("revocation: %w", err)
		}
		// Another revocation of the subject won: back off (full jitter)
		// and merge with it.
		t := time.NewTimer(retryWait(backoff))
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("revocation: concurrent revocations of one subject until the deadline: %w", ctx.Err())
		case <-t.C:
		}
		backoff = min(2*backoff, 32*time.Millisecond)
	}
}
