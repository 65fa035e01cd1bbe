package main

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"
	bolt "go.etcd.io/bbolt"

	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/boltstore"
	"github.com/sessionkit/session/store/memstore"
	"github.com/sessionkit/session/store/mysqlstore"
	"github.com/sessionkit/session/store/pgstore"
	"github.com/sessionkit/session/store/redisstore"
	"github.com/sessionkit/session/store/sqlitestore"
)

var quiet = slog.New(slog.DiscardHandler)

// openMem is memstore without a sweeper; its footprint is the live heap.
func openMem(ctx context.Context, cfg Config, runID string) (*target, error) {
	st := memstore.New(memstore.Options{})
	return &target{
		st:   st,
		what: "Go heap (HeapAlloc after GC)",
		footprint: func(context.Context) (int64, error) {
			runtime.GC()
			runtime.GC()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			return int64(ms.HeapAlloc), nil
		},
		close: func() { st.Close() },
	}, nil
}

// openBolt is boltstore on a database it opened with bbolt's default
// options, NoSync while seeding.
func openBolt(ctx context.Context, cfg Config, runID string) (*target, error) {
	dir, err := os.MkdirTemp(cfg.Dir, "sessionkit-scale-"+runID+"-")
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, "sessions.bolt")
	opts := *bolt.DefaultOptions
	opts.Timeout = time.Second
	db, err := bolt.Open(path, 0o600, &opts)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	st, err := boltstore.New(db, boltstore.Options{SweepInterval: -1, Logger: quiet})
	if err != nil {
		db.Close()
		os.RemoveAll(dir)
		return nil, err
	}
	return &target{
		st:       st,
		what:     "bbolt file size",
		diskSync: true,
		footprint: func(context.Context) (int64, error) {
			fi, err := os.Stat(path)
			if err != nil {
				return 0, err
			}
			return fi.Size(), nil
		},
		extra: func(context.Context, string, string) string {
			var used int64
			db.View(func(tx *bolt.Tx) error { used = tx.Size(); return nil })
			return fmt.Sprintf("bbolt high-water mark (tx.Size) %d bytes", used)
		},
		beginSeed: func(context.Context) error { db.NoSync = true; return nil },
		endSeed: func(context.Context) error {
			db.NoSync = false
			return db.Sync()
		},
		close: func() {
			st.Close()
			db.Close()
			os.RemoveAll(dir)
		},
	}, nil
}

// openRedis is redisstore under a prefix of the run's own, deleted at the end.
func openRedis(ctx context.Context, cfg Config, runID string) (*target, error) {
	opts, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return nil, err
	}
	opts.ContextTimeoutEnabled = true
	opts.PoolSize = cfg.SeedWorkers + cfg.Workers
	client := redis.NewClient(opts)
	if err := client.Ping(ctx).Err(); err != nil {
		client.Close()
		return nil, err
	}
	prefix := "sessionkit-scale:" + runID + ":"
	st, err := redisstore.New(client, redisstore.Options{Prefix: prefix})
	if err != nil {
		client.Close()
		return nil, err
	}
	infoField := func(ctx context.Context, section, field string) (int64, error) {
		info, err := client.Info(ctx, section).Result()
		if err != nil {
			return 0, err
		}
		for line := range strings.SplitSeq(info, "\n") {
			if v, ok := strings.CutPrefix(strings.TrimSpace(line), field+":"); ok {
				return strconv.ParseInt(v, 10, 64)
			}
		}
		return 0, fmt.Errorf("INFO %s has no %s", section, field)
	}
	expiredKeys := func(ctx context.Context) (int64, error) { return infoField(ctx, "stats", "expired_keys") }
	return &target{
		st:   st,
		what: "Redis INFO used_memory",
		footprint: func(ctx context.Context) (int64, error) {
			return infoField(ctx, "memory", "used_memory")
		},
		extra: func(ctx context.Context, key, subject string) string {
			rec, err1 := client.MemoryUsage(ctx, prefix+"s:"+key).Result()
			idx, err2 := client.MemoryUsage(ctx, prefix+"u:"+subject).Result()
			if err := errors.Join(err1, err2); err != nil {
				return "MEMORY USAGE: " + err.Error()
			}
			return fmt.Sprintf("MEMORY USAGE: record hash %d bytes, subject index (2 sessions) %d bytes", rec, idx)
		},
		expiredKeys: expiredKeys,
		expireByTTL: func(ctx context.Context, since int64, want int) (int, error) {
			tick := time.NewTicker(10 * time.Millisecond)
			defer tick.Stop()
			n := 0
			for {
				// A fresh context: ctx ending is the wait ending, not an error.
				cur, err := expiredKeys(context.WithoutCancel(ctx))
				if err != nil {
					return n, err
				}
				n = int(cur - since)
				if n >= want {
					return n, nil
				}
				select {
				case <-ctx.Done():
					return n, nil
				case <-tick.C:
				}
			}
		},
		close: func() {
			st.Close()
			bg := context.Background()
			var keys []string
			iter := client.Scan(bg, 0, prefix+"*", 5000).Iterator()
			for iter.Next(bg) {
				keys = append(keys, iter.Val())
			}
			for c := range slices.Chunk(keys, 1000) {
				client.Unlink(bg, c...)
			}
			client.Close()
		},
	}, nil
}

