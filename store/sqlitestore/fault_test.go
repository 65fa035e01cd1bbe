package sqlitestore_test

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session/internal/testwait"
	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/sqlitestore"
)

// seededRows is what rows returns after seedFaultRecords, k at version v.
func seededRows(v uint64) map[string]string {
	return map[string]string{"k": fmt.Sprintf("before@%d", v), "other": "other@1", "expired": "expired@1"}
}

// holdLockInProcess holds the write lock of path through another
// connection of this process (a write transaction that has written a row)
// until the returned function is called.
func holdLockInProcess(t *testing.T, path string, s *sqlitestore.Store) (release func()) {
	t.Helper()
	conn, err := rawDB(t, path).Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, q := range []string{"BEGIN IMMEDIATE",
		"INSERT INTO " + s.Table() + " (key, data, version) VALUES ('held-by-the-lock', x'00', 1)"} {
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatal(q, err)
		}
	}
	return func() {
		if _, err := conn.ExecContext(ctx, "ROLLBACK"); err != nil {
			t.Error(err)
		}
		conn.Close()
	}
}

// Another connection holds the write lock longer than the busy timeout —
// another process, or another connection of this one: every method that
// writes fails with an error wrapping ErrBusy (never a success, never
// ErrConflict: the caller did nothing wrong), and writes nothing; the
// methods that only read still answer (WAL mode: readers do not wait for
// the writer), from the last committed state.
func TestLockedFileWritesFailWithErrBusy(t *testing.T) {
	for _, where := range []string{"another process", "another connection"} {
		t.Run(where, func(t *testing.T) {
			s, path := open(t, sqlitestore.Options{SweepInterval: -1, BusyTimeout: 100 * time.Millisecond})
			v := seedFaultRecords(t, s)
			var release func()
			if where == "another process" {
				c := startChild(t, "lock", path, "")
				c.expect(t, "locked")
				release = func() {
					c.stdin.Close()
					testwait.Recv(t, c.done, 0, "the locking child's exit")
					if c.err != nil {
						t.Fatalf("child: %v", c.err)
					}
				}
			} else {
				release = holdLockInProcess(t, path, s)
			}
			errs := callEveryMethod(t, s, nil, v)
			failedClosed(t, errs, writeMethods, func(err error) bool {
				return errors.Is(err, sqlitestore.ErrBusy) && strings.Contains(err.Error(), "locked")
			})
			for _, name := range []string{"Load", "Sessions", "CompareAndDelete(missing, 0)"} {
				if errs[name] != nil {
					t.Errorf("%s while another connection writes: %v", name, errs[name])
				}
			}
			release()
			if got, want := rows(t, path, s), seededRows(v); !maps.Equal(got, want) {
				t.Errorf("rows after the failed writes: %v, want them unchanged: %v", got, want)
			}
		})
	}
}

// A lock released within the busy timeout delays a Save; it does not fail it.
func TestLockReleasedWithinBusyTimeout(t *testing.T) {
	s, path := open(t, sqlitestore.Options{SweepInterval: -1, BusyTimeout: time.Minute})
	release := holdLockInProcess(t, path, s)
	done := make(chan error, 1)
	go func() {
		_, err := s.Save(ctx, "k", rec(time.Now(), "waited", time.Hour))
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("Save returned while another connection held the lock: %v", err)
	case <-time.After(50 * time.Millisecond):
	}
	release()
	if err := testwait.Recv(t, done, 0, "the Save waiting for the lock"); err != nil {
		t.Fatalf("Save after the lock was released: %v", err)
	}
	if got, ok := loaded(t, s, "k"); !ok || string(got.Data) != "waited" {
		t.Errorf("after the wait: %q %v", got.Data, ok)
	}
}

// A caller's deadline that ends before the busy timeout ends the wait for
// the lock: the error wraps context.DeadlineExceeded, and nothing is written.
func TestLockedDeadlineBeforeBusyTimeout(t *testing.T) {
	s, path := open(t, sqlitestore.Options{SweepInterval: -1, BusyTimeout: time.Minute})
	v := seedFaultRecords(t, s)
	release := holdLockInProcess(t, path, s)
	errs := callEveryMethod(t, s, func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(ctx, 100*time.Millisecond)
	}, v)
	failedClosed(t, errs, writeMethods, func(err error) bool { return errors.Is(err, context.DeadlineExceeded) })
	release()
	if got, want := rows(t, path, s), seededRows(v); !maps.Equal(got, want) {
		t.Errorf("rows after the failed writes: %v, want them unchanged: %v", got, want)
	}
}

