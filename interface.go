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
// request. It builds the session with [NewSession]. It may return (nil,
// nil) for "no session" (Flask's make_null_session), which the middleware
// replaces with a null session: it reads as empty, every write to it fails
// with ErrNoSecretKey, and it is never saved (is_null_session). An error
// from Open answers the request through the error handler (HTTP 500 by
// default).
//
// Save is called once, just before the response header is written (or the
// connection is hijacked: the Set-Cookie lines it added then go into the
// response the hijacking handler writes). It is not called for null
// sessions. It reads the session with [Inspect] and writes the cookie with
// [SaveCookie], which follows Flask's save_session; it must not write the
// header or body itself; an error answers the request through the error
// handler instead of the handler's response.
//
// Optional methods the middleware looks for:
//
//   - NeedsRefresh(cfg *Config, r *http.Request) bool tells cheaply whether
//     the session of a request that never used it must be saved anyway
//     (Flask re-sends a permanent session on every request); without it,
//     the middleware opens and saves every untouched session at the end of
//     the request, as Flask does.
//   - The methods of [Lifecycle] give Session.Renew, SetSubject, Subject,
//     Destroy and Manager.Sessions, Revoke, RevokeKey; without them these
//     fail with ErrNotSupported.
//
// Go has no pickle: a backend declares how it encodes values through its own
// configuration (SecureCookie uses Config.Serializer, Flask's tagged JSON).
type Interface interface {
	Open(cfg *Config, r *http.Request) (*Session, error)
	Save(cfg *Config, s *Session, w http.ResponseWriter, r *http.Request) error
}

// refreshChecker is the optional NeedsRefresh method of an Interface.
type refreshChecker interface {
	NeedsRefresh(cfg *Config, r *http.Request) bool
}

// Defaults holds the seed's helper methods with Flask's default behaviour:
// each reads the Config. Embed it in a custom Interface (or a Helpers of
// your own) to get them, and define a method of the same name to override
// one; [SecureCookie] and [SaveCookie] call the helpers through a
// [Helpers], so an override is honoured there too.
type Defaults struct{}

// Helpers is the set of overridable helpers [SaveCookie] consults: a type
// that embeds [Defaults] (the unexported method makes that the only way to
// implement it, so a helper added in a later version never breaks a custom
// Helpers).
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
	defaults()
}

var _ Helpers = Defaults{}

func (Defaults) defaults() {}

// resolved returns the settings the helpers read: those New computed, or,
// for a Config that never went through New (a custom Interface's own
// tests), the Config's own values with Flask's defaults for its zero
// fields — unvalidated (New reports what is wrong), never replaced.
func resolved(cfg *Config) *resolvedConfig {
	if cfg.resolved != nil {
		return cfg.resolved
	}
	rc, _ := cfg.resolve()
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
	return s.modifiedFlag() || (s.Permanent() && !cfg.DisableRefreshEachRequest)
}
