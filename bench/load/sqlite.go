package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"

	"github.com/alexedwards/scs/sqlite3store"
	_ "github.com/mattn/go-sqlite3" // the driver scs's sqlite3store README uses (cgo)

	"github.com/sessionkit/session/store/sqlitestore"
)

// sqliteBusyMS is the busy timeout both implementations get, in
// milliseconds: sqlitestore's default.
const sqliteBusyMS = 5000

// setupSQLite gives each implementation a database file of its own in a
// fresh directory under cfg.SQLiteDir (removed by cleanup), both in WAL
// mode with synchronous=FULL and the same busy timeout: sessionkit through
// sqlitestore (modernc.org/sqlite, pure Go; one write connection and four
// read connections), scs through sqlite3store on mattn/go-sqlite3 (cgo) as
// its README sets it up (one database/sql pool, unlimited), with the table
// and index of that README.
func setupSQLite(ctx context.Context, cfg Config, runID string) (map[string]*app, func(), error) {
	dir, err := os.MkdirTemp(cfg.SQLiteDir, "sessionkit-load-"+runID+"-")
	if err != nil {
		return nil, nil, err
	}
	var closers []func()
	cleanup := func() {
		for i := len(closers) - 1; i >= 0; i-- {
			closers[i]()
		}
		if err := os.RemoveAll(dir); err != nil {
			fmt.Fprintf(os.Stderr, "load: removing %s: %v\n", dir, err)
		}
	}
	fail := func(err error) (map[string]*app, func(), error) {
		cleanup()
		return nil, nil, err
	}
	st, err := sqlitestore.Open(ctx, filepath.Join(dir, "sessionkit.db"), sqlitestore.Options{
		SweepInterval: -1, // like the other backends: no sweeper during the run
	})
	if err != nil {
		return fail(err)
	}
	closers = append(closers, func() { st.Close() })
	sk, err := sessionkitApp(st)
	if err != nil {
		return fail(err)
	}

	dsn := fmt.Sprintf("file:%s?_journal_mode=WAL&_synchronous=FULL&_busy_timeout=%d", filepath.Join(dir, "scs.db"), sqliteBusyMS)
	db, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return fail(err)
	}
	closers = append(closers, func() { db.Close() })
	if _, err := db.ExecContext(ctx, `CREATE TABLE sessions (
		token TEXT PRIMARY KEY,
		data BLOB NOT NULL,
		expiry REAL NOT NULL
	);
	CREATE INDEX sessions_expiry_idx ON sessions(expiry);`); err != nil {
		return fail(err)
	}
	scsStore := sqlite3store.NewWithCleanupInterval(db, 0) // no cleanup goroutine, like SweepInterval: -1
	return map[string]*app{"sessionkit": sk, "scs": scsApp(scsStore)}, cleanup, nil
}
