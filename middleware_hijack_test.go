package session_test

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session"
)

// errReports collects the errors an ErrorHandler receives, from any goroutine.
type errReports chan error

func (c errReports) handler(w http.ResponseWriter, r *http.Request, err error) {
	select {
	case c <- err:
	default:
	}
}

// next waits (with a deadline) for the next report.
func (c errReports) next(t *testing.T) error {
	t.Helper()
	select {
	case err := <-c:
		return err
	case <-time.After(5 * time.Second):
		t.Fatal("no error reported within 5s")
		return nil
	}
}

// none checks that nothing was reported.
func (c errReports) none(t *testing.T) {
	t.Helper()
	select {
	case err := <-c:
		t.Errorf("unexpected report: %v", err)
	default:
	}
}

// rawGet sends a GET on a fresh connection to srv and returns the
// connection's reader.
func rawGet(t *testing.T, srv *httptest.Server) (net.Conn, *bufio.Reader) {
	t.Helper()
	conn, err := net.DialTimeout("tcp", srv.Listener.Addr().String(), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, "GET / HTTP/1.1\r\nHost: x\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	return conn, bufio.NewReader(conn)
}

// A handler that hijacks the connection and writes its own response (as
// gorilla/websocket's Upgrade does) gets the session's Set-Cookie lines in
// that response, however it writes it.
func TestMiddlewareHijackAddsCookie(t *testing.T) {
	const upgrade = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
	cases := map[string]struct {
		write  func(conn net.Conn, brw *bufio.ReadWriter) error
		status int
	}{
		"conn, one write": {func(conn net.Conn, brw *bufio.ReadWriter) error {
			_, err := io.WriteString(conn, upgrade+"frames")
			return err
		}, 101},
		"bufio, split writes": {func(conn net.Conn, brw *bufio.ReadWriter) error {
			brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r")
			brw.Flush()
			brw.WriteString("\nConnection: Upgrade\r\n\r")
			brw.Flush()
			brw.WriteString("\nframes")
			return brw.Flush()
		}, 101},
		"byte by byte": {func(conn net.Conn, brw *bufio.ReadWriter) error {
			for _, b := range []byte(upgrade + "frames") {
				if _, err := conn.Write([]byte{b}); err != nil {
					return err
				}
			}
			return nil
		}, 101},
		"100 Continue first": {func(conn net.Conn, brw *bufio.ReadWriter) error {
			_, err := io.WriteString(conn, "HTTP/1.1 100 Continue\r\n\r\n"+upgrade+"frames")
			return err
		}, 101},
		"plain 200": {func(conn net.Conn, brw *bufio.ReadWriter) error {
			_, err := io.WriteString(conn, "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nframes")
			return err
		}, 200},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			reports := make(errReports, 4)
			m := newManager(t, session.Config{ErrorHandler: reports.handler})
			handlerDone := make(chan struct{})
			srv := httptest.NewServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				defer close(handlerDone)
				_ = session.From(r).Set("user", "alice")
				conn, brw, err := http.NewResponseController(w).Hijack()
				if err != nil {
					t.Errorf("Hijack: %v", err)
					return
				}
				defer conn.Close()
				if nc, ok := conn.(interface{ NetConn() net.Conn }); !ok || nc.NetConn().RemoteAddr().String() != r.RemoteAddr {
					t.Error("the hijacked connection does not expose the original through NetConn")
				}
				if err := tc.write(conn, brw); err != nil {
					t.Errorf("write: %v", err)
				}
			})))
			defer srv.Close()
			_, br := rawGet(t, srv)
			res, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode == 100 {
				if len(res.Header.Values("Set-Cookie")) != 0 {
					t.Error("Set-Cookie on the 100 Continue")
				}
				if res, err = http.ReadResponse(br, nil); err != nil {
					t.Fatal(err)
				}
			}
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d", res.StatusCode, tc.status)
			}
			got := res.Header.Values("Set-Cookie")
			if len(got) != 1 || !strings.HasPrefix(got[0], "session=") {
				t.Errorf("Set-Cookie %q, want the session cookie once", got)
			}
			if res.Header.Get("Upgrade") == "" && tc.status == 101 {
				t.Errorf("the handler's own header lines were lost: %v", res.Header)
			}
			rest := make([]byte, 6)
			if tc.status == 101 {
				_, err = io.ReadFull(br, rest)
			} else {
				_, err = io.ReadFull(res.Body, rest)
			}
			if err != nil || string(rest) != "frames" {
				t.Errorf("bytes after the header: %q, %v", rest, err)
			}
			select {
			case <-handlerDone:
			case <-time.After(5 * time.Second):
				t.Fatal("handler did not return")
			}
			reports.none(t)
		})
	}
}

