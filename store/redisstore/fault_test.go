package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/internal/scaletest"
	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/sessiontest"
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

func startOwnRedis(t *testing.T) *ownRedis {
	t.Helper()
	redisURL(t) // the same skip/fail rule as the shared server
	if _, err := exec.LookPath("redis-server"); err != nil {
		msg := "redis-server is not on PATH: the fault tests start their own Redis (apt-get install redis-server)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	r := &ownRedis{t: t, addr: addr, dir: t.TempDir()}
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

func (r *ownRedis) client(t *testing.T) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: r.addr, ContextTimeoutEnabled: true})
	t.Cleanup(func() { c.Close() })
	return c
}

// faultApp is an app over a Redis store whose error handler records errors.
func faultApp(t *testing.T, c redis.UniversalClient) (http.Handler, *scaletest.ErrorLog) {
	t.Helper()
	st, err := redisstore.New(c, redisstore.Options{Prefix: "fault:"})
	if err != nil {
		t.Fatal(err)
	}
	iface, err := serverside.New(serverside.Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	errs := &scaletest.ErrorLog{}
	m, err := session.New(session.Config{Interface: iface, Logger: slog.New(slog.DiscardHandler), ErrorHandler: errs.Handler})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		serverside.Regenerate(s)
		serverside.SetSubject(s, r.URL.Query().Get("user"))
		s.Set("n", 0)
	})
	mux.HandleFunc("/incr", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		n := session.GetOr(s, "n", -1000) + 1
		if err := s.Set("n", n); err != nil {
			return // the session could not be opened: the error handler answers
		}
		fmt.Fprint(w, n)
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, session.GetOr(session.From(r), "n", -1000))
	})
	return m.Handler(mux), errs
}

// Kill the store's Redis in the middle of a load of writes and start it
// again: during the outage every request fails closed (5xx, no Set-Cookie,
// the error reaches the error handler, no panic, no new session issued);
// afterwards the same app, without a restart, serves the same sessions, and
// no acknowledged write was lost or applied twice.
func TestOutageMidLoadFailsClosedAndRecovers(t *testing.T) {
	srv := startOwnRedis(t)
	c := srv.client(t)
	h, errs := faultApp(t, c)

	const workers = 6
	type stats struct {
		ok, failed  atomic.Int32
		lastOK      atomic.Int32 // the value of n the last successful request wrote
		jumps       atomic.Int32 // successes that skipped a value (an in-doubt write that did apply)
		okAfterDown atomic.Int32
	}
	var st [workers]stats
	var down atomic.Bool
	var wentDown atomic.Bool
	stop := make(chan struct{})
	var wg sync.WaitGroup
	var problems sync.Map
	problem := func(format string, args ...any) { problems.Store(fmt.Sprintf(format, args...), true) }
	clients := make([]*sessiontest.Client, workers)
	for w := range workers {
		clients[w] = sessiontest.NewClient(h)
		if res := clients[w].Get("/login?user=u" + strconv.Itoa(w)); res.StatusCode != 200 {
			t.Fatalf("login: %d", res.StatusCode)
		}
	}
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cl, s := clients[w], &st[w]
			for i := 0; i < 100000; i++ {
				select {
				case <-stop:
					return
				default:
				}
				cookie := cl.Cookie("session").Value
				rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				req := cl.NewRequest("GET", "/incr", nil).WithContext(rctx)
				res := cl.Do(req)
				cancel()
				if res.StatusCode == 200 {
					n, err := strconv.Atoi(res.Body)
					last := s.lastOK.Load()
					switch {
					case err != nil || n <= int(last) || n > int(last)+2:
						problem("worker %d: wrote n=%q after %d: a session was lost or reset", w, res.Body, last)
					case n == int(last)+2:
						s.jumps.Add(1)
					}
					if got := cl.Cookie("session").Value; got != cookie {
						problem("worker %d: the session ID changed", w)
					}
					s.lastOK.Store(int32(n))
					s.ok.Add(1)
					if wentDown.Load() && !down.Load() {
						s.okAfterDown.Add(1)
					}
					continue
				}
				s.failed.Add(1)
				if res.StatusCode != 500 || len(res.Header.Values("Set-Cookie")) != 0 {
					problem("worker %d: failed request: status %d, Set-Cookie %v", w, res.StatusCode, res.Header.Values("Set-Cookie"))
				}
				if !down.Load() && !wentDown.Load() {
					problem("worker %d: request failed before the outage: %d %s", w, res.StatusCode, res.Body)
				}
			}
		}()
	}
	defer func() { close(stop); wg.Wait() }()

	waitFor := func(what string, limit time.Duration, cond func(*stats) bool) {
		t.Helper()
		start := time.Now()
		defer func() { t.Logf("%s: %v", what, time.Since(start).Round(time.Millisecond)) }()
		deadline := time.Now().Add(limit)
		for {
			all := true
			for w := range workers {
				all = all && cond(&st[w])
			}
			if all {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s", what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor("writes before the outage", 20*time.Second, func(s *stats) bool { return s.ok.Load() >= 10 })

	down.Store(true)
	wentDown.Store(true)
	srv.stop()
	var failedAt [workers]int32
	for w := range workers {
		failedAt[w] = st[w].failed.Load()
	}
	waitFor("failures during the outage", 20*time.Second, func(s *stats) bool {
		return s.failed.Load() >= 3+failedAt[s0(st[:], s)]
	})
	outageErr := errs.Last()

	srv.start()
	down.Store(false)
	waitFor("writes after the restart", 30*time.Second, func(s *stats) bool { return s.okAfterDown.Load() >= 10 })
	close(stop)
	wg.Wait()
	stop = make(chan struct{})

	problems.Range(func(k, _ any) bool { t.Error(k); return true })
	var ok, failed, jumps int32
	for w := range workers {
		ok += st[w].ok.Load()
		failed += st[w].failed.Load()
		jumps += st[w].jumps.Load()
		// What the store holds is exactly what the last request reported.
		if got := clients[w].Get("/get").Body; got != strconv.Itoa(int(st[w].lastOK.Load())) {
			t.Errorf("worker %d: stored n=%s, last acknowledged %d", w, got, st[w].lastOK.Load())
		}
	}
	if outageErr == nil || !strings.Contains(outageErr.Error(), "redisstore") {
		t.Errorf("the error handler saw %v during the outage, want a redisstore error", outageErr)
	}
	t.Logf("%d workers: %d requests succeeded, %d failed closed; %d in-doubt writes applied; an outage error: %v",
		workers, ok, failed, jumps, outageErr)
}

// s0 returns the index of s in all.
func s0[T any](all []T, s *T) int {
	for i := range all {
		if &all[i] == s {
			return i
		}
	}
	panic("not found")
}

// With the store's Redis down, reads and writes fail closed, and an
// untouched anonymous request still succeeds (it needs no store).
func TestRedisDownFailsClosed(t *testing.T) {
	srv := startOwnRedis(t)
	c := srv.client(t)
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