// openPostgres is pgstore in a schema of the run's own, dropped at the
// end. Seeding goes through a second pgstore.Store on a pool with
// synchronous_commit=off; measuring through one with the server's default.
func openPostgres(ctx context.Context, cfg Config, runID string) (*target, error) {
	schema := "sessionkit_scale_" + runID
	admin, err := pgx.Connect(ctx, cfg.PostgresDSN)
	if err != nil {
		return nil, err
	}
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		admin.Close(ctx)
		return nil, err
	}
	var closers []func()
	cleanup := func() {
		for _, c := range slices.Backward(closers) {
			c()
		}
		if _, err := admin.Exec(context.Background(), "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			fmt.Fprintf(os.Stderr, "scale: dropping schema %s: %v\n", schema, err)
		}
		admin.Close(context.Background())
	}
	newStore := func(conns int, params map[string]string) (*pgstore.Store, error) {
		pc, err := pgxpool.ParseConfig(cfg.PostgresDSN)
		if err != nil {
			return nil, err
		}
		pc.MaxConns = int32(conns)
		for k, v := range params {
			pc.ConnConfig.RuntimeParams[k] = v
		}
		pool, err := pgxpool.NewWithConfig(ctx, pc)
		if err != nil {
			return nil, err
		}
		closers = append(closers, pool.Close)
		if err := pool.Ping(ctx); err != nil {
			return nil, err
		}
		st, err := pgstore.New(pool, pgstore.Options{Schema: schema, SweepInterval: -1, SweepBatch: cfg.SweepBatch, Logger: quiet})
		if err != nil {
			return nil, err
		}
		closers = append(closers, func() { st.Close() })
		return st, nil
	}
	st, err := newStore(max(cfg.Workers, 4), nil)
	if err != nil {
		cleanup()
		return nil, err
	}
	if err := st.Migrate(ctx); err != nil {
		cleanup()
		return nil, err
	}
	seedSt, err := newStore(cfg.SeedWorkers, map[string]string{"synchronous_commit": "off"})
	if err != nil {
		cleanup()
		return nil, err
	}
	table := pgx.Identifier{schema, pgstore.DefaultTable}.Sanitize()
	return &target{
		st:        st,
		seedStore: seedSt,
		what:      "pg_total_relation_size (table, TOAST, indexes)",
		footprint: func(ctx context.Context) (int64, error) {
			var n int64
			err := admin.QueryRow(ctx, "SELECT pg_total_relation_size($1::regclass)", table).Scan(&n)
			return n, err
		},
		endSeed: func(ctx context.Context) error {
			// What autovacuum would do after a load: fresh statistics.
			_, err := admin.Exec(ctx, "ANALYZE "+table)
			return err
		},
		close: cleanup,
	}, nil
}

