package pgstore_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/sessionkit/session/internal/scaletest"
	"github.com/sessionkit/session/internal/testwait"
	"github.com/sessionkit/session/sessiontest"
	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/pgstore"
	"github.com/sessionkit/session/store/storetest"
)

var ctx = context.Background()

// dsn is the shared test database, from SESSIONKIT_TEST_POSTGRES_DSN.
func dsn(t testing.TB) string {
	return scaletest.Env(t, "SESSIONKIT_TEST_POSTGRES_DSN",
		"a PostgreSQL database, e.g. postgres://postgres@127.0.0.1:5432/test?sslmode=disable")
}

// newPool connects to the shared test database; closed in Cleanup.
func newPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(ctx, dsn(t))
	if err != nil {
		t.Fatalf("SESSIONKIT_TEST_POSTGRES_DSN: %v", err)
	}
	t.Cleanup(pool.Close)
	if err := pool.Ping(ctx); err != nil {
		t.Fatalf("PostgreSQL does not answer: %v", err)
	}
	return pool
}

// testSchema creates a schema no other test uses and drops it in Cleanup
// (registered before the stores', so it runs after they are closed).
func testSchema(t testing.TB, pool *pgxpool.Pool) string {
	t.Helper()
	name := "sk_test_" + scaletest.RandomName(8)
	if _, err := pool.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{name}.Sanitize()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if _, err := pool.Exec(context.Background(), "DROP SCHEMA "+pgx.Identifier{name}.Sanitize()+" CASCADE"); err != nil {
			t.Errorf("dropping schema %s: %v", name, err)
		}
	})
	return name
}

func newStore(t testing.TB, pool *pgxpool.Pool, opts pgstore.Options) *pgstore.Store {
	t.Helper()
	s, err := pgstore.New(pool, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	pool := newPool(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		return newStore(t, pool, pgstore.Options{Schema: testSchema(t, pool)})
	})
}

func rec(data string, ttl time.Duration) store.Record {
	n := time.Now()
	return store.Record{Data: []byte(data), Created: n, LastSeen: n, Expires: n.Add(ttl)}
}

