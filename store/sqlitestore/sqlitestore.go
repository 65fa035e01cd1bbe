package sqlitestore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/sessionkit/session/store"
)

// Defaults for the zero Options.
const (
	DefaultTable         = "sessionkit_sessions"
	DefaultBusyTimeout   = 5 * time.Second
	DefaultSweepInterval = time.Minute
	DefaultSweepBatch    = 100
	DefaultReadConns     = 4
)

// Limits Save and Open impose.
const (
	// MaxSubjectLen is the longest Subject, in bytes, Save accepts.
	MaxSubjectLen = 4096
	// MaxBusyTimeout is the longest Options.BusyTimeout: SQLite keeps it
	// as a 32-bit count of milliseconds.
	MaxBusyTimeout = math.MaxInt32 * time.Millisecond
)

// Times are kept as integer nanoseconds since the Unix epoch: Created,
// LastSeen and Expires must lie between MinTime and MaxTime, both included
// (the zero Time is the exception: it is kept as NULL).
var (
	MinTime = time.Unix(0, math.MinInt64).UTC() // 1677-09-21 00:12:43.145224192 UTC
	MaxTime = time.Unix(0, math.MaxInt64).UTC() // 2262-04-11 23:47:16.854775807 UTC
)

// Errors of this package, besides the store package's.
var (
	// ErrBusy means another connection (another process, or a Store of
	// this process on the same file) held the database's write lock for
	// longer than Options.BusyTimeout. Nothing was written.
	ErrBusy = errors.New("sqlitestore: database is locked (busy timeout reached)")
	// ErrReadOnly means the database file cannot be written (file mode,
	// read-only file system, immutable file).
	ErrReadOnly = errors.New("sqlitestore: database is read-only")
	// ErrNotDatabase means the file is not an SQLite database, or is
	// damaged (SQLITE_NOTADB, SQLITE_CORRUPT).
	ErrNotDatabase = errors.New("sqlitestore: not an SQLite database, or damaged")
	// ErrTimeRange means a time of the record is outside MinTime..MaxTime.
	ErrTimeRange = errors.New("sqlitestore: time out of range")
)

// Options configure a Store. The zero value is usable.
type Options struct {
	// Table is the table's name; "" means DefaultTable. The file may hold
	// the application's own tables beside it.
	Table string
	// BusyTimeout is how long a write waits for the database's write lock
	// while another connection (usually another process) holds it: 0 means
	// DefaultBusyTimeout (5s), negative means do not wait. It is rounded up
	// to whole milliseconds and may not exceed MaxBusyTimeout. A write that
	// gives up returns an error wrapping ErrBusy; one whose ctx ends first
	// returns ctx's error.
	BusyTimeout time.Duration
	// ReadConns is how many connections Loads and listings may use at
	// once; 0 means DefaultReadConns (4). Writes use one connection of
	// their own.
	ReadConns int
	// SweepInterval is how often a goroutine deletes expired rows: 0 means
	// DefaultSweepInterval (a minute), negative means no sweeper. Expiry
	// is enforced on every read either way.
	SweepInterval time.Duration
	// SweepBatch is the most rows one DELETE of Sweep removes (each batch
	// is a transaction of its own); 0 means DefaultSweepBatch (100). Keys
	// are random, so each deleted row rewrites index pages of its own: a
	// batch of 1000 wrote megabytes of WAL per commit and held the writer
	// (every Save) up for several commits (bench/SCALE.md).
	SweepBatch int
	// Now is the clock expiry is checked against; nil means time.Now.
	Now func() time.Time
	// Logger receives the sweeper's errors; nil means slog.Default().
	Logger *slog.Logger
}

// testOnSweep is copied to Store.onSweep by Open, before the sweeper
// starts. Tests set it.
var testOnSweep func()

// Store keeps session records in a table of an SQLite database file. It is
// safe for concurrent use, and several Stores, in this process or others,
// may share one file.
type Store struct {
	w, r   *sql.DB // w has one connection, for every write; r is for reads
	path   string
	table  string // quoted
	name   string // unquoted, for messages
	batch  int
	now    func() time.Time
	logger *slog.Logger

	q struct {
		load, insert, update, del, cad, live, touch, sessions, delSubject, sweep string
	}

	onSweep func() // test hook, called after each sweep of the sweeper

	mu     sync.RWMutex // held shared by every call, exclusively by Close
	closed bool

	closeOnce sync.Once
	closeErr  error
	stop      context.CancelFunc // nil without a sweeper
	done      chan struct{}
}

