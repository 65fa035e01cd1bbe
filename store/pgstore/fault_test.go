package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessionkit/session/internal/scaletest"
	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/pgstore"
)

// poolVia returns a pool to the shared test database whose connections go
// through addr instead (a proxy or a listener of the test's own).
func poolVia(t *testing.T, addr string) *pgxpool.Pool {
	t.Helper()
	cfg, err := pgxpool.ParseConfig(dsn(t))
	if err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(addr)
	cfg.ConnConfig.Host = host
	fmt.Sscan(port, &cfg.ConnConfig.Port)
	cfg.ConnConfig.ConnectTimeout = 2 * time.Second
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// callEveryMethod calls every method of s once, each with its own context
// from newCtx, and returns the error of each, by name. The calls would
// succeed against a working server: k holds version v of alice's session.
func callEveryMethod(t *testing.T, s *pgstore.Store, newCtx func() (context.Context, context.CancelFunc), v uint64) map[string]error {
	t.Helper()
	errs := map[string]error{}
	call := func(name string, f func(ctx context.Context) error) {
		c, cancel := newCtx()
		defer cancel()
		errs[name] = f(c)
	}
	call("Load", func(c context.Context) error {
		_, ok, err := s.Load(c, "k")
		if ok {
			t.Errorf("Load returned a record with the server unreachable")
		}
		return err
	})
	call("Save", func(c context.Context) error {
		r := rec("changed", time.Hour)
		r.Version, r.Subject = v, "alice"
		_, err := s.Save(c, "k", r)
		return err
	})
	call("Save(0)", func(c context.Context) error { _, err := s.Save(c, "new", rec("new", time.Hour)); return err })
	call("Delete", func(c context.Context) error { return s.Delete(c, "other") })
	call("CompareAndDelete", func(c context.Context) error { return s.CompareAndDelete(c, "k", v) })
	call("CompareAndDelete(missing, 0)", func(c context.Context) error { return s.CompareAndDelete(c, "missing", 0) })
	call("Touch", func(c context.Context) error { return s.Touch(c, "k", time.Now(), time.Now().Add(2*time.Hour)) })
	call("Sessions", func(c context.Context) error { _, err := s.Sessions(c, "alice"); return err })
	call("DeleteSubject", func(c context.Context) error { _, err := s.DeleteSubject(c, "alice", ""); return err })
	call("Sweep", func(c context.Context) error { _, err := s.Sweep(c); return err })
	call("Migrate", func(c context.Context) error { return s.Migrate(c) })
	return errs
}

// seedFaultRecords saves alice's session k, another one and an expired
// one, and returns k's version.
func seedFaultRecords(t *testing.T, s *pgstore.Store) uint64 {
	t.Helper()
	r := rec("before", time.Hour)
	r.Subject = "alice"
	v, err := s.Save(ctx, "k", r)
	if err != nil {
		t.Fatal(err)
	}
	o := rec("other", time.Hour)
	o.Subject = "alice"
	if _, err := s.Save(ctx, "other", o); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Save(ctx, "expired", rec("expired", -time.Second)); err != nil {
		t.Fatal(err)
	}
	return v
}

// checkUnchanged checks, through pool, that the rows are as seeded.
func checkUnchanged(t *testing.T, pool *pgxpool.Pool, s *pgstore.Store, v uint64) {
	t.Helper()
	rows := map[string]string{}
	r, err := pool.Query(ctx, "SELECT key, convert_from(data, 'UTF8'), version FROM "+s.Table())
	if err != nil {
		t.Fatal(err)
	}
	for r.Next() {
		var key, data string
		var version int64
		if err := r.Scan(&key, &data, &version); err != nil {
			t.Fatal(err)
		}
		rows[key] = fmt.Sprintf("%s@%d", data, version)
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"k": fmt.Sprintf("before@%d", v), "other": "other@1", "expired": "expired@1"}
	if fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Errorf("rows after the failed calls: %v, want them unchanged: %v", rows, want)
	}
}

// failedClosed checks that every call failed, with an error that is
// neither a conflict nor an invalid key (the server failed, not the
// caller), and, if want is not nil, that want accepts it.
func failedClosed(t *testing.T, errs map[string]error, want func(error) bool) {
	t.Helper()
	for name, err := range errs {
		switch {
		case err == nil:
			t.Errorf("%s reported success with the server unreachable", name)
		case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrInvalidKey):
			t.Errorf("%s with the server unreachable: %v, a caller error for a server failure", name, err)
		case want != nil && !want(err):
			t.Errorf("%s with the server unreachable: %v", name, err)
		}
	}
}

// PostgreSQL goes away — every connection of the pool cut at once by a
// proxy in front of the shared server, which is never touched, and new
// ones refused: every method, CompareAndDelete included, fails with an
// error (none reports a success, not even the no-op
// CompareAndDelete(missing, 0)), and nothing changed when it is back.
func TestUnreachableEveryMethodFails(t *testing.T) {
	shared := newPool(t)
	schema := testSchema(t, shared)
	cfg, err := pgxpool.ParseConfig(dsn(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := scaletest.NewProxy(t, net.JoinHostPort(cfg.ConnConfig.Host, fmt.Sprint(cfg.ConnConfig.Port)))
	s := newStore(t, poolVia(t, proxy.Addr()), pgstore.Options{Schema: schema, SweepInterval: -1})
	v := seedFaultRecords(t, s)
	proxy.Stop()
	errs := callEveryMethod(t, s, func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(ctx, 10*time.Second)
	}, v)
	failedClosed(t, errs, func(err error) bool { return strings.Contains(err.Error(), "pgstore") })
	checkUnchanged(t, shared, s, v)
	proxy.Start(t)
	if _, ok, err := s.Load(ctx, "k"); err != nil || !ok {
		t.Errorf("Load once PostgreSQL is back: %v %v", ok, err)
	}
}

// blackhole accepts connections and never answers: a server that hangs.
func blackhole(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, conn)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Error("blackhole: the accept loop did not stop")
		}
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	})
	return l.Addr().String()
}

// A PostgreSQL that accepts connections but never answers: every method
// fails with context.DeadlineExceeded at the caller's deadline, none
// succeeds.
func TestHangingServerEveryMethodFails(t *testing.T) {
	s, err := pgstore.New(poolVia(t, blackhole(t)), pgstore.Options{SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const deadline = 200 * time.Millisecond
	start := time.Now()
	errs := callEveryMethod(t, s, func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(ctx, deadline)
	}, 1)
	if took := time.Since(start); took > time.Duration(len(errs))*(deadline+time.Second) {
		t.Errorf("%d calls took %v with a %v deadline each", len(errs), took, deadline)
	}
	failedClosed(t, errs, func(err error) bool { return errors.Is(err, context.DeadlineExceeded) })
}
