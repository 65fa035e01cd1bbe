package session_test

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session"
)

// Once the session failed and the error handler answered, every way the
// handler has to write its own response fails with ErrResponseReplaced
// (or is dropped, for WriteHeader), and the client sees the error response.
func TestMiddlewareWritesAfterErrorResponseFail(t *testing.T) {
	type result struct {
		write, readFrom, flush, hijack error
	}
	got := make(chan result, 1)
	m, err := session.New(session.Config{Logger: discardLogger()}) // no key: null sessions
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = session.From(r).Set("user", "alice") // fails: ErrNoSecretKey
		w.Header().Set("X-Handler", "yes")
		w.WriteHeader(http.StatusEarlyHints) // before the header: passes
		w.WriteHeader(http.StatusOK)         // the session is saved here, fails: error response
		var res result
		_, res.write = w.Write([]byte("secret"))
		_, res.readFrom = io.Copy(w, strings.NewReader("secret"))
		res.flush = http.NewResponseController(w).Flush()
		_, _, res.hijack = http.NewResponseController(w).Hijack()
		w.WriteHeader(http.StatusTeapot)
		w.WriteHeader(http.StatusContinue)
		got <- res
	})))
	defer srv.Close()
	hc := srv.Client()
	hc.Timeout = 10 * time.Second
	res, err := hc.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != 500 || strings.Contains(string(body), "secret") || res.Header.Get("X-Handler") != "" {
		t.Errorf("client got %d %q %v", res.StatusCode, body, res.Header)
	}
	select {
	case r := <-got:
		for name, err := range map[string]error{"Write": r.write, "ReadFrom": r.readFrom, "Flush": r.flush, "Hijack": r.hijack} {
			if !errors.Is(err, session.ErrResponseReplaced) {
				t.Errorf("%s after the error response: %v, want ErrResponseReplaced", name, err)
			}
		}
	case <-time.After(5 * time.Second):
		t.Fatal("handler did not finish")
	}
}

// A handler that never writes still has its session saved when it returns,
// and a failure then answers through the error handler.
func TestMiddlewareHandlerThatNeverWrites(t *testing.T) {
	reports := make(errReports, 4)
	m := newManager(t, session.Config{ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
		reports.handler(w, r, err)
		w.WriteHeader(503)
	}})
	c := client(m, map[string]http.HandlerFunc{
		"/ok":  func(w http.ResponseWriter, r *http.Request) { _ = session.From(r).Set("a", 1) },
		"/bad": func(w http.ResponseWriter, r *http.Request) { _ = session.From(r).Set("big", incompressible(8000)) },
	})
	if res := c.Get("/ok"); res.StatusCode != 200 || len(setCookies(res)) != 1 {
		t.Errorf("/ok: %d %q", res.StatusCode, setCookies(res))
	}
	reports.none(t)
	if res := c.Get("/bad"); res.StatusCode != 503 || len(setCookies(res)) != 0 {
		t.Errorf("/bad: %d %q", res.StatusCode, setCookies(res))
	}
	if err := reports.next(t); !errors.Is(err, session.ErrCookieTooLarge) {
		t.Errorf("reported %v", err)
	}
}

// A handler that panics leaves the session unsaved; what is lost (changes,
// a failed write) is logged at level Error through Config.Logger, later
// writes fail, and the panic goes on unchanged.
func TestMiddlewarePanicLogsLostSession(t *testing.T) {
	cases := map[string]struct {
		before func(w http.ResponseWriter, s *session.Session)
		logged bool
	}{
		"changed":           {func(w http.ResponseWriter, s *session.Session) { _ = s.Set("a", 1) }, true},
		"read only":         {func(w http.ResponseWriter, s *session.Session) { s.Get("a") }, false},
		"late write failed": {func(w http.ResponseWriter, s *session.Session) { w.WriteHeader(200); _ = s.Set("a", 1) }, true},
		"saved, then panic": {func(w http.ResponseWriter, s *session.Session) { _ = s.Set("a", 1); w.WriteHeader(200) }, false},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			logs := &logRecords{}
			m := newManager(t, session.Config{Logger: slog.New(logs)})
			var s *session.Session
			h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s = session.From(r)
				tc.before(w, s)
				panic(http.ErrAbortHandler)
			}))
			rec := httptest.NewRecorder()
			func() {
				defer func() {
					if p := recover(); p != http.ErrAbortHandler {
						t.Errorf("recovered %v, want the handler's panic", p)
					}
				}()
				h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
			}()
			logged := logs.at(slog.LevelError)
			if (len(logged) == 1) != tc.logged || len(logged) > 1 {
				t.Errorf("logged %q, want a record: %v", logged, tc.logged)
			}
			if err := s.Set("b", 2); !errors.Is(err, session.ErrHeaderWritten) {
				t.Errorf("write after the panic: %v, want ErrHeaderWritten", err)
			}
			if name == "changed" && len(rec.Result().Header.Values("Set-Cookie")) != 0 {
				t.Error("the panicking handler's session was saved")
			}
		})
	}
}

