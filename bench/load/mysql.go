package main

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"slices"

	"github.com/alexedwards/scs/mysqlstore"
	"github.com/go-sql-driver/mysql"

	skmysql "github.com/sessionkit/session/store/mysqlstore"
)

// setupMySQL serves sessionkit's mysqlstore and scs's mysqlstore from one
// MySQL/MariaDB server. The run gets a database of its own (scs's table is
// always called "sessions"), dropped at the end. Each implementation has
// its own *sql.DB with the same DSN (cfg.MySQLDSN with parseTime=true, which
// scs's README asks for and sessionkit ignores) and the same pool settings:
// idle connections for every client, so that neither pays for reconnecting.
func setupMySQL(ctx context.Context, cfg Config, runID string) (map[string]*app, func(), error) {
	base, err := mysql.ParseDSN(cfg.MySQLDSN)
	if err != nil {
		return nil, nil, err
	}
	dbName := "sessionkit_load_" + runID
	var closers []func()
	open := func(c *mysql.Config) (*sql.DB, error) {
		conn, err := mysql.NewConnector(c)
		if err != nil {
			return nil, err
		}
		db := sql.OpenDB(conn)
		db.SetMaxIdleConns(2 * cfg.Concurrency)
		closers = append(closers, func() { db.Close() })
		return db, db.PingContext(ctx)
	}
	admin, err := open(base)
	if err != nil {
		for _, c := range closers {
			c()
		}
		return nil, nil, err
	}
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE `"+dbName+"`"); err != nil {
		admin.Close()
		return nil, nil, err
	}
	cleanup := func() {
		for _, c := range slices.Backward(closers[1:]) {
			c()
		}
		if _, err := admin.ExecContext(context.Background(), "DROP DATABASE `"+dbName+"`"); err != nil {
			fmt.Fprintf(os.Stderr, "load: dropping database %s: %v\n", dbName, err)
		}
		admin.Close()
	}
	fail := func(err error) (map[string]*app, func(), error) {
		cleanup()
		return nil, nil, err
	}
	run := base.Clone()
	run.DBName = dbName
	run.ParseTime = true

	skDB, err := open(run)
	if err != nil {
		return fail(err)
	}
	st, err := skmysql.New(skDB, skmysql.Options{SweepInterval: -1})
	if err != nil {
		return fail(err)
	}
	closers = append(closers, func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		return fail(err)
	}
	sk, err := sessionkitApp(st)
	if err != nil {
		return fail(err)
	}

	scsDB, err := open(run)
	if err != nil {
		return fail(err)
	}
	// The table and index from scs mysqlstore's README.
	for _, q := range []string{`CREATE TABLE sessions (
		token CHAR(43) PRIMARY KEY,
		data BLOB NOT NULL,
		expiry TIMESTAMP(6) NOT NULL
	)`, `CREATE INDEX sessions_expiry_idx ON sessions (expiry)`} {
		if _, err := scsDB.ExecContext(ctx, q); err != nil {
			return fail(err)
		}
	}
	scsStore := mysqlstore.NewWithCleanupInterval(scsDB, 0) // no cleanup goroutine, like SweepInterval: -1
	return map[string]*app{"sessionkit": sk, "scs": scsApp(scsStore)}, cleanup, nil
}
