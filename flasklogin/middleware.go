package flasklogin

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"time"
)

// Handler is the middleware that does what Flask-Login's after_request hook
// (_update_remember_cookie) does: just before the response header goes out
// it pops "_remember" from the session and sets the remember cookie for
// "set" (when "_user_id" is present) or deletes it for "clear". With
// Config.Remember.RefreshEachRequest a session without "_remember" is
// treated as "set". It also gives Current, Login and Logout their
// per-request state; they return ErrNoMiddleware without it.
//
// It must run inside the session middleware (sessionManager.Handler(
// loginManager.Handler(mux))), so that its session change is saved. The
// step runs on the first WriteHeader (not for 1xx codes), Write or Flush,
// or when next returns without writing. A handler that hijacks the
// connection first sends no remember cookie: "_remember" stays in the
// session for the next response. A failed session write in this step is
// logged through Config.Logger and the cookie is not changed.
//
// The wrapped ResponseWriter implements Unwrap, Flush and Hijack.
func (m *Manager) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if m.state(r) != nil { // nested: the outer layer does the work
			next.ServeHTTP(w, r)
			return
		}
		st := new(reqState)
		r = r.WithContext(context.WithValue(r.Context(), ctxKey{m}, st))
		rw := &responseWriter{ResponseWriter: w, before: func() { m.updateRememberCookie(w, r, st) }}
		next.ServeHTTP(rw, r)
		if !rw.hijacked {
			rw.beforeHeader()
		}
	})
}

// updateRememberCookie is LoginManager._update_remember_cookie.
func (m *Manager) updateRememberCookie(w http.ResponseWriter, r *http.Request, st *reqState) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.done {
		return
	}
	st.done = true
	s := m.session(r, st)
	fail := func(err error) {
		m.cfg.Logger.ErrorContext(r.Context(), "flasklogin: remember cookie not updated", "err", err)
	}
	if m.cfg.Remember.RefreshEachRequest {
		if _, ok := s.Lookup(KeyRemember); !ok {
			if err := set(s, KeyRemember, "set"); err != nil {
				fail(err)
				return
			}
		}
	}
	if _, ok := s.Lookup(KeyRemember); !ok {
		return
	}
	op, _, err := s.Pop(KeyRemember)
	if err != nil {
		fail(err)
		return
	}
	switch op {
	case "set":
		v, ok := s.Lookup(KeyUserID)
		if !ok {
			return
		}
		id, ok := userID(v)
		if !ok {
			m.cfg.Logger.ErrorContext(r.Context(), "flasklogin: remember cookie not set: _user_id is not a string or an int")
			return
		}
		d := m.cfg.Remember.Duration
		if v, ok := s.Lookup(KeyRememberSeconds); ok {
			if d, ok = rememberSeconds(v); !ok {
				m.cfg.Logger.ErrorContext(r.Context(), "flasklogin: remember cookie not set: _remember_seconds is not a usable number")
				return
			}
		}
		// datetime.utcnow() + duration, written to the second by http_date.
		expires := m.cfg.Now().UTC().Add(d).Truncate(time.Second)
		w.Header().Add("Set-Cookie", m.setCookieLine(m.EncodeCookie(id), expires))
	case "clear":
		w.Header().Add("Set-Cookie", m.clearCookieLine())
	}
}

// responseWriter runs before once, just before the header goes out.
type responseWriter struct {
	http.ResponseWriter
	before   func()
	ran      bool
	hijacked bool
}

func (w *responseWriter) beforeHeader() {
	if !w.ran {
		w.ran = true
		w.before()
	}
}

func (w *responseWriter) WriteHeader(code int) {
	if code >= 200 || code == http.StatusSwitchingProtocols {
		w.beforeHeader()
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *responseWriter) Write(p []byte) (int, error) {
	w.beforeHeader()
	return w.ResponseWriter.Write(p)
}

// Flush sends the header (after the remember cookie step) and flushes.
func (w *responseWriter) Flush() {
	w.beforeHeader()
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// FlushError is Flush returning the error, for http.ResponseController.
func (w *responseWriter) FlushError() error {
	w.beforeHeader()
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack hands the connection over without the remember cookie step.
func (w *responseWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	c, rw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err == nil {
		w.hijacked = true
	}
	return c, rw, err
}

// Unwrap returns the wrapped ResponseWriter, for http.ResponseController.
func (w *responseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
