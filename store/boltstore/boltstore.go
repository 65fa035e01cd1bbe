package boltstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"

	"github.com/sessionkit/session/store"
)

// Defaults for the zero Options.
const (
	DefaultSweepInterval = time.Minute
	DefaultTimeout       = time.Second
)

// MaxSubjectLen is the longest Subject Save accepts. The subject index key
// holds the subject and the key, and bbolt keys are at most 32 KiB.
const MaxSubjectLen = 4096

// sweepBatch bounds the records one sweep transaction deletes, so a sweep
// never holds the write lock for long. Session keys are random, so each
// deletion dirties a leaf page of its own: a transaction of 1000 rewrote
// about as many pages and held Saves up for several of their own commits
// (bench/SCALE.md); one of 100 costs a Save about one commit.
const sweepBatch = 100

// testOnBatch is copied to Store.onBatch by Open and New, before the
// sweeper starts. Tests set it.
var testOnBatch func(deleted int)

// Bucket names. With New, the application must not use them itself.
var (
	bucketSessions = []byte("sessions") // key → record
	bucketSubjects = []byte("subjects") // uvarint(len(subject)) + subject + key → empty
	bucketExpiry   = []byte("expiry")   // expiryPrefix(expires) + key → empty
)

// Options configure a Store. The zero value is usable.
type Options struct {
	// Now is the clock expiry is checked against; nil means time.Now.
	Now func() time.Time
	// SweepInterval is how often a goroutine deletes expired records:
	// 0 means DefaultSweepInterval, negative means no sweeper (call
	// Sweep yourself, or not at all: Load never returns an expired record
	// either way). Close stops the goroutine and waits for it.
	SweepInterval time.Duration
	// Logger receives the sweeper's errors and, for a database Open
	// opened, bbolt's own lines (see Open); nil means slog.Default().
	Logger *slog.Logger
	// Timeout is how long Open waits for the database file's lock, which
	// another process (or another Store in this one) holds while it has
	// the file open: 0 means DefaultTimeout, negative means wait forever.
	// New ignores it.
	Timeout time.Duration
}

// Store is a store.Store on a bbolt database. It is safe for concurrent use.
type Store struct {
	db     *bolt.DB
	ownDB  bool
	now    func() time.Time
	logger *slog.Logger
	batch  int // records deleted per sweep transaction

	onBatch func(deleted int) // test hook, called after each sweep transaction

	mu     sync.RWMutex // held shared by every transaction, exclusively by Close
	closed bool

	closeOnce sync.Once
	closeErr  error

	stopSweeper context.CancelFunc // nil without a sweeper
	sweeperDone chan struct{}      // closed when the sweeper has returned
}

var (
	_ store.Store        = (*Store)(nil)
	_ store.SubjectStore = (*Store)(nil)
	_ store.Toucher      = (*Store)(nil)
	_ store.Sweeper      = (*Store)(nil)
	_ io.Closer          = (*Store)(nil)
)

