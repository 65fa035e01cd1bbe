package session

import (
	"log/slog"
	"net/http"
)

// Manager ties a validated Config to its Interface and serves the middleware.
// Create one with [New]; it is safe for concurrent use.
type Manager struct {
	cfg Config
	rc  *resolvedConfig
}

// New validates cfg and returns a Manager. Config errors wrap ErrInvalidConfig.
func New(cfg Config) (*Manager, error) {
	rc, err := cfg.resolve()
	if err != nil {
		return nil, err
	}
	m := &Manager{cfg: cfg, rc: rc}
	m.cfg.resolved = rc
	return m, nil
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
		s = makeNull(m.rc.iface, &m.cfg)
	}
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
// ErrHeaderWritten, where the response is already on its way, it only logs.
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
