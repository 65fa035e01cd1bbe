package flasklogin_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httptrace"
	"net/textproto"
	"strings"
	"testing"

	session "github.com/sessionkit/session"
	"github.com/sessionkit/session/flasklogin"
	"github.com/sessionkit/session/internal/testwait"
)

// TestCookieBeforeHeader: the remember cookie is in the header however the
// handler sends it, and only once.
func TestCookieBeforeHeader(t *testing.T) {
	for _, tc := range []struct {
		name string
		h    func(w http.ResponseWriter)
	}{
		{"WriteHeader", func(w http.ResponseWriter) { w.WriteHeader(http.StatusNoContent) }},
		{"Write", func(w http.ResponseWriter) { w.Write([]byte("x")) }},
		{"Flush", func(w http.ResponseWriter) { w.(http.Flusher).Flush() }},
		{"ResponseController Flush", func(w http.ResponseWriter) { http.NewResponseController(w).Flush() }},
		{"nothing written", func(w http.ResponseWriter) {}},
		{"1xx then Write", func(w http.ResponseWriter) { w.WriteHeader(http.StatusEarlyHints); w.Write([]byte("x")) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newMem(nil)
			m, _ := newManager(t, s, nil)
			srv := httptest.NewServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if err := m.Login(r, "alice", flasklogin.LoginOptions{Remember: true}); err != nil {
					t.Error(err)
				}
				tc.h(w)
				tc.h(w)
			})))
			defer srv.Close()
			var interim []string
			trace := &httptrace.ClientTrace{Got1xxResponse: func(code int, h textproto.MIMEHeader) error {
				interim = append(interim, setCookies(http.Header(h), "remember_token")...)
				return nil
			}}
			req, _ := http.NewRequestWithContext(httptrace.WithClientTrace(context.Background(), trace), "GET", srv.URL, nil)
			resp, err := testwait.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if c := setCookies(resp.Header, "remember_token"); len(c) != 1 {
				t.Fatalf("Set-Cookie lines %q, want one", c)
			}
			if len(interim) != 0 {
				t.Errorf("remember cookie in an interim response: %q", interim)
			}
			if _, ok := s.Lookup("_remember"); ok {
				t.Error("_remember left in the session")
			}
		})
	}
}

func TestNestedHandler(t *testing.T) {
	m, _ := newManager(t, newMem(nil), nil)
	h := m.Handler(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.Login(r, "alice", flasklogin.LoginOptions{Remember: true})
	})))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if c := setCookies(rec.Header(), "remember_token"); len(c) != 1 {
		t.Fatalf("Set-Cookie lines %q, want one", c)
	}
}

// TestHijackKeepsRemember: a hijacked connection gets no cookie, and
// "_remember" stays in the session for the next response.
func TestHijackKeepsRemember(t *testing.T) {
	s := newMem(nil)
	m, _ := newManager(t, s, nil)
	done := make(chan struct{})
	srv := httptest.NewServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer close(done)
		m.Login(r, "alice", flasklogin.LoginOptions{Remember: true})
		conn, rw, err := http.NewResponseController(w).Hijack()
		if err != nil {
			t.Error(err)
			return
		}
		rw.WriteString("HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok")
		rw.Flush()
		conn.Close()
	})))
	defer srv.Close()
	resp, err := testwait.Client().Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	testwait.Recv(t, done, 0, "handler end")
	if c := setCookies(resp.Header, "remember_token"); len(c) != 0 {
		t.Errorf("cookie %q on a hijacked connection", c)
	}
	if v, _ := s.Lookup("_remember"); v != "set" {
		t.Errorf("_remember = %v, want it kept for the next response", v)
	}
}

// TestWithSessionMiddleware runs the real session middleware: the session
// cookie carries Flask-Login's keys and the remember cookie is set; in the
// wrong order the failure is logged, not silent.
func TestWithSessionMiddleware(t *testing.T) {
	sm, err := session.New(session.Config{SecretKey: []byte("k")})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	lm, err := flasklogin.New(flasklogin.Config{SecretKey: []byte("k"), Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	login := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := lm.Login(r, "alice", flasklogin.LoginOptions{Remember: true}); err != nil {
			t.Error(err)
		}
		w.Write([]byte("ok"))
	})
	rec := httptest.NewRecorder()
	sm.Handler(lm.Handler(login)).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if c := setCookies(rec.Header(), "remember_token"); len(c) != 1 {
		t.Fatalf("remember cookie %q", c)
	}
	if c := setCookies(rec.Header(), "session"); len(c) != 1 {
		t.Fatalf("session cookie %q", c)
	}
	// Read the login back through the session cookie and the middleware.
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Cookie", strings.SplitN(setCookies(rec.Header(), "session")[0], ";", 2)[0])
	sm.Handler(lm.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u, err := lm.Current(r); err != nil || u.ID != "alice" || !u.Fresh {
			t.Errorf("Current = %+v, %v", u, err)
		}
	}))).ServeHTTP(httptest.NewRecorder(), r)

	// Wrong order: the remember step runs after the session was saved.
	logs.Reset()
	rec = httptest.NewRecorder()
	lm.Handler(sm.Handler(login)).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if c := setCookies(rec.Header(), "remember_token"); len(c) != 0 {
		t.Errorf("remember cookie %q set although the session could not record it", c)
	}
	if !strings.Contains(logs.String(), "remember cookie not updated") {
		t.Errorf("wrong middleware order not reported: %q", logs.String())
	}
}
