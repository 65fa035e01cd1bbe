package session

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
)

// Handler is the session middleware: func(http.Handler) http.Handler.
//
// The session of a request is opened lazily, the first time the handler calls
// [From] — a request that never touches it costs no cookie decoding. It is
// saved just before the response header goes out: on the first WriteHeader
// (other than 1xx informational codes; 101 Switching Protocols counts),
// Write, Flush, ReadFrom or Hijack, or when the handler returns.
//
// No session failure is dropped silently:
//
//   - If opening or saving fails (or the handler wrote to a null session)
//     the handler's response is replaced by the error handler's (HTTP 500 by
//     default) and the handler's later Write, ReadFrom, Hijack and
//     ResponseController Flush fail with an error saying the response was replaced.
//   - A change made after the header went out fails with [ErrHeaderWritten]
//     and is reported through the error handler when the handler returns.
//   - A read (Get, Has, Values, Permanent, Flashes, Get[T], ...)
//     after a header without "Vary: Cookie" went out is reported through the
//     error handler when the handler returns, as a late-read error
//     (a session read before the header went out adds Vary itself).
//   - A handler that hijacks the connection first (gorilla/websocket's
//     Upgrade) gets a connection that adds the session's Set-Cookie lines to
//     the HTTP/1.x response header it writes (after 1xx interim responses).
//     If it closes the connection before writing a header, or writes
//     something else, an error matching ErrHeaderWritten is reported. That connection is a
//     wrapper (its NetConn method returns the hijacked net.Conn); only a
//     hijack that has cookie lines to add gets one. Libraries that call
//     WriteHeader(101) before hijacking (github.com/coder/websocket) send
//     the cookie in that header.
//   - A handler that panics leaves the session unsaved (its later writes fail
//     with ErrHeaderWritten); lost changes and failed writes are logged at
//     level Error through Config.Logger, and the panic goes on.
//
// Late writes and reads are reported when the handler returns. After that
// (a goroutine outliving the handler) writes fail with ErrHeaderWritten and
// the first failed write of the request is logged at level Error through
// Config.Logger; reads are not reported.
//
// Errors reported after the header went out match [ErrHeaderWritten] as
// well as their own sentinel; [DefaultErrorHandler] only logs them. The
// error handler is called at most once per kind, on the request's
// goroutine, except for a cookie not sent on a hijacked connection, which is reported when the
// hijacked connection shows it (possibly on another goroutine), and a
// failed open by a goroutine after the handler returned; the error handler
// then gets a ResponseWriter that discards what it writes.
//
// Nesting: a Handler inside another Handler of the same Manager, or of a
// Manager writing the same cookie (same name, domain and path), passes the
// request through: the outermost layer alone opens and saves the session,
// so a request has one session and at most one Set-Cookie per cookie.
// Managers with different cookies each keep their own session; reach each
// with [Manager.From]. The cookie is the one the Interface's Helpers name
// (see [CookieHelpers]): with a CookieName override, per request.
//
// The wrapped ResponseWriter implements Unwrap, Flush, FlushError and
// Hijack, so http.ResponseController and type assertions keep working.
func (m *Manager) Handler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := m.idFor(r)
		if outer, _ := r.Context().Value(cookieKey{id}).(*reqState); outer != nil {
			// An outer layer owns this cookie: one session, one save.
			if m.id == nil && outer.m != m {
				// m finds its state by itself (managerKey): point it at
				// the outer layer's.
				r = r.WithContext(&aliasCtx{Context: r.Context(), m: m, st: outer})
			}
			next.ServeHTTP(w, r)
			return
		}
		// Two allocations per request: the state (context node, writer
		// and, for the default SecureCookie Interface, the session in one
		// struct) and the request copy WithContext makes. Neither can be
		// pooled: a handler's goroutines may keep the request, its context
		// and the session.
		st := &reqState{m: m, id: id}
		st.ctx = reqCtx{Context: r.Context(), st: st}
		st.req = r.WithContext(&st.ctx)
		st.w = writer{ResponseWriter: w, st: st}
		done := false
		defer func() {
			if !done {
				st.abandon()
			}
		}()
		next.ServeHTTP(&st.w, st.req)
		st.finish()
		done = true
		st.mu.Lock()
		st.returned = true
		s := st.sess.Load()
		st.mu.Unlock()
		if s != nil {
			s.markEnded(m)
		}
	})
}

type ctxKey struct{}

