package boltstore

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/sessionkit/session/store"
)

// Sweep deletes the records that have expired by the time it starts. It
// walks the expiry index, so it reads only expired entries, and deletes at
// most 100 records per transaction, so that Saves are never held up for
// long. ctx is checked before each transaction. It returns how many records
// it deleted, including corrupt records whose index entry says they have
// expired.
func (s *Store) Sweep(ctx context.Context) (int, error) {
	now := s.now()
	bound := expiryPrefix(make([]byte, 0, expiryLen), now)
	total := 0
	for {
		n, more, err := s.sweepOnce(ctx, now, bound)
		total += n
		if err != nil || !more {
			return total, err
		}
	}
}

// sweepOnce deletes up to s.batch expired records in one transaction;
// more reports whether there may be others.
func (s *Store) sweepOnce(ctx context.Context, now time.Time, bound []byte) (deleted int, more bool, err error) {
	corrupt := 0
	err = s.tx(ctx, true, func(b buckets) error {
		deleted, more, corrupt = 0, false, 0
		var entries [][]byte
		c := b.expiry.Cursor()
		for ik, _ := c.First(); ik != nil; ik, _ = c.Next() {
			if len(entries) == s.batch {
				more = true
				break
			}
			// An entry with a time that has not come ends the scan: the
			// entries are in time order.
			if len(ik) >= expiryLen && bytes.Compare(ik[:expiryLen], bound) > 0 {
				break
			}
			entries = append(entries, bytes.Clone(ik))
		}
		for _, ik := range entries {
			if err := b.expiry.Delete(ik); err != nil {
				return err
			}
			if len(ik) <= expiryLen {
				continue // not an entry this package wrote
			}
			key := ik[expiryLen:]
			v := b.sessions.Get(key)
			if v == nil {
				continue // a stale entry
			}
			// (if/else rather than a switch: gremlins sees no coverage of
			// case expressions, and would not test their mutants.)
			r, err := parseRecord(v)
			if err != nil {
				// Written in the same transaction as the record, the entry
				// says when it expires: it has.
				corrupt++
				err = b.sessions.Delete(key)
			} else if r.expired(now) {
				err = b.remove(key, &r)
			} else {
				continue // a stale entry; the record has its own
			}
			if err != nil {
				return err
			}
			deleted++
		}
		return nil
	})
	if err != nil {
		return 0, false, err
	}
	if corrupt > 0 {
		s.log().Warn("boltstore: sweep deleted expired records that could not be decoded", "count", corrupt)
	}
	if s.onBatch != nil {
		s.onBatch(deleted)
	}
	return deleted, more, nil
}

func (s *Store) sweepLoop(ctx context.Context, every time.Duration) {
	defer close(s.sweeperDone)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := s.Sweep(ctx)
		if ctx.Err() != nil || errors.Is(err, store.ErrClosed) {
			return
		}
		if err != nil {
			s.log().Error("boltstore: sweeping expired sessions", "err", err, "deleted", n)
		} else if n > 0 {
			s.log().Debug("boltstore: swept expired sessions", "deleted", n)
		}
	}
}
