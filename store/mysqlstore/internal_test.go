package mysqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/sessionkit/session/internal/scaletest"
	"github.com/sessionkit/session/store"
)

// lazyDB is a *sql.DB that never connects unless used: New does not use it.
func lazyDB(t *testing.T) *sql.DB {
	t.Helper()
	db, err := sql.Open("mysql", "nobody@tcp(127.0.0.1:1)/none")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// The zero Options mean what their documentation says: the default table
// in the current database, batches of 1000, 4 MiB of data, a sweeper;
// a negative SweepInterval starts none; negative SweepBatch and
// MaxDataSize, and a nil *sql.DB, are refused.
func TestNewDefaults(t *testing.T) {
	db := lazyDB(t)
	s, err := New(db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.batch != 1000 || s.maxData != 4<<20 || s.table != "`"+DefaultTable+"`" || s.name != DefaultTable || s.stop == nil || s.logger != slog.Default() {
		t.Errorf("New with the zero Options: batch %d, max data %d, table %s, name %s, sweeper %v, default logger %v",
			s.batch, s.maxData, s.table, s.name, s.stop != nil, s.logger == slog.Default())
	}
	logger := slog.New(slog.DiscardHandler)
	s2, err := New(db, Options{Database: "app", Table: "t", SweepBatch: 7, MaxDataSize: 9, SweepInterval: -1, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	if s2.batch != 7 || s2.maxData != 9 || s2.table != "`app`.`t`" || s2.name != "app.t" || s2.stop != nil || s2.logger != logger {
		t.Errorf("New with a database, a table, a batch of 7, 9 bytes, no sweeper and a logger: batch %d, max data %d, table %s, name %s, sweeper %v, its logger %v",
			s2.batch, s2.maxData, s2.table, s2.name, s2.stop != nil, s2.logger == logger)
	}
	for _, o := range []Options{{SweepBatch: -1}, {MaxDataSize: -1}} {
		if _, err := New(db, o); err == nil {
			t.Errorf("New(%+v) succeeded", o)
		}
	}
	if _, err := New(nil, Options{}); err == nil {
		t.Error("a nil *sql.DB was accepted")
	}
}

// passedDeadline is a context whose deadline has passed but whose timer has
// not fired yet: Err is still nil.
type passedDeadline struct{ context.Context }

func (passedDeadline) Deadline() (time.Time, bool) { return time.Now().Add(-time.Millisecond), true }

// An error caused by the caller's deadline is reported as
// context.DeadlineExceeded even before the context's timer has fired, and
// an error after a cancellation wraps context.Canceled.
func TestWrapContextErrors(t *testing.T) {
	bad := mysql.ErrInvalidConn
	err := wrap(passedDeadline{context.Background()}, "load", bad)
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, bad) || !strings.HasPrefix(err.Error(), "mysqlstore: load: ") {
		t.Errorf("wrap with a passed deadline: %v, want DeadlineExceeded and the driver's error", err)
	}
	live, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()
	if err := wrap(live, "load", bad); errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, bad) {
		t.Errorf("wrap with a live deadline: %v, want the driver's error alone", err)
	}
	canceled, cancel2 := context.WithCancel(context.Background())
	cancel2()
	if err := wrap(canceled, "save", bad); !errors.Is(err, context.Canceled) || !errors.Is(err, bad) {
		t.Errorf("wrap after cancel: %v", err)
	}
	if err := wrap(canceled, "save", context.Canceled); err.Error() != "mysqlstore: save: context canceled" {
		t.Errorf("wrap of the context's own error: %q", err)
	}
}

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
	dsn := scaletest.Env(t, "SESSIONKIT_TEST_MYSQL_DSN", "a MySQL or MariaDB database, e.g. root@tcp(127.0.0.1:3306)/test")
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	table := "sk_test_" + scaletest.RandomName(8)
	defer db.ExecContext(context.Background(), "DROP TABLE IF EXISTS `"+table+"`")
	setup, err := New(db, Options{Table: table, SweepInterval: -1})
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
	s, err := New(db, Options{Table: table, SweepInterval: 10 * time.Millisecond,
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
	if _, err := db.ExecContext(ctx, "DROP TABLE `"+table+"`"); err != nil {
		t.Fatal(err)
	}
	waitSweeps(t, &sweeps, 2)
	if n := strings.Count(logged.String(), "level=ERROR msg=\"mysqlstore: sweeping expired sessions\""); n < 2 {
		t.Errorf("%d errors logged for two failed sweeps:\n%s", n, logged.String())
	}
	// Close interrupts the sweeper and waits for it; nothing runs after.
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	n := sweeps.Load()
	time.Sleep(50 * time.Millisecond)
	if sweeps.Load() != n {
		t.Error("the sweeper ran after Close")
	}
}

// Close interrupts a sweep in progress (here: blocked by a table lock),
// waits for the sweeper, and logs nothing for the interruption: it is not
// a failure.
func TestCloseInterruptsSweep(t *testing.T) {
	ctx := context.Background()
	dsn := scaletest.Env(t, "SESSIONKIT_TEST_MYSQL_DSN", "a MySQL or MariaDB database, e.g. root@tcp(127.0.0.1:3306)/test")
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	table := "sk_test_" + scaletest.RandomName(8)
	defer db.ExecContext(context.Background(), "DROP TABLE IF EXISTS `"+table+"`")
	setup, err := New(db, Options{Table: table, SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer setup.Close()
	if err := setup.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	locker, err := db.Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close()
	if _, err := locker.ExecContext(ctx, "LOCK TABLES `"+table+"` WRITE"); err != nil {
		t.Fatal(err)
	}
	defer locker.ExecContext(context.Background(), "UNLOCK TABLES")
	var logged lockedBuffer
	s, err := New(db, Options{Table: table, SweepInterval: 10 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	// Wait until the sweeper's DELETE waits for the lock.
	deadline := time.Now().Add(20 * time.Second)
	for {
		var n int
		if err := db.QueryRowContext(ctx, "SELECT count(*) FROM information_schema.processlist WHERE info LIKE ?",
			"DELETE FROM `"+table+"` WHERE expires_us <=%").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the sweeper's DELETE never reached the server in 20s")
		}
		time.Sleep(5 * time.Millisecond)
	}
	closed := make(chan error, 1)
	go func() { closed <- s.Close() }()
	select {
	case err := <-closed:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Close did not return within 20s with a sweep blocked")
	}
	if out := logged.String(); out != "" {
		t.Errorf("the sweep Close interrupted was logged:\n%s", out)
	}
}

// ParseURL reads mysql:// URLs into the driver's configuration.
func TestParseURL(t *testing.T) {
	for _, c := range []struct {
		url, user, pass, addr, db string
		check                     func(*mysql.Config) bool
	}{
		{"mysql://root@127.0.0.1:3306/test", "root", "", "127.0.0.1:3306", "test", nil},
		{"mysql://app:s%40cr%2Ft%3A@db.example/app", "app", "s@cr/t:", "db.example:3306", "app", nil},
		{"mysql://app@[::1]/app", "app", "", "[::1]:3306", "app", nil},
		{"mysql://h:3307", "", "", "h:3307", "", nil},
		{"mysql://u@h/d?parseTime=true&interpolateParams=true&timeout=5s&time_zone=%27%2B00%3A00%27", "u", "", "h:3306", "d",
			func(c *mysql.Config) bool {
				return c.ParseTime && c.InterpolateParams && c.Timeout == 5*time.Second && c.Params["time_zone"] == "'+00:00'"
			}},
	} {
		cfg, err := ParseURL(c.url)
		if err != nil {
			t.Errorf("ParseURL(%q): %v", c.url, err)
			continue
		}
		if cfg.User != c.user || cfg.Passwd != c.pass || cfg.Addr != c.addr || cfg.DBName != c.db || cfg.Net != "tcp" ||
			(c.check != nil && !c.check(cfg)) {
			t.Errorf("ParseURL(%q) = user %q pass %q %s(%s) db %q %+v", c.url, cfg.User, cfg.Passwd, cfg.Net, cfg.Addr, cfg.DBName, cfg)
		}
		// The DSN it formats reads back the same.
		back, err := mysql.ParseDSN(cfg.FormatDSN())
		if err != nil || back.Passwd != c.pass || back.Addr != c.addr || back.DBName != c.db {
			t.Errorf("ParseURL(%q): its DSN %q reads back as %+v, %v", c.url, cfg.FormatDSN(), back, err)
		}
	}
	for _, bad := range []string{"postgres://u@h/d", "mysql:/h/d", "mysql:opaque", "mysql://u@h/d/e", "mysql://u@h/d?timeout=x", "://"} {
		if _, err := ParseURL(bad); err == nil {
			t.Errorf("ParseURL(%q) succeeded", bad)
		}
	}
}