// cookieKey finds the request state of the Manager (or Managers) whose
// cookie identity is id.
type cookieKey struct{ id *cookieID }

// managerKey finds the request state of a Manager whose cookie identity
// is computed per request (see Manager.idFor).
type managerKey struct{ m *Manager }

// reqCtx carries the request's session state in its context.
type reqCtx struct {
	context.Context
	st *reqState
}

func (c *reqCtx) Value(key any) any {
	switch k := key.(type) {
	case ctxKey:
		return c.st
	case cookieKey:
		if *k.id == *c.st.id {
			return c.st
		}
	case managerKey:
		if k.m == c.st.m {
			return c.st
		}
	case statesKey:
		next, _ := c.Context.Value(key).(*stateList)
		return &stateList{st: c.st, next: next}
	}
	return c.Context.Value(key)
}

// statesKey finds every request state in a context, innermost first, as a
// *stateList (allocated per lookup: for the rare callers only).
type statesKey struct{}

type stateList struct {
	st   *reqState
	next *stateList
}

// aliasCtx lets an inner Manager passing the request through find the
// state of the outer layer that writes the same cookie.
type aliasCtx struct {
	context.Context
	m  *Manager
	st *reqState
}

func (c *aliasCtx) Value(key any) any {
	if k, ok := key.(managerKey); ok && k.m == c.m {
		return c.st
	}
	return c.Context.Value(key)
}

// state returns the request state m's middleware (or an outer one writing
// the same cookie) keeps in ctx, or nil.
func (m *Manager) state(ctx context.Context) *reqState {
	var st *reqState
	if m.id != nil {
		st, _ = ctx.Value(cookieKey{m.id}).(*reqState)
	} else {
		st, _ = ctx.Value(managerKey{m}).(*reqState)
	}
	return st
}

// commit modes: how the header goes out.
const (
	commitHeader    = iota // a final header through the writer
	commitSwitching        // 101 Switching Protocols or a hijack: no cache ever sees it
)

// reqState is the session state of one request.
type reqState struct {
	ctx reqCtx
	req *http.Request
	w   writer
	m   *Manager
	id  *cookieID // the identity of the cookie m writes for this request

	mu sync.Mutex
	// sess is the session once opened; it is set once, under mu, and
	// read without mu by session (see there).
	sess      atomic.Pointer[Session]
	openErr   error
	committed bool
	failed    bool
	// noVary: the header went out without "Vary: Cookie"; a session read
	// afterwards is reported.
	noVary   bool
	hijacked bool
	// returned: the handler returned; the ResponseWriter must not be used.
	returned bool

	// slot is where a SecureCookie session is built (see openLocked): part
	// of this allocation rather than one of its own.
	slot Session
}

// From returns the session of the request, opening it on first use. It never
// returns nil: for a request that did not pass through the middleware it
// returns a null session whose writes fail with ErrNoMiddleware (the first
// such failure of the process is logged at level Error through
// slog.Default); when opening failed (a store outage, a bad payload), a
// null session whose writes fail with that error, which the middleware also
// answers through its error handler. With several Managers on one request,
// From returns the innermost one's session; [Manager.From] reaches each.
func From(r *http.Request) *Session {
	st, _ := r.Context().Value(ctxKey{}).(*reqState)
	if st == nil {
		return newNoMiddlewareSession()
	}
	s, _ := st.session()
	return s
}

// From returns the session this Manager's middleware (or an outer
// middleware writing the same cookie) opened for r, as the package-level
// [From] does; use it when several Managers with different cookies serve
// one request (two sessions per request, gorilla's named sessions).
// Without such a middleware it returns a null session whose writes fail
// with ErrNoMiddleware.
func (m *Manager) From(r *http.Request) *Session {
	st := m.state(r.Context())
	if st == nil {
		return newNoMiddlewareSession()
	}
	s, _ := st.session()
	return s
}

