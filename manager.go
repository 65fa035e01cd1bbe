package session

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"
)

// errPanicked is what abandon logs when the handler panicked with unsaved changes.
var errPanicked = errors.New("session: the handler panicked before the session was saved; its changes are lost")

// Manager ties a validated Config to its Interface and serves the middleware.
// Create one with [New]; it is safe for concurrent use.
type Manager struct {
	cfg Config
	rc  *resolvedConfig
	// id is the cookie's identity, shared by every Manager writing the
	// same cookie; nil when the Interface names its cookie through custom
	// Helpers, whose CookieName may depend on the request: idFor then
	// computes it per request from nameHelper, domain and path.
	id         *cookieID
	nameHelper Helpers
	domain     string
	path       string
}

// New validates cfg and returns a Manager. Config errors wrap
// ErrInvalidConfig. The Manager keeps a normalised copy of cfg, which is
// what every Interface gets: each default is filled in (PermanentLifetime,
// CookieName, MaxCookieSize, Serializer, Logger, Interface, Now,
// SubjectKey), so no Interface re-derives one.
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
	m := &Manager{cfg: cfg, rc: rc}
	// Normalised once: every Interface reads the defaults from the Config
	// it is given, never re-derives them.
	m.cfg.PermanentLifetime = rc.lifetime
	m.cfg.CookieName = rc.name
	m.cfg.MaxCookieSize = rc.maxSize
	m.cfg.Serializer = rc.serializer
	m.cfg.Logger = rc.logger
	m.cfg.Interface = rc.iface
	if m.cfg.Now == nil {
		m.cfg.Now = time.Now
	}
	if m.cfg.SubjectKey == "" {
		m.cfg.SubjectKey = defaultSubjectKey
	}
	m.cfg.resolved = rc
	m.setCookieID()
	if sc, ok := rc.iface.(*SecureCookie); ok && sc.Codec == nil && rc.signer == nil {
		rc.logger.LogAttrs(context.Background(), slog.LevelWarn,
			"session: Config.SecretKey is empty: every session is a null session and every write to one fails with ErrNoSecretKey (HTTP 500); set Config.SecretKey to something unique and secret")
	}
	return m, nil
}

// cookieID identifies a cookie by name, domain and path: two Managers whose
// cookieIDs are equal (compared by value) write the same cookie.
type cookieID struct{ name, domain, path string }

// CookieHelpers is implemented by an [Interface] that names its cookie
// through [Helpers] ([SecureCookie]; an Interface of your own should too
// when it takes a Helpers): the middleware then tells the cookies of two
// Managers apart by what the helpers say (CookieName per request), not by
// the Config alone. An Interface without it is taken to name its cookie
// from the Config, as [Defaults] does.
type CookieHelpers interface {
	CookieHelpers() Helpers
}

// setCookieID sets m's cookie identity: from the Config when the Interface
// names its cookie as Defaults does, else left to idFor.
func (m *Manager) setCookieID() {
	ch, ok := m.rc.iface.(CookieHelpers)
	if ok {
		switch h := ch.CookieHelpers(); h.(type) {
		case nil, Defaults, *Defaults:
		default:
			m.nameHelper = h
			m.domain = strings.TrimPrefix(h.CookieDomain(&m.cfg), ".")
			m.path = h.CookiePath(&m.cfg)
			return
		}
	}
	m.id = &cookieID{m.rc.name, m.rc.domain, m.rc.path}
}

// idFor returns the identity of the cookie m writes for r.
func (m *Manager) idFor(r *http.Request) *cookieID {
	if m.id != nil {
		return m.id
	}
	// Not interned: a name computed per request (from the Host, say) would
	// grow a shared table without bound.
	return &cookieID{m.nameHelper.CookieName(&m.cfg, r), m.domain, m.path}
}

// Config returns the Manager's validated configuration, for code that
// needs its settings (sessiontest finds the cookie's path with it). It must
// not be modified.
func (m *Manager) Config() *Config { return &m.cfg }

// Open opens the session of r through the Interface, outside the middleware
// (for a framework that is not net/http, or code that manages the request
// cycle itself). A nil session from the Interface becomes a null session.
// Save it with [Manager.Save].
func (m *Manager) Open(r *http.Request) (*Session, error) {
	s, err := m.rc.iface.Open(&m.cfg, r)
	if err != nil {
		return nil, err
	}
	return m.adopt(s), nil
}

// adopt prepares a session the Interface opened (nil: a null session) for
// a request of m.
func (m *Manager) adopt(s *Session) *Session {
	if s == nil {
		return newNullSession(ErrNoSecretKey)
	}
	s.mu.Lock()
	s.enc = m.rc.serializer
	s.lc = m.lifecycleOf()
	s.mu.Unlock()
	return s
}

// Save saves s to w through the Interface, unless it is a null session. A
// session carrying a failed write reports that failure instead.
func (m *Manager) Save(s *Session, w http.ResponseWriter, r *http.Request) error {
	if err := s.firstErr(); err != nil {
		return err
	}
	if s.isNull() {
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

// retryAfter is the Retry-After of a 503 answering a store outage, in seconds.
const retryAfter = "5"

// DefaultErrorHandler logs err with slog.Default and answers HTTP 500, or
// HTTP 503 with "Retry-After: 5" for an error matching ErrStoreUnavailable
// (a store outage is temporary). For an error matching ErrHeaderWritten
// (every error reported after the header went out: late writes, late
// reads, a cookie not sent on a hijacked connection), where the response
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
	if errors.Is(err, ErrStoreUnavailable) {
		w.Header().Set("Retry-After", retryAfter)
		http.Error(w, http.StatusText(http.StatusServiceUnavailable), http.StatusServiceUnavailable)
		return
	}
	http.Error(w, http.StatusText(http.StatusInternalServerError), http.StatusInternalServerError)
}