// Open opens the database file at path, creating it with mode 0600 if it
// does not exist (an existing file keeps its mode), and returns a Store
// that owns it: Close closes the file. While the Store is open the file is
// locked; another Open of it, in this process or another, fails after
// opts.Timeout with an error wrapping bbolt's errors.ErrTimeout. Errors
// name path once, and wrap the file system's error (*fs.PathError) when
// there is one. What bbolt logs goes to opts.Logger with component=bbolt:
// its warnings at Warn; its errors, which the Store's methods also return,
// and its open lines at Debug; its per-operation debug lines nowhere.
func Open(path string, opts Options) (*Store, error) {
	timeout := opts.Timeout
	if timeout < 0 {
		timeout = 0 // bbolt: wait forever
	} else if timeout == 0 {
		timeout = DefaultTimeout
	}
	bopts := *bolt.DefaultOptions
	bopts.Timeout = timeout
	lg := &boltLogger{logger: func() *slog.Logger {
		if opts.Logger != nil {
			return opts.Logger
		}
		return slog.Default()
	}}
	bopts.Logger = lg
	db, err := bolt.Open(path, 0o600, &bopts)
	if err != nil {
		if errors.Is(err, berrors.ErrTimeout) {
			return nil, fmt.Errorf("boltstore: %s is locked by another process or Store (gave up after %v): %w", path, timeout, err)
		}
		// An error from the file system names the file already.
		if pe := (*fs.PathError)(nil); errors.As(err, &pe) && pe.Path == path {
			return nil, fmt.Errorf("boltstore: %w", err)
		}
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	s, err := newStore(db, true, opts)
	if err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// New returns a Store on a database the application has opened itself, for
// instance with NoSync or other bbolt options. The Store keeps its records
// in the buckets "sessions", "subjects" and "expiry", creating them if
// needed; the application must not use those buckets. Close stops the
// sweeper but does not close db: the application closes it, after the
// Store. bbolt logs through the bolt.Options.Logger the application
// opened db with (none by default).
func New(db *bolt.DB, opts Options) (*Store, error) {
	return newStore(db, false, opts)
}

func newStore(db *bolt.DB, own bool, opts Options) (*Store, error) {
	err := db.Update(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketSessions, bucketSubjects, bucketExpiry} {
			if _, err := tx.CreateBucketIfNotExists(name); err != nil {
				return fmt.Errorf("boltstore: bucket %q: %w", name, err)
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	s := &Store{db: db, ownDB: own, now: opts.Now, logger: opts.Logger, batch: sweepBatch, onBatch: testOnBatch}
	if s.now == nil {
		s.now = time.Now
	}
	every := opts.SweepInterval
	if every == 0 {
		every = DefaultSweepInterval
	}
	if every > 0 {
		var ctx context.Context
		ctx, s.stopSweeper = context.WithCancel(context.Background())
		s.sweeperDone = make(chan struct{})
		go s.sweepLoop(ctx, every)
	}
	return s, nil
}

// DB returns the underlying database, for backups (tx.WriteTo) and stats.
func (s *Store) DB() *bolt.DB { return s.db }

func (s *Store) log() *slog.Logger {
	if s.logger != nil {
		return s.logger
	}
	return slog.Default()
}

func checkKey(key string) error {
	if key == "" || len(key) > store.MaxKeyLen {
		return fmt.Errorf("%w: length %d", store.ErrInvalidKey, len(key))
	}
	return nil
}

// buckets are the Store's buckets in one transaction.
type buckets struct {
	sessions, subjects, expiry *bolt.Bucket
}

func bucketsOf(tx *bolt.Tx) (buckets, error) {
	b := buckets{tx.Bucket(bucketSessions), tx.Bucket(bucketSubjects), tx.Bucket(bucketExpiry)}
	if b.sessions == nil || b.subjects == nil || b.expiry == nil {
		return b, errors.New("boltstore: a bucket of the store is missing from the database")
	}
	return b, nil
}

// tx runs fn in a read-only (db.View) or read-write (db.Update)
// transaction. ctx is checked before the transaction starts; bbolt
// transactions cannot be interrupted, so one that has started completes.
func (s *Store) tx(ctx context.Context, write bool, fn func(b buckets) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.closed {
		return store.ErrClosed
	}
	run := s.db.View
	if write {
		run = s.db.Update
	}
	return run(func(tx *bolt.Tx) error {
		b, err := bucketsOf(tx)
		if err != nil {
			return err
		}
		return fn(b)
	})
}

// unindex deletes the index entries of the record r stored under key.
func (b buckets) unindex(key []byte, r *rawRecord) error {
	if k := subjectKey(key, r.subject); k != nil {
		if err := b.subjects.Delete(k); err != nil {
			return err
		}
	}
	if k := expiryKey(key, r.expires); k != nil {
		if err := b.expiry.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// remove deletes the record r stored under key and its index entries.
func (b buckets) remove(key []byte, r *rawRecord) error {
	if err := b.unindex(key, r); err != nil {
		return err
	}
	return b.sessions.Delete(key)
}

// Load returns the record under key unless it is missing or expired. A
// record that cannot be decoded is an error wrapping ErrCorrupt.
func (s *Store) Load(ctx context.Context, key string) (store.Record, bool, error) {
	if err := checkKey(key); err != nil {
		return store.Record{}, false, err
	}
	var rec store.Record
	var ok bool
	err := s.tx(ctx, false, func(b buckets) error {
		v := b.sessions.Get([]byte(key))
		if v == nil {
			return nil
		}
		r, err := parseRecord(v)
		if err != nil {
			return err
		}
		if r.expired(s.now()) {
			return nil
		}
		rec, ok = r.record(true), true
		return nil
	})
	if err != nil {
		return store.Record{}, false, err
	}
	return rec, ok, nil
}

// Save writes rec under key if the stored version is rec.Version (an
// expired record counts as absent), in one transaction with its index
// entries. It fails without writing if the stored record is corrupt.
func (s *Store) Save(ctx context.Context, key string, rec store.Record) (uint64, error) {
	if err := checkKey(key); err != nil {
		return 0, err
	}
	if len(rec.Subject) > MaxSubjectLen {
		return 0, fmt.Errorf("boltstore: subject of %d bytes, longer than %d", len(rec.Subject), MaxSubjectLen)
	}
	expected := rec.Version
	rec.Version++
	val := encodeRecord(&rec) // outside the write lock
	k := []byte(key)
	newSubject := subjectKey(k, []byte(rec.Subject))
	newExpiry := expiryKey(k, rec.Expires)
	err := s.tx(ctx, true, func(b buckets) error {
		var oldSubject, oldExpiry []byte
		var stored uint64
		if v := b.sessions.Get(k); v != nil {
			r, err := parseRecord(v)
			if err != nil {
				return fmt.Errorf("boltstore: save over the stored record: %w", err)
			}
			if !r.expired(s.now()) {
				stored = r.version
			}
			oldSubject, oldExpiry = subjectKey(k, r.subject), expiryKey(k, r.expires)
		}
		if stored != expected {
			return fmt.Errorf("%w: stored version %d, expected %d", store.ErrConflict, stored, expected)
		}
		if err := reindex(b.subjects, oldSubject, newSubject); err != nil {
			return err
		}
		if err := reindex(b.expiry, oldExpiry, newExpiry); err != nil {
			return err
		}
		return b.sessions.Put(k, val)
	})
	if err != nil {
		return 0, err
	}
	return rec.Version, nil
}

// reindex replaces the index entry old (nil: none) by new (nil: none).
func reindex(b *bolt.Bucket, old, new []byte) error {
	if bytes.Equal(old, new) {
		return nil
	}
	if old != nil {
		if err := b.Delete(old); err != nil {
			return err
		}
	}
	if new != nil {
		return b.Put(new, nil)
	}
	return nil
}

// Delete removes the record under key and its index entries. A corrupt
// record is deleted too; index entries it may leave behind are ignored by
// the readers and removed by the sweeper or DeleteSubject.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	k := []byte(key)
	return s.tx(ctx, true, func(b buckets) error {
		v := b.sessions.Get(k)
		if v == nil {
			return nil
		}
		if r, err := parseRecord(v); err == nil {
			return b.remove(k, &r)
		}
		return b.sessions.Delete(k)
	})
}

// CompareAndDelete removes the record under key and its index entries if
// its version is version (an expired record counts as absent, version 0).
// A corrupt record is an error: its version cannot be compared.
func (s *Store) CompareAndDelete(ctx context.Context, key string, version uint64) error {
	if err := checkKey(key); err != nil {
		return err
	}
	k := []byte(key)
	return s.tx(ctx, true, func(b buckets) error {
		var stored uint64
		var r rawRecord
		v := b.sessions.Get(k)
		if v != nil {
			var err error
			if r, err = parseRecord(v); err != nil {
				return fmt.Errorf("boltstore: compare-and-delete: %w", err)
			}
			if !r.expired(s.now()) {
				stored = r.version
			}
		}
		if stored != version {
			return fmt.Errorf("%w: stored version %d, expected %d", store.ErrConflict, stored, version)
		}
		if v == nil {
			return nil
		}
		return b.remove(k, &r)
	})
}

// Touch sets LastSeen and Expires of a live record, keeping its version,
// subject, metadata and data. bbolt rewrites the whole value, so a Touch
// costs about what a Save of the same record costs.
func (s *Store) Touch(ctx context.Context, key string, lastSeen, expires time.Time) error {
	if err := checkKey(key); err != nil {
		return err
	}
	k := []byte(key)
	newExpiry := expiryKey(k, expires)
	return s.tx(ctx, true, func(b buckets) error {
		v := b.sessions.Get(k)
		if v == nil {
			return nil
		}
		r, err := parseRecord(v)
		if err != nil {
			return fmt.Errorf("boltstore: touch: %w", err)
		}
		if r.expired(s.now()) {
			return nil
		}
		val := r.touched(lastSeen, expires)
		if err := reindex(b.expiry, expiryKey(k, r.expires), newExpiry); err != nil {
			return err
		}
		return b.sessions.Put(k, val)
	})
}

// Sessions lists the unexpired sessions of subject, oldest first, without
// reading their data. A corrupt record among them is an error wrapping
// ErrCorrupt.
func (s *Store) Sessions(ctx context.Context, subject string) ([]store.Info, error) {
	var out []store.Info
	err := s.tx(ctx, false, func(b buckets) error {
		if subject == "" {
			return nil
		}
		now := s.now()
		prefix := subjectPrefix(nil, []byte(subject))
		c := b.subjects.Cursor()
		for ik, _ := c.Seek(prefix); ik != nil && bytes.HasPrefix(ik, prefix); ik, _ = c.Next() {
			key := ik[len(prefix):]
			v := b.sessions.Get(key)
			if v == nil {
				continue // a stale index entry
			}
			r, err := parseRecord(v)
			if err != nil {
				return fmt.Errorf("boltstore: listing sessions: %w", err)
			}
			if string(r.subject) != subject || r.expired(now) {
				continue
			}
			out = append(out, r.info(string(key)))
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b store.Info) int {
		if c := a.Created.Compare(b.Created); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	return out, nil
}

// DeleteSubject deletes every session of subject except the one under keep
// ("" keeps none), expired or not, in one transaction, and returns how many
// records it deleted. A corrupt record indexed under subject is deleted
// too: revoking errs on the side of deleting.
func (s *Store) DeleteSubject(ctx context.Context, subject, keep string) (int, error) {
	n := 0
	err := s.tx(ctx, true, func(b buckets) error {
		n = 0
		if subject == "" {
			return nil
		}
		prefix := subjectPrefix(nil, []byte(subject))
		var entries [][]byte
		c := b.subjects.Cursor()
		for ik, _ := c.Seek(prefix); ik != nil && bytes.HasPrefix(ik, prefix); ik, _ = c.Next() {
			entries = append(entries, bytes.Clone(ik))
		}
		for _, ik := range entries {
			key := ik[len(prefix):]
			if string(key) == keep {
				continue
			}
			if err := b.subjects.Delete(ik); err != nil {
				return err
			}
			v := b.sessions.Get(key)
			if v == nil {
				continue
			}
			r, err := parseRecord(v)
			if err == nil && string(r.subject) != subject {
				continue // the entry was stale; the record belongs to another subject
			}
			if err == nil {
				err = b.remove(key, &r)
			} else {
				err = b.sessions.Delete(key)
			}
			if err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// Close stops the sweeper and waits for it, waits for running
// transactions, and closes the database if Open opened it. Later calls of
// every method return store.ErrClosed; Close itself returns nil after the
// first time.
func (s *Store) Close() error {
	first := false
	s.closeOnce.Do(func() {
		first = true
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		if s.stopSweeper != nil {
			s.stopSweeper()
			<-s.sweeperDone
		}
		if s.ownDB {
			s.closeErr = s.db.Close()
		}
	})
	if first {
		return s.closeErr
	}
	return nil
}
