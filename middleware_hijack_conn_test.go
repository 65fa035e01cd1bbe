package session_test

import (
	"bufio"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/session"
)

var errBrokenConn = errors.New("broken connection")

// scriptedConn is a hijacked connection whose writes fail while failing
// returns true for them; it records what it was sent.
type scriptedConn struct {
	net.Conn // nil: only Write and Close are used
	failing  func(p []byte) bool

	mu   sync.Mutex
	sent strings.Builder
}

func (c *scriptedConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.failing != nil && c.failing(p) {
		return 0, errBrokenConn
	}
	c.sent.Write(p)
	return len(p), nil
}

func (c *scriptedConn) Close() error { return nil }

func (c *scriptedConn) String() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.sent.String()
}

// hijackableRecorder hands out conn when the handler hijacks.
type hijackableRecorder struct {
	*httptest.ResponseRecorder
	conn net.Conn
}

func (h *hijackableRecorder) Hijack() (net.Conn, *bufio.ReadWriter, error) { return h.conn, nil, nil }

// hijackWrite runs a handler that sets the session, hijacks and writes
// each of writes on the connection, returning each write's result.
func hijackWrite(t *testing.T, conn net.Conn, reports errReports, writes ...string) (ns []int, errs []error) {
	t.Helper()
	m := newManager(t, session.Config{ErrorHandler: reports.handler})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = session.From(r).Set("user", "alice")
		c, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		for _, s := range writes {
			n, err := c.Write([]byte(s))
			ns, errs = append(ns, n), append(errs, err)
		}
	}))
	h.ServeHTTP(&hijackableRecorder{httptest.NewRecorder(), conn}, httptest.NewRequest("GET", "/", nil))
	return ns, errs
}