func (st *reqState) session() (*Session, error) {
	// Once opened, the session is read without st.mu: the callbacks that
	// run while st.mu is held — the Interface's Save, the Helpers it
	// consults, the ErrorHandler — may call From themselves. openErr is
	// written before sess, so it is seen with it.
	if s := st.sess.Load(); s != nil {
		return s, st.openErr
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.sess.Load() == nil {
		st.openLocked()
	}
	return st.sess.Load(), st.openErr
}

// opened returns the session if the handler has opened it, else nil.
func (st *reqState) opened() *Session {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.sess.Load()
}

// openLocked opens the session through the Interface; st.mu is held.
func (st *reqState) openLocked() {
	m := st.m
	var s *Session
	var err error
	if sc, ok := m.rc.iface.(*SecureCookie); ok {
		// The default Interface builds the session in st.slot.
		if s, err = sc.open(&m.cfg, st.req, &st.slot); err == nil {
			s = m.adopt(s)
		}
	} else {
		s, err = m.Open(st.req)
	}
	if err != nil {
		st.openErr = err
		s = newNullSession(err)
	}
	if st.returned {
		s.markEnded(m)
	}
	if st.committed {
		// Opened after the header went out: readable, not writable.
		s.seal()
		if st.noVary && err == nil && !s.isNull() {
			s.watchReads()
		}
	}
	st.sess.Store(s)
	if st.committed && err != nil {
		m.handleError(st.lateWriterLocked(), st.req, lateError{err})
	}
}

// commit saves the session before the header goes out. It reports whether
// the handler's response may proceed; false means the error handler has
// answered instead.
func (st *reqState) commit(mode int) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.commitLocked(mode)
}

func (st *reqState) commitLocked(mode int) bool {
	if st.committed {
		return !st.failed
	}
	h := st.w.ResponseWriter.Header()
	if st.sess.Load() == nil {
		if !st.needsRefresh() {
			st.committed = true
			st.noVary = mode == commitHeader && !hasVaryCookie(h)
			return true
		}
		st.openLocked()
	}
	st.committed = true
	s := st.sess.Load()
	err := st.openErr
	if err == nil {
		err = st.m.Save(s, st.w.ResponseWriter, st.req)
	}
	s.seal()
	if err != nil {
		st.failed = true
		// The error response replaces the handler's, headers included.
		clear(h)
		st.m.handleError(st.w.ResponseWriter, st.req, err)
		return false
	}
	if mode == commitHeader && !hasVaryCookie(h) {
		st.noVary = true
		if !s.isNull() {
			s.watchReads()
		}
	}
	return true
}

// needsRefresh reports whether an untouched session must be opened and saved
// anyway (see the Interface's optional NeedsRefresh).
func (st *reqState) needsRefresh() bool {
	m := st.m
	if sc, ok := m.rc.iface.(interface {
		needsRefresh(*Config, *http.Request) bool
	}); ok { // SecureCookie, or an Interface embedding it
		return sc.needsRefresh(&m.cfg, st.req)
	}
	if rc, ok := m.rc.iface.(refreshChecker); ok {
		return rc.NeedsRefresh(&m.cfg, st.req)
	}
	return true
}

// finish runs when the handler returns: it saves a session the handler did
// not write a response for, and reports writes and reads that came too late.
func (st *reqState) finish() {
	st.commit(commitHeader)
	st.mu.Lock()
	s, failed := st.sess.Load(), st.failed
	st.mu.Unlock()
	if s == nil || failed {
		return
	}
	if err := s.firstErr(); err != nil {
		st.m.handleError(st.lateWriter(), st.req, lateError{err})
	}
	if s.readLate() {
		st.m.handleError(st.lateWriter(), st.req, lateError{errReadAfterHeader})
	}
}

// abandon runs instead of finish when the handler panics (or calls
// runtime.Goexit): the session is not saved, later writes fail, and what
// is lost is logged.
func (st *reqState) abandon() {
	st.mu.Lock()
	s, committed := st.sess.Load(), st.committed
	st.committed, st.returned = true, true
	st.mu.Unlock()
	if s == nil {
		return
	}
	s.seal()
	defer s.markEnded(st.m)
	lost := s.firstErr()
	if lost == nil && !committed && s.modifiedFlag() {
		lost = errPanicked
	}
	if lost == nil {
		return
	}
	st.m.rc.logger.LogAttrs(st.req.Context(), slog.LevelError, "session: the handler panicked; the session was not saved",
		slog.String("method", st.req.Method), slog.String("path", st.req.URL.Path), slog.Any("error", lost))
}

// lateWriter is the ResponseWriter late errors are reported with: the
// handler's, or one that discards everything once the connection was
// hijacked or the handler returned (a goroutine opening the session then).
func (st *reqState) lateWriter() http.ResponseWriter {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.lateWriterLocked()
}

func (st *reqState) lateWriterLocked() http.ResponseWriter {
	if st.hijacked || st.returned {
		return &discardWriter{}
	}
	return st.w.ResponseWriter
}

