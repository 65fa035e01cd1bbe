// Package memstore is the in-memory reference Store: for tests and for
// single-process applications whose sessions may end with the process.
package memstore

import (
	"container/heap"
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
	expiry   map[int64]map[string]struct{}  // Expires.Unix() → keys (records with an Expires)
	secs     secHeap                        // min-heap of seconds: every key of expiry, and stale ones (see secHeap)
	// Sweep takes a second that has passed out of expiry and secs, and
	// deletes its records in batches: none of them is indexed meanwhile.
	closed bool

	// sweeping holds one token: Sweeps run one at a time, so that one
	// never returns while another holds seconds taken out of the index.
	sweeping chan struct{}

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
		expiry:   make(map[int64]map[string]struct{}),
		sweeping: make(chan struct{}, 1),
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
	if ok {
		s.unindexExpiry(key, cur.Expires)
	}
	s.indexExpiry(key, rec.Expires)
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
		s.unindexExpiry(key, rec.Expires)
		delete(s.records, key)
	}
}

// indexExpiry adds key to the expiry index under the second of expires.
func (s *Store) indexExpiry(key string, expires time.Time) {
	if expires.IsZero() {
		return
	}
	sec := expires.Unix()
	keys := s.expiry[sec]
	if keys == nil {
		keys = make(map[string]struct{})
		s.expiry[sec] = keys
		heap.Push(&s.secs, sec)
	}
	keys[key] = struct{}{}
}

// unindexExpiry removes key from the expiry index, and the second of
// expires with it if no other key is left there.
func (s *Store) unindexExpiry(key string, expires time.Time) {
	if expires.IsZero() {
		return
	}
	sec := expires.Unix()
	keys := s.expiry[sec]
	if keys == nil {
		return
	}
	delete(keys, key)
	if len(keys) == 0 {
		// Its entry in secs goes stale; compact when stale ones dominate,
		// so that a store nobody sweeps keeps secs in proportion.
		delete(s.expiry, sec)
		s.compactSecs()
	}
}

// compactSecs rebuilds secs from the index when stale entries make up more
// than half of it, so that secs stays in proportion to the index even in a
// store nobody sweeps (amortized O(1) per write).
func (s *Store) compactSecs() {
	if n := len(s.secs); n <= 64 || n <= 2*len(s.expiry) {
		return
	}
	s.secs = s.secs[:0]
	for sec := range s.expiry {
		s.secs = append(s.secs, sec)
	}
	heap.Init(&s.secs)
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
	s.unindexExpiry(key, rec.Expires)
	s.indexExpiry(key, expires)
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

// sweepBatch is the most records Sweep deletes under one hold of the lock.
const sweepBatch = 256

// Sweep deletes the records expired when it starts and returns how many.
// It walks the expiry index, oldest second first, and takes the lock for
// at most sweepBatch deletions at a time, so that other calls wait for one
// batch, never for the whole sweep; ctx is checked between batches. Sweeps
// run one at a time: a Sweep called during another waits for it (or for
// ctx). After Close it returns store.ErrClosed.
func (s *Store) Sweep(ctx context.Context) (int, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	now := s.now()
	select {
	case s.sweeping <- struct{}{}:
	case <-ctx.Done():
		return 0, ctx.Err()
	}
	defer func() { <-s.sweeping }()
	total := 0
	for {
		keys, sec, err := s.takeSecond(now)
		if err != nil || keys == nil {
			if err == nil {
				var n int
				n, err = s.sweepPartial(now)
				total += n
			}
			return total, err
		}
		// keys is the sweeper's own now: walked once, without the lock.
		batch := make([]string, 0, sweepBatch)
		for key := range keys {
			batch = append(batch, key)
			if len(batch) == sweepBatch {
				n, err := s.deleteExpired(batch, sec, now)
				total += n
				if err == nil {
					err = ctx.Err()
				}
				if err != nil {
					s.restore(keys, sec)
					return total, err
				}
				batch = batch[:0]
			}
		}
		n, err := s.deleteExpired(batch, sec, now)
		total += n
		if err != nil {
			return total, err
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
}

// restore puts back into the index the keys of second sec that a Sweep
// that stopped early took out and did not delete.
func (s *Store) restore(keys map[string]struct{}, sec int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for key := range keys {
		if rec, ok := s.records[key]; ok && !rec.Expires.IsZero() && rec.Expires.Unix() == sec {
			s.indexExpiry(key, rec.Expires)
		}
	}
}

// takeSecond removes from the index the oldest second that has wholly
// passed at now and returns its keys, or nil if there is none.
func (s *Store) takeSecond(now time.Time) (map[string]struct{}, int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, 0, store.ErrClosed
	}
	for len(s.secs) > 0 && s.secs[0] < now.Unix() {
		sec := heap.Pop(&s.secs).(int64)
		if keys := s.expiry[sec]; keys != nil {
			delete(s.expiry, sec)
			s.compactSecs()
			return keys, sec, nil
		}
		// A stale entry: its second emptied (or was taken) before.
	}
	return nil, 0, nil
}

// deleteExpired deletes, under one hold of the lock, the records of keys
// that still expire in second sec (taken out of the index) and have
// expired at now. A record saved or touched meanwhile is indexed anew and
// left alone if it is live.
func (s *Store) deleteExpired(keys []string, sec int64, now time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, store.ErrClosed
	}
	n := 0
	for _, key := range keys {
		if rec, ok := s.records[key]; ok && rec.Expires.Unix() == sec && rec.Expired(now) {
			s.deleteLocked(key)
			n++
		}
	}
	return n, nil
}

// sweepPartial deletes the records of now's own second that have expired
// (at most one second of records, under one hold of the lock).
func (s *Store) sweepPartial(now time.Time) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return 0, store.ErrClosed
	}
	sec := now.Unix()
	n := 0
	for key := range s.expiry[sec] {
		if rec := s.records[key]; rec.Expired(now) {
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

// secHeap is a min-heap of Unix seconds (container/heap): the seconds of the
// expiry index, so that Sweep finds the oldest in O(log n) and a write that
// opens a new second costs O(log n), not a shift of every later second. An
// entry whose second has since emptied stays (stale) until Sweep pops it or
// a compaction drops it; a second opened again gets a second entry, which
// finds nothing when popped.
type secHeap []int64

func (h secHeap) Len() int           { return len(h) }
func (h secHeap) Less(i, j int) bool { return h[i] < h[j] }
func (h secHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *secHeap) Push(x any)        { *h = append(*h, x.(int64)) }
func (h *secHeap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}
