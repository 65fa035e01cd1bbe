package main

import (
	"context"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

// A tripCounter counts the round trips one implementation's store client
// makes to its server. The Redis and PostgreSQL clients are counted (a
// go-redis hook, a pgx tracer); MariaDB and SQLite are not (see LOAD.md for
// the MariaDB counts, read from the server's status counters).
type tripCounter struct{ n atomic.Int64 }

func (c *tripCounter) load() int64 {
	if c == nil {
		return 0
	}
	return c.n.Load()
}

// redisTrips counts one round trip per command and one per pipeline (a
// pipeline is written and read back in one go).
type redisTrips struct{ c *tripCounter }

func (h redisTrips) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h redisTrips) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.c.n.Add(1)
		return next(ctx, cmd)
	}
}

func (h redisTrips) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.c.n.Add(1)
		return next(ctx, cmds)
	}
}

// pgTrips counts one round trip per query (Query, QueryRow, Exec): with
// pgx's default statement cache, a statement is prepared once per
// connection and each later call is one Bind/Execute/Sync exchange.
type pgTrips struct{ c *tripCounter }

func (t pgTrips) TraceQueryStart(ctx context.Context, _ *pgx.Conn, _ pgx.TraceQueryStartData) context.Context {
	t.c.n.Add(1)
	return ctx
}

func (t pgTrips) TraceQueryEnd(context.Context, *pgx.Conn, pgx.TraceQueryEndData) {}
