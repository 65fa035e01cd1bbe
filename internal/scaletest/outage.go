package scaletest

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/sessiontest"
	"github.com/sessionkit/session/store"
)

// FaultApp returns an app over st, and the log its error handler fills:
//
//	/login?user=U  a new session with subject U and n = 0
//	/incr          n = n+1, answering the new n
//	/get           n
func FaultApp(t testing.TB, st store.Store) (http.Handler, *ErrorLog) {
	t.Helper()
	iface, err := serverside.New(serverside.Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	errs := &ErrorLog{}
	m, err := session.New(session.Config{Interface: iface, Logger: slog.New(slog.DiscardHandler), ErrorHandler: errs.Handler})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		_ = s.Renew()
		_ = s.SetSubject(r.URL.Query().Get("user"))
		_ = s.Set("user", r.URL.Query().Get("user"))
		_ = s.Set("n", 0)
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

// worker is one client of OutageUnderLoad, incrementing n in its own session.
type worker struct {
	cl                  *sessiontest.Client
	ok, failed          atomic.Int32
	lastOK              atomic.Int32 // the n the last successful request answered
	inDoubt             atomic.Int32 // successes that found a failed request's write applied
	okAfter, failedMark atomic.Int32
}

// OutageUnderLoad checks that the app h (made by FaultApp) fails closed
// while its store is down and recovers, without a restart, when it is back.
// Workers, each with its own session, send /incr requests in-process (so a
// panic fails the test). Once every worker has written, down stops the
// store; once every worker has seen requests fail, up starts it again; once
// every worker has written again, the load stops. Then:
//
//   - every failed request was a 500 with no Set-Cookie, and the error
//     handler saw an error containing errMark;
//   - no request failed before the outage;
//   - every success continued the worker's own session: its n is the last
//     acknowledged n + 1, or + 2 when a request that failed had in fact been
//     written (an in-doubt write: the store applied it, the reply was lost);
//     a reset or lost session would show as anything else;
//   - what the store holds at the end is what each worker last saw.
//
// up must bring back the data the store held (the same server, or one that
// reloads what was acknowledged).
func OutageUnderLoad(t *testing.T, h http.Handler, errs *ErrorLog, errMark string, down, up func()) {
	const workers = 6
	ws := make([]*worker, workers)
	for i := range ws {
		ws[i] = &worker{cl: sessiontest.NewClient(h)}
		if res := ws[i].cl.Get("/login?user=u" + strconv.Itoa(i)); res.StatusCode != 200 {
			t.Fatalf("login: %d %s", res.StatusCode, res.Body)
		}
	}
	var phase atomic.Int32 // 0 before the outage, 1 during, 2 after
	var stop atomic.Bool
	var problems sync.Map
	problem := func(format string, args ...any) { problems.Store(fmt.Sprintf(format, args...), true) }
	var wg sync.WaitGroup
	for i, w := range ws {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := 0; n < 100000 && !stop.Load(); n++ {
				ph := phase.Load()
				cookie := w.cl.Cookie("session").Value
				rctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				res := w.cl.Do(w.cl.NewRequest("GET", "/incr", nil).WithContext(rctx))
				cancel()
				if res.StatusCode == 200 {
					n, err := strconv.Atoi(res.Body)
					last := w.lastOK.Load()
					switch {
					case err != nil || n <= int(last) || n > int(last)+2:
						problem("worker %d: answered n=%q after %d: the session was lost or reset", i, res.Body, last)
					case n == int(last)+2:
						w.inDoubt.Add(1)
					}
					if got := w.cl.Cookie("session").Value; got != cookie {
						problem("worker %d: the session ID changed", i)
					}
					w.lastOK.Store(int32(n))
					w.ok.Add(1)
					if ph == 2 {
						w.okAfter.Add(1)
					}
					continue
				}
				w.failed.Add(1)
				if res.StatusCode != 500 || len(res.Header.Values("Set-Cookie")) != 0 {
					problem("worker %d: a failed request answered %d with Set-Cookie %v", i, res.StatusCode, res.Header.Values("Set-Cookie"))
				}
				if ph == 0 && phase.Load() == 0 {
					problem("worker %d: a request failed before the outage: %d %s", i, res.StatusCode, res.Body)
				}
			}
		}()
	}
	defer func() { stop.Store(true); wg.Wait() }()

	waitFor := func(what string, limit time.Duration, cond func(*worker) bool) {
		t.Helper()
		start := time.Now()
		for {
			all := true
			for _, w := range ws {
				all = all && cond(w)
			}
			if all {
				t.Logf("%s: %v", what, time.Since(start).Round(time.Millisecond))
				return
			}
			if time.Since(start) > limit {
				t.Fatalf("timed out after %v waiting for %s", limit, what)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitFor("10 writes per worker before the outage", 30*time.Second, func(w *worker) bool { return w.ok.Load() >= 10 })
	phase.Store(1)
	down()
	for _, w := range ws {
		w.failedMark.Store(w.failed.Load())
	}
	waitFor("3 failures per worker during the outage", 30*time.Second, func(w *worker) bool {
		return w.failed.Load() >= w.failedMark.Load()+3
	})
	outageErr := errs.Last()
	up()
	phase.Store(2)
	waitFor("10 writes per worker after the store came back", 60*time.Second, func(w *worker) bool { return w.okAfter.Load() >= 10 })
	stop.Store(true)
	wg.Wait()

	problems.Range(func(k, _ any) bool { t.Error(k); return true })
	var ok, failed, inDoubt int32
	for i, w := range ws {
		ok += w.ok.Load()
		failed += w.failed.Load()
		inDoubt += w.inDoubt.Load()
		if got := w.cl.Get("/get").Body; got != strconv.Itoa(int(w.lastOK.Load())) {
			t.Errorf("worker %d: the store holds n=%s, the last request answered %d", i, got, w.lastOK.Load())
		}
	}
	if outageErr == nil || !strings.Contains(outageErr.Error(), errMark) {
		t.Errorf("the error handler saw %v during the outage, want an error naming %q", outageErr, errMark)
	}
	t.Logf("%d workers: %d requests succeeded, %d failed closed, %d in-doubt writes found applied; an outage error: %v",
		workers, ok, failed, inDoubt, outageErr)
}

// Proxy is a TCP proxy on a loopback port in front of a server, which a test
// can stop (closing every connection at once, as a crashed or unreachable
// server would) and start again on the same port, without touching the
// server behind it.
type Proxy struct {
	target string
	addr   string

	mu    sync.Mutex
	ln    net.Listener
	conns map[net.Conn]struct{}
	wg    sync.WaitGroup
}

// NewProxy starts a proxy to target; it is stopped in t.Cleanup.
func NewProxy(t testing.TB, target string) *Proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &Proxy{target: target, addr: ln.Addr().String(), conns: map[net.Conn]struct{}{}}
	p.serve(ln)
	t.Cleanup(p.Stop)
	return p
}

// Addr is the proxy's host:port.
func (p *Proxy) Addr() string { return p.addr }

// Stop closes the listener and every connection, and waits for them.
func (p *Proxy) Stop() {
	p.mu.Lock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}

// Start listens again on the same port.
func (p *Proxy) Start(t testing.TB) {
	t.Helper()
	var ln net.Listener
	var err error
	for range 100 {
		if ln, err = net.Listen("tcp", p.addr); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("proxy: listening again on %s: %v", p.addr, err)
	}
	p.serve(ln)
}

func (p *Proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.DialTimeout("tcp", p.target, 5*time.Second)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			if p.ln != ln { // stopped meanwhile
				p.mu.Unlock()
				c.Close()
				up.Close()
				return
			}
			p.conns[c], p.conns[up] = struct{}{}, struct{}{}
			p.wg.Add(2)
			p.mu.Unlock()
			pipe := func(dst, src net.Conn) {
				defer p.wg.Done()
				io.Copy(dst, src)
				dst.Close()
				src.Close()
				p.mu.Lock()
				delete(p.conns, dst)
				delete(p.conns, src)
				p.mu.Unlock()
			}
			go pipe(c, up)
			go pipe(up, c)
		}
	}()
}
