package mysqlstore

import (
	"context"
	"database/sql"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/go-sql-driver/mysql"

	"github.com/sessionkit/session/store"
)

// DefaultTable is the table name when Options.Table is empty.
const DefaultTable = "sessionkit_sessions"

// Limits of what a Store holds. Each is refused, before anything reaches
// the server, with an error wrapping the sentinel named.
const (
	// MaxKeyLen is the longest key in bytes (store.ErrInvalidKey beyond);
	// it equals store.MaxKeyLen, the key column is VARBINARY(256).
	MaxKeyLen = store.MaxKeyLen
	// MaxSubjectLen is the longest subject in bytes (ErrTooLarge beyond):
	// the subject column is VARBINARY(1024).
	MaxSubjectLen = 1024
	// MaxMetaLen is the longest metadata, encoded as a JSON object, in
	// bytes (ErrTooLarge beyond): the meta column is a BLOB.
	MaxMetaLen = 65535
	// DefaultMaxDataSize is Options.MaxDataSize when it is 0: 4 MiB.
	DefaultMaxDataSize = 4 << 20
)

// ErrTooLarge is wrapped by the error of a Save whose data, subject or
// metadata is longer than the store holds (see MaxSubjectLen, MaxMetaLen
// and Options.MaxDataSize). Nothing is written.
var ErrTooLarge = errors.New("mysqlstore: value too large")

//go:embed migrate.sql
var migrateSQL string

// nowUS is the database's clock, in microseconds since the Unix epoch,
// whatever the session's time zone: UTC_TIMESTAMP is the statement's start
// time in UTC, and TIMESTAMPDIFF counts microseconds between two
// zone-less DATETIMEs.
const nowUS = "TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', UTC_TIMESTAMP(6))"

// live is the condition a row must meet to exist: not expired by the
// database's clock. A NULL expires_us never expires.
const live = "(expires_us IS NULL OR expires_us > " + nowUS + ")"

// Options configure a Store. The zero value is usable.
type Options struct {
	// Database holds the table; "" means the connection's current
	// database (the one named in the DSN). Migrate does not create it.
	Database string
	// Table is the table's name; "" means DefaultTable.
	Table string
	// SweepInterval is how often a goroutine deletes expired rows; 0 means
	// five minutes, negative disables it. Expiry is enforced on every read
	// either way.
	SweepInterval time.Duration
	// SweepBatch is the most rows one DELETE of the sweeper removes; 0
	// means 1000, negative is refused.
	SweepBatch int
	// MaxDataSize is the longest Record.Data in bytes that Save accepts
	// (ErrTooLarge beyond); 0 means DefaultMaxDataSize (4 MiB), negative is
	// refused. The server's max_allowed_packet must exceed it (16 MiB by
	// default on MariaDB, 64 MiB on MySQL 8).
	MaxDataSize int
	// Logger receives the sweeper's errors; nil means slog.Default().
	Logger *slog.Logger
}

// testOnSweep is copied to Store.onSweep by New, before the sweeper
// starts. Tests set it.
var testOnSweep func()

