package session

import (
	"net/http"
	"time"
)

// Interface is Flask's SessionInterface: the two methods a session backend
// implements. [SecureCookie] is the default; the serverside package holds the
// session on a server.
//
// Open is called lazily, the first time a handler uses the session of a
// request. It may return (nil, nil) for "no session", which the middleware
// replaces with a null session ([NullSessionMaker]). An error from Open
// answers the request through the error handler (HTTP 500 by default).
//
// Save is called once, just before the response header is written (or the
// connection is hijacked: the Set-Cookie lines it added then go into the
// response the hijacking handler writes). It is not called for null
// sessions. It adds Set-Cookie and Vary headers to w.Header() and must not
// write the header or body itself; an error answers the request through the
// error handler instead of the handler's response.
//
// Go has no pickle: a backend declares how it encodes values through its own
// configuration (SecureCookie uses Config.Serializer, Flask's tagged JSON).
type Interface interface {
	Open(cfg *Config, r *http.Request) (*Session, error)
	Save(cfg *Config, s *Session, w http.ResponseWriter, r *http.Request) error
}

// NullSessionMaker is implemented by an Interface that makes its own null
// sessions (Flask: null_session_class, make_null_session). Without it the
// middleware uses [NewNullSession] with ErrNoSecretKey.
type NullSessionMaker interface {
	MakeNullSession(cfg *Config) *Session
}

// NullSessionChecker is implemented by an Interface that recognises its own
// null sessions (Flask: is_null_session). Without it [Session.IsNull] decides.
type NullSessionChecker interface {
	IsNullSession(s *Session) bool
}

// RefreshChecker is implemented by an Interface that can tell cheaply
// whether the session of a request that never used it must be saved anyway
// (Flask re-sends a permanent session on every request when
// SESSION_REFRESH_EACH_REQUEST is on). The middleware asks it when the
// handler did not touch the session; without it, the middleware opens and
// saves every untouched session at the end of the request, as Flask does.
type RefreshChecker interface {
	NeedsRefresh(cfg *Config, r *http.Request) bool
}

// Defaults holds the seed's helper methods with Flask's default behaviour:
// each reads the Config. Embed it in a custom Interface to get them, and
// define a method of the same name to override one; [SecureCookie] calls
// the helpers through its Helpers field, so an override is honoured there too.
type Defaults struct{}

// Helpers is the set of overridable helpers [SecureCookie] consults. Defaults
// implements it.
type Helpers interface {
	CookieName(cfg *Config, r *http.Request) string
	CookieDomain(cfg *Config) string
	CookiePath(cfg *Config) string
	CookieHTTPOnly(cfg *Config) bool
	CookieSecure(cfg *Config) bool
	CookieSameSite(cfg *Config) http.SameSite
	CookiePartitioned(cfg *Config) bool
	ExpirationTime(cfg *Config, s *Session) time.Time
	ShouldSetCookie(cfg *Config, s *Session) bool
}

var _ Helpers = Defaults{}

func resolved(cfg *Config) *resolvedConfig {
	rc, err := cfg.get()
	if err != nil {
		// An invalid Config never reaches a request through New; a custom
		// Interface calling a helper with one gets Flask's defaults.
		rc, _ = (&Config{}).resolve()
	}
	return rc
}

// CookieName returns Config.CookieName or "session" (get_cookie_name). The
// request lets an override choose the name per request.
func (Defaults) CookieName(cfg *Config, r *http.Request) string { return resolved(cfg).name }

// CookieDomain returns the Domain attribute, or "" for none (get_cookie_domain).
func (Defaults) CookieDomain(cfg *Config) string { return resolved(cfg).domain }

// CookiePath returns CookiePath, else ApplicationRoot, else "/", percent-encoded (get_cookie_path).
func (Defaults) CookiePath(cfg *Config) string { return resolved(cfg).path }

// CookieHTTPOnly reports whether HttpOnly is set (get_cookie_httponly).
func (Defaults) CookieHTTPOnly(cfg *Config) bool { return !cfg.DisableHTTPOnly }

// CookieSecure reports whether Secure is set; Partitioned implies it (get_cookie_secure).
func (Defaults) CookieSecure(cfg *Config) bool { return resolved(cfg).secure }

// CookieSameSite returns the SameSite mode; 0 means the attribute is omitted
// (get_cookie_samesite).
func (Defaults) CookieSameSite(cfg *Config) http.SameSite { return resolved(cfg).sameSite }

// CookiePartitioned reports whether Partitioned is set (get_cookie_partitioned).
func (Defaults) CookiePartitioned(cfg *Config) bool { return cfg.CookiePartitioned }

// ExpirationTime returns now + PermanentLifetime for a permanent session and
// the zero Time (a browser-session cookie) otherwise (get_expiration_time).
func (Defaults) ExpirationTime(cfg *Config, s *Session) time.Time {
	if !s.Permanent() {
		return time.Time{}
	}
	return cfg.now().Add(resolved(cfg).lifetime)
}

// ShouldSetCookie reports whether the response carries the cookie: when the
// session was modified, or is permanent and refreshed on each request
// (should_set_cookie).
func (Defaults) ShouldSetCookie(cfg *Config, s *Session) bool {
	return s.Modified() || (s.Permanent() && !cfg.DisableRefreshEachRequest)
}

// MakeNullSession returns a null session whose writes fail with ErrNoSecretKey
// (make_null_session).
func (Defaults) MakeNullSession(cfg *Config) *Session { return NewNullSession(ErrNoSecretKey) }

// IsNullSession reports whether s is a null session (is_null_session).
func (Defaults) IsNullSession(s *Session) bool { return s.IsNull() }

// makeNull makes the null session of iface.
func makeNull(iface Interface, cfg *Config) *Session {
	if m, ok := iface.(NullSessionMaker); ok {
		if s := m.MakeNullSession(cfg); s != nil {
			return s
		}
	}
	return NewNullSession(ErrNoSecretKey)
}

// isNull reports whether iface considers s a null session.
func isNull(iface Interface, s *Session) bool {
	if c, ok := iface.(NullSessionChecker); ok {
		return c.IsNullSession(s)
	}
	return s.IsNull()
}
