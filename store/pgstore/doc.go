// Package pgstore is a [store.Store] on PostgreSQL, through pgx v5
// ([github.com/jackc/pgx/v5]) and its pool, for applications that run on
// several machines and keep their state in PostgreSQL.
//
//	pool, err := pgxpool.New(ctx, "postgres://app@db/app")
//	st, err := pgstore.New(pool, pgstore.Options{})
//	err = st.Migrate(ctx) // explicit; idempotent
//	defer st.Close()
//	// or: st, err := pgstore.Open(ctx, dsn, pgstore.Options{})
//
// A Store implements [store.Store], [store.SubjectStore], [store.Toucher],
// [store.Sweeper] and [io.Closer], and passes storetest.Run under -race
// against a real server.
//
// # The table
//
// [Store.Migrate] runs the SQL embedded from migrate.sql: CREATE TABLE IF
// NOT EXISTS for the table (Options.Table, "sessionkit_sessions" by
// default, in Options.Schema or the connection's current schema) with the
// columns key text primary key, data bytea, version bigint, subject text
// ("" for none), created, last_seen and expires timestamptz, and meta
// jsonb; and an index on subject and one on expires. It holds a
// transaction-scoped advisory lock named after the table, so app instances
// that start together may all call it. New never changes the database.
//
// Keys, subjects and metadata live in text and jsonb columns, which cannot
// hold NUL bytes or invalid UTF-8: such keys are refused with
// [store.ErrInvalidKey], such subjects and metadata with an error. Keys
// longer than [store.MaxKeyLen] are refused too. The serverside package's
// keys are base64url SHA-256 hashes of the session IDs, so no column holds
// a token that could be replayed as a cookie. Times are kept to the
// microsecond. A zero Expires ("never") is stored as 'infinity', loaded
// back as the zero Time, and never swept.
//
// # Compare-and-swap
//
// Save with rec.Version 0 is an INSERT ... ON CONFLICT (key) DO UPDATE ...
// WHERE the existing row has expired: it writes when no live row exists
// (an expired row counts as absent) and otherwise writes nothing. Save with
// a version is UPDATE ... SET version = version + 1 ... WHERE key = $1 AND
// version = $2 AND expires > now(). Either way, no row written means
// [store.ErrConflict]. Under PostgreSQL's default READ COMMITTED isolation
// a concurrent UPDATE of the same row waits for the first and re-checks
// its WHERE on the new row, so exactly one of two racing saves of one
// version wins. A row deleted (logout, revocation) while a slow request
// ran has no version to match, so that request's late save is never a
// re-creation: it conflicts.
//
// [Store.CompareAndDelete] with a version is DELETE ... WHERE key = $1 AND
// version = $2 AND expires > now(); under READ COMMITTED a DELETE that
// waited for a racing Save re-checks the version on the saved row, so
// exactly one of the two wins. With version 0 it is SELECT version ...
// WHERE key = $1 AND expires > now(): it deletes nothing (an expired row
// is left to the sweeper) and conflicts if a live row exists.
//
// # Clocks
//
// Whether a record has expired is decided by the database clock, now(), in
// every statement (Load, Save, CompareAndDelete, Touch, Sessions, Sweep); a
// row is expired from the instant now() reaches its expires. Expires,
// Created and LastSeen are the caller's values, from the app server's clock.
// Keep the app servers' clocks in sync with the database's; the serverside
// layer also checks expiry against its own clock when it loads a session.
//
// # Sweeping, context, Close
//
// Load never returns an expired row, swept or not. To reclaim space, a
// goroutine started by New calls [Store.Sweep] every Options.SweepInterval
// (five minutes by default; negative disables it), which deletes expired
// rows with DELETE ... WHERE key IN (SELECT ... LIMIT Options.SweepBatch
// FOR UPDATE SKIP LOCKED), batch after batch, so it never holds many locks
// at once and sweepers of several app instances do not wait for each
// other. Its errors go to Options.Logger. pgx itself writes no log: it
// logs only through a tracer the application sets on the pool's config
// (pgx's tracelog package), so nothing from the driver bypasses the
// application's logger.
//
// Every method checks ctx before it starts and passes it to pgx, which
// cancels the query on the server when ctx ends; the error then wraps
// ctx.Err() (for example [context.DeadlineExceeded], also when the
// connection's I/O timed out at ctx's deadline before ctx's own timer
// fired). A server that is down or unreachable makes every method return
// an error, never a success it did not have. [Store.Close] stops
// the sweeper, interrupting a sweep in progress, waits for it, and makes
// later calls return [store.ErrClosed]; it closes the pool only if [Open]
// created it, never a pool passed to New.
package pgstore
