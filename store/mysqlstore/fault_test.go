package mysqlstore_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/session/internal/scaletest"
	"github.com/sessionkit/session/sessiontest"
	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/mysqlstore"
)

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

// cutMode is what a cutProxy does with the traffic of its connections.
type cutMode int32

const (
	// pass forwards everything.
	pass cutMode = iota
	// dropRequests cuts a connection when the client sends: what the
	// client sent (a statement, a login) never reaches the server.
	dropRequests
	// dropReplies forwards what the client sends and cuts the connection
	// when the server answers: the statement ran, the client never hears.
	dropReplies
	// refuse closes every connection at once and accepts new ones only to
	// close them.
	refuse
	// nth passes traffic until the client's nth send since armNth: that
	// one is dropped (request) or forwarded and its answer dropped
	// (reply), cutting the connection; then the mode is pass again.
	nth
)

func (m cutMode) String() string {
	return [...]string{"pass", "dropRequests", "dropReplies", "refuse", "nth"}[m]
}

// cutProxy is a TCP proxy in front of the shared server, which is never
// touched, that cuts connections in the middle of a query as its mode says.
type cutProxy struct {
	target string
	ln     net.Listener
	mode   atomic.Int32
	cuts   atomic.Int64 // connections cut while carrying traffic

	sends      atomic.Int64 // the client's sends since armNth
	nthSend    int64        // set by armNth before the mode
	nthReply   bool         // cut the nth send's answer, not the send
	replyArmed atomic.Bool  // the nth send went through: cut at its answer

	mu    sync.Mutex
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// newCutProxy starts a proxy to target in mode pass; stopped in Cleanup.
func newCutProxy(t testing.TB, target string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{target: target, ln: ln, conns: map[net.Conn]struct{}{}}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.closeAll()
		done := make(chan struct{})
		go func() { p.wg.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Error("cutProxy: connections still open 10s after closing them")
		}
	})
	return p
}

func (p *cutProxy) Addr() string { return p.ln.Addr().String() }

// set switches the mode; refuse also closes every open connection.
func (p *cutProxy) set(m cutMode) {
	p.mode.Store(int32(m))
	if m == refuse {
		p.closeAll()
	}
}

// armNth makes the client's nth send from now the one cut: dropped, or,
// with reply, forwarded and its answer dropped.
func (p *cutProxy) armNth(n int64, reply bool) {
	p.mode.Store(int32(pass))
	p.nthSend, p.nthReply = n, reply
	p.sends.Store(0)
	p.replyArmed.Store(false)
	p.mode.Store(int32(nth))
}

func (p *cutProxy) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.conns {
		c.Close()
	}
}

func (p *cutProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		if cutMode(p.mode.Load()) == refuse {
			c.Close()
			continue
		}
		up, err := net.DialTimeout("tcp", p.target, 5*time.Second)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns[c], p.conns[up] = struct{}{}, struct{}{}
		p.mu.Unlock()
		cut := func() {
			c.Close()
			up.Close()
			p.mu.Lock()
			delete(p.conns, c)
			delete(p.conns, up)
			p.mu.Unlock()
		}
		// pump copies src to dst chunk by chunk, and cuts both when a
		// chunk arrives while the mode drops that direction.
		pump := func(dst, src net.Conn, drop cutMode) {
			defer p.wg.Done()
			defer cut()
			buf := make([]byte, 32<<10)
			for {
				n, err := src.Read(buf)
				if n > 0 {
					if m := cutMode(p.mode.Load()); m == drop || m == refuse {
						p.cuts.Add(1)
						return
					}
					if p.cutNth(drop) {
						p.cuts.Add(1)
						return
					}
					if _, err := dst.Write(buf[:n]); err != nil {
						return
					}
				}
				if err != nil {
					return
				}
			}
		}
		p.wg.Add(2)
		go pump(up, c, dropRequests)
		go pump(c, up, dropReplies)
	}
}

// cutNth reports whether a chunk travelling in the direction that mode
// drop names must cut its connection under mode nth.
func (p *cutProxy) cutNth(drop cutMode) bool {
	if cutMode(p.mode.Load()) != nth {
		return false
	}
	if drop == dropReplies { // an answer
		if p.replyArmed.CompareAndSwap(true, false) {
			p.mode.Store(int32(pass))
			return true
		}
		return false
	}
	if p.sends.Add(1) != p.nthSend {
		return false
	}
	if p.nthReply {
		p.replyArmed.Store(true)
		return false
	}
	p.mode.Store(int32(pass))
	return true
}

