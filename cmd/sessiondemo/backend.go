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

	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/boltstore"
	"github.com/sessionkit/session/store/memstore"
	"github.com/sessionkit/session/store/pgstore"
	"github.com/sessionkit/session/store/redisstore"
)

// defaultStore is -store's default: an embedded bbolt file in the working
// directory, so that sessions survive a restart of the demo.
const defaultStore = "bolt:sessiondemo.db"

// storeHelp is -store's usage text.
const storeHelp = "where sessions live: `STORE` is one of\n" +
	"\tbolt:PATH         an embedded bbolt file (state survives a restart)\n" +
	"\tcookie            Flask-compatible signed cookie, no server state (see /flask)\n" +
	"\tmemory            in this process only\n" +
	"\tredis://HOST:PORT/DB   Redis (rediss:// for TLS; go-redis URL syntax)\n" +
	"\tpostgres://USER@HOST:PORT/DB?sslmode=disable   PostgreSQL (the table is created if missing)\n"

// backend is where the demo keeps sessions. A nil iface means the signed
// cookie (Flask's default session).
type backend struct {
	iface *serverside.Interface
	st    store.Store
	Kind  string // cookie, memory, bolt, redis, postgres
	Where string // what to show users and logs: a path, a redacted URL
}

func (b *backend) close() {
	if c, ok := b.st.(io.Closer); ok {
		_ = c.Close()
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
		// redisstore.Open is redis.ParseURL + redis.NewClient (with
		// ContextTimeoutEnabled, so request deadlines reach Redis) + PING.
		cctx, cancel := context.WithTimeout(ctx, connectTimeout)
		defer cancel()
		st, err := redisstore.Open(cctx, spec, redisstore.Options{})
		if err != nil {
			return nil, err
		}
		b.Kind, b.Where, b.st = "redis", redact(spec), st
	case strings.HasPrefix(spec, "postgres://"), strings.HasPrefix(spec, "postgresql://"):
		// pgstore.Open is pgxpool.New + Ping; Migrate creates the table
		// and its indexes if they are missing (idempotent).
		cctx, cancel := context.WithTimeout(ctx, connectTimeout)
		defer cancel()
		st, err := pgstore.Open(cctx, spec, pgstore.Options{Logger: logger})
		if err != nil {
			return nil, err
		}
		if err := st.Migrate(cctx); err != nil {
			st.Close()
			return nil, err
		}
		b.Kind, b.Where, b.st = "postgres", redact(spec), st
	default:
		return nil, fmt.Errorf("-store %q: want bolt:PATH, cookie, memory, redis://… or postgres://…", spec)
	}
	iface, err := serverside.New(serverside.Options{Store: b.st, IdleTimeout: 24 * time.Hour})
	if err != nil {
		b.close()
		return nil, err
	}
	b.iface = iface
	return b, nil
}

// redact hides the password of a store URL.
func redact(spec string) string {
	u, err := url.Parse(spec)
	if err != nil {
		return "(unparsable URL)"
	}
	return u.Redacted()
}
