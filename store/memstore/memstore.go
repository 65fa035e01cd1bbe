// Package memstore is the in-memory reference Store: for tests and for
// single-process applications whose sessions may end with the process.
package memstore

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/sessionkit/session/store"
)

// Options configure a Store. The zero value is usable.
type Options struct {
	// Now is the clock expiry is checked against; nil means time.Now.
	Now func() time.Time
	// SweepInterval, if positive, runs a goroutine that deletes expired
	// records this often. Close stops it. Expiry is enforced on every read
	// either way.
	SweepInterval time.Duration
}

// Store keeps records in a map guarded by a mutex.
type Store struct {
	now func() time.Time

	mu       sync.RWMutex
	records  map[string]store.Record
	subjects map[string]map[string]struct{} // subject → keys
	closed   bool

	stop chan struct{}
	done chan struct{}
}

var (
	_ store.Store        = (*Store)(nil)
	_ store.SubjectStore = (*Store)(nil)
	_ store.Toucher      = (*Store)(nil)
	_ store.Sweeper      = (*Store)(nil)
)

// New returns an empty Store.
func New(opts Options) *Store {
	s := &Store{
		now:      opts.Now,
		records:  make(map[string]store.Record),
		subjects: make(map[string]map[string]struct{}),
	}
	if s.now == nil {
		s.now = time.Now
	}
	if opts.SweepInterval > 0 {
		s.stop, s.done = make(chan struct{}), make(chan struct{})
		go s.sweepLoop(opts.SweepInterval)
	}
	return s
}

func checkKey(key string) error {
	if key == "" || len(key) > store.MaxKeyLen {
		return fmt.Errorf("%w: length %d", store.ErrInvalidKey, len(key))
	}
	return nil
}

func (s *Store) check(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return checkKey(key)
}

// Load returns the record under key unless it is missing or expired.
func (s *Store) Load(ctx context.Context, key string) (store.Record, bool, error) {
	if err := s.check(ctx, key); err != nil {
		return store.Record{}, false, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return store.Record{}, false, store.ErrClosed
	}
	rec, ok := s.records[key]
	if !ok || rec.Expired(s.now()) {
		return store.Record{}, false, nil
	}
	return clone(rec), true, nil
}

// Save writes rec if the stored version is rec.Version.
func (s *Store) Save(ctx context.Context, key string, rec store.Record) (uint64, error) {
	if err := s.check(ctx, key); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, store.ErrClosed
	}
	cur, ok := s.records[key]
	if ok && cur.Expired(s.now()) {
		s.deleteLocked(key)
		ok = false
	}
	var curVersion uint64
	if ok {
		curVersion = cur.Version
	}
	if curVersion != rec.Version {
		return 0, fmt.Errorf("%w: stored version %d, expected %d", store.ErrConflict, curVersion, rec.Version)
	}
	if ok && cur.Subject != rec.Subject {
		s.unindex(cur.Subject, key)
	}
	rec = clone(rec)
	rec.Version++
	s.records[key] = rec
	if rec.Subject != "" {
		keys := s.subjects[rec.Subject]
		if keys == nil {
			keys = make(map[string]struct{})
			s.subjects[rec.Subject] = keys
		}
		keys[key] = struct{}{}
	}
	return rec.Version, nil
}

// Delete removes the record under key.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.check(ctx, key); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return store.ErrClosed
	}
	s.deleteLocked(key)
	return nil
}

// CompareAndDelete removes the record under key if its version is version.
func (s *Store) CompareAndDelete(ctx context.Context, key string, version uint64) error {
	if err := s.check(ctx, key); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return store.ErrClosed
	}
	var cur uint64
	if rec, ok := s.records[key]; ok && !rec.Expired(s.now()) {
		cur = rec.Version
	}
	if cur != version {
		return fmt.Errorf("%w: stored version %d, expected %d", store.ErrConflict, cur, version)
	}
	s.deleteLocked(key)
	return nil
}

func (s *Store) deleteLocked(key string) {
	if rec, ok := s.records[key]; ok {
		s.unindex(rec.Subject, key)
		delete(s.records, key)
	}
}

func (s *Store) unindex(subject, key string) {
	if subject == "" {
		return
	}
	if keys := s.subjects[subject]; keys != nil {
		delete(keys, key)
		if len(keys) == 0 {
			delete(s.subjects, subject)
		}
	}
}

// Touch extends a live record's LastSeen and Expires.
func (s *Store) Touch(ctx context.Context, key string, lastSeen, expires time.Time) error {
	if err := s.check(ctx, key); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return store.ErrClosed
	}
	rec, ok := s.records[key]
	if !ok || rec.Expired(s.now()) {
		return nil
	}
	rec.LastSeen, rec.Expires = lastSeen, expires
	s.records[key] = rec
	return nil
}

// Sessions lists the live sessions of subject, oldest first (by Created,
// then by key).
func (s *Store) Sessions(ctx context.Context, subject string) ([]store.Info, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return nil, store.ErrClosed
	}
	now := s.now()
	var out []store.Info
	for key := range s.subjects[subject] {
		rec := s.records[key]
		if rec.Expired(now) {
			continue
		}
		out = append(out, store.Info{Key: key, Subject: rec.Subject, Created: rec.Created,
			LastSeen: rec.LastSeen, Expires: rec.Expires, Meta: maps.Clone(rec.Meta)})
	}
	slices.SortFunc(out, func(a, b store.Info) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out, nil
}

// DeleteSubject deletes every session of subject but keep.
func (s *Store) DeleteSubject(ctx context.Context, subject, keep string) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, store.ErrClosed
	}
	n := 0
	for key := range s.subjects[subject] {
		if key == keep {
			continue
		}
		s.deleteLocked(key)
		n++
	}
	return n, nil
}

// Sweep deletes expired records and returns how many. After Close it
// returns store.ErrClosed.
func (s *Store) Sweep(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, store.ErrClosed
	}
	now := s.now()
	n := 0
	for key, rec := range s.records {
		if rec.Expired(now) {
			s.deleteLocked(key)
			n++
		}
	}
	return n, nil
}

func (s *Store) sweepLoop(every time.Duration) {
	defer close(s.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
			_, _ = s.Sweep(context.Background())
		}
	}
}

// Len returns the number of records held, expired or not (for tests).
func (s *Store) Len() int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return len(s.records)
}

// Close stops the sweeper, waits for it, and makes later calls fail with
// store.ErrClosed.
func (s *Store) Close() error {
	s.mu.Lock()
	already := s.closed
	s.closed = true
	s.mu.Unlock()
	if !already && s.stop != nil {
		close(s.stop)
		<-s.done
	}
	return nil
}

func clone(r store.Record) store.Record {
	r.Data = slices.Clone(r.Data)
	r.Meta = maps.Clone(r.Meta)
	return r
}