// Store keeps session records in a MySQL or MariaDB table.
type Store struct {
	db      *sql.DB
	owned   bool
	table   string // quoted, possibly database-qualified
	name    string // unquoted, for messages
	batch   int
	maxData int
	logger  *slog.Logger
	closed  atomic.Bool

	q struct {
		load, insert, delExpired, update, del, cad, version, touch, sessions, delSubject, sweep, columns string
	}

	onSweep func() // test hook, called after each sweep of the sweeper

	// stmts holds the prepared statements of the hot paths (Load, Save,
	// Touch), prepared on first use: one round trip per call in the binary
	// protocol, and no parsing by the server, whatever the DSN says about
	// interpolateParams. Close closes them.
	stmtMu sync.Mutex
	stmts  map[string]*sql.Stmt

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

// quote returns name as a MySQL identifier in backticks.
func quote(name string) string { return "`" + strings.ReplaceAll(name, "`", "``") + "`" }

// New returns a Store over db and starts its sweeper. It does not create
// the table (call Migrate) and does not use db until a method is called.
// Close does not close db.
func New(db *sql.DB, opts Options) (*Store, error) {
	if db == nil {
		return nil, errors.New("mysqlstore: nil *sql.DB")
	}
	if opts.Table == "" {
		opts.Table = DefaultTable
	}
	if opts.SweepBatch < 0 {
		return nil, errors.New("mysqlstore: negative SweepBatch")
	}
	if opts.SweepBatch == 0 {
		opts.SweepBatch = 1000
	}
	if opts.MaxDataSize < 0 {
		return nil, errors.New("mysqlstore: negative MaxDataSize")
	}
	if opts.MaxDataSize == 0 {
		opts.MaxDataSize = DefaultMaxDataSize
	}
	if opts.SweepInterval == 0 {
		opts.SweepInterval = 5 * time.Minute
	}
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	s := &Store{
		db:      db,
		table:   quote(opts.Table),
		name:    opts.Table,
		batch:   opts.SweepBatch,
		maxData: opts.MaxDataSize,
		logger:  opts.Logger,
		onSweep: testOnSweep,
	}
	if opts.Database != "" {
		s.table = quote(opts.Database) + "." + s.table
		s.name = opts.Database + "." + opts.Table
	}
	t := s.table
	const cols = "data, version, subject, created_us, last_seen_us, expires_us, meta"
	s.q.columns = "SELECT k, " + cols + " FROM " + t + " LIMIT 0"
	s.q.load = "SELECT " + cols + " FROM " + t + " WHERE k = ? AND " + live
	// A create is a plain INSERT: the primary key refuses it if any row,
	// live or expired, holds the key. delExpired then frees the key of an
	// expired row, and the INSERT is tried once more.
	s.q.insert = "INSERT INTO " + t + " (k, " + cols + ") VALUES (?, ?, 1, ?, ?, ?, ?, ?)"
	s.q.delExpired = "DELETE FROM " + t + " WHERE k = ? AND NOT " + live
	// InnoDB evaluates the WHERE of an UPDATE or DELETE on the latest
	// committed row, after waiting for the lock of a concurrent writer: of
	// two statements expecting the same version, the second finds the
	// version changed (or the row gone) and matches nothing.
	s.q.update = "UPDATE " + t + " SET data = ?, version = version + 1, subject = ?, created_us = ?, " +
		"last_seen_us = ?, expires_us = ?, meta = ? WHERE k = ? AND version = ? AND " + live
	s.q.del = "DELETE FROM " + t + " WHERE k = ?"
	s.q.cad = "DELETE FROM " + t + " WHERE k = ? AND version = ? AND " + live
	s.q.version = "SELECT version FROM " + t + " WHERE k = ? AND " + live
	s.q.touch = "UPDATE " + t + " SET last_seen_us = ?, expires_us = ? WHERE k = ? AND " + live
	// The key column is binary: ties on created_us sort in byte order.
	s.q.sessions = "SELECT k, created_us, last_seen_us, expires_us, meta FROM " + t +
		" WHERE subject = ? AND " + live + " ORDER BY created_us, k"
	s.q.delSubject = "DELETE FROM " + t + " WHERE subject = ? AND k <> ?"
	s.q.sweep = "DELETE FROM " + t + " WHERE expires_us <= " + nowUS + " ORDER BY expires_us LIMIT ?"
	if opts.SweepInterval > 0 {
		ctx, cancel := context.WithCancel(context.Background())
		s.stop, s.done = cancel, make(chan struct{})
		go s.sweepLoop(ctx, opts.SweepInterval)
	}
	return s, nil
}

// Open opens a *sql.DB for dsn, checks that the server answers, and
// returns a Store whose Close closes the *sql.DB. Call Migrate before use.
// dsn is the driver's form, user:password@tcp(host:port)/database?param=value,
// or a URL, mysql://user:password@host:port/database?param=value (see
// ParseURL).
func Open(ctx context.Context, dsn string, opts Options) (*Store, error) {
	var cfg *mysql.Config
	var err error
	if strings.HasPrefix(dsn, "mysql://") {
		cfg, err = ParseURL(dsn)
	} else {
		cfg, err = mysql.ParseDSN(dsn)
	}
	if err != nil {
		return nil, fmt.Errorf("mysqlstore: %w", err)
	}
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		return nil, fmt.Errorf("mysqlstore: %w", err)
	}
	db := sql.OpenDB(conn)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, wrap(ctx, "connecting", err)
	}
	s, err := New(db, opts)
	if err != nil {
		db.Close()
		return nil, err
	}
	s.owned = true
	return s, nil
}