// openMySQL is mysqlstore in a database of the run's own, dropped at the end,
// with interpolateParams=true as mysqlstore's documentation recommends.
func openMySQL(ctx context.Context, cfg Config, runID string) (*target, error) {
	base, err := mysql.ParseDSN(cfg.MySQLDSN)
	if err != nil {
		return nil, err
	}
	dbName := "sessionkit_scale_" + runID
	open := func(c *mysql.Config, conns int) (*sql.DB, error) {
		conn, err := mysql.NewConnector(c)
		if err != nil {
			return nil, err
		}
		db := sql.OpenDB(conn)
		db.SetMaxOpenConns(conns)
		db.SetMaxIdleConns(conns)
		if err := db.PingContext(ctx); err != nil {
			db.Close()
			return nil, err
		}
		return db, nil
	}
	admin, err := open(base, 2)
	if err != nil {
		return nil, err
	}
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE `"+dbName+"`"); err != nil {
		admin.Close()
		return nil, err
	}
	var closers []func()
	cleanup := func() {
		for _, c := range slices.Backward(closers) {
			c()
		}
		if _, err := admin.ExecContext(context.Background(), "DROP DATABASE `"+dbName+"`"); err != nil {
			fmt.Fprintf(os.Stderr, "scale: dropping database %s: %v\n", dbName, err)
		}
		admin.Close()
	}
	run := base.Clone()
	run.DBName = dbName
	run.InterpolateParams = true
	db, err := open(run, cfg.SeedWorkers+cfg.Workers)
	if err != nil {
		cleanup()
		return nil, err
	}
	closers = append(closers, func() { db.Close() })
	st, err := mysqlstore.New(db, mysqlstore.Options{SweepInterval: -1, SweepBatch: cfg.SweepBatch, Logger: quiet})
	if err != nil {
		cleanup()
		return nil, err
	}
	closers = append(closers, func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		cleanup()
		return nil, err
	}
	return &target{
		st:   st,
		what: "information_schema data_length + index_length after ANALYZE TABLE",
		footprint: func(ctx context.Context) (int64, error) {
			if _, err := admin.ExecContext(ctx, "ANALYZE TABLE `"+dbName+"`.`"+mysqlstore.DefaultTable+"`"); err != nil {
				return 0, err
			}
			var n int64
			err := admin.QueryRowContext(ctx, `SELECT data_length + index_length FROM information_schema.tables
				WHERE table_schema = ? AND table_name = ?`, dbName, mysqlstore.DefaultTable).Scan(&n)
			return n, err
		},
		close: cleanup,
	}, nil
}

// openSQLite is sqlitestore on a file in a fresh directory under cfg.Dir.
// With cfg.SeedDir, every seeding happens on a copy of the file there.
func openSQLite(ctx context.Context, cfg Config, runID string) (*target, error) {
	dir, err := os.MkdirTemp(cfg.Dir, "sessionkit-scale-"+runID+"-")
	if err != nil {
		return nil, err
	}
	seedDir := ""
	if cfg.SeedDir != "" {
		if seedDir, err = os.MkdirTemp(cfg.SeedDir, "sessionkit-scale-"+runID+"-"); err != nil {
			os.RemoveAll(dir)
			return nil, err
		}
	}
	removeDirs := func() {
		os.RemoveAll(dir)
		if seedDir != "" {
			os.RemoveAll(seedDir)
		}
	}
	diskPath := filepath.Join(dir, "sessions.db")
	openAt := func(ctx context.Context, path string) (*sqlitestore.Store, error) {
		return sqlitestore.Open(ctx, path, sqlitestore.Options{SweepInterval: -1, SweepBatch: cfg.SweepBatch, Logger: quiet})
	}
	st, err := openAt(ctx, diskPath)
	if err != nil {
		removeDirs()
		return nil, err
	}
	t := &target{
		st:       st,
		what:     "SQLite file size (database + WAL)",
		diskSync: true,
	}
	cur := st
	// move closes the store, moves its files from one directory to the
	// other and opens it there.
	move := func(ctx context.Context, from, to string) error {
		if err := cur.Close(); err != nil {
			return err
		}
		// The shared-memory index is rebuilt from the WAL: not copied.
		if err := os.Remove(filepath.Join(from, "sessions.db-shm")); err != nil && !errors.Is(err, os.ErrNotExist) {
			return err
		}
		for _, suffix := range []string{"", "-wal"} {
			src := filepath.Join(from, "sessions.db"+suffix)
			if _, err := os.Stat(src); errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err := copyFile(src, filepath.Join(to, "sessions.db"+suffix)); err != nil {
				return err
			}
			if err := os.Remove(src); err != nil {
				return err
			}
		}
		s, err := openAt(ctx, filepath.Join(to, "sessions.db"))
		if err != nil {
			return err
		}
		cur, t.st = s, s
		return nil
	}
	if seedDir != "" {
		t.beginSeed = func(ctx context.Context) error { return move(ctx, dir, seedDir) }
		t.endSeed = func(ctx context.Context) error { return move(ctx, seedDir, dir) }
	}
	t.footprint = func(context.Context) (int64, error) {
		var n int64
		for _, suffix := range []string{"", "-wal"} {
			fi, err := os.Stat(diskPath + suffix)
			if errors.Is(err, os.ErrNotExist) {
				continue
			}
			if err != nil {
				return 0, err
			}
			n += fi.Size()
		}
		return n, nil
	}
	t.close = func() {
		cur.Close()
		removeDirs()
	}
	return t, nil
}

// copyFile copies src to dst and syncs dst.
func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	if err := out.Sync(); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

var _ store.Store = (*sqlitestore.Store)(nil)
