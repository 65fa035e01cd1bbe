package pgstore

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessionkit/session/store"
)

// DefaultTable is the table name when Options.Table is empty.
const DefaultTable = "sessionkit_sessions"

//go:embed migrate.sql
var migrateSQL string

// Options configure a Store. The zero value is usable.
type Options struct {
	// Schema holds the table; "" means the connection's current schema
	// (the first one on its search_path). Migrate does not create it.
	Schema string
	// Table is the table's name; "" means DefaultTable.
	Table string
	// SweepInterval is how often a goroutine deletes expired rows; 0 means
	// five minutes, negative disables it. Expiry is enforced on every read
	// either way.
	SweepInterval time.Duration
	// SweepBatch is the most rows one DELETE of the sweeper removes; 0 means 1000.
	SweepBatch int
	// Logger receives the sweeper's errors; nil means slog.Default().
	Logger *slog.Logger
}

// testOnSweep is copied to Store.onSweep by New, before the sweeper
// starts. Tests set it.
var testOnSweep func()

// Store keeps session records in a PostgreSQL table.
type Store struct {
	pool   *pgxpool.Pool
	owned  bool
	table  string // quoted, possibly schema-qualified
	name   string // unquoted, for messages and the migration lock
	batch  int
	logger *slog.Logger
	closed atomic.Bool

	q struct {
		load, insert, update, del, cad, live, touch, sessions, delSubject, sweep string
	}

	onSweep func() // test hook, called after each sweep of the sweeper

	closeOnce sync.Once
	stop      context.CancelFunc
	done      chan struct{}
}

var (
	_ store.Store        = (*Store)(nil)
	_ store.SubjectStore = (*Store)(nil)
	_ store.Toucher      = (*Store)(nil)
	_ store.Sweeper      = (*Store)(nil)
)

// New returns a Store over pool and starts its sweeper. It does not create
// the table: call Migrate. Close does not close pool.
func New(pool *pgxpool.Pool, opts Options) (*Store, error) {
	if pool == nil {
		return nil, errors.New("pgstore: nil pool")
	}
	if opts.Table == "" {
		opts.Table = DefaultTable
	}
	if opts.SweepBatch < 0 {
		return nil, errors.New("pgstore: negative SweepBatch")
	}
	if opts.SweepBatch == 0 {
		opts.SweepBatch = 1000
	}
	if opts.SweepInterval == 0 {
		opts.SweepInterval = 5 * time.Minute
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	ident := pgx.Identifier{opts.Table}
	if opts.Schema != "" {
		ident = pgx.Identifier{opts.Schema, opts.Table}
	}
	s := &Store{
		pool:    pool,
		table:   ident.Sanitize(),
		name:    strings.Join(ident, "."),
		batch:   opts.SweepBatch,
		logger:  opts.Logger,
		onSweep: testOnSweep,
	}
	t := s.table
	s.q.load = `SELECT data, version, subject, created, last_seen, expires, meta FROM ` + t +
		` WHERE key = $1 AND expires > now()`
	// An expired row counts as absent: a new record may take its key.
	s.q.insert = `INSERT INTO ` + t + ` AS t (key, data, version, subject, created, last_seen, expires, meta)
		VALUES ($1, $2, 1, $3, $4, $5, $6, $7)
		ON CONFLICT (key) DO UPDATE SET data = excluded.data, version = 1, subject = excluded.subject,
			created = excluded.created, last_seen = excluded.last_seen, expires = excluded.expires, meta = excluded.meta
		WHERE t.expires <= now()`
	s.q.update = `UPDATE ` + t + ` SET data = $3, version = version + 1, subject = $4, created = $5,
		last_seen = $6, expires = $7, meta = $8
		WHERE key = $1 AND version = $2 AND expires > now()`
	s.q.del = `DELETE FROM ` + t + ` WHERE key = $1`
	// Under READ COMMITTED a DELETE that waited for a concurrent UPDATE
	// re-checks its WHERE against the updated row: a Save that won removes
	// the row from the DELETE.
	s.q.cad = `DELETE FROM ` + t + ` WHERE key = $1 AND version = $2 AND expires > now()`
	s.q.live = `SELECT version FROM ` + t + ` WHERE key = $1 AND expires > now()`
	s.q.touch = `UPDATE ` + t + ` SET last_seen = $2, expires = $3 WHERE key = $1 AND expires > now()`
	// Ties on created are ordered by key in byte order (COLLATE "C"),
	// whatever the collation of the key column or the database.
	s.q.sessions = `SELECT key, created, last_seen, expires, meta FROM ` + t +
		` WHERE subject = $1 AND expires > now() ORDER BY created, key COLLATE "C"`
	s.q.delSubject = `DELETE FROM ` + t + ` WHERE subject = $1 AND key <> $2`
	s.q.sweep = `DELETE FROM ` + t + ` WHERE key IN (SELECT key FROM ` + t +
		` WHERE expires <= now() ORDER BY expires LIMIT $1 FOR UPDATE SKIP LOCKED)`
	if opts.SweepInterval > 0 {
		ctx, cancel := context.WithCancel(context.Background())
		s.stop, s.done = cancel, make(chan struct{})
		go s.sweepLoop(ctx, opts.SweepInterval)
	}
	return s, nil
}

// Open connects to the database at dsn (a postgres:// URL or a key=value
// string, as pgxpool.ParseConfig reads it), checks that it answers, and
// returns a Store whose Close closes the pool. Call Migrate before use.
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("pgstore: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("pgstore: connecting: %w", err)
	}
	s, err := New(pool, opts)
	if err != nil {
		pool.Close()
		return nil, err
	}
	s.owned = true
	return s, nil
}

