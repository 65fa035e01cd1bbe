package flasklogin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strings"
	"time"
)

// Protection is Flask-Login's SESSION_PROTECTION mode.
type Protection int

const (
	// ProtectionBasic ("basic", Flask-Login's default): a session whose
	// identifier does not match the request's is marked not fresh.
	ProtectionBasic Protection = iota
	// ProtectionStrong ("strong"): a non-permanent session whose identifier
	// does not match is logged out (every Flask-Login key removed) and the
	// remember cookie deleted. A permanent session is treated as in basic
	// mode, as Flask-Login does.
	ProtectionStrong
	// ProtectionNone (None): no check.
	ProtectionNone
)

// String returns Flask-Login's name of the mode: "basic", "strong" or "None".
func (p Protection) String() string {
	switch p {
	case ProtectionBasic:
		return "basic"
	case ProtectionStrong:
		return "strong"
	case ProtectionNone:
		return "None"
	}
	return fmt.Sprintf("Protection(%d)", int(p))
}

// Defaults, as Flask-Login 0.6.2 has them.
const (
	DefaultCookieName = "remember_token"     // REMEMBER_COOKIE_NAME
	DefaultCookiePath = "/"                  // REMEMBER_COOKIE_PATH
	DefaultDuration   = 365 * 24 * time.Hour // REMEMBER_COOKIE_DURATION
	// MaxDuration is the longest remember duration New and Login accept:
	// 400 days, the cap browsers put on a cookie's lifetime.
	MaxDuration = 400 * 24 * time.Hour
)

// Session keys Flask-Login 0.6.2 uses (its SESSION_KEYS, which strong
// protection removes).
const (
	KeyUserID          = "_user_id"
	KeyFresh           = "_fresh"
	KeyID              = "_id"
	KeyRemember        = "_remember"
	KeyRememberSeconds = "_remember_seconds"
	KeyNext            = "next"
)

var sessionKeys = []string{KeyUserID, KeyRemember, KeyRememberSeconds, KeyID, KeyFresh, KeyNext}

// Errors.
var (
	// ErrNoSecretKey: Config.SecretKey is empty.
	ErrNoSecretKey = errors.New("flasklogin: no secret key")
	// ErrConfig: a Config field is out of range; the error says which.
	ErrConfig = errors.New("flasklogin: invalid config")
	// ErrNoMiddleware: the request did not pass through Manager.Handler,
	// which writes and deletes the remember cookie; nothing was changed.
	ErrNoMiddleware = errors.New("flasklogin: request did not pass through Manager.Handler")
	// ErrDuration: a LoginOptions.Duration is negative or over MaxDuration.
	ErrDuration = errors.New("flasklogin: remember duration out of range")
	// ErrEmptyUserID: Login was given an empty user id.
	ErrEmptyUserID = errors.New("flasklogin: empty user id")
	// ErrSession wraps a failed session write or a session that could not
	// be used; the request is then treated as anonymous.
	ErrSession = errors.New("flasklogin: session failure")
	// ErrUserLoader wraps an error returned by Config.UserLoader; the
	// request is then treated as anonymous.
	ErrUserLoader = errors.New("flasklogin: user loader failed")
)

// Session is the part of a session this package uses. *session.Session
// (package github.com/sessionkit/session) implements it, for cookie and
// server-side sessions alike; Config.Session says where to find it.
type Session interface {
	Lookup(key string) (any, bool)
	Set(key string, value any) error
	Pop(key string) (value any, ok bool, err error)
	Len() int
	Permanent() bool
}

// RememberCookie holds Flask-Login's REMEMBER_COOKIE_* settings. The zero
// value is Flask-Login's defaults.
type RememberCookie struct {
	// Name is REMEMBER_COOKIE_NAME. Default "remember_token".
	Name string
	// Domain is REMEMBER_COOKIE_DOMAIN. Default none (host-only cookie).
	Domain string
	// Path is REMEMBER_COOKIE_PATH. Default "/".
	Path string
	// Secure is REMEMBER_COOKIE_SECURE. Default false.
	Secure bool
	// DisableHTTPOnly is the negation of REMEMBER_COOKIE_HTTPONLY (default
	// true: the cookie is HttpOnly).
	DisableHTTPOnly bool
	// SameSite is REMEMBER_COOKIE_SAMESITE. Default (0 or
	// http.SameSiteDefaultMode): no attribute.
	SameSite http.SameSite
	// Duration is REMEMBER_COOKIE_DURATION, used when a login stored no
	// _remember_seconds. Default 365 days; at most MaxDuration.
	Duration time.Duration
	// RefreshEachRequest is REMEMBER_COOKIE_REFRESH_EACH_REQUEST: the
	// cookie is re-sent on every response of a logged-in session. Default
	// false.
	RefreshEachRequest bool
}