// A session that fails to open after the header went out (a signed cookie
// whose payload cannot be decoded) is reported as late, not dropped.
func TestMiddlewareLateOpenErrorReported(t *testing.T) {
	reports := make(errReports, 4)
	m := newManager(t, session.Config{Now: fixedClock(t0), ErrorHandler: reports.handler})
	signer, _ := m.Config().Signer()
	cookie := string(signer.AppendSign(nil, []byte(`{"a":{" b":"A"}}`), t0.Unix()))
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Vary", "Cookie")
		w.WriteHeader(200)
		session.From(r).Get("a")
	}))
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: "session", Value: cookie})
	h.ServeHTTP(httptest.NewRecorder(), r)
	if err := reports.next(t); !errors.Is(err, session.ErrBadPayload) || !errors.Is(err, session.ErrHeaderWritten) {
		t.Errorf("reported %v, want a late ErrBadPayload", err)
	}
}

// incompressible returns n bytes of hex that zlib cannot shrink much.
func incompressible(n int) string {
	b := make([]byte, n/2)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// A goroutine that opens the session after the handler returned gets a
// readable, sealed session; a failed open is still reported, to a
// ResponseWriter that is not the finished response's.
func TestMiddlewareOpenAfterHandlerReturned(t *testing.T) {
	type report struct {
		err    error
		writer http.ResponseWriter
	}
	reports := make(chan report, 1)
	m := newManager(t, session.Config{Now: fixedClock(t0), ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
		w.WriteHeader(500) // must not reach the finished response
		reports <- report{err, w}
	}})
	signer, _ := m.Config().Signer()
	cookie := string(signer.AppendSign(nil, []byte(`{"a":{" b":"A"}}`), t0.Unix()))
	var kept *http.Request
	rec := httptest.NewRecorder()
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Vary", "Cookie")
		kept = r
	}))
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: "session", Value: cookie})
	h.ServeHTTP(rec, r)
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	s := session.From(kept) // after the handler returned
	select {
	case rep := <-reports:
		if !errors.Is(rep.err, session.ErrBadPayload) || !errors.Is(rep.err, session.ErrHeaderWritten) {
			t.Errorf("reported %v", rep.err)
		}
		if rep.writer == http.ResponseWriter(rec) {
			t.Error("the report got the finished response's ResponseWriter")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no report")
	}
	if err := s.Set("x", 1); err == nil {
		t.Error("a session opened after the handler returned accepted a write")
	}
}

// A write by a goroutine outliving the handler fails, and the first such
// failure of the request is logged through Config.Logger.
func TestMiddlewareWriteAfterRequestEndedIsLogged(t *testing.T) {
	for _, open := range []string{"in the handler", "after the handler"} {
		t.Run(open, func(t *testing.T) {
			logs := &logRecords{}
			m := newManager(t, session.Config{Logger: slog.New(logs)})
			var kept *http.Request
			var s *session.Session
			h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				kept = r
				if open == "in the handler" {
					s = session.From(r)
					_ = s.Set("a", 1)
				}
			}))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
			if n := len(logs.at(slog.LevelError)); n != 0 {
				t.Fatalf("%d records before the late write", n)
			}
			if s == nil {
				s = session.From(kept)
			}
			for range 2 {
				if err := s.Set("late", true); !errors.Is(err, session.ErrHeaderWritten) {
					t.Errorf("write after the request ended: %v", err)
				}
			}
			if got := logs.at(slog.LevelError); len(got) != 1 || !strings.Contains(got[0], "ended") {
				t.Errorf("logged %q, want one record", got)
			}
		})
	}
}