var (
	_ store.Store        = (*Store)(nil)
	_ store.SubjectStore = (*Store)(nil)
	_ store.Toucher      = (*Store)(nil)
	_ store.Sweeper      = (*Store)(nil)
	_ io.Closer          = (*Store)(nil)
)

// quoteIdent quotes an SQL identifier.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// uriPath escapes what SQLite's URI file names give a meaning to.
var uriPath = strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23")

// Open opens (creating it with mode 0600 if it does not exist) the SQLite
// database file at path, switches it to WAL mode, creates the table and its
// indexes if they do not exist (see Migrate) and returns a Store whose
// Close closes it. ctx bounds the migration, which may wait for the write
// lock (Options.BusyTimeout at most). A file that is not an SQLite
// database, a read-only one (ErrReadOnly) or one whose table has other
// columns is an error naming the file.
func Open(ctx context.Context, path string, opts Options) (*Store, error) {
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil, fmt.Errorf("sqlitestore: open %q: want the path of a file", path)
	}
	if opts.Table == "" {
		opts.Table = DefaultTable
	}
	busy := opts.BusyTimeout
	switch {
	case busy == 0:
		busy = DefaultBusyTimeout
	case busy < 0:
		busy = 0
	case busy > MaxBusyTimeout:
		return nil, fmt.Errorf("sqlitestore: BusyTimeout %v longer than %v", busy, MaxBusyTimeout)
	}
	busyMS := int64((busy + time.Millisecond - 1) / time.Millisecond)
	if opts.ReadConns < 0 || opts.SweepBatch < 0 {
		return nil, errors.New("sqlitestore: negative ReadConns or SweepBatch")
	}
	if opts.ReadConns == 0 {
		opts.ReadConns = DefaultReadConns
	}
	if opts.SweepBatch == 0 {
		opts.SweepBatch = DefaultSweepBatch
	}
	if opts.SweepInterval == 0 {
		opts.SweepInterval = DefaultSweepInterval
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
	}
	// Created here, SQLite would make it 0644 (less the umask); the WAL
	// and shared-memory files take the database file's mode.
	f, err := os.OpenFile(abs, os.O_RDONLY|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
	}
	f.Close()

	// Every connection: the busy timeout first, then WAL (a no-op once the
	// file is in WAL mode), full fsync at every commit, and BEGIN
	// IMMEDIATE for explicit transactions. Readers are query_only.
	dsn := "file:" + uriPath.Replace(abs) + fmt.Sprintf("?_busy_timeout=%d&_txlock=immediate&_synchronous=FULL", busyMS)
	s := &Store{
		path:    path,
		name:    opts.Table,
		table:   quoteIdent(opts.Table),
		batch:   opts.SweepBatch,
		now:     opts.Now,
		logger:  opts.Logger,
		onSweep: testOnSweep,
	}
	if s.w, err = sql.Open("sqlite", dsn+"&_journal_mode=WAL"); err != nil {
		return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
	}
	s.w.SetMaxOpenConns(1)
	s.w.SetMaxIdleConns(1)
	s.w.SetConnMaxIdleTime(0)
	s.w.SetConnMaxLifetime(0)
	if s.r, err = sql.Open("sqlite", dsn+"&_query_only=1"); err != nil {
		s.w.Close()
		return nil, fmt.Errorf("sqlitestore: open %s: %w", path, err)
	}
	s.r.SetMaxOpenConns(opts.ReadConns)
	s.r.SetMaxIdleConns(opts.ReadConns)
	s.prepareQueries()
	if err := s.migrateOnOpen(ctx, busy); err != nil {
		s.w.Close()
		s.r.Close()
		return nil, err
	}
	if opts.SweepInterval > 0 {
		var sctx context.Context
		sctx, s.stop = context.WithCancel(context.Background())
		s.done = make(chan struct{})
		go s.sweepLoop(sctx, opts.SweepInterval)
	}
	return s, nil
}

// live is the condition "the row has not expired at ?".
const live = `(expires IS NULL OR expires > ?)`