func count(t testing.TB, pool *pgxpool.Pool, s *pgstore.Store) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM "+s.Table()).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Migrate is idempotent and safe to run concurrently (several app instances
// starting at once); it creates the table and both indexes.
func TestMigrate(t *testing.T) {
	pool := newPool(t)
	schema := testSchema(t, pool)
	s, err := pgstore.New(pool, pgstore.Options{Schema: schema, SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Add(1)
		go func() { defer wg.Done(); errs <- s.Migrate(ctx) }()
	}
	testwait.Wait(t, &wg, 0, "8 concurrent migrations")
	close(errs)
	for err := range errs {
		if err != nil {
			t.Errorf("concurrent Migrate: %v", err)
		}
	}
	if err := s.Migrate(ctx); err != nil {
		t.Errorf("Migrate again: %v", err)
	}
	rows, _ := pool.Query(ctx, "SELECT indexdef FROM pg_indexes WHERE schemaname = $1 AND tablename = $2", schema, pgstore.DefaultTable)
	defs, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(defs, "\n")
	for _, want := range []string{"(key)", "(subject)", "(expires)"} {
		if !strings.Contains(joined, want) {
			t.Errorf("no index on %s:\n%s", want, joined)
		}
	}
}

// Without Options.Schema the table lives in the connection's current schema.
func TestDefaultTableInCurrentSchema(t *testing.T) {
	pool := newPool(t)
	schema := testSchema(t, pool)
	cfg, err := pgxpool.ParseConfig(dsn(t))
	if err != nil {
		t.Fatal(err)
	}
	cfg.ConnConfig.RuntimeParams["search_path"] = schema
	scoped, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer scoped.Close()
	s := newStore(t, scoped, pgstore.Options{Table: "my sessions"})
	if _, err := s.Save(ctx, "k", rec("x", time.Hour)); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := pool.QueryRow(ctx, fmt.Sprintf(`SELECT count(*) FROM %s."my sessions"`, pgx.Identifier{schema}.Sanitize())).Scan(&n); err != nil || n != 1 {
		t.Errorf("rows in %s.\"my sessions\": %d, %v", schema, n, err)
	}
}

// A zero Expires means never: kept as 'infinity', loaded back as zero,
// never swept.
func TestZeroExpiresNeverExpires(t *testing.T) {
	pool := newPool(t)
	s := newStore(t, pool, pgstore.Options{Schema: testSchema(t, pool)})
	r := rec("forever", 0)
	r.Expires = time.Time{}
	if _, err := s.Save(ctx, "k", r); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Sweep(ctx); err != nil {
		t.Fatal(err)
	}
	got, ok, err := s.Load(ctx, "k")
	if err != nil || !ok || !got.Expires.IsZero() || string(got.Data) != "forever" {
		t.Errorf("Load = %+v, %v, %v", got, ok, err)
	}
}

// Values PostgreSQL's text and jsonb cannot hold are refused with an error,
// not a panic and not a partial write.
func TestValuesPostgresCannotHold(t *testing.T) {
	pool := newPool(t)
	s := newStore(t, pool, pgstore.Options{Schema: testSchema(t, pool)})
	// NUL anywhere, the first byte included, and invalid UTF-8.
	for _, k := range []string{"a\x00b", "\x00k", "k\x00", "\x00", "\xff\xfe"} {
		if _, err := s.Save(ctx, k, rec("x", time.Hour)); !errors.Is(err, store.ErrInvalidKey) {
			t.Errorf("key %q: %v, want ErrInvalidKey", k, err)
		}
		if _, _, err := s.Load(ctx, k); !errors.Is(err, store.ErrInvalidKey) {
			t.Errorf("Load(%q): %v, want ErrInvalidKey", k, err)
		}
	}
	for _, sub := range []string{"a\x00b", "\x00b", "\xff"} {
		r := rec("x", time.Hour)
		r.Subject = sub
		if _, err := s.Save(ctx, "k", r); err == nil || !strings.Contains(err.Error(), "subject must be UTF-8 without NUL") {
			t.Errorf("subject %q: %v, want it refused before reaching PostgreSQL", sub, err)
		}
	}
	for _, m := range []map[string]string{{"ua": "a\x00b"}, {"ua": "\x00"}, {"\x00ua": "x"}, {"u\x00a": "x"}} {
		r := rec("x", time.Hour)
		r.Meta = m
		if _, err := s.Save(ctx, "k", r); err == nil || !strings.Contains(err.Error(), "metadata cannot contain NUL") {
			t.Errorf("metadata %q: %v, want it refused before reaching PostgreSQL", m, err)
		}
	}
	// Subjects and keys no row can have: nothing to list or delete, no error.
	for _, sub := range []string{"a\x00b", "\x00b", "\xff"} {
		if infos, err := s.Sessions(ctx, sub); err != nil || len(infos) != 0 {
			t.Errorf("Sessions of the impossible subject %q: %v %v", sub, infos, err)
		}
		if n, err := s.DeleteSubject(ctx, sub, ""); err != nil || n != 0 {
			t.Errorf("DeleteSubject of the impossible subject %q: %d %v", sub, n, err)
		}
	}
	for _, keep := range []string{"\x00k", "\xff"} {
		if n, err := s.DeleteSubject(ctx, "alice", keep); err != nil || n != 0 {
			t.Errorf("DeleteSubject(alice, keep %q): %d %v", keep, n, err)
		}
	}
	if n := count(t, pool, s); n != 0 {
		t.Errorf("%d rows written", n)
	}
}

// The sweeper goroutine deletes expired rows in batches, keeps live ones,
// and Close stops it and waits for it.
func TestSweeper(t *testing.T) {
	pool := newPool(t)
	schema := testSchema(t, pool)
	s, err := pgstore.New(pool, pgstore.Options{Schema: schema, SweepInterval: 50 * time.Millisecond, SweepBatch: 3,
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		if _, err := s.Save(ctx, fmt.Sprint("old", i), rec("old", -time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	s.Save(ctx, "live", rec("live", time.Hour))
	deadline := time.Now().Add(10 * time.Second)
	for count(t, pool, s) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("%d rows left, want 1 (the live one)", count(t, pool, s))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := pool.Ping(ctx); err != nil {
		t.Errorf("Close closed a pool it did not create: %v", err)
	}
	if _, err := s.Sweep(ctx); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Sweep after Close: %v", err)
	}
	// After Close, no sweeper runs: expired rows stay.
	s2 := newStore(t, pool, pgstore.Options{Schema: schema, SweepInterval: -1, SweepBatch: 3})
	for i := range 7 {
		s2.Save(ctx, fmt.Sprint("old", i), rec("old", -time.Second))
	}
	time.Sleep(150 * time.Millisecond)
	if n := count(t, pool, s2); n != 8 {
		t.Errorf("%d rows after Close with 7 expired and 1 live, want 8", n)
	}
	if n, err := s2.Sweep(ctx); n != 7 || err != nil {
		t.Errorf("Sweep in batches of 3 = %d, %v; want 7", n, err)
	}
}

func TestOpenOwnsItsPool(t *testing.T) {
	pool := newPool(t)
	schema := testSchema(t, pool)
	s, err := pgstore.Open(ctx, dsn(t), pgstore.Options{Schema: schema})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Save(ctx, "k", rec("x", time.Hour)); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := s.Pool().Ping(ctx); err == nil {
		t.Error("the pool Open created is still open after Close")
	}
	if _, _, err := s.Load(ctx, "k"); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Load after Close: %v", err)
	}
	if _, err := pgstore.Open(ctx, "postgres://postgres@127.0.0.1:"+closedPort(t)+"/test?sslmode=disable&connect_timeout=2", pgstore.Options{}); err == nil {
		t.Error("Open of a closed port succeeded")
	}
}

// The serverside layer stores the SHA-256 of the ID: the raw ID appears in
// no column.
func TestRawIDNeverInPostgres(t *testing.T) {
	pool := newPool(t)
	s := newStore(t, pool, pgstore.Options{Schema: testSchema(t, pool)})
	app := scaletest.NewApp(t, s)
	br := scaletest.NewBrowser()
	br.Get(t, app, "/login?user=alice")
	if _, body := br.Get(t, app, "/get?k=user"); body != "alice" {
		t.Fatalf("round trip: %q", body)
	}
	id := br.Cookie(app, "session")
	var n int
	err := pool.QueryRow(ctx, "SELECT count(*) FROM "+s.Table()+
		" WHERE position($1 in key) > 0 OR position(convert_to($1, 'UTF8') in data) > 0 OR position($1 in subject) > 0 OR position($1 in meta::text) > 0", id).Scan(&n)
	if err != nil || n != 0 || len(id) != 43 {
		t.Errorf("rows holding the raw ID %q: %d, %v", id, n, err)
	}
	if c := count(t, pool, s); c != 1 {
		t.Errorf("%d rows, want 1", c)
	}
}

// shared sets up storage for one test that app instances share; each call
// of the function it returns is one instance with its own connections.
func shared(t *testing.T) func() store.Store {
	schema := testSchema(t, newPool(t))
	return func() store.Store { return newStore(t, newPool(t), pgstore.Options{Schema: schema}) }
}

// Two app instances, each with its own connections, sharing one server: a
// login on one is seen on the other; log out everywhere logs out on both.
func TestHorizontalScale(t *testing.T) { scaletest.Horizontal(t, shared) }

// The LostUpdate workload spread over two app instances loses nothing.
func TestLostUpdateAcrossInstances(t *testing.T) { scaletest.LostUpdateAcrossInstances(t, shared) }

// closedPort returns a loopback port nothing listens on.
func closedPort(t testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	l.Close()
	return port
}

var faultApp = scaletest.FaultApp

// PostgreSQL unreachable (nothing listens on the port): every request that
// needs the store fails closed, and a request that does not still works.
func TestUnreachableFailsClosed(t *testing.T) {
	pool, err := pgxpool.New(ctx, "postgres://postgres@127.0.0.1:"+closedPort(t)+"/test?sslmode=disable&connect_timeout=2")
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	s, err := pgstore.New(pool, pgstore.Options{SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h, errs := faultApp(t, s)
	isPG := func(err error) bool { return strings.Contains(err.Error(), "pgstore") }
	cookie := "session=" + strings.Repeat("A", 43) // well-formed: it must be looked up
	scaletest.FailClosed(t, h, cookie, errs, isPG, "/get", "/incr", "/login?user=alice")
	scaletest.FailClosed(t, h, "", errs, isPG, "/login?user=alice", "/incr")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/nothing", nil))
	if rec.Code != 404 {
		t.Errorf("a request that does not touch the session: %d", rec.Code)
	}
}

// A pool closed under a running app: requests fail closed, with no panic.
func TestClosedPoolFailsClosed(t *testing.T) {
	shared := newPool(t)
	schema := testSchema(t, shared)
	pool := newPool(t)
	s := newStore(t, pool, pgstore.Options{Schema: schema})
	h, errs := faultApp(t, s)
	cl := sessiontest.NewClient(h)
	cl.Get("/login?user=alice")
	if got := cl.Get("/get").Body; got != "0" {
		t.Fatalf("before: %q", got)
	}
	cookie := "session=" + cl.Cookie("session").Value
	pool.Close()
	scaletest.FailClosed(t, h, cookie, errs, func(err error) bool { return strings.Contains(err.Error(), "pgstore") },
		"/get", "/incr", "/login?user=alice")
	var n int
	shared.QueryRow(ctx, "SELECT count(*) FROM "+s.Table()).Scan(&n)
	if n != 1 {
		t.Errorf("%d rows after the failed requests, want the 1 from before", n)
	}
}

// A slow PostgreSQL — the table locked by another transaction — does not
// hold a request past its deadline: it fails with
// context.DeadlineExceeded, and works again once the lock is released.
func TestSlowPostgresHonoursRequestDeadline(t *testing.T) {
	pool := newPool(t)
	s := newStore(t, pool, pgstore.Options{Schema: testSchema(t, pool)})
	h, errs := faultApp(t, s)
	cl := sessiontest.NewClient(h)
	cl.Get("/login?user=alice")
	cookie := "session=" + cl.Cookie("session").Value

	locker, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Rollback(ctx)
	if _, err := locker.Exec(ctx, "LOCK TABLE "+s.Table()+" IN ACCESS EXCLUSIVE MODE"); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/get", "/incr"} {
		rctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		r := httptest.NewRequestWithContext(rctx, "GET", path, nil)
		r.Header.Set("Cookie", cookie)
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, r)
		took := time.Since(start)
		cancel()
		err := errs.Last()
		if rec.Code != 500 || !errors.Is(err, context.DeadlineExceeded) || took > time.Second {
			t.Errorf("%s against a locked table: status %d after %v, error %v; want 500 within the 200ms deadline, DeadlineExceeded",
				path, rec.Code, took, err)
		}
	}
	locker.Rollback(ctx)
	if got := cl.Get("/get").Body; got != "0" {
		t.Errorf("after the lock: %q", got)
	}
}

// PostgreSQL goes away in the middle of a load of writes — every
// connection cut at once by a proxy in front of the shared server, which
// itself is never touched — and comes back on the same address: during the
// outage every request fails closed, afterwards the same app and pool
// serve the same sessions, and nothing acknowledged was lost (see
// scaletest.OutageUnderLoad).
func TestOutageMidLoadFailsClosedAndRecovers(t *testing.T) {
	shared := newPool(t)
	schema := testSchema(t, shared)
	cfg, err := pgxpool.ParseConfig(dsn(t))
	if err != nil {
		t.Fatal(err)
	}
	proxy := scaletest.NewProxy(t, net.JoinHostPort(cfg.ConnConfig.Host, fmt.Sprint(cfg.ConnConfig.Port)))
	host, port, _ := net.SplitHostPort(proxy.Addr())
	cfg.ConnConfig.Host = host
	fmt.Sscan(port, &cfg.ConnConfig.Port)
	cfg.ConnConfig.ConnectTimeout = 2 * time.Second
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	s := newStore(t, pool, pgstore.Options{Schema: schema})
	h, errs := faultApp(t, s)
	scaletest.OutageUnderLoad(t, h, errs, "pgstore", proxy.Stop, func() { proxy.Start(t) })
}