// dbVia returns a *sql.DB to the shared test database whose connections go
// through addr instead (a proxy or a listener of the test's own).
func dbVia(t testing.TB, addr string, interpolate bool) *sql.DB {
	t.Helper()
	cfg := config(t)
	cfg.Addr = addr
	cfg.Timeout = 2 * time.Second
	cfg.InterpolateParams = interpolate
	return openDB(t, cfg)
}

// dbViaLazy is dbVia without the check that the server answers.
func dbViaLazy(t testing.TB, addr string) *sql.DB {
	t.Helper()
	cfg := config(t)
	cfg.Addr = addr
	cfg.Timeout = 2 * time.Second
	db, err := sql.Open("mysql", cfg.FormatDSN())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// callEveryMethod calls every method of s once, each with its own context
// from newCtx, and returns the error of each, by name. The calls would
// succeed against a working server: k holds version v of alice's session.
// before, if not nil, runs before each call.
func callEveryMethod(t *testing.T, s *mysqlstore.Store, newCtx func() (context.Context, context.CancelFunc), v uint64, before func()) map[string]error {
	t.Helper()
	errs := map[string]error{}
	call := func(name string, f func(ctx context.Context) error) {
		if before != nil {
			before()
		}
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
	call("Save(0) over an expired row", func(c context.Context) error {
		_, err := s.Save(c, "expired", rec("revived", time.Hour))
		return err
	})
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
func seedFaultRecords(t *testing.T, s *mysqlstore.Store) uint64 {
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

// rows returns, through db, every row of s's table as key → data@version.
func rows(t *testing.T, db *sql.DB, s *mysqlstore.Store) map[string]string {
	t.Helper()
	out := map[string]string{}
	r, err := db.QueryContext(ctx, "SELECT k, data, version FROM "+s.Table())
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for r.Next() {
		var key, data string
		var version uint64
		if err := r.Scan(&key, &data, &version); err != nil {
			t.Fatal(err)
		}
		out[key] = fmt.Sprintf("%s@%d", data, version)
	}
	if err := r.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func seeded(v uint64) map[string]string {
	return map[string]string{"k": fmt.Sprintf("before@%d", v), "other": "other@1", "expired": "expired@1"}
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

func isMySQLStore(err error) bool { return strings.Contains(err.Error(), "mysqlstore") }

// The connections to the server are cut in the middle of each call — the
// statement dropped before the server sees it, or run by the server and
// its answer dropped — or refused: every method fails with an error, none
// reports a success (not even the no-op CompareAndDelete(missing, 0)).
// When the statement never reached the server nothing changed; when only
// its answer was lost the write happened (in doubt, as after any lost
// reply), and it is exactly the write that was asked for. With prepared
// statements (the driver's default, and always for the store's Load, Save
// and Touch, which it prepares itself) the answer lost is the PREPARE's,
// so nothing runs; with interpolateParams=true the other statements
// themselves run.
// Once the proxy passes traffic again, the same *sql.DB works.
func TestCutMidQueryEveryMethodFails(t *testing.T) {
	for _, interpolate := range []bool{false, true} {
		for _, mode := range []cutMode{dropRequests, dropReplies, refuse} {
			t.Run(fmt.Sprintf("%v/interpolateParams=%v", mode, interpolate), func(t *testing.T) {
				direct := newDB(t)
				table := testTable(t, direct)
				proxy := newCutProxy(t, config(t).Addr)
				viaProxy := dbVia(t, proxy.Addr(), interpolate)
				s := newStore(t, viaProxy, mysqlstore.Options{Table: table, SweepInterval: -1})
				v := seedFaultRecords(t, s)
				// Each call gets a live pooled connection, cut under it.
				before := func() {
					proxy.set(pass)
					if err := viaProxy.PingContext(ctx); err != nil {
						t.Fatal(err)
					}
					proxy.set(mode)
				}
				cuts := proxy.cuts.Load()
				errs := callEveryMethod(t, s, func() (context.Context, context.CancelFunc) {
					return context.WithTimeout(ctx, 10*time.Second)
				}, v, before)
				failedClosed(t, errs, isMySQLStore)
				if n := proxy.cuts.Load() - cuts; mode != refuse && n < int64(len(errs)) {
					t.Errorf("%d connections cut for %d calls", n, len(errs))
				}
				want := seeded(v)
				if mode == dropReplies && interpolate {
					// Save's statements are prepared on the new
					// connection, whose PREPARE answer is lost, so no
					// Save ran; the other calls' first statement ran,
					// in the order called: Delete removed other,
					// CompareAndDelete(k, v) matched nothing,
					// DeleteSubject(alice) removed k and Sweep the
					// expired row.
					want = map[string]string{}
				}
				if got := rows(t, direct, s); fmt.Sprint(got) != fmt.Sprint(want) {
					t.Errorf("rows after the failed calls: %v, want %v", got, want)
				}
				proxy.set(pass)
				if _, err := s.Save(ctx, "after", rec("after", time.Hour)); err != nil {
					t.Errorf("Save once the server is reachable again: %v", err)
				}
			})
		}
	}
}

// The server goes away in the middle of a load of writes through the app —
// connections cut mid-query by each of the proxy's modes — and comes back
// on the same address: during the outage every request fails closed (a
// 500, no cookie, the error handler told), afterwards the same app and
// *sql.DB serve the same sessions, and nothing acknowledged was lost (see
// scaletest.OutageUnderLoad; a write whose answer was lost may show as
// applied, never the other way round).
func TestOutageMidLoadFailsClosedAndRecovers(t *testing.T) {
	for _, interpolate := range []bool{false, true} {
		for _, mode := range []cutMode{dropRequests, dropReplies, refuse} {
			t.Run(fmt.Sprintf("%v/interpolateParams=%v", mode, interpolate), func(t *testing.T) {
				direct := newDB(t)
				table := testTable(t, direct)
				proxy := newCutProxy(t, config(t).Addr)
				s := newStore(t, dbVia(t, proxy.Addr(), interpolate), mysqlstore.Options{Table: table})
				h, errs := scaletest.FaultApp(t, s)
				scaletest.OutageUnderLoad(t, h, errs, "mysqlstore", func() { proxy.set(mode) }, func() { proxy.set(pass) })
				t.Logf("%d connections cut", proxy.cuts.Load())
			})
		}
	}
}

// Nothing listens on the server's port: every request that needs the
// store fails closed, and a request that does not still works.
func TestUnreachableFailsClosed(t *testing.T) {
	s, err := mysqlstore.New(dbViaLazy(t, "127.0.0.1:"+closedPort(t)), mysqlstore.Options{SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	h, errs := scaletest.FaultApp(t, s)
	cookie := "session=" + strings.Repeat("A", 43) // well-formed: it must be looked up
	scaletest.FailClosed(t, h, cookie, errs, isMySQLStore, "/get", "/incr", "/login?user=alice")
	scaletest.FailClosed(t, h, "", errs, isMySQLStore, "/login?user=alice", "/incr")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/nothing", nil))
	if rec.Code != 404 {
		t.Errorf("a request that does not touch the session: %d", rec.Code)
	}
	errsByMethod := callEveryMethod(t, s, func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(ctx, 10*time.Second)
	}, 1, nil)
	failedClosed(t, errsByMethod, isMySQLStore)
}

// A *sql.DB closed under a running app: requests fail closed, with no
// panic, and the row is as it was.
func TestClosedDBFailsClosed(t *testing.T) {
	direct := newDB(t)
	table := testTable(t, direct)
	db := newDB(t)
	s := newStore(t, db, mysqlstore.Options{Table: table})
	h, errs := scaletest.FaultApp(t, s)
	cl := sessiontest.NewClient(h)
	cl.Get("/login?user=alice")
	if got := cl.Get("/get").Body; got != "0" {
		t.Fatalf("before: %q", got)
	}
	cookie := "session=" + cl.Cookie("session").Value
	db.Close()
	scaletest.FailClosed(t, h, cookie, errs, isMySQLStore, "/get", "/incr", "/login?user=alice")
	if n := count(t, direct, s); n != 1 {
		t.Errorf("%d rows after the failed requests, want the 1 from before", n)
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

// A server that accepts connections but never answers: every method fails
// with context.DeadlineExceeded at the caller's deadline, none succeeds.
func TestHangingServerEveryMethodFails(t *testing.T) {
	s, err := mysqlstore.New(dbViaLazy(t, blackhole(t)), mysqlstore.Options{SweepInterval: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	const deadline = 200 * time.Millisecond
	start := time.Now()
	errs := callEveryMethod(t, s, func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(ctx, deadline)
	}, 1, nil)
	if took := time.Since(start); took > time.Duration(len(errs))*(deadline+time.Second) {
		t.Errorf("%d calls took %v with a %v deadline each", len(errs), took, deadline)
	}
	failedClosed(t, errs, func(err error) bool { return errors.Is(err, context.DeadlineExceeded) && isMySQLStore(err) })
}

// A slow server — the table locked by another session — does not hold a
// request past its deadline: it fails with context.DeadlineExceeded, and
// works again once the lock is released.
func TestSlowServerHonoursRequestDeadline(t *testing.T) {
	db := newDB(t)
	s := newStore(t, db, mysqlstore.Options{Table: testTable(t, db)})
	h, errs := scaletest.FaultApp(t, s)
	cl := sessiontest.NewClient(h)
	cl.Get("/login?user=alice")
	cookie := "session=" + cl.Cookie("session").Value

	locker, err := newDB(t).Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer locker.Close()
	if _, err := locker.ExecContext(ctx, "LOCK TABLES "+s.Table()+" WRITE"); err != nil {
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
		if rec.Code != 500 || !errors.Is(err, context.DeadlineExceeded) || took > 2*time.Second {
			t.Errorf("%s against a locked table: status %d after %v, error %v; want 500 within the 200ms deadline, DeadlineExceeded",
				path, rec.Code, took, err)
		}
	}
	if _, err := locker.ExecContext(ctx, "UNLOCK TABLES"); err != nil {
		t.Fatal(err)
	}
	if got := cl.Get("/get").Body; got != "0" {
		t.Errorf("after the lock: %q", got)
	}
}

// A create over an expired row is three statements (INSERT, refused: the
// key is held; DELETE of the expired row; INSERT). The connection is cut at
// each of them in turn, before the server sees it or after it ran: Save
// always reports an error — never success, and never ErrConflict, which
// would tell serverside that another request won — and the row is then
// the expired one, none, or the one asked for. A second Save(0) succeeds,
// or conflicts exactly when the first one's write was applied.
func TestCreateOverExpiredRowCutAtEachStep(t *testing.T) {
	direct := newDB(t)
	table := testTable(t, direct)
	proxy := newCutProxy(t, config(t).Addr)
	viaProxy := dbVia(t, proxy.Addr(), true) // one packet per statement
	s := newStore(t, viaProxy, mysqlstore.Options{Table: table, SweepInterval: -1})
	for step := int64(1); step <= 3; step++ {
		for _, reply := range []bool{false, true} {
			name := fmt.Sprintf("statement %d, %s dropped", step, map[bool]string{false: "request", true: "answer"}[reply])
			if _, err := direct.ExecContext(ctx, "DELETE FROM "+s.Table()); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Save(ctx, "k", rec("expired", -time.Second)); err != nil {
				t.Fatal(err)
			}
			if err := viaProxy.PingContext(ctx); err != nil {
				t.Fatal(err)
			}
			proxy.armNth(step, reply)
			c, cancel := context.WithTimeout(ctx, 10*time.Second)
			_, cutErr := s.Save(c, "k", rec("new", time.Hour))
			cancel()
			if cutErr == nil || errors.Is(cutErr, store.ErrConflict) {
				t.Errorf("%s: Save = %v, want an error that is not a conflict", name, cutErr)
			}
			got := rows(t, direct, s)["k"]
			if got != "expired@1" && got != "" && got != "new@1" {
				t.Errorf("%s: the row holds %q", name, got)
			}
			proxy.set(pass)
			_, err := s.Save(ctx, "k", rec("again", time.Hour))
			if applied := got == "new@1"; applied != errors.Is(err, store.ErrConflict) || (!applied && err != nil) {
				t.Errorf("%s: the row held %q, then Save(0) = %v", name, got, err)
			}
			t.Logf("%s: %v; row %q", name, cutErr, got)
		}
	}
}