// ParseURL reads a URL, mysql://user:password@host:port/database?param=value,
// into the driver's configuration: user and password percent-decoded, the
// port 3306 when absent, the database the path (it may be empty), and the
// query the driver's DSN parameters (parseTime, interpolateParams,
// timeout, system variables, ...). Connections use TCP.
func ParseURL(rawURL string) (*mysql.Config, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "mysql" || u.Host == "" || u.Opaque != "" {
		return nil, errors.New("invalid URL: want mysql://user:password@host:port/database")
	}
	cfg, err := mysql.ParseDSN("/?" + u.RawQuery)
	if err != nil {
		return nil, err
	}
	cfg.Net, cfg.Addr = "tcp", u.Host
	if u.Port() == "" {
		cfg.Addr = net.JoinHostPort(u.Hostname(), "3306")
	}
	if u.User != nil {
		cfg.User = u.User.Username()
		cfg.Passwd, _ = u.User.Password()
	}
	cfg.DBName = strings.TrimPrefix(u.Path, "/")
	if strings.Contains(cfg.DBName, "/") {
		return nil, errors.New("invalid URL: the path must be a database name")
	}
	return cfg, nil
}

// Migrate creates the table and its indexes if they do not exist (one
// CREATE TABLE IF NOT EXISTS, atomic and safe to run from several
// processes at once), then checks that the table has the columns the
// store uses, so that a table of the same name made for something else is
// reported here rather than at the first request.
func (s *Store) Migrate(ctx context.Context) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, strings.ReplaceAll(migrateSQL, "{{table}}", s.table)); err != nil {
		return wrap(ctx, "migrating "+s.name, err)
	}
	rows, err := s.db.QueryContext(ctx, s.q.columns)
	if err != nil {
		return wrap(ctx, "checking the columns of "+s.name, err)
	}
	return rows.Close()
}

// DB returns the *sql.DB the store uses.
func (s *Store) DB() *sql.DB { return s.db }

// Table returns the quoted, possibly database-qualified table name.
func (s *Store) Table() string { return s.table }

// wrap names the operation and, when ctx has ended, wraps ctx.Err() as well,
// so that a deadline shows as context.DeadlineExceeded whatever the driver
// reports (an invalid connection, an I/O timeout).
func wrap(ctx context.Context, op string, err error) error {
	if cerr := ctxErr(ctx); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("mysqlstore: %s: %w (%w)", op, cerr, err)
	}
	return fmt.Errorf("mysqlstore: %s: %w", op, err)
}

// ctxErr is ctx.Err(), or context.DeadlineExceeded once ctx's deadline has
// passed: the driver can notice the deadline before the context's own
// timer fires.
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

func (s *Store) checkKey(ctx context.Context, key string) error {
	if err := s.check(ctx); err != nil {
		return err
	}
	if key == "" || len(key) > MaxKeyLen {
		return fmt.Errorf("%w: a key must be 1 to %d bytes", store.ErrInvalidKey, MaxKeyLen)
	}
	return nil
}

// Times are kept as microseconds since the Unix epoch, truncated (so a
// stored Expires is never later than the one given); the years a Store
// accepts are 1 to 9999.
var (
	minTime = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC)
	maxTime = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)
)

func micros(t time.Time) (int64, error) {
	if t.Before(minTime) || !t.Before(maxTime) {
		return 0, fmt.Errorf("mysqlstore: time %v outside the years 1 to 9999", t)
	}
	return t.UnixMicro(), nil
}

func fromMicros(us int64) time.Time { return time.UnixMicro(us).UTC() }

// expiresArg is NULL for the zero Time (never).
func expiresArg(t time.Time) (any, error) {
	if t.IsZero() {
		return nil, nil
	}
	return micros(t)
}

func expiresValue(us sql.NullInt64) time.Time {
	if !us.Valid {
		return time.Time{}
	}
	return fromMicros(us.Int64)
}

