package pgstore

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessionkit/session/internal/scaletest"
	"github.com/sessionkit/session/store"
)

// lockedBuffer is a bytes.Buffer a logger and a test may share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitSweeps waits until the sweeper has run n more sweeps than it had.
func waitSweeps(t *testing.T, sweeps *atomic.Int64, n int64) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for want := sweeps.Load() + n; sweeps.Load() < want; {
		if time.Now().After(deadline) {
			t.Fatalf("the sweeper ran %d sweeps in 20s, want %d more", sweeps.Load(), n)
		}
		time.Sleep(time.Millisecond)
	}
}

// The sweeper logs at Debug what it deleted and nothing when it deleted
// nothing, and logs at Error a sweep that failed (here: its table was
// dropped), and keeps going.
func TestSweeperLogs(t *testing.T) {
	ctx := context.Background()
	pool, err := pgxpool.New(ctx, scaletest.Env(t, "SESSIONKIT_TEST_POSTGRES_DSN",
		"a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable"))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	schema := "sk_test_" + scaletest.RandomName(8)
	if _, err := pool.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	defer pool.Exec(context.Background(), "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
	// The table and two expired rows, before the sweeper starts.
	setup, err := New(pool, Options{Schema: schema, SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer setup.Close()
	if err := setup.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"a", "b"} {
		if _, err := setup.Save(ctx, k, store.Record{Data: []byte("x"), Expires: time.Now().Add(-time.Second)}); err != nil {
			t.Fatal(err)
		}
	}
	var logged lockedBuffer
	var sweeps atomic.Int64
	testOnSweep = func() { sweeps.Add(1) }
	s, err := New(pool, Options{Schema: schema, SweepInterval: 10 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	testOnSweep = nil
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(logged.String(), "deleted=2") {
		if time.Now().After(deadline) {
			t.Fatalf("no Debug line for the two expired rows after 20s: %q", logged.String())
		}
		time.Sleep(time.Millisecond)
	}
	waitSweeps(t, &sweeps, 3) // with nothing to delete
	if out := logged.String(); strings.Count(out, "swept expired sessions") != 1 || strings.Contains(out, "level=ERROR") {
		t.Errorf("log after one deletion and sweeps with nothing to do:\n%s", out)
	}
	if _, err := pool.Exec(ctx, "DROP TABLE "+s.Table()); err != nil {
		t.Fatal(err)
	}
	waitSweeps(t, &sweeps, 2)
	if n := strings.Count(logged.String(), "level=ERROR msg=\"pgstore: sweeping expired sessions\""); n < 2 {
		t.Errorf("%d errors logged for two failed sweeps:\n%s", n, logged.String())
	}
}