func (s *Store) prepareQueries() {
	t := s.table
	cols := `data, version, subject, created, last_seen, expires, meta`
	s.q.load = `SELECT ` + cols + ` FROM ` + t + ` WHERE key = ? AND ` + live
	// An expired row counts as absent: a new record may take its key.
	s.q.insert = `INSERT INTO ` + t + ` AS t (key, ` + cols + `) VALUES (?, ?, 1, ?, ?, ?, ?, ?)
		ON CONFLICT (key) DO UPDATE SET data = excluded.data, version = 1, subject = excluded.subject,
			created = excluded.created, last_seen = excluded.last_seen, expires = excluded.expires, meta = excluded.meta
		WHERE t.expires IS NOT NULL AND t.expires <= ?`
	s.q.update = `UPDATE ` + t + ` SET data = ?, version = version + 1, subject = ?, created = ?,
		last_seen = ?, expires = ?, meta = ? WHERE key = ? AND version = ? AND ` + live
	s.q.del = `DELETE FROM ` + t + ` WHERE key = ?`
	s.q.cad = `DELETE FROM ` + t + ` WHERE key = ? AND version = ? AND ` + live
	s.q.live = `SELECT version FROM ` + t + ` WHERE key = ? AND ` + live
	s.q.touch = `UPDATE ` + t + ` SET last_seen = ?, expires = ? WHERE key = ? AND ` + live
	// key is TEXT in the BINARY collation: ties are ordered by key in
	// byte order. created NULL (the zero Time) sorts first.
	s.q.sessions = `SELECT key, created, last_seen, expires, meta FROM ` + t +
		` WHERE subject = ? AND ` + live + ` ORDER BY created, key`
	s.q.delSubject = `DELETE FROM ` + t + ` WHERE subject = ? AND key <> ?`
	s.q.sweep = `DELETE FROM ` + t + ` WHERE rowid IN (SELECT rowid FROM ` + t +
		` WHERE expires <= ? ORDER BY expires LIMIT ?)`
}

// Migrate creates the table and its indexes if they do not exist, in one
// BEGIN IMMEDIATE transaction, and checks that the table has the columns
// the Store uses. It is idempotent, and Open runs it: call it again only
// after dropping the table.
func (s *Store) Migrate(ctx context.Context) error {
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.mu.RUnlock()
	return s.migrate(ctx)
}

func (s *Store) migrate(ctx context.Context) error {
	idx := func(suffix string) string { return quoteIdent(s.name + "_" + suffix) }
	stmts := []string{
		`CREATE TABLE IF NOT EXISTS ` + s.table + ` (
			key       TEXT    NOT NULL PRIMARY KEY COLLATE BINARY,
			data      BLOB    NOT NULL,
			version   INTEGER NOT NULL,
			subject   TEXT    NOT NULL DEFAULT '' COLLATE BINARY,
			created   INTEGER,
			last_seen INTEGER,
			expires   INTEGER,
			meta      TEXT
		) STRICT`,
		`CREATE INDEX IF NOT EXISTS ` + idx("subject") + ` ON ` + s.table + ` (subject, created, key)`,
		`CREATE INDEX IF NOT EXISTS ` + idx("expires") + ` ON ` + s.table + ` (expires)`,
	}
	err := func() error {
		tx, err := s.w.BeginTx(ctx, nil) // BEGIN IMMEDIATE (_txlock)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		for i, q := range stmts {
			if _, err := tx.ExecContext(ctx, q); err != nil {
				return err
			}
			if i > 0 {
				continue
			}
			// A table of that name made by something else fails here, not
			// at the first Save.
			rows, err := tx.QueryContext(ctx, `SELECT key, data, version, subject, created, last_seen, expires, meta FROM `+s.table+` LIMIT 0`)
			if err != nil {
				return fmt.Errorf("table %s is not a session table of this package: %w", s.name, err)
			}
			rows.Close()
		}
		// BEGIN IMMEDIATE and CREATE ... IF NOT EXISTS of what exists
		// succeed on a file SQLite could open read-only; a writing
		// statement (that changes nothing) does not.
		if _, err := tx.ExecContext(ctx, `UPDATE `+s.table+` SET version = version WHERE 0`); err != nil {
			return err
		}
		return tx.Commit()
	}()
	if err != nil {
		return s.wrap(ctx, "migrating "+s.name+" in "+s.path, err)
	}
	return nil
}

