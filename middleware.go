package session

import (
	"bufio"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
)

// Handler is the session middleware: func(http.Handler) http.Handler.
//
// The session of a request is opened lazily, the first time the handler calls
// [From] — a request that never touches it costs no cookie decoding. It is
// saved just before the response header goes out: on the first WriteHeader,
// Write, Flush, ReadFrom or Hijack, or when the handler returns. If opening or
// saving fails (or the handler wrote to a null session) the handler's
// response is replaced by the error handler's (HTTP 500 by default) and the
// handler's later writes fail. A change made after the header went out fails
// with ErrHeaderWritten and is reported through the error handler when the
// handler returns, never dropped silently.
//
// The wrapped ResponseWriter implements Unwrap, Flush and Hijack, so
// http.ResponseController and type assertions keep working. A handler that
// panics leaves the session unsaved.
func (m *Manager) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Two allocations per request: the state (context node and writer
		// in one struct) and the request copy WithContext makes. Neither
		// can be pooled: a handler's goroutines may keep the request and
		// its context.
		st := &reqState{m: m}
		st.ctx = reqCtx{Context: r.Context(), st: st}
		st.req = r.WithContext(&st.ctx)
		st.w = writer{ResponseWriter: w, st: st}
		next.ServeHTTP(&st.w, st.req)
		st.finish()
	})
}

type ctxKey struct{}

// reqCtx carries the request's session state in its context.
type reqCtx struct {
	context.Context
	st *reqState
}

func (c *reqCtx) Value(key any) any {
	if _, ok := key.(ctxKey); ok {
		return c.st
	}
	return c.Context.Value(key)
}

// reqState is the session state of one request.
type reqState struct {
	ctx reqCtx
	req *http.Request
	w   writer
	m   *Manager

	mu        sync.Mutex
	sess      *Session
	openErr   error
	committed bool
	failed    bool
}

// From returns the session of the request, opening it on first use. It never
// returns nil: for a request that did not pass through the middleware it
// returns a null session whose writes fail with ErrNoMiddleware; when opening
// failed, a null session whose writes fail with that error (use [Load] to see
// the error directly).
func From(r *http.Request) *Session { return FromContext(r.Context()) }

// FromContext is [From] for a request's context.
func FromContext(ctx context.Context) *Session {
	st, _ := ctx.Value(ctxKey{}).(*reqState)
	if st == nil {
		return NewNullSession(ErrNoMiddleware)
	}
	s, _ := st.session()
	return s
}

// Load is [From] that also returns the error, if any, that opening the
// session failed with. The session is never nil.
func Load(r *http.Request) (*Session, error) {
	st, _ := r.Context().Value(ctxKey{}).(*reqState)
	if st == nil {
		return NewNullSession(ErrNoMiddleware), ErrNoMiddleware
	}
	return st.session()
}

func (st *reqState) session() (*Session, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.sess == nil {
		st.openLocked()
	}
	return st.sess, st.openErr
}

// openLocked opens the session through the Interface; st.mu is held.
func (st *reqState) openLocked() {
	m := st.m
	s, err := m.rc.iface.Open(&m.cfg, st.req)
	switch {
	case err != nil:
		st.openErr = err
		s = NewNullSession(err)
	case s == nil:
		s = makeNull(m.rc.iface, &m.cfg)
	}
	if st.committed {
		// Opened after the header went out: readable, not writable.
		s.seal()
		if err != nil {
			m.handleError(st.w.ResponseWriter, st.req, lateError{err})
		}
	}
	st.sess = s
}

// commit saves the session before the header goes out. It reports whether
// the handler's response may proceed; false means the error handler has
// answered instead.
func (st *reqState) commit() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.committed {
		return !st.failed
	}
	if st.sess == nil {
		if !st.needsRefresh() {
			st.committed = true
			return true
		}
		st.openLocked()
	}
	st.committed = true
	s := st.sess
	err := st.openErr
	if err == nil {
		err = st.m.Save(s, st.w.ResponseWriter, st.req)
	}
	s.seal()
	if err != nil {
		st.failed = true
		// The error response replaces the handler's, headers included.
		clear(st.w.ResponseWriter.Header())
		st.m.handleError(st.w.ResponseWriter, st.req, err)
		return false
	}
	return true
}

// needsRefresh reports whether an untouched session must be opened and saved
// anyway (see RefreshChecker).
func (st *reqState) needsRefresh() bool {
	m := st.m
	if rc, ok := m.rc.iface.(RefreshChecker); ok {
		return rc.NeedsRefresh(&m.cfg, st.req)
	}
	return true
}

// finish runs when the handler returns: it saves a session the handler did
// not write a response for, and reports writes that came too late.
func (st *reqState) finish() {
	st.commit()
	st.mu.Lock()
	s, failed := st.sess, st.failed
	st.mu.Unlock()
	if s == nil || failed {
		return
	}
	if err := s.Err(); err != nil {
		st.m.handleError(st.w.ResponseWriter, st.req, lateError{err})
	}
}

// lateError is a session failure noticed after the header went out.
type lateError struct{ err error }

func (e lateError) Error() string        { return e.err.Error() }
func (e lateError) Unwrap() error        { return e.err }
func (e lateError) Is(target error) bool { return target == ErrHeaderWritten }

func isLate(err error) bool { return errors.Is(err, ErrHeaderWritten) }

// errResponseReplaced is returned by writes after the error handler answered.
var errResponseReplaced = errors.New("session: response replaced by the session error handler")

// writer saves the session before the header goes out.
type writer struct {
	http.ResponseWriter
	st *reqState
}

func (w *writer) WriteHeader(code int) {
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		w.ResponseWriter.WriteHeader(code) // informational: the real header comes later
		return
	}
	if w.st.commit() {
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *writer) Write(p []byte) (int, error) {
	if !w.st.commit() {
		return 0, errResponseReplaced
	}
	return w.ResponseWriter.Write(p)
}

// ReadFrom keeps sendfile and similar fast paths of the underlying writer.
func (w *writer) ReadFrom(src io.Reader) (int64, error) {
	if !w.st.commit() {
		return 0, errResponseReplaced
	}
	if rf, ok := w.ResponseWriter.(io.ReaderFrom); ok {
		return rf.ReadFrom(src)
	}
	return io.Copy(w.ResponseWriter, src)
}

// Unwrap lets http.ResponseController reach the underlying writer.
func (w *writer) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// Flush saves the session, then flushes.
func (w *writer) Flush() {
	if !w.st.commit() {
		return
	}
	_ = http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack saves the session, then hands over the connection.
func (w *writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if !w.st.commit() {
		return nil, nil, errResponseReplaced
	}
	return http.NewResponseController(w.ResponseWriter).Hijack()
}
