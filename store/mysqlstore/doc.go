// Package mysqlstore is a [store.Store] on MySQL or MariaDB, through
// [github.com/go-sql-driver/mysql] and database/sql, for applications that
// keep their data in MySQL or MariaDB and want their sessions beside it.
// It is a Go module of its own (github.com/sessionkit/session/store/mysqlstore),
// so that applications that do not use it do not download the driver.
//
//	st, err := mysqlstore.Open(ctx, "app:secret@tcp(db:3306)/app", mysqlstore.Options{})
//	err = st.Migrate(ctx) // explicit; idempotent
//	defer st.Close()
//	// or, over a *sql.DB of your own: st, err := mysqlstore.New(db, mysqlstore.Options{})
//	ss, err := serverside.New(serverside.Options{Store: st})
//
// A Store implements [store.Store], [store.SubjectStore], [store.Toucher],
// [store.Sweeper] and [io.Closer], and passes storetest.Run and
// storetest.RunModel under -race against a real MariaDB. It is tested with
// MariaDB 10.11; its SQL is meant for MySQL 5.7 and 8 as well, which the
// tests do not cover yet.
//
// # The DSN
//
// Open takes the driver's DSN, user:password@tcp(host:port)/database with
// optional ?param=value pairs, or the same as a URL,
// mysql://user:password@host:port/database?param=value ([ParseURL]; the
// port defaults to 3306). It requires no parameter: the store reads
// and writes times as integers it converts itself (parseTime and loc do
// not matter), decides whether a statement matched whatever the driver
// counts as affected rows (clientFoundRows does not matter), reads the
// clock in UTC whatever the session's time_zone, and relies on no sql_mode
// (it refuses out-of-range values itself). Worth setting:
//
//   - interpolateParams=true: each call is one round trip instead of three
//     (prepare, execute, close). Safe with the utf8mb4 default charset; the
//     store's arguments are binary.
//   - timeout=5s (connecting), and readTimeout/writeTimeout as a backstop
//     for calls without a deadline; a call's context already bounds it.
//
// # The table
//
// [Store.Migrate] runs the SQL embedded from migrate.sql, one CREATE TABLE
// IF NOT EXISTS (InnoDB), then checks that the table has the columns the
// store uses. The table is Options.Table ("sessionkit_sessions" by
// default) in Options.Database or the DSN's database:
//
//	k            VARBINARY(256)  primary key: the store key
//	data         LONGBLOB        the encoded session, up to Options.MaxDataSize (4 MiB by default)
//	version      BIGINT UNSIGNED the record's version, 1 after the first save
//	subject      VARBINARY(1024) the owner ("" for none), indexed with created_us
//	created_us   BIGINT          Created, microseconds since the Unix epoch (UTC)
//	last_seen_us BIGINT          LastSeen, the same
//	expires_us   BIGINT NULL     Expires, the same; NULL is never (a zero Expires), indexed
//	meta         BLOB NULL       Meta as a JSON object, up to 65535 bytes; NULL for nil
//
// Binary columns, deliberately. The key, the subject and the metadata come
// from the application and the client; in a character column MySQL
// compares them through a collation — case-insensitive by default, and
// PAD SPACE even for utf8mb4_bin — so "alice", "Alice" and "alice " would
// be one subject, and a user named "Alice " could list and revoke alice's
// sessions. VARBINARY compares bytes, holds any byte (NUL, invalid UTF-8),
// sorts keys in byte order (the order [store.SubjectStore.Sessions]
// promises for ties), and is never converted between the connection's and
// the column's character sets. The table's default charset is utf8mb4 so
// that columns an operator adds hold any Unicode text; the store has none.
//
// The serverside package passes keys that are the base64url SHA-256 of the
// session ID (43 bytes), so no column holds a token that could be replayed
// as a cookie. The store takes any key of 1 to [MaxKeyLen] (256) bytes;
// others are refused with [store.ErrInvalidKey] by every method. Data over
// Options.MaxDataSize, a subject over [MaxSubjectLen] bytes and metadata
// over [MaxMetaLen] bytes as JSON are refused with [ErrTooLarge];
// metadata that is not UTF-8 (JSON would change it) and times outside the
// years 1 to 9999 are refused with an error. Nothing refused reaches the
// server.
//
// # Compare-and-swap
//
// Save with rec.Version 0 is an INSERT: the primary key refuses it when a
// row holds the key. If that row has expired (it counts as absent), Save
// deletes it — DELETE ... WHERE k = ? AND expired — and inserts once more;
// otherwise, or if another create won meanwhile, it returns
// [store.ErrConflict]. Save with a version is UPDATE ... SET version =
// version + 1 ... WHERE k = ? AND version = ? AND not expired.
// [Store.CompareAndDelete] with a version is DELETE ... WHERE k = ? AND
// version = ? AND not expired; with version 0 it is a SELECT that deletes
// nothing and conflicts if a live row exists. Each is one autocommit
// statement, and InnoDB evaluates the WHERE of an UPDATE or DELETE on the
// latest committed row after waiting for a concurrent writer's lock
// (whatever the isolation level), so of two statements expecting the same
// version exactly one matches. A row deleted (logout, revocation) while a
// slow request ran has no version to match: that request's late save
// conflicts and never re-creates the session.
//
// # Clocks
//
// The database clock is the truth: every statement (Load, Save,
// CompareAndDelete, Touch, Sessions, Sweep) compares expires_us with the
// statement's start time in UTC,
// TIMESTAMPDIFF(MICROSECOND, '1970-01-01', UTC_TIMESTAMP(6)). A row is
// expired from the microsecond that clock reaches its expires_us, whichever
// app server asks, so app servers with skewed clocks agree on which
// sessions exist. Expires, Created and LastSeen are the caller's values,
// from the app server's clock, kept to the microsecond and truncated, so
// a stored Expires is never later than the one given. Keep the app servers'
// clocks in sync with the database's; the serverside layer also checks
// expiry against its own clock when it loads a session.
//
// # Sweeping, context, errors, Close
//
// Load never returns an expired row, swept or not. To reclaim space, a
// goroutine started by New calls [Store.Sweep] every Options.SweepInterval
// (five minutes by default; negative disables it), which runs DELETE ...
// WHERE expires_us <= now ORDER BY expires_us LIMIT Options.SweepBatch
// (1000 by default) until a statement deletes fewer rows, so no statement
// holds many row locks. Its errors go to Options.Logger (slog.Default()
// by default) at Error, what it deleted at Debug. [Store.Close] stops it,
// interrupting a sweep in progress, and waits for it.
//
// Every method checks ctx before it starts (a canceled context changes
// nothing) and passes it to database/sql; when ctx ends during a call the
// driver closes the connection and the error wraps ctx.Err() (for example
// [context.DeadlineExceeded]). A server that is down, unreachable, hangs
// or drops the connection makes every method return an error, never a
// success it did not have; errors are wrapped with %w, so the driver's
// (a *mysql.MySQLError, [mysql.ErrInvalidConn]) stay reachable with
// errors.Is and errors.As. As with any database, a write whose answer was
// lost — the connection cut after the server ran the statement, or the
// deadline reached while it ran — is reported as an error and may still
// have been applied; it is then exactly the write asked for.
//
// After [Store.Close] every method returns [store.ErrClosed]. Close closes
// the *sql.DB only if [Open] created it, never one passed to [New].
package mysqlstore
