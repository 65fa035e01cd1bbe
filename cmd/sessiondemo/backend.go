package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/revocation"
	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/boltstore"
	"github.com/sessionkit/session/store/memstore"
	"github.com/sessionkit/session/store/mysqlstore"
	"github.com/sessionkit/session/store/pgstore"
	"github.com/sessionkit/session/store/redisstore"
	"github.com/sessionkit/session/store/sqlitestore"
)

// defaultStore is -store's default: an embedded bbolt file in the working
// directory, so that sessions survive a restart of the demo.
const defaultStore = "bolt:sessiondemo.db"

// storeHelp is -store's usage text.
const storeHelp = "where sessions live: `STORE` is one of\n" +
	"\tbolt:PATH         an embedded bbolt file (state survives a restart)\n" +
	"\tcookie            Flask-compatible signed cookie, no server state (see /flask)\n" +
	"\tmemory            in this process only\n" +
	"\tredis://HOST:PORT/DB   Redis (rediss:// for TLS; go-redis URL syntax; ?prefix=KEYPREFIX)\n" +
	"\tpostgres://USER@HOST:PORT/DB?sslmode=disable   PostgreSQL (the table is created if missing)\n" +
	"\tmysql://USER:PASS@HOST:PORT/DB   MySQL or MariaDB (the table is created if missing)\n" +
	"\tsqlite:PATH       an SQLite file (WAL; state survives a restart)\n"

// backend is where the demo keeps sessions. A nil iface means the signed
// cookie (Flask's default session), revoked through revocations.
type backend struct {
	iface       *serverside.Backend
	revocations session.Revocations
	st          store.Store
	Kind        string // cookie, memory, bolt, sqlite, redis, postgres, mysql
	Where       string // what to show users and logs: a path, a redacted URL
	// closers close what the store runs on (a Redis client, a pool),
	// after the store.
	closers []func() error
}

func (b *backend) close() {
	if c, ok := b.st.(io.Closer); ok {
		_ = c.Close()
	}
	for _, c := range b.closers {
		_ = c()
	}
}

// connectTimeout bounds connecting to Redis or PostgreSQL at startup.
const connectTimeout = 10 * time.Second