// hasVaryCookie reports whether h varies on Cookie (or on everything).
func hasVaryCookie(h http.Header) bool {
	for _, v := range h["Vary"] {
		if v == "Cookie" {
			return true
		}
		for _, tok := range strings.Split(v, ",") {
			tok = strings.TrimSpace(tok)
			if tok == "*" || strings.EqualFold(tok, "Cookie") {
				return true
			}
		}
	}
	return false
}

// lateError is a session failure noticed after the header went out.
type lateError struct{ err error }

func (e lateError) Error() string        { return e.err.Error() }
func (e lateError) Unwrap() error        { return e.err }
func (e lateError) Is(target error) bool { return target == ErrHeaderWritten }

func isLate(err error) bool { return errors.Is(err, ErrHeaderWritten) }

// writer saves the session before the header goes out.
type writer struct {
	http.ResponseWriter
	st *reqState
}

func (w *writer) WriteHeader(code int) {
	if code >= 100 && code < 200 && code != http.StatusSwitchingProtocols {
		// Informational: the real header comes later.
		w.st.mu.Lock()
		failed := w.st.failed
		w.st.mu.Unlock()
		if !failed {
			w.ResponseWriter.WriteHeader(code)
		}
	} else if code == http.StatusSwitchingProtocols {
		if w.st.commit(commitSwitching) {
			w.ResponseWriter.WriteHeader(code)
		}
	} else if w.st.commit(commitHeader) {
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *writer) Write(p []byte) (int, error) {
	if !w.st.commit(commitHeader) {
		return 0, errResponseReplaced
	}
	return w.ResponseWriter.Write(p)
}

// ReadFrom keeps sendfile and similar fast paths of the underlying writer.
func (w *writer) ReadFrom(src io.Reader) (int64, error) {
	if !w.st.commit(commitHeader) {
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
func (w *writer) Flush() { _ = w.FlushError() }

// FlushError saves the session, then flushes; http.ResponseController's
// Flush calls it. It returns an error saying the response was replaced when the session failed.
func (w *writer) FlushError() error {
	if !w.st.commit(commitHeader) {
		return errResponseReplaced
	}
	return http.NewResponseController(w.ResponseWriter).Flush()
}

// Hijack saves the session, then hands over the connection. When the
// header has not gone out yet, the connection adds the session's
// Set-Cookie lines to the response the handler writes on it.
func (w *writer) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	st := w.st
	st.mu.Lock()
	already := st.committed
	h := st.w.ResponseWriter.Header()
	before := slices.Clone(h["Set-Cookie"])
	ok := st.commitLocked(commitSwitching)
	var lines []string
	if ok && !already {
		lines = addedLines(before, h["Set-Cookie"])
	}
	st.mu.Unlock()
	if !ok {
		return nil, nil, errResponseReplaced
	}
	conn, brw, err := http.NewResponseController(w.ResponseWriter).Hijack()
	if err != nil {
		return conn, brw, err
	}
	st.mu.Lock()
	st.hijacked = true
	st.mu.Unlock()
	if len(lines) == 0 {
		return conn, brw, nil
	}
	ic := &cookieConn{Conn: conn, lines: lines, report: st.reportLost}
	if brw != nil {
		if brw.Writer.Buffered() > 0 {
			if err := brw.Writer.Flush(); err != nil {
				return conn, brw, err
			}
		}
		brw.Writer.Reset(ic) // keep the buffer, write through ic
	}
	return ic, brw, nil
}

// addedLines returns the lines of after that before did not have (each
// line of before cancels one equal line of after), in order: the Set-Cookie
// lines Save added, however it added them.
func addedLines(before, after []string) []string {
	var out []string
	for _, l := range after {
		if i := slices.Index(before, l); i >= 0 {
			before = slices.Delete(before, i, i+1)
			continue
		}
		out = append(out, l)
	}
	return out
}

// reportLost reports that the hijacked connection's response went out
// without the session cookie.
func (st *reqState) reportLost(err error) {
	st.m.handleError(&discardWriter{}, st.req, lateError{err})
}

// discardWriter is the ResponseWriter of error reports made after the
// connection was hijacked: the error handler's response goes nowhere.
type discardWriter struct{ h http.Header }

func (d *discardWriter) Header() http.Header {
	if d.h == nil {
		d.h = make(http.Header)
	}
	return d.h
}
func (d *discardWriter) Write(p []byte) (int, error) { return 0, http.ErrHijacked }
func (d *discardWriter) WriteHeader(int)             {}