func encodeMeta(m map[string]string) (any, error) {
	if m == nil {
		return nil, nil
	}
	for k, v := range m {
		if !utf8.ValidString(k) || !utf8.ValidString(v) {
			return nil, errors.New("mysqlstore: metadata must be UTF-8 (it is kept as JSON)")
		}
	}
	b, err := json.Marshal(m)
	if err != nil {
		return nil, fmt.Errorf("mysqlstore: metadata: %w", err)
	}
	if len(b) > MaxMetaLen {
		return nil, fmt.Errorf("%w: metadata of %d bytes as JSON, the limit is %d", ErrTooLarge, len(b), MaxMetaLen)
	}
	return b, nil
}

func decodeMeta(b []byte) (map[string]string, error) {
	if b == nil {
		return nil, nil
	}
	var m map[string]string
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("mysqlstore: stored metadata: %w", err)
	}
	return m, nil
}

// Load returns the record under key unless it is missing or expired.
func (s *Store) Load(ctx context.Context, key string) (store.Record, bool, error) {
	if err := s.checkKey(ctx, key); err != nil {
		return store.Record{}, false, err
	}
	var rec store.Record
	var created, lastSeen int64
	var exp sql.NullInt64
	var meta []byte
	st, err := s.prepared(ctx, s.q.load)
	if err == nil {
		err = st.QueryRowContext(ctx, []byte(key)).Scan(&rec.Data, &rec.Version, &rec.Subject,
			&created, &lastSeen, &exp, &meta)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return store.Record{}, false, nil
	}
	if err != nil {
		return store.Record{}, false, s.stmtErr(ctx, "load", err)
	}
	if rec.Meta, err = decodeMeta(meta); err != nil {
		return store.Record{}, false, err
	}
	rec.Created, rec.LastSeen, rec.Expires = fromMicros(created), fromMicros(lastSeen), expiresValue(exp)
	return rec, true, nil
}

// row is a record's columns as Save binds them.
type row struct {
	data              []byte
	subject           []byte
	created, lastSeen int64
	expires, meta     any
}

func (s *Store) encode(rec *store.Record) (row, error) {
	var r row
	var err error
	if len(rec.Data) > s.maxData {
		return r, fmt.Errorf("%w: data of %d bytes, the limit is %d", ErrTooLarge, len(rec.Data), s.maxData)
	}
	if len(rec.Subject) > MaxSubjectLen {
		return r, fmt.Errorf("%w: a subject of %d bytes, the limit is %d", ErrTooLarge, len(rec.Subject), MaxSubjectLen)
	}
	r.data = rec.Data
	if r.data == nil {
		r.data = []byte{}
	}
	r.subject = []byte(rec.Subject)
	if r.created, err = micros(rec.Created); err != nil {
		return r, err
	}
	if r.lastSeen, err = micros(rec.LastSeen); err != nil {
		return r, err
	}
	if r.expires, err = expiresArg(rec.Expires); err != nil {
		return r, err
	}
	if r.meta, err = encodeMeta(rec.Meta); err != nil {
		return r, err
	}
	return r, nil
}

// isDuplicate reports whether err is MySQL's ER_DUP_ENTRY (1062).
func isDuplicate(err error) bool {
	var me *mysql.MySQLError
	return errors.As(err, &me) && me.Number == 1062
}

// Save writes rec if the stored version is rec.Version: an INSERT for
// version 0 (which replaces an expired row, never a live one), a
// conditional UPDATE otherwise. The new version is rec.Version+1; on a
// mismatch the error wraps store.ErrConflict and nothing is written.
func (s *Store) Save(ctx context.Context, key string, rec store.Record) (uint64, error) {
	if err := s.checkKey(ctx, key); err != nil {
		return 0, err
	}
	if rec.Version == math.MaxUint64 {
		return 0, fmt.Errorf("%w: version %d has no successor", store.ErrConflict, rec.Version)
	}
	r, err := s.encode(&rec)
	if err != nil {
		return 0, err
	}
	k := []byte(key)
	if rec.Version == 0 {
		return 1, s.create(ctx, k, r)
	}
	res, err := s.execPrepared(ctx, s.q.update, r.data, r.subject, r.created, r.lastSeen, r.expires, r.meta, k, rec.Version)
	if err != nil {
		return 0, s.stmtErr(ctx, "save", err)
	}
	// Whether the driver counts changed or matched rows (clientFoundRows),
	// a row that matched changed: its version did.
	n, err := res.RowsAffected()
	if err != nil {
		return 0, wrap(ctx, "save", err)
	}
	if n == 0 {
		return 0, fmt.Errorf("%w: no live record with version %d", store.ErrConflict, rec.Version)
	}
	return rec.Version + 1, nil
}