// openBackend parses -store (see storeHelp) and opens the store.
func openBackend(ctx context.Context, spec string, logger *slog.Logger) (*backend, error) {
	b := &backend{Where: spec}
	switch {
	case spec == "cookie":
		b.Kind, b.Where = "cookie", "the signed cookie"
		// "Log out other devices" with cookie sessions: a not-before time
		// per user, kept in memory for the demo (a real app keeps it in a
		// shared store, or a restart forgets the revocations).
		b.revocations = revocation.New(memstore.New(memstore.Options{SweepInterval: time.Minute}), 0)
		return b, nil
	case spec == "memory":
		b.Kind, b.Where = "memory", "this process's memory"
		b.st = memstore.New(memstore.Options{SweepInterval: time.Minute})
	case strings.HasPrefix(spec, "bolt:"):
		path := strings.TrimPrefix(spec, "bolt:")
		if path == "" {
			return nil, errors.New("-store bolt:PATH needs a file path")
		}
		st, err := boltstore.Open(path, boltstore.Options{Logger: logger})
		if err != nil {
			return nil, err
		}
		b.Kind, b.Where, b.st = "bolt", path, st
	case strings.HasPrefix(spec, "redis://"), strings.HasPrefix(spec, "rediss://"):
		// "prefix" is ours (the key prefix), not go-redis's: take it out first.
		redisURL, prefix, err := cutQuery(spec, "prefix")
		if err != nil {
			return nil, fmt.Errorf("-store: %w", err)
		}
		opts, err := redis.ParseURL(redisURL)
		if err != nil {
			return nil, fmt.Errorf("-store: %w", err)
		}
		opts.ContextTimeoutEnabled = true // request deadlines reach Redis
		// go-redis's own log lines (pool dial failures) go through the
		// demo's logger; go-redis has one logger per process.
		redis.SetLogger(redisstore.NewLogger(logger, slog.LevelWarn))
		client := redis.NewClient(opts)
		b.closers = append(b.closers, client.Close)
		cctx, cancel := context.WithTimeout(ctx, connectTimeout)
		defer cancel()
		if err := client.Ping(cctx).Err(); err != nil {
			b.close()
			return nil, fmt.Errorf("redis at %s: %w", opts.Addr, err)
		}
		st, err := redisstore.New(client, redisstore.Options{Prefix: prefix})
		if err != nil {
			b.close()
			return nil, err
		}
		b.Kind, b.Where, b.st = "redis", redact(spec), st
	case strings.HasPrefix(spec, "postgres://"), strings.HasPrefix(spec, "postgresql://"):
		cctx, cancel := context.WithTimeout(ctx, connectTimeout)
		defer cancel()
		pool, err := pgxpool.New(cctx, spec)
		if err != nil {
			return nil, fmt.Errorf("-store: %w", err)
		}
		b.closers = append(b.closers, func() error { pool.Close(); return nil })
		if err := pool.Ping(cctx); err != nil {
			b.close()
			return nil, fmt.Errorf("postgres: %w", err)
		}
		st, err := pgstore.New(pool, pgstore.Options{Logger: logger})
		if err != nil {
			b.close()
			return nil, err
		}
		b.st = st
		// Creates the table and its indexes if missing; idempotent.
		if err := st.Migrate(cctx); err != nil {
			b.close()
			return nil, err
		}
		b.Kind, b.Where = "postgres", redact(spec)
	case strings.HasPrefix(spec, "mysql://"):
		cctx, cancel := context.WithTimeout(ctx, connectTimeout)
		defer cancel()
		st, err := mysqlstore.Open(cctx, spec, mysqlstore.Options{Logger: logger})
		if err != nil {
			return nil, fmt.Errorf("mysql at %s: %w", redact(spec), err)
		}
		b.st = st
		// Creates the table if missing; idempotent.
		if err := st.Migrate(cctx); err != nil {
			b.close()
			return nil, err
		}
		b.Kind, b.Where = "mysql", redact(spec)
	case strings.HasPrefix(spec, "sqlite:"):
		path := strings.TrimPrefix(spec, "sqlite:")
		if path == "" {
			return nil, errors.New("-store sqlite:PATH needs a file path")
		}
		cctx, cancel := context.WithTimeout(ctx, connectTimeout)
		defer cancel()
		st, err := sqlitestore.Open(cctx, path, sqlitestore.Options{Logger: logger})
		if err != nil {
			return nil, err
		}
		b.Kind, b.Where, b.st = "sqlite", path, st
	default:
		return nil, fmt.Errorf("-store %q: want bolt:PATH, sqlite:PATH, cookie, memory, redis://…, postgres://… or mysql://…", spec)
	}
	iface, err := newServerSide(b.st)
	if err != nil {
		b.close()
		return nil, err
	}
	b.iface = iface
	return b, nil
}

// newServerSide returns the demo's server-side sessions over st.
func newServerSide(st store.Store) (*serverside.Backend, error) {
	return serverside.New(serverside.Options{Store: st, IdleTimeout: 24 * time.Hour,
		// "Remember me" keeps a login for the cookie's 31 days, however idle.
		PermanentIdleTimeout: 31 * 24 * time.Hour,
		// Recorded at login, shown on "your sessions".
		Meta: sessionMeta})
}

// cutQuery removes the query parameter key from rawURL and returns its value.
func cutQuery(rawURL, key string) (string, string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", "", err
	}
	q := u.Query()
	v := q.Get(key)
	q.Del(key)
	u.RawQuery = q.Encode()
	return u.String(), v, nil
}

// redact hides the password of a store URL.
func redact(spec string) string {
	u, err := url.Parse(spec)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
