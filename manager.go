package session

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
)

// errPanicked is what abandon logs when the handler panicked with unsaved changes.
var errPanicked = errors.New("session: the handler panicked before the session was saved; its changes are lost")

// Manager ties a validated Config to its Interface and serves the middleware.
// Create one with [New]; it is safe for concurrent use.
type Manager struct {
	cfg Config
	rc  *resolvedConfig
	id  *cookieID // shared by every Manager writing the same cookie
}

// New validates cfg and returns a Manager. Config errors wrap ErrInvalidConfig.
//
// An empty SecretKey is accepted, as in Flask: the default interface then
// hands out null sessions, whose writes fail with ErrNoSecretKey (HTTP 500
// through the error handler). New says so once, with a record at level
// Warn through Config.Logger, when the Interface is a [SecureCookie]
// without a Codec.
func New(cfg Config) (*Manager, error) {
	rc, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	m := &Manager{cfg: cfg, rc: rc, id: internCookieID(rc.name, rc.domain, rc.path)}
	m.cfg.resolved = rc
	if sc, ok := rc.iface.(*SecureCookie); ok && sc.Codec == nil && rc.signer == nil {
		rc.logger.LogAttrs(context.Background(), slog.LevelWarn,
			"session: Config.SecretKey is empty: every session is a null session and every write to one fails with ErrNoSecretKey (HTTP 500); set Config.SecretKey to something unique and secret")
	}
	return m, nil
}

// cookieID identifies a cookie by name, domain and path: two Managers with
// the same cookieID write the same cookie.
type cookieID struct{ name, domain, path string }

var cookieIDs sync.Map // cookieID → *cookieID

func internCookieID(name, domain, path string) *cookieID {
	k := cookieID{name, domain, path}
	if v, ok := cookieIDs.Load(k); ok {
		return v.(*cookieID)
	}
	v, _ := cookieIDs.LoadOrStore(k, &k)
	return v.(*cookieID)
}

// Config returns the Manager's validated configuration. It must not be modified.
func (m *Manager) Config() *Config { return &m.cfg }

// Interface returns the session interface in use.
func (m *Manager) Interface() Interface { return m.rc.iface }

// Logger returns the logger in use.
func (m *Manager) Logger() *slog.Logger { return m.rc.logger }

// Open opens the session of r through the Interface, outside the middleware
// (in tests, or in code that manages the request cycle itself). A nil session
// from the Interface becomes its null session.
func (m *Manager) Open(r *http.Request) (*Session, error) {
	s, err := m.rc.iface.Open(&m.cfg, r)
	if err != nil {
		return nil, err
	}
	if s == nil {
		return makeNull(m.rc.iface, &m.cfg), nil
	}
	s.setSerializer(m.rc.serializer)
	return s, nil
}

// Save saves s to w through the Interface, unless it is a null session. A
// session carrying a failed write reports that failure instead.
func (m *Manager) Save(s *Session, w http.ResponseWriter, r *http.Request) error {
	if err := s.Err(); err != nil {
		return err
	}
	if isNull(m.rc.iface, s) {
		return nil
	}
	return m.rc.iface.Save(&m.cfg, s, w, r)
}

func (m *Manager) handleError(w http.ResponseWriter, r *http.Request, err error) {
	if m.rc.errHandler != nil {
		m.rc.errHandler(w, r, err)
		return
	}
	defaultErrorHandler(m.rc.logger, w, r, err)
}

// DefaultErrorHandler logs err with slog.Default and answers HTTP 500. For
// an error matching ErrHeaderWritten (every error reported after the header
// went out: late writes, late reads, ErrCookieNotSent), where the response
// is already on its way, it only logs.
func DefaultErrorHandler(w http.ResponseWriter, r *http.Request, err error) {
	defaultErrorHandler(slog.Default(), w, r, err)
}

func defaultErrorHandler(l *slog.Logger, w http.ResponseWriter, r *http.Request, err error) {
	l.LogAttrs(r.Context(), slog.LevelError, "session error",
		slog.String("method", r.Method), slog.String("path", r.URL.Path), slog.Any("error", err))
	if isLate(err) {
		return
	}
	http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
}
