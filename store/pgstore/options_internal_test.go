package pgstore

import (
	"context"
	"log/slog"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
)

// lazyPool is a pool that never connects unless used: New does not use it.
func lazyPool(t *testing.T) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), "postgres://nobody@127.0.0.1:1/none?sslmode=disable")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// The zero Options mean what their documentation says: the default table
// in the current schema, batches of 1000, a sweeper; a negative
// SweepInterval starts none and a negative SweepBatch is refused.
func TestNewDefaults(t *testing.T) {
	pool := lazyPool(t)
	s, err := New(pool, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.batch != 1000 || s.table != `"`+DefaultTable+`"` || s.name != DefaultTable || s.stop == nil || s.logger != slog.Default() {
		t.Errorf("New with the zero Options: batch %d, table %s, name %s, sweeper %v, default logger %v; want 1000, %q, %s, a sweeper, slog.Default()",
			s.batch, s.table, s.name, s.stop != nil, s.logger == slog.Default(), `"`+DefaultTable+`"`, DefaultTable)
	}
	logger := slog.New(slog.DiscardHandler)
	s2, err := New(pool, Options{Schema: "app", Table: "t", SweepBatch: 7, SweepInterval: -1, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if s2.batch != 7 || s2.table != `"app"."t"` || s2.name != "app.t" || s2.stop != nil || s2.logger != logger {
		t.Errorf("New with a schema, a table, a batch of 7, no sweeper and a logger: batch %d, table %s, name %s, sweeper %v, its logger %v",
			s2.batch, s2.table, s2.name, s2.stop != nil, s2.logger == logger)
	}
	if _, err := New(pool, Options{SweepBatch: -1}); err == nil {
		t.Error("a negative SweepBatch was accepted")
	}
	if _, err := New(nil, Options{}); err == nil {
		t.Error("a nil pool was accepted")
	}
}