// migrateOnOpen runs the migration on the writer's first connection. That
// connection switches the file to WAL mode, which SQLite answers with
// SQLITE_BUSY at once, without waiting for the busy timeout, while another
// connection (or process) is opening or converting the same new file; so
// ErrBusy is retried here, every 10 ms, until busy has passed.
func (s *Store) migrateOnOpen(ctx context.Context, busy time.Duration) error {
	deadline := time.Now().Add(busy)
	for {
		err := s.migrate(ctx)
		if err == nil || !errors.Is(err, ErrBusy) || !time.Now().Before(deadline) {
			return err
		}
		t := time.NewTimer(10 * time.Millisecond)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// Path returns the database file's path as Open was given it.
func (s *Store) Path() string { return s.path }

// Table returns the quoted table name.
func (s *Store) Table() string { return s.table }

// begin checks ctx and that s is open, and takes s.mu shared; the caller
// releases it.
func (s *Store) begin(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	s.mu.RLock()
	if s.closed {
		s.mu.RUnlock()
		return store.ErrClosed
	}
	return nil
}

// wrap names the operation and classifies err: a lock held past the busy
// timeout wraps ErrBusy, a read-only database ErrReadOnly, a damaged one
// ErrNotDatabase, and when ctx has ended the error wraps ctx.Err() as well.
func (s *Store) wrap(ctx context.Context, op string, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("sqlitestore: %s: %w", op, &classified{cerr, err})
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		var kind error
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED:
			kind = ErrBusy
		case sqlite3.SQLITE_READONLY:
			kind = ErrReadOnly
		case sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT:
			kind = ErrNotDatabase
		}
		if kind != nil {
			return fmt.Errorf("sqlitestore: %s: %w", op, &classified{kind, err})
		}
	}
	return fmt.Errorf("sqlitestore: %s: %w", op, err)
}

// classified is a driver error with the error of this package (or the
// context's) that says what it means; it wraps both.
type classified struct{ kind, err error }

func (c *classified) Error() string {
	return strings.TrimPrefix(c.kind.Error(), "sqlitestore: ") + ": " + c.err.Error()
}

func (c *classified) Unwrap() []error { return []error{c.kind, c.err} }

func checkKey(key string) error {
	if key == "" || len(key) > store.MaxKeyLen {
		return fmt.Errorf("%w: %d bytes, want 1 to %d", store.ErrInvalidKey, len(key), store.MaxKeyLen)
	}
	return nil
}

// timeArg is t in Unix nanoseconds, or NULL for the zero Time.
func timeArg(what string, t time.Time) (any, error) {
	if t.IsZero() {
		return nil, nil
	}
	if t.Before(MinTime) || t.After(MaxTime) {
		return nil, fmt.Errorf("%w: %s %v is outside %v to %v", ErrTimeRange, what, t, MinTime, MaxTime)
	}
	return t.UnixNano(), nil
}

func timeValue(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.Unix(0, v.Int64)
}

// metaArg is m as a JSON object, or NULL for nil.
func metaArg(m map[string]string) (any, error) {
	if m == nil {
		return nil, nil
	}
	for k, v := range m {
		// encoding/json would replace invalid bytes with U+FFFD: refuse
		// rather than store something else.
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return nil, errors.New("sqlitestore: metadata must be valid UTF-8")
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("sqlitestore: metadata: %w", err)
	}
	return string(b), nil
}

func metaValue(v sql.NullString) (map[string]string, error) {
	if !v.Valid {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal([]byte(v.String), &m); err != nil {
		return nil, fmt.Errorf("metadata is not a JSON object of strings: %w", err)
	}
	return m, nil
}

// Load returns the record under key unless it is missing or expired.
func (s *Store) Load(ctx context.Context, key string) (store.Record, bool, error) {
	if err := checkKey(key); err != nil {
		return store.Record{}, false, err
	}
	if err := s.begin(ctx); err != nil {
		return store.Record{}, false, err
	}
	defer s.mu.RUnlock()
	var rec store.Record
	var version int64
	var created, lastSeen, expires sql.NullInt64
	var meta sql.NullString
	err := s.r.QueryRowContext(ctx, s.q.load, key, s.now().UnixNano()).Scan(&rec.Data, &version, &rec.Subject,
		&created, &lastSeen, &expires, &meta)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Record{}, false, nil
	}
	if err == nil {
		rec.Meta, err = metaValue(meta)
	}
	if err != nil {
		return store.Record{}, false, s.wrap(ctx, "load", err)
	}
	if rec.Data == nil {
		rec.Data = []byte{}
	}
	rec.Version = uint64(version)
	rec.Created, rec.LastSeen, rec.Expires = timeValue(created), timeValue(lastSeen), timeValue(expires)
	return rec, true, nil
}