// A write error on the hijacked connection reaches the handler as it is
// (nothing counted as written), whichever part of the response hit it; the
// bytes written afterwards pass through.
func TestHijackConnWriteErrors(t *testing.T) {
	t.Run("final header", func(t *testing.T) {
		conn := &scriptedConn{failing: func(p []byte) bool { return strings.HasPrefix(string(p), "HTTP/") }}
		reports := make(errReports, 4)
		ns, errs := hijackWrite(t, conn, reports, "HTTP/1.1 200 OK\r\n\r\nbody", "more")
		if ns[0] != 0 || !errors.Is(errs[0], errBrokenConn) {
			t.Errorf("header write = %d, %v; want 0, the connection's error", ns[0], errs[0])
		}
		if ns[1] != 4 || errs[1] != nil || conn.String() != "more" {
			t.Errorf("next write = %d, %v, sent %q; want it passed through", ns[1], errs[1], conn.String())
		}
	})
	t.Run("interim response", func(t *testing.T) {
		conn := &scriptedConn{failing: func(p []byte) bool { return strings.HasPrefix(string(p), "HTTP/1.1 100") }}
		reports := make(errReports, 4)
		ns, errs := hijackWrite(t, conn, reports, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\n\r\n", "more")
		if ns[0] != 0 || !errors.Is(errs[0], errBrokenConn) {
			t.Errorf("write = %d, %v; want 0, the connection's error", ns[0], errs[0])
		}
		if ns[1] != 4 || errs[1] != nil || conn.String() != "more" {
			t.Errorf("next write = %d, %v, sent %q; want it passed through", ns[1], errs[1], conn.String())
		}
	})
	t.Run("not HTTP", func(t *testing.T) {
		conn := &scriptedConn{failing: func(p []byte) bool { return strings.HasPrefix(string(p), "junk") }}
		reports := make(errReports, 4)
		ns, errs := hijackWrite(t, conn, reports, "junk\r\n\r\n", "more")
		if ns[0] != 0 || !errors.Is(errs[0], errBrokenConn) {
			t.Errorf("write = %d, %v; want 0, the connection's error", ns[0], errs[0])
		}
		if err := reports.next(t); !errors.Is(err, session.ErrCookieNotSent) {
			t.Errorf("reported %v, want ErrCookieNotSent", err)
		}
		if ns[1] != 4 || errs[1] != nil || conn.String() != "more" {
			t.Errorf("next write = %d, %v, sent %q; want it passed through", ns[1], errs[1], conn.String())
		}
	})
}

// The report of a response that is not HTTP quotes its first 32 bytes only.
func TestHijackConnReportClipsWhatWasWritten(t *testing.T) {
	const junk = "0123456789abcdefghijklmnopqrstuvWXYZ\r\n\r\n"
	conn := &scriptedConn{}
	reports := make(errReports, 4)
	ns, errs := hijackWrite(t, conn, reports, junk)
	if ns[0] != len(junk) || errs[0] != nil || conn.String() != junk {
		t.Errorf("write = %d, %v, sent %q; want the bytes unchanged", ns[0], errs[0], conn.String())
	}
	err := reports.next(t)
	if !errors.Is(err, session.ErrCookieNotSent) {
		t.Fatalf("reported %v, want ErrCookieNotSent", err)
	}
	if want := fmt.Sprintf("%q", junk[:32]); !strings.Contains(err.Error(), want) {
		t.Errorf("report %q does not quote the first 32 bytes %s", err, want)
	}
}

// The header is held up to maxHijackHeader (64 KiB) bytes: at exactly the
// limit the cookie still goes in; one byte more and it is given up.
func TestHijackConnHeaderLimit(t *testing.T) {
	const limit = 64 << 10
	head := "HTTP/1.1 200 OK\r\nX: "
	for _, tc := range []struct {
		size int
		lost bool
	}{{limit, false}, {limit + 1, true}} {
		t.Run(fmt.Sprint(tc.size), func(t *testing.T) {
			conn := &scriptedConn{}
			reports := make(errReports, 4)
			first := head + strings.Repeat("y", tc.size-len(head))
			hijackWrite(t, conn, reports, first, "\r\n\r\n")
			got := conn.String()
			if tc.lost {
				if err := reports.next(t); !errors.Is(err, session.ErrCookieNotSent) {
					t.Errorf("reported %v, want ErrCookieNotSent", err)
				}
				if got != first+"\r\n\r\n" {
					t.Errorf("sent %d bytes, want the handler's bytes unchanged", len(got))
				}
				return
			}
			reports.none(t)
			if !strings.Contains(got, "\r\nSet-Cookie: session=") || !strings.HasPrefix(got, first+"\r\n") {
				t.Errorf("the cookie was not added to a header of exactly %d bytes: %.80q", tc.size, got[len(first)-10:])
			}
		})
	}
}

// bufferedHijacker hands out conn with a bufio.ReadWriter whose writer
// already holds pending bytes (written by the server before the hijack).
type bufferedHijacker struct {
	*httptest.ResponseRecorder
	conn    net.Conn
	pending string
}

func (h *bufferedHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	bw := bufio.NewWriter(h.conn)
	bw.WriteString(h.pending)
	return h.conn, bufio.NewReadWriter(bufio.NewReader(strings.NewReader("")), bw), nil
}

// Bytes the server's buffered writer held at the hijack go out first,
// unchanged; the handler's writes through the ReadWriter then get the
// cookie. A connection failing that flush fails the Hijack.
func TestHijackBufferedWriter(t *testing.T) {
	for _, broken := range []bool{false, true} {
		t.Run(fmt.Sprint("broken=", broken), func(t *testing.T) {
			conn := &scriptedConn{}
			if broken {
				conn.failing = func([]byte) bool { return true }
			}
			m := newManager(t, session.Config{ErrorHandler: make(errReports, 4).handler})
			var hijackErr error
			h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_ = session.From(r).Set("user", "alice")
				_, brw, err := w.(http.Hijacker).Hijack()
				if hijackErr = err; err != nil {
					return
				}
				brw.WriteString("HTTP/1.1 200 OK\r\n\r\nbody")
				if err := brw.Flush(); err != nil {
					t.Errorf("Flush: %v", err)
				}
			}))
			h.ServeHTTP(&bufferedHijacker{httptest.NewRecorder(), conn, "earlier"}, httptest.NewRequest("GET", "/", nil))
			if broken {
				if !errors.Is(hijackErr, errBrokenConn) {
					t.Errorf("Hijack = %v, want the flush's error", hijackErr)
				}
				return
			}
			got := conn.String()
			if hijackErr != nil || !strings.HasPrefix(got, "earlierHTTP/1.1 200 OK\r\nSet-Cookie: session=") || !strings.HasSuffix(got, "\r\n\r\nbody") {
				t.Errorf("Hijack: %v; sent %q", hijackErr, got)
			}
		})
	}
}

