package mysqlstore_test

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-sql-driver/mysql"

	"github.com/sessionkit/session/internal/scaletest"
	"github.com/sessionkit/session/internal/testwait"
	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/mysqlstore"
	"github.com/sessionkit/session/store/storetest"
)

var ctx = context.Background()

// dsn is the shared test database, from SESSIONKIT_TEST_MYSQL_DSN.
func dsn(t testing.TB) string {
	return scaletest.Env(t, "SESSIONKIT_TEST_MYSQL_DSN",
		"a MySQL or MariaDB database, e.g. root@tcp(127.0.0.1:3306)/test")
}

// config parses the test DSN.
func config(t testing.TB) *mysql.Config {
	t.Helper()
	cfg, err := mysql.ParseDSN(dsn(t))
	if err != nil {
		t.Fatalf("SESSIONKIT_TEST_MYSQL_DSN: %v", err)
	}
	return cfg
}

// openDB opens a *sql.DB for cfg and checks that it answers; closed in Cleanup.
func openDB(t testing.TB, cfg *mysql.Config) *sql.DB {
	t.Helper()
	conn, err := mysql.NewConnector(cfg)
	if err != nil {
		t.Fatal(err)
	}
	db := sql.OpenDB(conn)
	t.Cleanup(func() { db.Close() })
	if err := db.PingContext(ctx); err != nil {
		t.Fatalf("MySQL/MariaDB does not answer at %s: %v", cfg.Addr, err)
	}
	return db
}

// newDB connects to the shared test database.
func newDB(t testing.TB) *sql.DB { return openDB(t, config(t)) }

// testTable returns a table name no other test uses and drops the table in
// Cleanup (registered before the stores', so it runs after they are closed).
func testTable(t testing.TB, db *sql.DB) string {
	t.Helper()
	name := "sk_test_" + scaletest.RandomName(8)
	t.Cleanup(func() {
		if _, err := db.ExecContext(context.Background(), "DROP TABLE IF EXISTS `"+name+"`"); err != nil {
			t.Errorf("dropping table %s: %v", name, err)
		}
	})
	return name
}

func newStore(t testing.TB, db *sql.DB, opts mysqlstore.Options) *mysqlstore.Store {
	t.Helper()
	s, err := mysqlstore.New(db, opts)
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
	db := newDB(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		return newStore(t, db, mysqlstore.Options{Table: testTable(t, db)})
	})
}

// The store's behaviour does not depend on the DSN: times are integers the
// store converts itself (parseTime and loc do not matter), compare-and-swap
// reads whether a row matched whether the driver reports found or changed
// rows (clientFoundRows), the clock is UTC whatever the session's
// time_zone, and compare-and-swap holds under READ COMMITTED as under the
// default REPEATABLE READ. The whole suite runs again through such a
// connection.
func TestConformanceWithOtherDSNOptions(t *testing.T) {
	cfg := config(t)
	isolation := "transaction_isolation" // MySQL 8, MariaDB 11.1+
	var version string
	if err := newDB(t).QueryRowContext(ctx, "SELECT VERSION()").Scan(&version); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(version, "MariaDB") && !strings.HasPrefix(version, "11.") {
		isolation = "tx_isolation"
	}
	cfg.ParseTime = true
	cfg.Loc = time.FixedZone("UTC-7", -7*3600)
	cfg.ClientFoundRows = true
	cfg.InterpolateParams = true
	if cfg.Params == nil {
		cfg.Params = map[string]string{}
	}
	cfg.Params["time_zone"] = "'+05:00'"
	cfg.Params["sql_mode"] = "''" // not strict: the store must not rely on the server refusing bad values
	cfg.Params[isolation] = "'READ-COMMITTED'"
	db := openDB(t, cfg)
	var tz, iso string
	if err := db.QueryRowContext(ctx, "SELECT @@session.time_zone, @@session."+isolation).Scan(&tz, &iso); err != nil || tz != "+05:00" || iso != "READ-COMMITTED" {
		t.Fatalf("session time_zone %q, isolation %q, %v", tz, iso, err)
	}
	storetest.Run(t, func(t *testing.T) store.Store {
		return newStore(t, db, mysqlstore.Options{Table: testTable(t, db)})
	})
}

func rec(data string, ttl time.Duration) store.Record {
	n := time.Now()
	return store.Record{Data: []byte(data), Created: n, LastSeen: n, Expires: n.Add(ttl)}
}

