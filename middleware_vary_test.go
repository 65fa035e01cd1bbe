package session_test

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/sessiontest"
)

// sessionReads are every way of reading a session.
var sessionReads = map[string]func(s *session.Session){
	"Get":         func(s *session.Session) { s.Get("user") },
	"Lookup":      func(s *session.Session) { s.Lookup("user") },
	"Has":         func(s *session.Session) { s.Has("user") },
	"Len":         func(s *session.Session) { s.Len() },
	"Keys":        func(s *session.Session) { s.Keys() },
	"Values":      func(s *session.Session) { s.Values() },
	"Permanent":   func(s *session.Session) { s.Permanent() },
	"Flashes":     func(s *session.Session) { s.Flashes() },
	"Get[T]":      func(s *session.Session) { session.Get[string](s, "user") },
	"GetOr":       func(s *session.Session) { session.GetOr(s, "user", "") },
	"Get[struct]": func(s *session.Session) { _, _ = session.Get[struct{ A int }](s, "user") },
	"Get missing": func(s *session.Session) { s.Get("nothing") },
}

// loggedIn returns a client whose session holds user=alice.
func loggedIn(t *testing.T, m *session.Manager, h http.Handler) *sessiontest.Client {
	t.Helper()
	c := sessiontest.NewClient(h)
	if err := c.SessionTransaction(m, func(s *session.Session) error { return s.Set("user", "alice") }); err != nil {
		t.Fatal(err)
	}
	return c
}

// A session read after a header without "Vary: Cookie" went out (a
// personalised page a shared cache may keep) is reported as late writes
// are, whichever read it is, whether the session was opened before or
// after the header.
func TestMiddlewareReportsReadAfterHeader(t *testing.T) {
	for name, read := range sessionReads {
		for _, openFirst := range []bool{false, true} {
			label := name + "/opened after the header"
			if openFirst {
				label = name + "/opened before the header"
			}
			t.Run(label, func(t *testing.T) {
				reports := make(errReports, 4)
				m := newManager(t, session.Config{ErrorHandler: reports.handler})
				h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					var s *session.Session
					if openFirst {
						s = session.From(r)
					}
					w.Header().Set("Cache-Control", "public, max-age=300")
					w.WriteHeader(http.StatusOK)
					if !openFirst {
						s = session.From(r)
					}
					read(s)
					w.Write([]byte("hello"))
				}))
				res := loggedIn(t, m, h).Get("/")
				if res.StatusCode != 200 || res.Body != "hello" || res.Header.Get("Vary") != "" {
					t.Fatalf("response changed: %d %q %v", res.StatusCode, res.Body, res.Header)
				}
				err := reports.next(t)
				if !errors.Is(err, session.ErrReadAfterHeader) || !errors.Is(err, session.ErrHeaderWritten) {
					t.Errorf("reported %v, want ErrReadAfterHeader (late)", err)
				}
				reports.none(t)
			})
		}
	}
}

// No report when the response does vary on Cookie: the session was read
// before the header (Save added Vary), the application set Vary itself, the
// response was a protocol switch, or the session is a null session.
func TestMiddlewareReadAfterHeaderWithVary(t *testing.T) {
	cases := map[string]struct {
		cfg     session.Config
		respond func(w http.ResponseWriter, r *http.Request)
	}{
		"read before": {respond: func(w http.ResponseWriter, r *http.Request) {
			s := session.From(r)
			s.Get("user")
			w.WriteHeader(200)
			s.Keys()
		}},
		"Vary: Cookie set": {respond: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Vary", "Accept-Encoding, cookie")
			w.WriteHeader(200)
			session.From(r).Get("user")
		}},
		"Vary: *": {respond: func(w http.ResponseWriter, r *http.Request) {
			w.Header().Add("Vary", "*")
			w.WriteHeader(200)
			session.From(r).Get("user")
		}},
		"101": {respond: func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusSwitchingProtocols)
			session.From(r).Get("user")
		}},
		"read after return": {respond: func(w http.ResponseWriter, r *http.Request) {
			session.From(r).Get("user") // no header yet: Save adds Vary
		}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			reports := make(errReports, 4)
			tc.cfg.ErrorHandler = reports.handler
			m := newManager(t, tc.cfg)
			loggedIn(t, m, m.Handler(http.HandlerFunc(tc.respond))).Get("/")
			reports.none(t)
		})
	}
	// A null session (no secret key) reads as empty: nothing personal.
	reports := make(errReports, 4)
	m, err := session.New(session.Config{Logger: discardLogger(), ErrorHandler: reports.handler})
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		session.From(r).Get("user")
	})).ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	reports.none(t)
}

// Whichever way the header went out (WriteHeader, Write, Flush, ReadFrom),
// a later read is reported.
func TestMiddlewareReadAfterHeaderEveryWay(t *testing.T) {
	ways := map[string]func(w http.ResponseWriter){
		"Write":     func(w http.ResponseWriter) { w.Write([]byte("hi")) },
		"Flush":     func(w http.ResponseWriter) { http.NewResponseController(w).Flush() },
		"ReadFrom":  func(w http.ResponseWriter) { w.(io.ReaderFrom).ReadFrom(strings.NewReader("hi")) },
		"WriteHead": func(w http.ResponseWriter) { w.WriteHeader(http.StatusNotFound) },
	}
	for name, send := range ways {
		t.Run(name, func(t *testing.T) {
			reports := make(errReports, 4)
			m := newManager(t, session.Config{ErrorHandler: reports.handler})
			h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				send(w)
				if session.From(r).Get("user") != "alice" {
					t.Error("the session was not readable after the header")
				}
			}))
			loggedIn(t, m, h).Get("/")
			if err := reports.next(t); !errors.Is(err, session.ErrReadAfterHeader) {
				t.Errorf("reported %v", err)
			}
		})
	}
}