// The application's own Set-Cookie lines are not added to the hijacked
// response (its handler writes its own header); the session's are, even
// when the application set lines equal to others.
func TestHijackAddsOnlySessionLines(t *testing.T) {
	conn := &scriptedConn{}
	m := newManager(t, session.Config{})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Add("Set-Cookie", "app=1")
		w.Header().Add("Set-Cookie", "other=2")
		w.Header().Add("Set-Cookie", "app=1")
		_ = session.From(r).Set("user", "alice")
		c, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		c.Write([]byte("HTTP/1.1 204 No Content\r\n\r\n"))
	}))
	h.ServeHTTP(&hijackableRecorder{httptest.NewRecorder(), conn}, httptest.NewRequest("GET", "/", nil))
	got := conn.String()
	if strings.Count(got, "Set-Cookie:") != 1 || !strings.Contains(got, "\r\nSet-Cookie: session=") {
		t.Errorf("sent %q, want the session's Set-Cookie line only", got)
	}
}

// The error handler of a report made after the hijack gets a writer whose
// header can be set and whose body goes nowhere (http.ErrHijacked).
func TestHijackReportWriter(t *testing.T) {
	conn := &scriptedConn{}
	type result struct {
		header  string
		writeOK bool
		err     error
	}
	results := make(chan result, 2)
	m := newManager(t, session.Config{ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
		w.Header().Set("X-Report", "1")
		w.WriteHeader(http.StatusInternalServerError)
		_, werr := w.Write([]byte("lost"))
		results <- result{w.Header().Get("X-Report"), errors.Is(werr, http.ErrHijacked), err}
	}})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = session.From(r).Set("user", "alice")
		c, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		c.Write([]byte("not http\r\n\r\n"))
	}))
	h.ServeHTTP(&hijackableRecorder{httptest.NewRecorder(), conn}, httptest.NewRequest("GET", "/", nil))
	select {
	case res := <-results:
		if res.header != "1" || !res.writeOK || !errors.Is(res.err, session.ErrCookieNotSent) {
			t.Errorf("report: header %q, write fails with ErrHijacked %v, err %v", res.header, res.writeOK, res.err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no report within 5s")
	}
	if got := conn.String(); got != "not http\r\n\r\n" {
		t.Errorf("sent %q, want the handler's bytes only", got)
	}
}

// stickyHijacker hands out a ReadWriter whose writer failed before the
// hijack (a sticky error) and holds nothing.
type stickyHijacker struct {
	*httptest.ResponseRecorder
	conn net.Conn
}

func (h *stickyHijacker) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	bw := bufio.NewWriterSize(&scriptedConn{failing: func([]byte) bool { return true }}, 16)
	bw.Write([]byte(strings.Repeat("x", 32))) // larger than the buffer: written through, fails
	if bw.Buffered() != 0 {
		panic("the failed write stayed buffered")
	}
	return h.conn, bufio.NewReadWriter(bufio.NewReader(strings.NewReader("")), bw), nil
}

// With nothing buffered, the hijack does not flush the server's writer:
// its earlier error is not the hijacker's, and writes through the
// ReadWriter reach the connection with the cookie.
func TestHijackNothingBufferedNoFlush(t *testing.T) {
	conn := &scriptedConn{}
	m := newManager(t, session.Config{})
	var hijackErr, flushErr error
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = session.From(r).Set("user", "alice")
		_, brw, err := w.(http.Hijacker).Hijack()
		if hijackErr = err; err != nil {
			return
		}
		brw.WriteString("HTTP/1.1 204 No Content\r\n\r\n")
		flushErr = brw.Flush()
	}))
	h.ServeHTTP(&stickyHijacker{httptest.NewRecorder(), conn}, httptest.NewRequest("GET", "/", nil))
	if hijackErr != nil || flushErr != nil || !strings.Contains(conn.String(), "\r\nSet-Cookie: session=") {
		t.Errorf("Hijack: %v, Flush: %v, sent %q", hijackErr, flushErr, conn.String())
	}
}