// create inserts version 1 under k if no live row holds it.
func (s *Store) create(ctx context.Context, k []byte, r row) error {
	insert := func() error {
		_, err := s.execPrepared(ctx, s.q.insert, k, r.data, r.subject, r.created, r.lastSeen, r.expires, r.meta)
		return err
	}
	err := insert()
	if err == nil {
		return nil
	}
	if !isDuplicate(err) {
		return s.stmtErr(ctx, "save", err)
	}
	// The key is held: by a live row (a conflict) or by an expired one no
	// sweeper removed yet, which counts as absent. Remove an expired one
	// and insert again: a row still there is live, or another create won.
	if _, err := s.db.ExecContext(ctx, s.q.delExpired, k); err != nil {
		return wrap(ctx, "save", err)
	}
	err = insert()
	switch {
	case err == nil:
		return nil
	case isDuplicate(err):
		return fmt.Errorf("%w: a live record exists, expected none", store.ErrConflict)
	default:
		return s.stmtErr(ctx, "save", err)
	}
}

// Delete removes the record under key.
func (s *Store) Delete(ctx context.Context, key string) error {
	if err := s.checkKey(ctx, key); err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, s.q.del, []byte(key)); err != nil {
		return wrap(ctx, "delete", err)
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
	k := []byte(key)
	if version == 0 {
		var stored uint64
		err := s.db.QueryRowContext(ctx, s.q.version, k).Scan(&stored)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return wrap(ctx, "compare-and-delete", err)
		}
		return fmt.Errorf("%w: stored version %d, expected 0", store.ErrConflict, stored)
	}
	res, err := s.db.ExecContext(ctx, s.q.cad, k, version)
	if err != nil {
		return wrap(ctx, "compare-and-delete", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return wrap(ctx, "compare-and-delete", err)
	}
	if n == 0 {
		return fmt.Errorf("%w: no live record with version %d", store.ErrConflict, version)
	}
	return nil
}

// Touch sets LastSeen and Expires of a live record without changing its
// data or version. A missing or expired record is left as it is.
func (s *Store) Touch(ctx context.Context, key string, lastSeen, expires time.Time) error {
	if err := s.checkKey(ctx, key); err != nil {
		return err
	}
	seen, err := micros(lastSeen)
	if err != nil {
		return err
	}
	exp, err := expiresArg(expires)
	if err != nil {
		return err
	}
	if _, err := s.execPrepared(ctx, s.q.touch, seen, exp, []byte(key)); err != nil {
		return s.stmtErr(ctx, "touch", err)
	}
	return nil
}

// Sessions lists the live sessions of subject, oldest first (by Created,
// then by key in byte order).
func (s *Store) Sessions(ctx context.Context, subject string) ([]store.Info, error) {
	if err := s.check(ctx); err != nil {
		return nil, err
	}
	if subject == "" || len(subject) > MaxSubjectLen {
		return nil, nil // no record has such a subject
	}
	rows, err := s.db.QueryContext(ctx, s.q.sessions, []byte(subject))
	if err != nil {
		return nil, wrap(ctx, "listing sessions", err)
	}
	defer rows.Close()
	var out []store.Info
	for rows.Next() {
		var key, meta []byte
		var created, lastSeen int64
		var exp sql.NullInt64
		if err := rows.Scan(&key, &created, &lastSeen, &exp, &meta); err != nil {
			return nil, wrap(ctx, "listing sessions", err)
		}
		m, err := decodeMeta(meta)
		if err != nil {
			return nil, err
		}
		out = append(out, store.Info{Key: string(key), Subject: subject, Created: fromMicros(created),
			LastSeen: fromMicros(lastSeen), Expires: expiresValue(exp), Meta: m})
	}
	if err := rows.Err(); err != nil {
		return nil, wrap(ctx, "listing sessions", err)
	}
	return out, nil
}