// When the cookie cannot reach the client through a hijacked connection,
// the loss is reported (a late error: ErrCookieNotSent, matching
// ErrHeaderWritten), and the handler's bytes go out unchanged.
func TestMiddlewareHijackLossReported(t *testing.T) {
	cases := map[string]struct {
		write func(conn net.Conn) error
		sent  string
	}{
		"closed without writing": {func(conn net.Conn) error { return nil }, ""},
		"not HTTP":               {func(conn net.Conn) error { _, err := io.WriteString(conn, "hello\r\n\r\n"); return err }, "hello\r\n\r\n"},
		"header never ends": {func(conn net.Conn) error {
			_, err := io.WriteString(conn, "HTTP/1.1 200 OK\r\nX: y\r\n")
			return err
		}, "HTTP/1.1 200 OK\r\nX: y\r\n"},
		"header too long": {func(conn net.Conn) error {
			_, err := io.WriteString(conn, "HTTP/1.1 200 OK\r\nX: "+strings.Repeat("y", 70<<10))
			return err
		}, "HTTP/1.1 200 OK\r\nX: " + strings.Repeat("y", 70<<10)},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			reports := make(errReports, 4)
			m := newManager(t, session.Config{ErrorHandler: reports.handler})
			srv := httptest.NewServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_ = session.From(r).Set("user", "alice")
				conn, _, err := w.(http.Hijacker).Hijack()
				if err != nil {
					t.Errorf("Hijack: %v", err)
					return
				}
				if err := tc.write(conn); err != nil {
					t.Errorf("write: %v", err)
				}
				conn.Close()
			})))
			defer srv.Close()
			_, br := rawGet(t, srv)
			err := reports.next(t)
			if !errors.Is(err, session.ErrCookieNotSent) || !errors.Is(err, session.ErrHeaderWritten) {
				t.Errorf("reported %v, want ErrCookieNotSent (late)", err)
			}
			got, _ := io.ReadAll(br)
			if string(got) != tc.sent {
				t.Errorf("client got %.60q, want %.60q", got, tc.sent)
			}
			reports.none(t)
		})
	}
}

// A library that writes 101 through the ResponseWriter before hijacking
// (github.com/coder/websocket) sends the cookie in that header, once.
func TestMiddlewareSwitchingProtocolsThenHijack(t *testing.T) {
	reports := make(errReports, 4)
	m := newManager(t, session.Config{ErrorHandler: reports.handler})
	srv := httptest.NewServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = session.From(r).Set("user", "alice")
		w.Header().Set("Upgrade", "websocket")
		w.Header().Set("Connection", "Upgrade")
		w.WriteHeader(http.StatusSwitchingProtocols)
		conn, brw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		brw.WriteString("frames")
		brw.Flush()
		conn.Close()
	})))
	defer srv.Close()
	_, br := rawGet(t, srv)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Header.Values("Set-Cookie"); res.StatusCode != 101 || len(got) != 1 {
		t.Errorf("status %d, Set-Cookie %q", res.StatusCode, got)
	}
	rest, _ := io.ReadAll(br)
	if string(rest) != "frames" {
		t.Errorf("after the header: %q", rest)
	}
	reports.none(t)
}

// replacingSave is an Interface whose Save replaces the Set-Cookie header
// (w.Header().Set) instead of adding a line.
type replacingSave struct{ session.SecureCookie }

func (i *replacingSave) Save(cfg *session.Config, s *session.Session, w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Set-Cookie", "replaced=1")
	return nil
}

// The lines a hijacked response gets are what Save added, however it
// added them, and none of the application's own.
func TestMiddlewareHijackAddsSavedLinesOnly(t *testing.T) {
	m := newManager(t, session.Config{Interface: &replacingSave{}})
	srv := httptest.NewServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Set-Cookie", "app=1") // the hijacker writes its own header: not ours to send
		_ = session.From(r).Set("user", "alice")
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			t.Errorf("Hijack: %v", err)
			return
		}
		defer conn.Close()
		io.WriteString(conn, "HTTP/1.1 204 No Content\r\n\r\n")
	})))
	defer srv.Close()
	_, br := rawGet(t, srv)
	res, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Header.Values("Set-Cookie"); len(got) != 1 || got[0] != "replaced=1" {
		t.Errorf("Set-Cookie %q, want [replaced=1]", got)
	}
}