// recordArgs checks rec and converts its fields for SQL: data, subject,
// created, last seen, expires, meta.
func recordArgs(rec *store.Record) ([]any, error) {
	if len(rec.Subject) > MaxSubjectLen {
		return nil, fmt.Errorf("sqlitestore: subject of %d bytes, longer than %d", len(rec.Subject), MaxSubjectLen)
	}
	data := rec.Data
	if data == nil {
		data = []byte{}
	}
	created, err := timeArg("Created", rec.Created)
	if err != nil {
		return nil, err
	}
	lastSeen, err := timeArg("LastSeen", rec.LastSeen)
	if err != nil {
		return nil, err
	}
	expires, err := timeArg("Expires", rec.Expires)
	if err != nil {
		return nil, err
	}
	meta, err := metaArg(rec.Meta)
	if err != nil {
		return nil, err
	}
	return []any{data, rec.Subject, created, lastSeen, expires, meta}, nil
}

// Save writes rec if the stored version is rec.Version, in one statement:
// an INSERT ... ON CONFLICT DO UPDATE that replaces only an expired row for
// version 0, a conditional UPDATE otherwise. SQLite runs a writing
// statement under the database's write lock, taken before the statement
// reads anything, so the version it compares is the latest, whichever
// process wrote it.
func (s *Store) Save(ctx context.Context, key string, rec store.Record) (uint64, error) {
	if err := checkKey(key); err != nil {
		return 0, err
	}
	args, err := recordArgs(&rec)
	if err != nil {
		return 0, err
	}
	if rec.Version >= math.MaxInt64 {
		return 0, fmt.Errorf("%w: version %d out of range", store.ErrConflict, rec.Version)
	}
	if err := s.begin(ctx); err != nil {
		return 0, err
	}
	defer s.mu.RUnlock()
	now := s.now().UnixNano()
	var res sql.Result
	if rec.Version == 0 {
		res, err = s.w.ExecContext(ctx, s.q.insert, append(append([]any{key}, args...), now)...)
	} else {
		res, err = s.w.ExecContext(ctx, s.q.update, append(args, key, int64(rec.Version), now)...)
	}
	if err != nil {
		return 0, s.wrap(ctx, "save", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, s.wrap(ctx, "save", err)
	}
	if n == 0 {
		return 0, fmt.Errorf("%w: no live record with version %d", store.ErrConflict, rec.Version)
	}
	return rec.Version + 1, nil
}

// Delete removes the record under key, whatever its version.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.mu.RUnlock()
	if _, err := s.w.ExecContext(ctx, s.q.del, key); err != nil {
		return s.wrap(ctx, "delete", err)
	}
	return nil
}