func count(t testing.TB, db *sql.DB, s *mysqlstore.Store) int {
	t.Helper()
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+s.Table()).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Migrate is idempotent and safe to run concurrently (several app instances
// starting at once); it creates the table with its primary key and both
// indexes, and the data survives a second migration.
func TestMigrate(t *testing.T) {
	db := newDB(t)
	table := testTable(t, db)
	s, err := mysqlstore.New(db, mysqlstore.Options{Table: table, SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, _, err := s.Load(ctx, "k"); err == nil {
		t.Error("Load before Migrate (no table) succeeded")
	}
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
	if _, err := s.Save(ctx, "k", rec("kept", time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Errorf("Migrate again: %v", err)
	}
	if got, ok, err := s.Load(ctx, "k"); err != nil || !ok || string(got.Data) != "kept" {
		t.Errorf("after migrating again: %+v %v %v", got, ok, err)
	}
	rows, err := db.QueryContext(ctx, "SELECT index_name, group_concat(column_name ORDER BY seq_in_index) "+
		"FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? GROUP BY index_name", table)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	got := map[string]string{}
	for rows.Next() {
		var name, cols string
		if err := rows.Scan(&name, &cols); err != nil {
			t.Fatal(err)
		}
		got[name] = cols
	}
	want := map[string]string{"PRIMARY": "k", "subject_created": "subject,created_us", "expires": "expires_us"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("indexes %v, want %v", got, want)
	}
}

// A table of the same name made for something else is reported by
// Migrate, not at the first request.
func TestMigrateRefusesForeignTable(t *testing.T) {
	db := newDB(t)
	table := testTable(t, db)
	if _, err := db.ExecContext(ctx, "CREATE TABLE `"+table+"` (id INT PRIMARY KEY)"); err != nil {
		t.Fatal(err)
	}
	s, err := mysqlstore.New(db, mysqlstore.Options{Table: table, SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Migrate(ctx); err == nil || !strings.Contains(err.Error(), "checking the columns") {
		t.Errorf("Migrate over a foreign table: %v, want an error naming the check", err)
	}
}

// Options.Database puts the table in another database than the DSN's, and
// names with backticks are quoted.
func TestDatabaseOptionAndQuoting(t *testing.T) {
	db := newDB(t)
	other := "sk_test_db_" + scaletest.RandomName(6)
	if _, err := db.ExecContext(ctx, "CREATE DATABASE `"+other+"`"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.ExecContext(context.Background(), "DROP DATABASE `"+other+"`") })
	s := newStore(t, db, mysqlstore.Options{Database: other, Table: "my `sessions`", SweepInterval: -1})
	if _, err := s.Save(ctx, "k", rec("x", time.Hour)); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT count(*) FROM `"+other+"`.`my ``sessions```").Scan(&n); err != nil || n != 1 {
		t.Errorf("rows in %s.`my `sessions``: %d, %v", other, n, err)
	}
	if s.Table() != "`"+other+"`.`my ``sessions```" {
		t.Errorf("Table() = %s", s.Table())
	}
}

// A zero Expires means never: kept as NULL, loaded back as zero, never
// swept, and Touch may set it.
func TestZeroExpiresNeverExpires(t *testing.T) {
	db := newDB(t)
	s := newStore(t, db, mysqlstore.Options{Table: testTable(t, db)})
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
	if _, err := s.Save(ctx, "t", rec("touched", time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.Touch(ctx, "t", time.Now(), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if got, ok, err := s.Load(ctx, "t"); err != nil || !ok || !got.Expires.IsZero() {
		t.Errorf("after Touch to never: %+v %v %v", got, ok, err)
	}
}

// Keys and subjects are binary: compared byte for byte, so keys and
// subjects that a case-insensitive or PAD SPACE collation would take for
// one (alice, Alice, "alice ", "alice\x00") stay distinct — a user named
// "Alice" cannot list or revoke alice's sessions — and bytes that are not
// UTF-8 are held exactly.
func TestKeysAndSubjectsAreBinary(t *testing.T) {
	db := newDB(t)
	s := newStore(t, db, mysqlstore.Options{Table: testTable(t, db)})
	names := []string{"alice", "Alice", "alice ", "alice\x00", "ALICE", "\xffalice", "älice", "alice\t"}
	for _, n := range names {
		r := rec("data of "+n, time.Hour)
		r.Subject = n
		if _, err := s.Save(ctx, n, r); err != nil {
			t.Fatalf("Save(%q): %v", n, err)
		}
	}
	for _, n := range names {
		got, ok, err := s.Load(ctx, n)
		if err != nil || !ok || string(got.Data) != "data of "+n || got.Subject != n {
			t.Errorf("Load(%q) = %q subject %q, %v %v", n, got.Data, got.Subject, ok, err)
		}
		infos, err := s.Sessions(ctx, n)
		if err != nil || len(infos) != 1 || infos[0].Key != n || infos[0].Subject != n {
			t.Errorf("Sessions(%q) = %+v, %v; want its own session only", n, infos, err)
		}
	}
	if n, err := s.DeleteSubject(ctx, "Alice", ""); err != nil || n != 1 {
		t.Errorf("DeleteSubject(Alice) = %d, %v; want 1", n, err)
	}
	if err := s.CompareAndDelete(ctx, "ALICE", 1); err != nil {
		t.Error(err)
	}
	if err := s.Delete(ctx, "alice "); err != nil {
		t.Error(err)
	}
	for _, n := range names {
		_, ok, err := s.Load(ctx, n)
		want := n != "Alice" && n != "ALICE" && n != "alice "
		if err != nil || ok != want {
			t.Errorf("after deleting Alice, ALICE and \"alice \": %q present=%v (%v), want %v", n, ok, err, want)
		}
	}
}

// Metadata is kept as JSON in a binary column: any UTF-8, NUL and
// characters outside the BMP included, round-trips; metadata that is not
// UTF-8 is refused with an error (JSON would change it), nothing written.
func TestMetadata(t *testing.T) {
	db := newDB(t)
	s := newStore(t, db, mysqlstore.Options{Table: testTable(t, db)})
	r := rec("x", time.Hour)
	r.Subject = "alice"
	r.Meta = map[string]string{"ua": "Mozilla/5.0 😀", "nul": "a\x00b", "": "empty key", "quote": `"'\`}
	if _, err := s.Save(ctx, "k", r); err != nil {
		t.Fatal(err)
	}
	got, _, err := s.Load(ctx, "k")
	if err != nil || fmt.Sprint(got.Meta) != fmt.Sprint(r.Meta) {
		t.Errorf("Load meta %q, %v; want %q", got.Meta, err, r.Meta)
	}
	infos, err := s.Sessions(ctx, "alice")
	if err != nil || len(infos) != 1 || fmt.Sprint(infos[0].Meta) != fmt.Sprint(r.Meta) {
		t.Errorf("Sessions meta %+v, %v", infos, err)
	}
	empty := rec("x", time.Hour)
	empty.Meta = map[string]string{}
	if _, err := s.Save(ctx, "empty", empty); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := s.Load(ctx, "empty"); got.Meta == nil || len(got.Meta) != 0 {
		t.Errorf("empty metadata loaded as %#v", got.Meta)
	}
	if got, _, _ := s.Load(ctx, "k"); got.Meta == nil {
		t.Error("metadata lost")
	}
	none := rec("x", time.Hour)
	if _, err := s.Save(ctx, "none", none); err != nil {
		t.Fatal(err)
	}
	var null bool
	if err := db.QueryRowContext(ctx, "SELECT meta IS NULL FROM "+s.Table()+" WHERE k = 'none'").Scan(&null); err != nil || !null {
		t.Errorf("nil metadata stored as NULL: %v, %v", null, err)
	}
	if got, _, _ := s.Load(ctx, "none"); got.Meta != nil {
		t.Errorf("nil metadata loaded as %#v", got.Meta)
	}
	for _, m := range []map[string]string{{"ua": "\xff"}, {"\xfe": "x"}} {
		bad := rec("x", time.Hour)
		bad.Meta = m
		if _, err := s.Save(ctx, "bad", bad); err == nil || !strings.Contains(err.Error(), "metadata must be UTF-8") {
			t.Errorf("metadata %q: %v, want it refused", m, err)
		}
	}
	if _, ok, _ := s.Load(ctx, "bad"); ok {
		t.Error("a refused save wrote a record")
	}
}

// The sweeper goroutine deletes expired rows in batches, keeps live ones,
// and Close stops it and waits for it.
func TestSweeper(t *testing.T) {
	db := newDB(t)
	table := testTable(t, db)
	s, err := mysqlstore.New(db, mysqlstore.Options{Table: table, SweepInterval: 50 * time.Millisecond, SweepBatch: 3,
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
	if _, err := s.Save(ctx, "live", rec("live", time.Hour)); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for count(t, db, s) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("%d rows left, want 1 (the live one)", count(t, db, s))
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	s.Close()
	if err := db.PingContext(ctx); err != nil {
		t.Errorf("Close closed a *sql.DB it did not create: %v", err)
	}
	if _, err := s.Sweep(ctx); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Sweep after Close: %v", err)
	}
	// After Close, no sweeper runs: expired rows stay. Sweep deletes them
	// in batches until one is short.
	s2 := newStore(t, db, mysqlstore.Options{Table: table, SweepInterval: -1, SweepBatch: 3})
	for i := range 7 {
		if _, err := s2.Save(ctx, fmt.Sprint("old", i), rec("old", -time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(150 * time.Millisecond)
	if n := count(t, db, s2); n != 8 {
		t.Errorf("%d rows after Close with 7 expired and 1 live, want 8", n)
	}
	if n, err := s2.Sweep(ctx); n != 7 || err != nil {
		t.Errorf("Sweep in batches of 3 = %d, %v; want 7", n, err)
	}
	for i := range 6 {
		if _, err := s2.Save(ctx, fmt.Sprint("old", i), rec("old", -time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := s2.Sweep(ctx); n != 6 || err != nil {
		t.Errorf("Sweep of 6 in batches of 3 (the last one empty) = %d, %v; want 6", n, err)
	}
}

func TestOpenOwnsItsDB(t *testing.T) {
	db := newDB(t)
	table := testTable(t, db)
	s, err := mysqlstore.Open(ctx, dsn(t), mysqlstore.Options{Table: table})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Save(ctx, "k", rec("x", time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.DB().PingContext(ctx); err == nil {
		t.Error("the *sql.DB Open created is still open after Close")
	}
	if _, _, err := s.Load(ctx, "k"); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Load after Close: %v", err)
	}
	if err := s.Migrate(ctx); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Migrate after Close: %v", err)
	}
	if _, err := mysqlstore.Open(ctx, "root@tcp(127.0.0.1:"+closedPort(t)+")/test?timeout=2s", mysqlstore.Options{}); err == nil {
		t.Error("Open of a closed port succeeded")
	}
	if _, err := mysqlstore.Open(ctx, "not a dsn", mysqlstore.Options{}); err == nil {
		t.Error("Open of a malformed DSN succeeded")
	}
	if _, err := mysqlstore.Open(ctx, "mysql://root@127.0.0.1:"+closedPort(t)+"/test?timeout=2s", mysqlstore.Options{}); err == nil {
		t.Error("Open of a URL to a closed port succeeded")
	}
	// The same database as a mysql:// URL.
	cfg := config(t)
	u := &url.URL{Scheme: "mysql", Host: cfg.Addr, Path: "/" + cfg.DBName}
	if cfg.Passwd != "" {
		u.User = url.UserPassword(cfg.User, cfg.Passwd)
	} else if cfg.User != "" {
		u.User = url.User(cfg.User)
	}
	viaURL, err := mysqlstore.Open(ctx, u.String(), mysqlstore.Options{Table: table, SweepInterval: -1})
	if err != nil {
		t.Fatalf("Open(%s): %v", u.Redacted(), err)
	}
	defer viaURL.Close()
	if got, ok, err := viaURL.Load(ctx, "k"); err != nil || !ok || string(got.Data) != "x" {
		t.Errorf("Load through a store opened by URL: %+v %v %v", got, ok, err)
	}
}

// The serverside layer stores the SHA-256 of the session ID (base64url, 43
// bytes) as the key: the raw ID appears in no column, so a copy of the
// table holds no cookie an attacker could replay.
func TestRawIDNeverInTable(t *testing.T) {
	db := newDB(t)
	s := newStore(t, db, mysqlstore.Options{Table: testTable(t, db)})
	app := scaletest.NewApp(t, s)
	br := scaletest.NewBrowser()
	br.Get(t, app, "/login?user=alice")
	if _, body := br.Get(t, app, "/get?k=user"); body != "alice" {
		t.Fatalf("round trip: %q", body)
	}
	id := br.Cookie(app, "session")
	if len(id) != 43 {
		t.Fatalf("session ID %q", id)
	}
	sum := sha256.Sum256([]byte(id))
	want := base64.RawURLEncoding.EncodeToString(sum[:])
	var key []byte
	if err := db.QueryRowContext(ctx, "SELECT k FROM "+s.Table()).Scan(&key); err != nil || string(key) != want {
		t.Errorf("stored key %q, %v; want the SHA-256 of the ID, %q", key, err, want)
	}
	var n int
	err := db.QueryRowContext(ctx, "SELECT count(*) FROM "+s.Table()+
		" WHERE LOCATE(?, k) > 0 OR LOCATE(?, data) > 0 OR LOCATE(?, subject) > 0 OR LOCATE(?, COALESCE(meta, '')) > 0",
		id, id, id, id).Scan(&n)
	if err != nil || n != 0 {
		t.Errorf("rows holding the raw ID %q: %d, %v", id, n, err)
	}
	if c := count(t, db, s); c != 1 {
		t.Errorf("%d rows, want 1", c)
	}
}

// shared sets up a table for one test that app instances share; each call
// of the function it returns is one instance with its own *sql.DB.
func shared(t *testing.T) func() store.Store {
	db := newDB(t)
	table := testTable(t, db)
	return func() store.Store { return newStore(t, newDB(t), mysqlstore.Options{Table: table}) }
}

// Two app instances, each with its own *sql.DB, sharing one table: a login
// on one is seen on the other; log out everywhere logs out on both.
func TestHorizontalScale(t *testing.T) { scaletest.Horizontal(t, shared) }

// Concurrent writers of different keys of one session, spread over two app
// instances with their own *sql.DB on one table, lose nothing and fail no
// request: their saves conflict, and are merged and retried.
func TestLostUpdateAcrossInstances(t *testing.T) { scaletest.LostUpdateAcrossInstances(t, shared) }

// The empty subject means "none": Sessions("") lists nothing and
// DeleteSubject("", …) deletes nothing, however many sessions have no
// subject — a revocation with an empty user ID must not end every
// anonymous session.
func TestEmptySubjectIsNone(t *testing.T) {
	db := newDB(t)
	s := newStore(t, db, mysqlstore.Options{Table: testTable(t, db)})
	for _, k := range []string{"anon1", "anon2"} {
		if _, err := s.Save(ctx, k, rec("x", time.Hour)); err != nil {
			t.Fatal(err)
		}
	}
	if infos, err := s.Sessions(ctx, ""); err != nil || len(infos) != 0 {
		t.Errorf("Sessions(\"\") = %+v, %v; want none", infos, err)
	}
	if n, err := s.DeleteSubject(ctx, "", ""); err != nil || n != 0 {
		t.Errorf("DeleteSubject(\"\", \"\") = %d, %v; want 0", n, err)
	}
	if n := count(t, db, s); n != 2 {
		t.Errorf("%d rows left, want the 2 sessions without a subject", n)
	}
}

// Read-modify-write loops on one key through two Store instances, each
// with its own *sql.DB (two app processes), lose nothing: every Save that
// succeeds was based on the latest version, the others conflict and retry.
func TestConcurrentWritersAcrossInstances(t *testing.T) {
	db := newDB(t)
	table := testTable(t, db)
	stores := []*mysqlstore.Store{
		newStore(t, newDB(t), mysqlstore.Options{Table: table, SweepInterval: -1}),
		newStore(t, newDB(t), mysqlstore.Options{Table: table, SweepInterval: -1}),
	}
	if _, err := stores[0].Save(ctx, "k", rec("", time.Hour)); err != nil {
		t.Fatal(err)
	}
	const writers, each = 8, 20
	var wg sync.WaitGroup
	var conflicts sync.Map
	errs := make(chan error, writers)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				s := stores[(w+i)%2]
				for attempt := 0; ; attempt++ {
					if attempt > 1000 {
						errs <- fmt.Errorf("writer %d: no progress", w)
						return
					}
					cur, ok, err := s.Load(ctx, "k")
					if err != nil || !ok {
						errs <- fmt.Errorf("load: %v %v", ok, err)
						return
					}
					next := rec(string(cur.Data)+fmt.Sprintf("[%d.%d]", w, i), time.Hour)
					next.Version = cur.Version
					_, err = s.Save(ctx, "k", next)
					if err == nil {
						break
					}
					if !errors.Is(err, store.ErrConflict) {
						errs <- err
						return
					}
					conflicts.Store(fmt.Sprint(w, i, attempt), true)
				}
			}
		}()
	}
	testwait.Wait(t, &wg, time.Minute, "the writers")
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got, _, err := stores[1].Load(ctx, "k")
	if err != nil {
		t.Fatal(err)
	}
	for w := range writers {
		for i := range each {
			if !strings.Contains(string(got.Data), fmt.Sprintf("[%d.%d]", w, i)) {
				t.Errorf("lost write %d.%d", w, i)
			}
		}
	}
	if got.Version != writers*each+1 {
		t.Errorf("version %d, want %d", got.Version, writers*each+1)
	}
	n := 0
	conflicts.Range(func(_, _ any) bool { n++; return true })
	t.Logf("%d writes over two instances, %d conflicting saves retried", writers*each, n)
}