// Config configures a Manager. The zero value of every field but SecretKey
// is Flask-Login's default.
type Config struct {
	// SecretKey is the Flask app's SECRET_KEY as bytes; it keys the remember
	// cookie's HMAC. Required. Flask-Login encodes a str key as Latin-1
	// (not UTF-8 as Flask's session does): for a key with characters above
	// U+007F pass its Latin-1 bytes here.
	SecretKey []byte
	// Protection is SESSION_PROTECTION. Default ProtectionBasic.
	Protection Protection
	// Remember configures the remember cookie.
	Remember RememberCookie
	// TrustedProxies, when not nil, makes X-Forwarded-For count only when
	// it comes from one of these networks (see Manager.ClientAddress).
	// Default nil: Flask-Login's behaviour, trusting the header from
	// anyone. An empty non-nil slice trusts no proxy: the address is
	// always the peer's.
	TrustedProxies []netip.Prefix
	// UserLoader is Flask-Login's user_loader: it reports whether the user
	// id still names a user. A false answer makes the request anonymous
	// (after trying the remember cookie); an error makes it anonymous and
	// is returned wrapped in ErrUserLoader. Default nil: every id is a user.
	UserLoader func(ctx context.Context, id string) (bool, error)
	// Session returns the session of a request. Default: session.From
	// from package github.com/sessionkit/session.
	Session func(r *http.Request) Session
	// Unauthorized answers RequireLogin's anonymous requests. Default: 401
	// Unauthorized, as Flask-Login without a login_view.
	Unauthorized http.Handler
	// NeedsRefresh answers RequireFreshLogin's stale logins. Default: 401
	// Unauthorized, as Flask-Login without a refresh_view.
	NeedsRefresh http.Handler
	// Logger receives errors the middleware cannot return (a failed
	// session write while setting the remember cookie). Default
	// slog.Default().
	Logger *slog.Logger
	// Now is the clock for cookie expiry. Default time.Now.
	Now func() time.Time
}

func (c *Config) validate() error {
	if len(c.SecretKey) == 0 {
		return ErrNoSecretKey
	}
	switch c.Protection {
	case ProtectionBasic, ProtectionStrong, ProtectionNone:
	default:
		return fmt.Errorf("%w: Protection %v", ErrConfig, c.Protection)
	}
	rc := &c.Remember
	if rc.Name == "" {
		rc.Name = DefaultCookieName
	}
	if rc.Path == "" {
		rc.Path = DefaultCookiePath
	}
	if rc.Duration == 0 {
		rc.Duration = DefaultDuration
	}
	if rc.Duration < 0 || rc.Duration > MaxDuration {
		return fmt.Errorf("%w: Remember.Duration %v not in (0, %v]", ErrConfig, rc.Duration, MaxDuration)
	}
	if !isToken(rc.Name) {
		return fmt.Errorf("%w: Remember.Name %q is not a cookie name", ErrConfig, rc.Name)
	}
	if !isAttr(rc.Path) || !strings.HasPrefix(rc.Path, "/") {
		return fmt.Errorf("%w: Remember.Path %q", ErrConfig, rc.Path)
	}
	if rc.Domain != "" && (!isAttr(rc.Domain) || !strings.Contains(rc.Domain, ".")) {
		// Werkzeug refuses a domain without a dot too.
		return fmt.Errorf("%w: Remember.Domain %q", ErrConfig, rc.Domain)
	}
	switch rc.SameSite {
	case 0, http.SameSiteDefaultMode, http.SameSiteLaxMode, http.SameSiteStrictMode:
	case http.SameSiteNoneMode:
		if !rc.Secure {
			return fmt.Errorf("%w: Remember.SameSite None needs Secure", ErrConfig)
		}
	default:
		return fmt.Errorf("%w: Remember.SameSite %d", ErrConfig, rc.SameSite)
	}
	for _, p := range c.TrustedProxies {
		if !p.IsValid() {
			return fmt.Errorf("%w: TrustedProxies holds an invalid prefix", ErrConfig)
		}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Session == nil {
		c.Session = defaultSession
	}
	unauthorized := func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, http.StatusText(http.StatusUnauthorized), http.StatusUnauthorized)
	}
	if c.Unauthorized == nil {
		c.Unauthorized = http.HandlerFunc(unauthorized)
	}
	if c.NeedsRefresh == nil {
		c.NeedsRefresh = http.HandlerFunc(unauthorized)
	}
	return nil
}

// isToken reports whether s is an RFC 7230 token (a valid cookie name).
func isToken(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c <= ' ' || c >= 0x7f || strings.IndexByte(`()<>@,;:\"/[]?={}`, c) >= 0 {
			return false
		}
	}
	return true
}

// isAttr reports whether s can be written as a cookie attribute value.
func isAttr(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x21 || c >= 0x7f || c == ';' || c == ',' || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}