// DeleteSubject deletes every session of subject except the one under keep,
// expired ones included, and returns how many rows it deleted.
func (s *Store) DeleteSubject(ctx context.Context, subject, keep string) (int, error) {
	if err := s.check(ctx); err != nil {
		return 0, err
	}
	if subject == "" || len(subject) > MaxSubjectLen {
		return 0, nil
	}
	res, err := s.db.ExecContext(ctx, s.q.delSubject, []byte(subject), []byte(keep))
	if err != nil {
		return 0, wrap(ctx, "revoking sessions", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, wrap(ctx, "revoking sessions", err)
	}
	return int(n), nil
}

// Sweep deletes expired rows, at most Options.SweepBatch per statement (so
// no statement holds many row locks), until a statement deletes fewer, and
// returns how many it deleted.
func (s *Store) Sweep(ctx context.Context) (int, error) {
	if err := s.check(ctx); err != nil {
		return 0, err
	}
	total := 0
	for {
		res, err := s.db.ExecContext(ctx, s.q.sweep, s.batch)
		if err != nil {
			return total, wrap(ctx, "sweeping", err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return total, wrap(ctx, "sweeping", err)
		}
		total += int(n)
		if int(n) < s.batch {
			return total, nil
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
					s.logger.Error("mysqlstore: sweeping expired sessions", "table", s.name, "deleted", n, "err", err)
				}
			} else if n > 0 {
				s.logger.Debug("mysqlstore: swept expired sessions", "table", s.name, "deleted", n)
			}
			if s.onSweep != nil {
				s.onSweep()
			}
		}
	}
}

// prepared returns the statement for query, preparing it on first use. A
// failed preparation (the table not migrated yet, the server down) is not
// remembered: the next call tries again. No lock is held while preparing,
// so a hung server holds up each caller only until its own deadline.
func (s *Store) prepared(ctx context.Context, query string) (*sql.Stmt, error) {
	s.stmtMu.Lock()
	st := s.stmts[query]
	s.stmtMu.Unlock()
	if st != nil {
		return st, nil
	}
	st, err := s.db.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	s.stmtMu.Lock()
	defer s.stmtMu.Unlock()
	if s.closed.Load() {
		st.Close()
		return nil, store.ErrClosed
	}
	if cur := s.stmts[query]; cur != nil {
		st.Close() // another call prepared it meanwhile
		return cur, nil
	}
	if s.stmts == nil {
		s.stmts = make(map[string]*sql.Stmt, 4)
	}
	s.stmts[query] = st
	return st, nil
}

// stmtErr is err, or store.ErrClosed when the store was closed (and its
// statements with it) while the call ran.
func (s *Store) stmtErr(ctx context.Context, op string, err error) error {
	if s.closed.Load() && !errors.Is(err, store.ErrClosed) {
		return fmt.Errorf("mysqlstore: %s: %w (%w)", op, store.ErrClosed, err)
	}
	if errors.Is(err, store.ErrClosed) {
		return err
	}
	return wrap(ctx, op, err)
}

// execPrepared runs query, prepared, with args.
func (s *Store) execPrepared(ctx context.Context, query string, args ...any) (sql.Result, error) {
	st, err := s.prepared(ctx, query)
	if err != nil {
		return nil, err
	}
	return st.ExecContext(ctx, args...)
}

// Close stops the sweeper and waits for it (interrupting a sweep in
// progress), makes later calls fail with store.ErrClosed, and closes the
// *sql.DB only if Open created it. It may be called more than once.
func (s *Store) Close() error {
	var err error
	s.closeOnce.Do(func() {
		s.closed.Store(true)
		if s.stop != nil {
			s.stop()
			<-s.done
		}
		s.stmtMu.Lock()
		for _, st := range s.stmts {
			st.Close()
		}
		s.stmts = nil
		s.stmtMu.Unlock()
		if s.owned {
			err = s.db.Close()
		}
	})
	return err
}
