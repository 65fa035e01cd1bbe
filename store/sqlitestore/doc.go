// Package sqlitestore is a [store.Store] on one SQLite database file,
// through the pure-Go driver [modernc.org/sqlite] (no cgo: go build stays
// simple), for applications that keep their data in SQLite, on one
// machine, in one process or several.
//
//	st, err := sqlitestore.Open(ctx, "/var/lib/app/app.db", sqlitestore.Options{})
//	if err != nil { ... }
//	defer st.Close()
//	iface, err := serverside.New(serverside.Options{Store: st})
//
// A Store implements [store.Store], [store.SubjectStore], [store.Toucher],
// [store.Sweeper] and [io.Closer], and passes storetest.Run and
// storetest.RunModel under -race, also as two Stores sharing one file.
// It is its own Go module, github.com/sessionkit/session/store/sqlitestore,
// so that applications that do not use it do not download the driver.
//
// # The file
//
// [Open] takes the path of a file (not ":memory:", not a "file:" URI),
// creates it with mode 0600 if it does not exist (SQLite's WAL and
// shared-memory files, path-wal and path-shm, take the same mode: the file
// holds every user's session data), switches it to WAL mode (a lasting
// property of the file), and runs [Store.Migrate]: CREATE TABLE IF NOT
// EXISTS of a STRICT table (Options.Table, "sessionkit_sessions" by
// default) and of an index on (subject, created, key) and one on expires,
// in one BEGIN IMMEDIATE transaction, then a check that the table has the
// columns the Store uses. Migrate is idempotent: every process that opens
// the file runs it. The file may hold the application's own tables.
//
// Open fails, naming the file, when the file is not an SQLite database or
// is damaged ([ErrNotDatabase]), when the process may not write it
// ([ErrReadOnly]: a session store that cannot save is refused at startup,
// not at the first login), when a table of that name has other columns,
// or when its directory does not exist. A file damaged after Open makes
// the calls that meet the damage fail with [ErrNotDatabase].
//
// Columns: key TEXT primary key, data BLOB, version INTEGER, subject TEXT
// ("" for none), created, last_seen and expires INTEGER (Unix nanoseconds;
// NULL for the zero Time, which for expires means never), and meta TEXT (a
// JSON object, NULL for nil). Keys are 1 to [store.MaxKeyLen] bytes,
// others are refused with [store.ErrInvalidKey]; keys and subjects may hold
// any bytes (NUL, invalid UTF-8) and are compared and ordered byte by byte
// (the BINARY collation). The serverside package's keys are base64url
// SHA-256 hashes of the session IDs, so the file never holds a token a
// client could replay. Save refuses a Subject longer than [MaxSubjectLen]
// (4096 bytes), metadata that is not valid UTF-8 (JSON would replace the
// bytes silently), and times outside [MinTime]..[MaxTime] (years 1677 to
// 2262; [ErrTimeRange]); versions stop at math.MaxInt64 (a Save beyond is
// [store.ErrConflict]).
//
// # Compare-and-swap, across processes
//
// Every write is one SQL statement, so one transaction: Save with
// rec.Version 0 is INSERT ... ON CONFLICT (key) DO UPDATE ... WHERE the
// stored row has expired; Save with a version is UPDATE ... SET version =
// version + 1 ... WHERE key = ? AND version = ? AND the row is live;
// CompareAndDelete is DELETE ... WHERE key = ? AND version = ? AND the row
// is live (with version 0 it only reads: it conflicts if a live row
// exists). No row written is [store.ErrConflict]. SQLite takes the
// database's write lock when a writing statement starts, before it reads
// anything, and holds it until the statement commits — the same lock for
// every connection of every process, through the file's locks and the WAL
// index — so the version a statement compares is the latest and two writes
// never interleave: of two Saves of one version, or of a Save and a
// CompareAndDelete, exactly one succeeds, whichever processes they run in.
// Each Store has one connection for writes (so its own writes queue in Go,
// under ctx, rather than polling the lock) and Options.ReadConns
// connections (4 by default) for reads, which WAL mode lets run beside a
// writer, on the last committed state.
//
// While another connection (another process, another Store on the file,
// a backup, the sqlite3 shell) holds the write lock, a write waits for it
// at most Options.BusyTimeout (5s by default; negative: not at all) and
// then fails with an error wrapping [ErrBusy] having written nothing —
// never a silent loss. A ctx that ends first ends the wait, and the error
// wraps ctx.Err(). Reads do not wait for writers.
//
// # Durability, clocks, context
//
// Every commit is fsynced (synchronous=FULL): a Save that returned survives
// a crash or power loss. Expiry is decided by Options.Now (time.Now by
// default) of the process that runs the statement, compared with the
// stored Expires in every statement: a row is expired from the instant its
// Expires is reached, and is never returned, touched back to life or
// counted as a version, swept or not. Processes sharing a file share the
// machine's clock. Every method checks ctx first and passes it to the
// driver, which interrupts a running statement when ctx ends.
//
// # Sweeping and Close
//
// A goroutine started by Open calls [Store.Sweep] every
// Options.SweepInterval (a minute by default; negative: no goroutine):
// DELETE ... WHERE rowid IN (SELECT ... WHERE expires <= now ORDER BY
// expires LIMIT Options.SweepBatch), batch after batch, each its own short
// transaction, so writers of other processes wait for one batch at most.
// Its errors go to Options.Logger. [Store.Close] stops the sweeper
// (interrupting a sweep in progress) and waits for it, waits for the calls
// in progress (a write waiting for the lock returns within the busy
// timeout), and closes the connections; afterwards every method returns
// [store.ErrClosed], and Close returns nil.
package sqlitestore
