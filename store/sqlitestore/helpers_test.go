package sqlitestore_test

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/sqlitestore"
)

// syncBuffer is a bytes.Buffer safe for a logger and a test to share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func slogTo(w io.Writer) *slog.Logger { return slog.New(slog.NewTextHandler(w, nil)) }

// rawDB opens path with the driver directly, as another program would.
func rawDB(t testing.TB, path string) *sql.DB {
	t.Helper()
	db, err := openRaw(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// callEveryMethod calls every method of s once, each with its own context
// from newCtx (context.Background when nil), and returns the error of
// each, by name. The calls would succeed on a working database: k holds
// version v of alice's session.
func callEveryMethod(t *testing.T, s *sqlitestore.Store, newCtx func() (context.Context, context.CancelFunc), v uint64) map[string]error {
	t.Helper()
	if newCtx == nil {
		newCtx = func() (context.Context, context.CancelFunc) { return context.WithCancel(ctx) }
	}
	errs := map[string]error{}
	call := func(name string, f func(ctx context.Context) error) {
		c, cancel := newCtx()
		defer cancel()
		errs[name] = f(c)
	}
	now := time.Now()
	call("Load", func(c context.Context) error {
		_, ok, err := s.Load(c, "k")
		if ok && err == nil {
			return nil
		}
		if ok {
			t.Errorf("Load returned a record and an error")
		}
		return err
	})
	call("Save", func(c context.Context) error {
		r := rec(now, "changed", time.Hour)
		r.Version, r.Subject = v, "alice"
		_, err := s.Save(c, "k", r)
		return err
	})
	call("Save(0)", func(c context.Context) error { _, err := s.Save(c, "new", rec(now, "new", time.Hour)); return err })
	call("Delete", func(c context.Context) error { return s.Delete(c, "other") })
	call("CompareAndDelete", func(c context.Context) error { return s.CompareAndDelete(c, "k", v) })
	call("CompareAndDelete(missing, 0)", func(c context.Context) error { return s.CompareAndDelete(c, "missing", 0) })
	call("Touch", func(c context.Context) error { return s.Touch(c, "k", now, now.Add(2*time.Hour)) })
	call("Sessions", func(c context.Context) error { _, err := s.Sessions(c, "alice"); return err })
	call("DeleteSubject", func(c context.Context) error { _, err := s.DeleteSubject(c, "alice", ""); return err })
	call("Sweep", func(c context.Context) error { _, err := s.Sweep(c); return err })
	call("Migrate", func(c context.Context) error { return s.Migrate(c) })
	return errs
}

// writeMethods are the methods of callEveryMethod that need the write lock.
var writeMethods = []string{"Save", "Save(0)", "Delete", "CompareAndDelete", "Touch", "DeleteSubject", "Sweep", "Migrate"}

// seedFaultRecords saves alice's session k, another one of hers and an
// expired one, and returns k's version.
func seedFaultRecords(t *testing.T, s *sqlitestore.Store) uint64 {
	t.Helper()
	now := time.Now()
	r := rec(now, "before", time.Hour)
	r.Subject = "alice"
	v := mustSave(t, s, "k", r)
	o := rec(now, "other", time.Hour)
	o.Subject = "alice"
	mustSave(t, s, "other", o)
	mustSave(t, s, "expired", rec(now, "expired", -time.Second))
	return v
}

// rows returns key → "data@version" of every row of s's table, read
// through another connection.
func rows(t *testing.T, path string, s *sqlitestore.Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	r, err := rawDB(t, path).QueryContext(ctx, "SELECT key, CAST(data AS TEXT), version FROM "+s.Table())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for r.Next() {
		var key, data string
		var version int64
		if err := r.Scan(&key, &data, &version); err != nil {
			t.Fatal(err)
		}
		out[key] = data + "@" + itoa(version)
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// failedClosed checks that every call named in names (all when nil)
// failed, with an error that is neither a conflict nor an invalid key (the
// database failed, not the caller), and, if want is not nil, that want
// accepts it.
func failedClosed(t *testing.T, errs map[string]error, names []string, want func(error) bool) {
	t.Helper()
	if names == nil {
		for name := range errs {
			names = append(names, name)
		}
	}
	for _, name := range names {
		err, ok := errs[name]
		switch {
		case !ok:
			t.Errorf("%s was not called", name)
		case err == nil:
			t.Errorf("%s reported success", name)
		case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrInvalidKey):
			t.Errorf("%s: %v, a caller error for a database failure", name, err)
		case want != nil && !want(err):
			t.Errorf("%s: unexpected error %v", name, err)
		}
	}
}

// openRaw opens path with the driver directly, as another program would.
func openRaw(path string) (*sql.DB, error) {
	esc := strings.NewReplacer("%", "%25", "?", "%3f", "#", "%23").Replace(path)
	return sql.Open("sqlite", "file:"+esc+"?_busy_timeout=10000")
}