// CompareAndDelete removes the record under key if its version is
// version, in one statement. A missing or expired row has version 0:
// version 0 deletes nothing (an expired row is left to the sweeper) and
// succeeds if no live row exists. On a mismatch it returns an error
// wrapping store.ErrConflict and deletes nothing.
func (s *Store) CompareAndDelete(ctx context.Context, key string, version uint64) error {
	if err := checkKey(key); err != nil {
		return err
	}
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.mu.RUnlock()
	now := s.now().UnixNano()
	if version == 0 {
		var stored int64
		err := s.r.QueryRowContext(ctx, s.q.live, key, now).Scan(&stored)
		if errors.Is(err, sql.ErrNoRows) {
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
	res, err := s.w.ExecContext(ctx, s.q.cad, key, int64(version), now)
	if err != nil {
		return s.wrap(ctx, "compare-and-delete", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return s.wrap(ctx, "compare-and-delete", err)
	}
	if n == 0 {
		return fmt.Errorf("%w: no live record with version %d", store.ErrConflict, version)
	}
	return nil
}

// Touch sets LastSeen and Expires of a live record without changing its
// data or version.
func (s *Store) Touch(ctx context.Context, key string, lastSeen, expires time.Time) error {
	if err := checkKey(key); err != nil {
		return err
	}
	ls, err := timeArg("LastSeen", lastSeen)
	if err != nil {
		return err
	}
	exp, err := timeArg("Expires", expires)
	if err != nil {
		return err
	}
	if err := s.begin(ctx); err != nil {
		return err
	}
	defer s.mu.RUnlock()
	if _, err := s.w.ExecContext(ctx, s.q.touch, ls, exp, key, s.now().UnixNano()); err != nil {
		return s.wrap(ctx, "touch", err)
	}
	return nil
}

// Sessions lists the live sessions of subject, oldest first (by Created,
// then by key in byte order), without their data.
func (s *Store) Sessions(ctx context.Context, subject string) ([]store.Info, error) {
	if err := s.begin(ctx); err != nil {
		return nil, err
	}
	defer s.mu.RUnlock()
	if subject == "" {
		return nil, nil
	}
	rows, err := s.r.QueryContext(ctx, s.q.sessions, subject, s.now().UnixNano())
	if err != nil {
		return nil, s.wrap(ctx, "listing sessions", err)
	}
	defer rows.Close()
	var out []store.Info
	for rows.Next() {
		in := store.Info{Subject: subject}
		var created, lastSeen, expires sql.NullInt64
		var meta sql.NullString
		err := rows.Scan(&in.Key, &created, &lastSeen, &expires, &meta)
		if err == nil {
			in.Meta, err = metaValue(meta)
		}
		if err != nil {
			return nil, s.wrap(ctx, "listing sessions", err)
		}
		in.Created, in.LastSeen, in.Expires = timeValue(created), timeValue(lastSeen), timeValue(expires)
		out = append(out, in)
	}
	if err := rows.Err(); err != nil {
		return nil, s.wrap(ctx, "listing sessions", err)
	}
	return out, nil
}

// DeleteSubject deletes every session of subject except the one under keep
// ("" keeps none), expired ones included, in one statement, and returns
// how many rows it deleted.
func (s *Store) DeleteSubject(ctx context.Context, subject, keep string) (int, error) {
	if err := s.begin(ctx); err != nil {
		return 0, err
	}
	defer s.mu.RUnlock()
	if subject == "" {
		return 0, nil
	}
	res, err := s.w.ExecContext(ctx, s.q.delSubject, subject, keep)
	if err != nil {
		return 0, s.wrap(ctx, "revoking sessions", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, s.wrap(ctx, "revoking sessions", err)
	}
	return int(n), nil
}

// Sweep deletes the rows expired when it starts, at most Options.SweepBatch
// per statement (each its own short write transaction, so Saves of other
// processes wait for one batch at most), until none is left, and returns
// how many it deleted. ctx is checked between batches.
func (s *Store) Sweep(ctx context.Context) (int, error) {
	now := s.now().UnixNano()
	total := 0
	for {
		n, err := s.sweepOnce(ctx, now)
		total += n
		if err != nil || n < s.batch {
			return total, err
		}
	}
}

func (s *Store) sweepOnce(ctx context.Context, now int64) (int, error) {
	if err := s.begin(ctx); err != nil {
		return 0, err
	}
	defer s.mu.RUnlock()
	res, err := s.w.ExecContext(ctx, s.q.sweep, now, s.batch)
	if err != nil {
		return 0, s.wrap(ctx, "sweeping", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, s.wrap(ctx, "sweeping", err)
	}
	return int(n), nil
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
		}
		n, err := s.Sweep(ctx)
		if ctx.Err() != nil || errors.Is(err, store.ErrClosed) {
			return
		}
		if err != nil {
			s.logger.Error("sqlitestore: sweeping expired sessions", "file", s.path, "table", s.name, "deleted", n, "err", err)
		} else if n > 0 {
			s.logger.Debug("sqlitestore: swept expired sessions", "file", s.path, "table", s.name, "deleted", n)
		}
		if s.onSweep != nil {
			s.onSweep()
		}
	}
}

// Close stops the sweeper (interrupting a sweep in progress) and waits for
// it, waits for the calls in progress, and closes the database. Later
// calls of every method return store.ErrClosed; Close itself returns nil
// after the first time.
func (s *Store) Close() error {
	first := false
	s.closeOnce.Do(func() {
		first = true
		if s.stop != nil {
			s.stop()
			<-s.done
		}
		s.mu.Lock()
		s.closed = true
		s.mu.Unlock()
		s.closeErr = errors.Join(s.r.Close(), s.w.Close())
	})
	if first {
		return s.closeErr
	}
	return nil
}