// BusyTimeout negative: a write does not wait for the lock at all.
func TestNoBusyWait(t *testing.T) {
	s, path := open(t, sqlitestore.Options{SweepInterval: -1, BusyTimeout: -1})
	release := holdLockInProcess(t, path, s)
	defer release()
	var err error
	testwaitWithin(t, "a Save that must not wait", func() { _, err = s.Save(ctx, "k", rec(time.Now(), "x", time.Hour)) })
	if !errors.Is(err, sqlitestore.ErrBusy) {
		t.Errorf("Save with the lock held and no busy wait: %v, want ErrBusy", err)
	}
}

// testwaitWithin runs call, failing t if it has not returned within
// testwait.Timeout.
func testwaitWithin(t *testing.T, what string, call func()) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		defer close(done)
		call()
	}()
	testwait.Recv(t, done, 0, what)
}

// The table disappears under the Store (another program drops it): every
// method fails with an error, CompareAndDelete(missing, 0) and the reads
// included; none reports a success or blames the caller.
func TestTableDroppedEveryMethodFails(t *testing.T) {
	s, path := open(t, sqlitestore.Options{SweepInterval: -1})
	v := seedFaultRecords(t, s)
	if _, err := rawDB(t, path).ExecContext(ctx, "DROP TABLE "+s.Table()); err != nil {
		t.Fatal(err)
	}
	errs := callEveryMethod(t, s, nil, v)
	delete(errs, "Migrate") // re-creates the table: that is its job
	failedClosed(t, errs, nil, func(err error) bool {
		return strings.HasPrefix(err.Error(), "sqlitestore: ") && strings.Contains(err.Error(), "no such table")
	})
}

// The sweeper logs its errors, with the file, and keeps going; Close
// stops it.
func TestSweeperLogsErrors(t *testing.T) {
	var logged syncBuffer
	s, path := open(t, sqlitestore.Options{SweepInterval: 2 * time.Millisecond, Logger: slogTo(&logged)})
	if _, err := rawDB(t, path).ExecContext(ctx, "DROP TABLE "+s.Table()); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(testwait.Timeout)
	for strings.Count(logged.String(), "no such table") < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("the sweeper logged %q in %v, want two errors", logged.String(), testwait.Timeout)
		}
		time.Sleep(2 * time.Millisecond)
	}
	if out := logged.String(); !strings.Contains(out, "level=ERROR") || !strings.Contains(out, path) {
		t.Errorf("log %q: want errors naming the file", out)
	}
	testwaitWithin(t, "Close with the sweeper running", func() { s.Close() })
}

// A file that is not an SQLite database: Open fails with ErrNotDatabase
// and names the file; the file is left as it was.
func TestOpenNotADatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notes.txt")
	content := []byte(strings.Repeat("these are not the sessions you are looking for\n", 100))
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err := sqlitestore.Open(ctx, path, sqlitestore.Options{})
	if err == nil {
		s.Close()
		t.Fatal("Open of a text file succeeded")
	}
	if !errors.Is(err, sqlitestore.ErrNotDatabase) || !strings.Contains(err.Error(), path) {
		t.Errorf("Open of a text file: %v; want ErrNotDatabase and the path", err)
	}
	if got, _ := os.ReadFile(path); string(got) != string(content) {
		t.Error("Open changed the file")
	}
}