// Migrate creates the table and its indexes if they do not exist. It is
// idempotent and safe to run from several processes at once (it holds an
// advisory lock named after the table while it runs).
func (s *Store) Migrate(ctx context.Context) error {
	if s.closed.Load() {
		return store.ErrClosed
	}
	last := s.name[strings.LastIndexByte(s.name, '.')+1:]
	sql := strings.NewReplacer(
		"{{table}}", s.table,
		"{{subject_index}}", pgx.Identifier{last + "_subject_idx"}.Sanitize(),
		"{{expires_index}}", pgx.Identifier{last + "_expires_idx"}.Sanitize(),
	).Replace(migrateSQL)
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext($1))`, "sessionkit migrate "+s.name); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, sql)
		return err
	})
	if err != nil {
		return s.wrap(ctx, "migrating "+s.name, err)
	}
	return nil
}

// Pool returns the pool the store uses.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// Table returns the quoted, possibly schema-qualified table name.
func (s *Store) Table() string { return s.table }

// wrap names the operation and, when ctx has ended, wraps ctx.Err() as well,
// so that a deadline shows as context.DeadlineExceeded whatever the driver
// reports (an I/O timeout).
func (s *Store) wrap(ctx context.Context, op string, err error) error {
	if cerr := ctxErr(ctx); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("pgstore: %s: %w (%w)", op, cerr, err)
	}
	return fmt.Errorf("pgstore: %s: %w", op, err)
}

// ctxErr is ctx.Err(), or context.DeadlineExceeded once ctx's deadline has
// passed: a socket deadline set to ctx's can fire before the context's own
// timer, and the I/O timeout it causes is the caller's deadline all the same.
func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if d, ok := ctx.Deadline(); ok && !time.Now().Before(d) {
		return context.DeadlineExceeded
	}
	return nil
}

func (s *Store) check(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if s.closed.Load() {
		return store.ErrClosed
	}
	return nil
}

// validText reports whether PostgreSQL's text type can hold v (UTF-8, no NUL).
func validText(v string) bool { return utf8.ValidString(v) && strings.IndexByte(v, 0) < 0 }

func (s *Store) checkKey(ctx context.Context, key string) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if key == "" || len(key) > store.MaxKeyLen || !validText(key) {
		return fmt.Errorf("%w: a key must be 1 to %d bytes of UTF-8 without NUL", store.ErrInvalidKey, store.MaxKeyLen)
	}
	return nil
}

// expiresArg maps the zero Time (never) to 'infinity'.
func expiresArg(t time.Time) pgtype.Timestamptz {
	if t.IsZero() {
		return pgtype.Timestamptz{InfinityModifier: pgtype.Infinity, Valid: true}
	}
	return pgtype.Timestamptz{Time: t, Valid: true}
}

func expiresValue(t pgtype.Timestamptz) time.Time {
	if t.InfinityModifier != pgtype.Finite || !t.Valid {
		return time.Time{}
	}
	return t.Time
}

// Load returns the record under key unless it is missing or expired.
func (s *Store) Load(ctx context.Context, key string) (store.Record, bool, error) {
	if err := s.checkKey(ctx, key); err != nil {
		return store.Record{}, false, err
	}
	var rec store.Record
	var version int64
	var exp pgtype.Timestamptz
	err := s.pool.QueryRow(ctx, s.q.load, key).Scan(&rec.Data, &version, &rec.Subject,
		&rec.Created, &rec.LastSeen, &exp, &rec.Meta)
	if errors.Is(err, pgx.ErrNoRows) {
		return store.Record{}, false, nil
	}
	if err != nil {
		return store.Record{}, false, s.wrap(ctx, "load", err)
	}
	rec.Version = uint64(version)
	rec.Expires = expiresValue(exp)
	return rec, true, nil
}

func checkRecord(rec *store.Record) error {
	if !validText(rec.Subject) {
		return errors.New("pgstore: the subject must be UTF-8 without NUL")
	}
	for k, v := range rec.Meta {
		if strings.IndexByte(k, 0) >= 0 || strings.IndexByte(v, 0) >= 0 {
			return errors.New("pgstore: metadata cannot contain NUL (PostgreSQL's jsonb refuses \\u0000)")
		}
	}
	if rec.Version > math.MaxInt64-1 {
		return fmt.Errorf("%w: version %d out of range", store.ErrConflict, rec.Version)
	}
	return nil
}

// Save writes rec if the stored version is rec.Version: an INSERT for
// version 0 (which may replace an expired row, never a live one), a
// conditional UPDATE otherwise.
func (s *Store) Save(ctx context.Context, key string, rec store.Record) (uint64, error) {
	if err := s.checkKey(ctx, key); err != nil {
		return 0, err
	}
	if err := checkRecord(&rec); err != nil {
		return 0, err
	}
	data := rec.Data
	if data == nil {
		data = []byte{}
	}
	var meta any
	if rec.Meta != nil {
		meta = rec.Meta
	}
	var n int64
	if rec.Version == 0 {
		tag, err := s.pool.Exec(ctx, s.q.insert, key, data, rec.Subject, rec.Created, rec.LastSeen, expiresArg(rec.Expires), meta)
		if err != nil {
			return 0, s.wrap(ctx, "save", err)
		}
		n = tag.RowsAffected()
	} else {
		tag, err := s.pool.Exec(ctx, s.q.update, key, int64(rec.Version), data, rec.Subject, rec.Created, rec.LastSeen, expiresArg(rec.Expires), meta)
		if err != nil {
			return 0, s.wrap(ctx, "save", err)
		}
		n = tag.RowsAffected()
	}
	if n == 0 {
		return 0, fmt.Errorf("%w: no live record with version %d", store.ErrConflict, rec.Version)
	}
	return rec.Version + 1, nil
}

// Delete removes the record under key.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.checkKey(ctx, key); err != nil {
		return err
	}
	if _, err := s.pool.Exec(ctx, s.q.del, key); err != nil {
		return s.wrap(ctx, "delete", err)
	}
	return nil
}

// CompareAndDelete removes the record under key if its version is version,
// in one statement. A missing or expired row has version 0: version 0
// deletes nothing (an expired row is left to the sweeper) and succeeds if
// no live row exists. On a mismatch it returns an error wrapping
// store.ErrConflict and deletes nothing.
func (s *Store) CompareAndDelete(ctx context.Context, key string, version uint64) error {
	if err := s.checkKey(ctx, key); err != nil {
		return err
	}
	if version == 0 {
		var stored int64
		err := s.pool.QueryRow(ctx, s.q.live, key).Scan(&stored)
		if errors.Is(err, pgx.ErrNoRows) {
			return nil
		}
		if err != nil {
			return s.wrap(ctx, "compare-and-delete", err)
		}
		return fmt.Errorf("%w: stored version %d, expected 0", store.ErrConflict, stored)
	}
	if version > math.MaxInt64 {
		return fmt.Errorf("%w: version %d out of range", store.ErrConflict, version)
	}
	tag, err := s.pool.Exec(ctx, s.q.cad, key, int64(version))
	if err != nil {
		return s.wrap(ctx, "compare-and-delete", err)
	}
	if tag.RowsAffected() == 0 {
		return fmt.Errorf("%w: no live record with version %d", store.ErrConflict, version)
	}
	return nil
}

// Touch sets LastSeen and Expires of a live record without changing its
// data or version.
func (s *Store) Touch(ctx context.Context, key string, lastSeen, expires time.Time) error {
	if err := s.checkKey(ctx, key); err != nil {
		return err
	}
	if _, err := s.pool.Exec(ctx, s.q.touch, key, lastSeen, expiresArg(expires)); err != nil {
		return s.wrap(ctx, "touch", err)
	}
	return nil
}

// Sessions lists the live sessions of subject, oldest first (by Created,
// then by key in byte order).
func (s *Store) Sessions(ctx context.Context, subject string) ([]store.Info, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	if subject == "" || !validText(subject) {
		return nil, nil // no record has such a subject
	}
	rows, err := s.pool.Query(ctx, s.q.sessions, subject)
	if err != nil {
		return nil, s.wrap(ctx, "listing sessions", err)
	}
	var out []store.Info
	var exp pgtype.Timestamptz
	for rows.Next() {
		in := store.Info{Subject: subject}
		if err := rows.Scan(&in.Key, &in.Created, &in.LastSeen, &exp, &in.Meta); err != nil {
			rows.Close()
			return nil, s.wrap(ctx, "listing sessions", err)
		}
		in.Expires = expiresValue(exp)
		out = append(out, in)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(ctx, "listing sessions", err)
	}
	return out, nil
}

// DeleteSubject deletes every session of subject except the one under keep,
// expired ones included, and returns how many rows it deleted.
func (s *Store) DeleteSubject(ctx context.Context, subject, keep string) (int, error) {
	if err := s.check(ctx); err != nil {
		return 0, err
	}
	if subject == "" || !validText(subject) {
		return 0, nil
	}
	if !validText(keep) {
		keep = "" // no row has such a key
	}
	tag, err := s.pool.Exec(ctx, s.q.delSubject, subject, keep)
	if err != nil {
		return 0, s.wrap(ctx, "revoking sessions", err)
	}
	return int(tag.RowsAffected()), nil
}

// Sweep deletes expired rows, at most Options.SweepBatch per statement,
// until none is left, and returns how many it deleted. Several sweepers
// (one per app instance) do not block each other: each skips rows another
// has locked.
func (s *Store) Sweep(ctx context.Context) (int, error) {
	if err := s.check(ctx); err != nil {
		return 0, err
	}
	total := 0
	for {
		tag, err := s.pool.Exec(ctx, s.q.sweep, s.batch)
		if err != nil {
			return total, s.wrap(ctx, "sweeping", err)
		}
		n := int(tag.RowsAffected())
		total += n
		if n < s.batch {
			return total, nil
		}
		if err := ctx.Err(); err != nil {
			return total, err
		}
	}
}

func (s *Store) sweepLoop(ctx context.Context, every time.Duration) {
	defer close(s.done)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			n, err := s.Sweep(ctx)
			if err != nil {
				if ctx.Err() == nil { // not Close interrupting it
					s.logger.Error("pgstore: sweeping expired sessions", "table", s.name, "deleted", n, "err", err)
				}
			} else if n > 0 {
				s.logger.Debug("pgstore: swept expired sessions", "table", s.name, "deleted", n)
			}
			if s.onSweep != nil {
				s.onSweep()
			}
		}
	}
}

// Close stops the sweeper and waits for it (interrupting a sweep in
// progress), makes later calls fail with store.ErrClosed, and closes the
// pool only if Open created it. It may be called more than once.
func (s *Store) Close() error {
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		if s.stop != nil {
			s.stop()
			<-s.done
		}
		if s.owned {
			s.pool.Close()
		}
	})
	return nil
}
