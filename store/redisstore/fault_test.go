package redisstore_test

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/session/internal/scaletest"
	"github.com/sessionkit/session/sessiontest"
	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/redisstore"
)

// ownRedis is a redis-server of the test's own on a free loopback port,
// which the test may stop and start again. The shared server is never
// touched.
type ownRedis struct {
	t    *testing.T
	addr string
	dir  string
	mu   sync.Mutex
	cmd  *exec.Cmd
}

// needRedisServer skips (fails under CI=true) a test that starts
// redis-server processes of its own when the binary is missing, and, like
// every Redis test, when no shared server is configured.
func needRedisServer(t *testing.T) {
	t.Helper()
	redisURL(t) // the same skip/fail rule as the shared server
	if _, err := exec.LookPath("redis-server"); err != nil {
		msg := "redis-server is not on PATH: this test starts Redis servers of its own (apt-get install redis-server)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
}

// freeAddr returns a loopback address no one listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func startOwnRedis(t *testing.T) *ownRedis {
	t.Helper()
	needRedisServer(t)
	r := &ownRedis{t: t, addr: freeAddr(t), dir: t.TempDir()}
	r.start()
	t.Cleanup(r.stop)
	return r
}

// start runs redis-server in the foreground as a child process. Its data
// goes to an append-only file fsynced on every write, in the test's own
// directory, so that a restart after a kill shows what was acknowledged.
func (r *ownRedis) start() {
	r.t.Helper()
	_, port, _ := net.SplitHostPort(r.addr)
	cmd := exec.Command("redis-server", "--port", port, "--bind", "127.0.0.1", "--save", "",
		"--appendonly", "yes", "--appendfsync", "always", "--dir", r.dir, "--daemonize", "no",
		"--logfile", "")
	cmd.Stdout, cmd.Stderr = nil, nil
	if err := cmd.Start(); err != nil {
		r.t.Fatalf("starting redis-server: %v", err)
	}
	r.mu.Lock()
	r.cmd = cmd
	r.mu.Unlock()
	c := redis.NewClient(&redis.Options{Addr: r.addr, MaxRetries: -1})
	defer c.Close()
	deadline := time.Now().Add(10 * time.Second)
	for {
		err := c.Ping(context.Background()).Err()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("own redis-server on %s does not answer: %v", r.addr, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// stop kills the server (SIGKILL: a crash, not a shutdown) and waits for it.
func (r *ownRedis) stop() {
	r.mu.Lock()
	cmd := r.cmd
	r.cmd = nil
	r.mu.Unlock()
	if cmd != nil {
		cmd.Process.Kill()
		cmd.Wait()
	}
}

// client returns a client with go-redis's default retries.
func (r *ownRedis) client(t *testing.T) *redis.Client {
	return r.clientWith(t, &redis.Options{})
}

func (r *ownRedis) clientWith(t *testing.T, o *redis.Options) *redis.Client {
	o.Addr, o.ContextTimeoutEnabled = r.addr, true
	c := redis.NewClient(o)
	t.Cleanup(func() { c.Close() })
	return c
}

// faultApp is scaletest.FaultApp over a Redis store on c.
func faultApp(t *testing.T, c redis.UniversalClient) (http.Handler, *scaletest.ErrorLog) {
	t.Helper()
	st, err := redisstore.New(c, redisstore.Options{Prefix: "fault:"})
	if err != nil {
		t.Fatal(err)
	}
	return scaletest.FaultApp(t, st)
}

// Kill the store's Redis (SIGKILL) in the middle of a load of writes and
// start it again on the same port: during the outage every request fails
// closed, afterwards the same app, without a restart, serves the same
// sessions, and nothing acknowledged was lost (see scaletest.OutageUnderLoad).
// The server keeps an fsynced append-only file so that a restart has the
// acknowledged data back.
func TestOutageMidLoadFailsClosedAndRecovers(t *testing.T) {
	srv := startOwnRedis(t)
	h, errs := faultApp(t, srv.client(t))
	scaletest.OutageUnderLoad(t, h, errs, "redisstore", srv.stop, srv.start)
}

// With the store's Redis down, reads and writes fail closed, and an
// untouched anonymous request still succeeds (it needs no store).
func TestRedisDownFailsClosed(t *testing.T) {
	srv := startOwnRedis(t)
	// Fewer retries than go-redis's default, only to keep the test short.
	c := srv.clientWith(t, &redis.Options{MaxRetries: -1, DialerRetries: 1})
	h, errs := faultApp(t, c)
	cl := sessiontest.NewClient(h)
	cl.Get("/login?user=alice")
	cookie := "session=" + cl.Cookie("session").Value
	srv.stop()
	scaletest.FailClosed(t, h, cookie, errs, func(err error) bool { return strings.Contains(err.Error(), "redisstore") },
		"/get", "/incr", "/login?user=bob")
	scaletest.FailClosed(t, h, "", errs, nil, "/login?user=bob", "/incr")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/nothing", nil))
	if rec.Code != 404 {
		t.Errorf("an anonymous request that does not touch the session: %d", rec.Code)
	}
}

// A slow Redis (CLIENT PAUSE for 1.5s on the test's own server) does not hold a
// request past its deadline: it fails with context.DeadlineExceeded, and
// the store works again once Redis does.
func TestSlowRedisHonoursRequestDeadline(t *testing.T) {
	srv := startOwnRedis(t)
	c := srv.client(t)
	h, errs := faultApp(t, c)
	cl := sessiontest.NewClient(h)
	cl.Get("/login?user=alice")
	cookie := "session=" + cl.Cookie("session").Value

	admin := redis.NewClient(&redis.Options{Addr: srv.addr})
	defer admin.Close()
	if err := admin.Do(ctx, "CLIENT", "PAUSE", "1500", "ALL").Err(); err != nil {
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
			t.Errorf("%s against a paused Redis: status %d after %v, error %v; want 500 within the 200ms deadline, DeadlineExceeded",
				path, rec.Code, took, err)
		}
	}
	// The pause ends by itself; the next request waits for it and succeeds.
	r := httptest.NewRequest("GET", "/incr", nil)
	r.Header.Set("Cookie", cookie)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, r)
	if rec.Code != 200 || rec.Body.String() != "1" {
		t.Errorf("after the pause: %d %q", rec.Code, rec.Body.String())
	}
}

// callEveryMethod calls every method of s once, each with its own context
// from newCtx, and returns the error of each, by name. The calls would
// succeed against a working server: k holds version v of alice's session.
func callEveryMethod(t *testing.T, s *redisstore.Store, newCtx func() (context.Context, context.CancelFunc), v uint64) map[string]error {
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
			t.Errorf("Load returned a record with the server down")
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
	return errs
}

// seedFaultRecords saves alice's session k and another one, and returns k's version.
func seedFaultRecords(t *testing.T, s *redisstore.Store) uint64 {
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
	return v
}

// checkUnchanged checks that k (version v) and other are as seeded.
func checkUnchanged(t *testing.T, s *redisstore.Store, v uint64) {
	t.Helper()
	got, ok, err := s.Load(ctx, "k")
	if err != nil || !ok || string(got.Data) != "before" || got.Version != v {
		t.Errorf("k after the failed calls: %+v %v %v; want it unchanged at version %d", got, ok, err, v)
	}
	if _, ok, err := s.Load(ctx, "other"); err != nil || !ok {
		t.Errorf("other after the failed calls: %v %v", ok, err)
	}
	if _, ok, err := s.Load(ctx, "new"); err != nil || ok {
		t.Errorf("new after the failed calls: %v %v; want absent", ok, err)
	}
	if infos, err := s.Sessions(ctx, "alice"); err != nil || len(infos) != 2 {
		t.Errorf("Sessions(alice) after the failed calls: %+v %v; want 2", infos, err)
	}
}

// failedClosed checks that every call failed, with an error that says
// neither "conflict" nor "invalid key" (the server failed, not the
// caller), and, if want is not nil, that want accepts it.
func failedClosed(t *testing.T, errs map[string]error, want func(error) bool) {
	t.Helper()
	for name, err := range errs {
		switch {
		case err == nil:
			t.Errorf("%s reported success with the server down", name)
		case errors.Is(err, store.ErrConflict), errors.Is(err, store.ErrInvalidKey):
			t.Errorf("%s with the server down: %v, a caller error for a server failure", name, err)
		case want != nil && !want(err):
			t.Errorf("%s with the server down: %v", name, err)
		}
	}
}

// Every method of the store, CompareAndDelete included, fails with an
// error while its Redis is down (killed) — none reports a success,
// not even the no-op CompareAndDelete(missing, 0) — and none changed
// anything once Redis is back.
func TestRedisDownEveryMethodFails(t *testing.T) {
	srv := startOwnRedis(t)
	c := srv.clientWith(t, &redis.Options{MaxRetries: -1, DialerRetries: 1, DialTimeout: time.Second})
	s, err := redisstore.New(c, redisstore.Options{Prefix: "fault:"})
	if err != nil {
		t.Fatal(err)
	}
	v := seedFaultRecords(t, s)
	srv.stop()
	start := time.Now()
	errs := callEveryMethod(t, s, func() (context.Context, context.CancelFunc) {
		return context.WithTimeout(ctx, 10*time.Second)
	}, v)
	failedClosed(t, errs, func(err error) bool { return strings.Contains(err.Error(), "redisstore") })
	t.Logf("%d calls failed in %v", len(errs), time.Since(start))
	srv.start()
	checkUnchanged(t, s, v)
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

// A Redis that accepts connections but never answers: every method fails
// with context.DeadlineExceeded at the caller's deadline, none succeeds.
func TestRedisHangsEveryMethodFails(t *testing.T) {
	redisURL(t) // the same skip/fail rule as every Redis test
	c := redis.NewClient(&redis.Options{Addr: blackhole(t), ContextTimeoutEnabled: true, MaxRetries: -1})
	t.Cleanup(func() { c.Close() })
	s, err := redisstore.New(c, redisstore.Options{Prefix: "fault:"})
	if err != nil {
		t.Fatal(err)
	}
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