// A database whose pages are damaged: Open, or failing that every call
// that reads the damage, returns an error wrapping ErrNotDatabase, never
// a record.
func TestDamagedDatabase(t *testing.T) {
	s, path := open(t, sqlitestore.Options{SweepInterval: -1})
	for i := range 40 {
		r := rec(time.Now(), strings.Repeat("x", 1000), time.Hour)
		r.Subject = "alice"
		mustSave(t, s, fmt.Sprint("k", i), r)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(b) < 8*4096 {
		t.Fatalf("database of %d bytes, want more pages", len(b))
	}
	for i := 4096; i < len(b); i++ { // everything after the first page
		b[i] = 0xA5
	}
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	s, err = sqlitestore.Open(ctx, path, sqlitestore.Options{SweepInterval: -1})
	if err != nil {
		if !errors.Is(err, sqlitestore.ErrNotDatabase) {
			t.Errorf("Open of a damaged database: %v, want ErrNotDatabase", err)
		}
		t.Logf("Open failed: %v", err)
		return
	}
	defer s.Close()
	_, ok, err := s.Load(ctx, "k7")
	if ok || !errors.Is(err, sqlitestore.ErrNotDatabase) {
		t.Errorf("Load from a damaged database: ok=%v %v, want ErrNotDatabase", ok, err)
	}
	if _, err := s.Sessions(ctx, "alice"); !errors.Is(err, sqlitestore.ErrNotDatabase) {
		t.Errorf("Sessions from a damaged database: %v, want ErrNotDatabase", err)
	}
}

func TestOpenMissingDirectory(t *testing.T) {
	path := filepath.Join(t.TempDir(), "missing-dir", "s.db")
	if s, err := sqlitestore.Open(ctx, path, sqlitestore.Options{}); err == nil || !strings.Contains(err.Error(), "missing-dir") {
		if s != nil {
			s.Close()
		}
		t.Errorf("Open in a missing directory: %v", err)
	}
}

// A table of the same name that the application made for something else:
// Open says so instead of failing at the first Save.
func TestOpenForeignTable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.db")
	if _, err := rawDB(t, path).ExecContext(ctx, "CREATE TABLE sessions (token TEXT PRIMARY KEY, data BLOB, expiry REAL)"); err != nil {
		t.Fatal(err)
	}
	s, err := sqlitestore.Open(ctx, path, sqlitestore.Options{Table: "sessions"})
	if err == nil {
		s.Close()
		t.Fatal("Open over a foreign table succeeded")
	}
	if !strings.Contains(err.Error(), "not a session table") || !strings.Contains(err.Error(), path) {
		t.Errorf("Open over a foreign table: %v", err)
	}
}

// Open's own context bounds the migration.
func TestOpenCanceled(t *testing.T) {
	c, cancel := context.WithCancel(ctx)
	cancel()
	s, err := sqlitestore.Open(c, filepath.Join(t.TempDir(), "s.db"), sqlitestore.Options{})
	if err == nil {
		s.Close()
		t.Fatal("Open with a canceled context succeeded")
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Open with a canceled context: %v", err)
	}
}

var _ = store.ErrClosed

// A canceled context reaches every method, the optional ones included:
// each returns context.Canceled, and nothing changes.
func TestEveryMethodCanceled(t *testing.T) {
	s, path := open(t, sqlitestore.Options{SweepInterval: -1})
	v := seedFaultRecords(t, s)
	errs := callEveryMethod(t, s, func() (context.Context, context.CancelFunc) {
		c, cancel := context.WithCancel(ctx)
		cancel()
		return c, cancel
	}, v)
	failedClosed(t, errs, nil, func(err error) bool { return errors.Is(err, context.Canceled) })
	if got, want := rows(t, path, s), seededRows(v); !maps.Equal(got, want) {
		t.Errorf("rows after the canceled calls: %v, want them unchanged: %v", got, want)
	}
}

// The errors that classify a driver error still carry it, and say both.
func TestErrorText(t *testing.T) {
	s, path := open(t, sqlitestore.Options{SweepInterval: -1, BusyTimeout: -1})
	release := holdLockInProcess(t, path, s)
	defer release()
	_, err := s.Save(ctx, "k", rec(time.Now(), "x", time.Hour))
	if err == nil {
		t.Fatal("Save with the lock held succeeded")
	}
	msg := err.Error()
	if !strings.HasPrefix(msg, "sqlitestore: save: database is locked") || strings.Count(msg, "sqlitestore:") != 1 {
		t.Errorf("error text %q", msg)
	}
	var se interface{ Code() int }
	if !errors.As(err, &se) || se.Code()&0xff != 5 {
		t.Errorf("the driver's error (SQLITE_BUSY) is not wrapped: %v", err)
	}
}
