// Package revocation keeps per-subject "not before" times in a store.Store,
// so cookie sessions can be revoked: configure it as session.Config.Revocations
// and call Revoke to log a user out everywhere.
//
// A cookie's issue time has whole seconds, so Revoke rounds the not-before
// time up to the next second: sessions issued in the same second as the
// revocation are revoked too.
package revocation

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/store"
)

// Store keeps not-before times in a store.Store under "revoked:" keys.
type Store struct {
	st store.Store
	// keep is how long a revocation is kept: no cookie older than that is
	// valid anyway.
	keep time.Duration
}

var _ session.Revocations = (*Store)(nil)

// New returns revocations kept in st for keep (at least the longest session
// lifetime; 0 means session.MaxLifetime, 400 days).
func New(st store.Store, keep time.Duration) *Store {
	if keep <= 0 {
		keep = session.MaxLifetime
	}
	return &Store{st: st, keep: keep}
}

func key(subject string) string {
	sum := sha256.Sum256([]byte(subject))
	return "revoked:" + base64.RawURLEncoding.EncodeToString(sum[:])
}

// NotBefore returns subject's not-before time, or the zero Time.
func (s *Store) NotBefore(ctx context.Context, subject string) (time.Time, error) {
	rec, ok, err := s.st.Load(ctx, key(subject))
	if err != nil || !ok {
		return time.Time{}, err
	}
	if len(rec.Data) != 8 {
		return time.Time{}, errors.New("revocation: corrupt record")
	}
	return time.Unix(int64(binary.BigEndian.Uint64(rec.Data)), 0), nil
}

// Revoke revokes every session of subject issued before at (rounded up to
// the next whole second). Later revocations only move the time forward.
func (s *Store) Revoke(ctx context.Context, subject string, at time.Time) error {
	nb := at.Truncate(time.Second)
	if nb.Before(at) {
		nb = nb.Add(time.Second)
	}
	k := key(subject)
	for range 10 {
		cur, ok, err := s.st.Load(ctx, k)
		if err != nil {
			return fmt.Errorf("revocation: %w", err)
		}
		rec := store.Record{Version: 0, Created: at, LastSeen: at, Expires: nb.Add(s.keep), Subject: ""}
		if ok {
			rec.Version, rec.Created = cur.Version, cur.Created
			if len(cur.Data) == 8 {
				if old := time.Unix(int64(binary.BigEndian.Uint64(cur.Data)), 0); old.After(nb) {
					nb = old
				}
			}
		}
		rec.Data = binary.BigEndian.AppendUint64(nil, uint64(nb.Unix()))
		rec.Expires = nb.Add(s.keep)
		if _, err := s.st.Save(ctx, k, rec); err == nil {
			return nil
		} else if !errors.Is(err, store.ErrConflict) {
			return fmt.Errorf("revocation: %w", err)
		}
	}
	return fmt.Errorf("revocation: %w: too many concurrent revocations of one subject", store.ErrConflict)
}
