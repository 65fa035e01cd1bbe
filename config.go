package session

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/sessionkit/session/signing"
	"github.com/sessionkit/session/tagjson"
)

// Defaults, as in Flask 3.1.
const (
	DefaultCookieName        = "session"
	defaultPermanentLifetime = 31 * 24 * time.Hour
	defaultMaxCookieSize     = 4093
	// maxLifetime is the longest cookie lifetime browsers honour (RFC 6265bis
	// caps Expires and Max-Age at 400 days).
	maxLifetime = 400 * 24 * time.Hour
	// maxAttributeLen is the longest cookie attribute value browsers accept.
	maxAttributeLen = 1024
	// hardMaxCookieSize bounds the session cookie's "name=value", in bytes,
	// when MaxCookieSize is negative or AllowOversizeCookie is set (then
	// MaxCookieSize if larger): a longer one is never written
	// (ErrCookieTooLarge, even with AllowOversizeCookie) and never read (a
	// new, empty session, before any decoding).
	hardMaxCookieSize = 64 << 10
)

// Config holds Flask's session settings as Go fields. The zero value of every
// field means Flask's default; fields whose Flask default is true are spelled
// as their negation (DisableHTTPOnly, DisableRefreshEachRequest) so that the
// zero Config is Flask's default configuration.
//
// A Config is validated by [New], which returns every problem found,
// joined, each wrapping ErrInvalidConfig; it must not be changed
// afterwards.
type Config struct {
	// SecretKey signs the cookie (Flask: SECRET_KEY). Empty means no signing
	// key: the default interface then hands out a null session whose writes
	// fail with ErrNoSecretKey, as Flask does.
	SecretKey []byte
	// SecretKeyFallbacks are older keys still accepted when reading, oldest
	// first as in Flask's SECRET_KEY_FALLBACKS list. New cookies are always
	// signed with SecretKey.
	SecretKeyFallbacks [][]byte

	// PermanentLifetime is how long a permanent session lives and the oldest
	// signature accepted for any session (Flask: PERMANENT_SESSION_LIFETIME).
	// Zero means 31 days; more than 400 days is an error.
	PermanentLifetime time.Duration

	// CookieName is the session cookie's name (SESSION_COOKIE_NAME); "" means "session".
	CookieName string
	// CookieDomain is the Domain attribute (SESSION_COOKIE_DOMAIN); "" omits
	// it. A leading dot is dropped, as Werkzeug 2.3+ does.
	CookieDomain string
	// CookiePath is the Path attribute (SESSION_COOKIE_PATH); "" means
	// ApplicationRoot.
	CookiePath string
	// ApplicationRoot is Flask's APPLICATION_ROOT, the fallback for CookiePath; "" means "/".
	ApplicationRoot string
	// DisableHTTPOnly omits HttpOnly (SESSION_COOKIE_HTTPONLY=False).
	DisableHTTPOnly bool
	// CookieSecure adds Secure (SESSION_COOKIE_SECURE).
	CookieSecure bool
	// CookieSameSite is "", "Strict", "Lax" or "None", case-insensitive
	// (SESSION_COOKIE_SAMESITE). "" omits the attribute.
	CookieSameSite string
	// CookiePartitioned adds Partitioned (CHIPS) and, as in Flask, implies Secure
	// (SESSION_COOKIE_PARTITIONED).
	CookiePartitioned bool
	// DisableRefreshEachRequest stops re-sending permanent sessions on every
	// request (SESSION_REFRESH_EACH_REQUEST=False).
	DisableRefreshEachRequest bool

	// MaxCookieSize is the largest Set-Cookie header value sent, in bytes
	// (MAX_COOKIE_SIZE). Zero means 4093; a negative value disables the check
	// (a hard bound of 64 KiB still applies). Unlike Flask, which only warns, an
	// oversized cookie is by default an error reported through the error
	// handler and no cookie is sent; see AllowOversizeCookie.
	//
	// Writer and reader share one bound: the session cookie's "name=value"
	// is read (by the default interface) when it is at most MaxCookieSize
	// bytes — or 64 KiB with a negative MaxCookieSize, and the
	// larger of the two with AllowOversizeCookie — so every cookie this
	// configuration writes is read back. A longer one gives a new, empty
	// session and is never decoded.
	MaxCookieSize int
	// AllowOversizeCookie restores Flask's behaviour: log a warning and send
	// the oversized cookie anyway (browsers will then usually drop it), up
	// to 64 KiB.
	AllowOversizeCookie bool

	// MaxInflate caps the decompressed size of a cookie payload; zero means 1 MiB.
	MaxInflate int
	// Signing overrides itsdangerous' salt, key derivation and digest. The zero
	// value is Flask's: salt "cookie-session", derivation "hmac", HMAC-SHA1.
	// Signing.MaxLength zero means the cookie bound of MaxCookieSize; a
	// value set here bounds the cookie value on write as on read.
	// Signing.Compressor replaces the level-6 compress/flate writer of
	// compressed cookies: module github.com/sessionkit/session/deflate has a
	// faster one (see signing.Compressor for what stays Flask-identical).
	Signing signing.Options
	// Serializer encodes session values; nil means tagjson.Default (Flask's
	// TaggedJSONSerializer with the default tags).
	Serializer *tagjson.Serializer

	// Revocations, if set, is consulted when a cookie session carrying a
	// subject (under SubjectKey) is opened and again when it is saved: a
	// session established (EstablishedKey, set by SetSubject) before the
	// subject's not-before time is refused when opened, and a request that
	// opened it before the revocation does not re-issue it (a write from such
	// a request fails with ErrSessionRevoked). A lookup error fails the
	// request closed, with no Set-Cookie: it matches ErrStoreUnavailable,
	// which the default error handler answers with HTTP 503 and
	// "Retry-After: 5". A Revocations must keep a revocation at least as
	// long as a cookie lives (PermanentLifetime, which bounds every cookie's
	// age); one with a Retention() time.Duration method (revocation.List)
	// is checked by New: a shorter retention is an ErrInvalidConfig. See
	// the revocation package.
	Revocations Revocations
	// SubjectKey is the session key holding the subject; "" means "_subject".
	SubjectKey string

	// Interface opens and saves sessions; nil means a [SecureCookie].
	// (Flask: app.session_interface.)
	Interface Interface
	// ErrorHandler answers requests whose session failed (open error, null
	// session written, store error, oversized cookie). Nil means
	// [DefaultErrorHandler]: an slog record and HTTP 500, or 503 with
	// "Retry-After: 5" for a store outage (ErrStoreUnavailable).
	//
	// Errors reported after the header went out (late writes,
	// a late read, a cookie that could not be sent on a hijacked connection, a late open error) match
	// ErrHeaderWritten: only log them. A cookie not sent on a hijacked connection may be reported on
	// another goroutine, and a report made after the connection was
	// hijacked or the handler returned gets a ResponseWriter that discards
	// its writes.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
	// Logger receives the library's log records; nil means slog.Default().
	Logger *slog.Logger
	// Now is the clock; nil means time.Now. Tests inject a fixed clock.
	Now func() time.Time

	resolved *resolvedConfig
}

// resolvedConfig is the validated, precomputed form of a Config.
type resolvedConfig struct {
	lifetime time.Duration
	name     string
	domain   string
	path     string // percent-encoded
	sameSite http.SameSite
	secure   bool
	maxSize  int
	// cookieLimit bounds len(name)+1+len(value) of the session cookie on
	// write and on read: maxSize, or hardMaxCookieSize when oversized
	// cookies may be sent.
	cookieLimit int
	serializer  *tagjson.Serializer
	signer      *signing.Signer // nil without SecretKey
	// flask is Flask's signed format over signer (nil without SecretKey):
	// SecureCookie's Codec when it has none of its own.
	flask      Codec
	logger     *slog.Logger
	errHandler func(w http.ResponseWriter, r *http.Request, err error)
	iface      Interface
}

// resolve validates c and computes its settings. With an error it still
// returns what it computed (no signer).
func (c *Config) resolve() (*resolvedConfig, error) {
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...))
	}
	rc := &resolvedConfig{
		lifetime:   c.PermanentLifetime,
		name:       c.CookieName,
		domain:     strings.TrimPrefix(c.CookieDomain, "."),
		secure:     c.CookieSecure || c.CookiePartitioned,
		maxSize:    c.MaxCookieSize,
		serializer: c.Serializer,
		logger:     c.Logger,
		errHandler: c.ErrorHandler,
		iface:      c.Interface,
	}
	if rc.lifetime == 0 {
		rc.lifetime = defaultPermanentLifetime
	}
	if rc.lifetime < time.Second {
		bad("PermanentLifetime %v is shorter than one second", c.PermanentLifetime)
	} else if rc.lifetime > maxLifetime {
		bad("PermanentLifetime %v is over 400 days, the most browsers honour (RFC 6265bis)", c.PermanentLifetime)
	}
	if rc.name == "" {
		rc.name = DefaultCookieName
	}
	if !validCookieName(rc.name) {
		bad("CookieName %q is not a valid cookie name (RFC 6265 token)", rc.name)
	}
	if rc.domain != "" && !validDomain(rc.domain) {
		bad("CookieDomain %q is not a valid domain", c.CookieDomain)
	}
	if len(c.CookieDomain) > maxAttributeLen {
		bad("CookieDomain is %d bytes; browsers ignore attributes over %d bytes", len(c.CookieDomain), maxAttributeLen)
	}
	path := c.CookiePath
	if path == "" {
		path = c.ApplicationRoot
	}
	if path == "" {
		path = "/"
	}
	rc.path = quotePath(path)
	if len(rc.path) > maxAttributeLen {
		bad("cookie path is %d bytes; browsers ignore attributes over %d bytes", len(rc.path), maxAttributeLen)
	}
	switch strings.ToLower(c.CookieSameSite) {
	case "":
	case "strict":
		rc.sameSite = http.SameSiteStrictMode
	case "lax":
		rc.sameSite = http.SameSiteLaxMode
	case "none":
		rc.sameSite = http.SameSiteNoneMode
		if !rc.secure {
			bad("CookieSameSite None requires CookieSecure: browsers reject SameSite=None cookies without Secure")
		}
	default:
		bad("CookieSameSite %q must be Strict, Lax, None or empty", c.CookieSameSite)
	}
	lower := strings.ToLower(rc.name)
	if strings.HasPrefix(lower, "__secure-") && !rc.secure {
		bad("cookie name %q requires CookieSecure (the __Secure- prefix)", rc.name)
	}
	if strings.HasPrefix(lower, "__host-") {
		if !rc.secure {
			bad("cookie name %q requires CookieSecure (the __Host- prefix)", rc.name)
		}
		if rc.domain != "" {
			bad("cookie name %q forbids CookieDomain (the __Host- prefix)", rc.name)
		}
		if rc.path != "/" {
			bad("cookie name %q requires the path \"/\" (the __Host- prefix), not %q", rc.name, rc.path)
		}
	}
	if rc.maxSize == 0 {
		rc.maxSize = defaultMaxCookieSize
	}
	rc.cookieLimit = rc.maxSize
	if rc.maxSize < 0 || c.AllowOversizeCookie {
		rc.cookieLimit = max(rc.maxSize, hardMaxCookieSize)
	}
	if c.MaxInflate < 0 {
		bad("MaxInflate %d is negative", c.MaxInflate)
	}
	for i, k := range c.SecretKeyFallbacks {
		if len(k) == 0 {
			bad("SecretKeyFallbacks[%d] is empty", i)
		}
	}
	if rc.serializer == nil {
		rc.serializer = tagjson.Default
	}
	if rc.logger == nil {
		rc.logger = slog.Default()
	}
	if rc.iface == nil {
		rc.iface = &SecureCookie{}
	}
	if len(c.SecretKey) > 0 && len(errs) == 0 {
		opts := c.Signing
		if c.MaxInflate != 0 {
			opts.MaxInflate = c.MaxInflate
		}
		if opts.MaxLength == 0 {
			// The value is shorter than the name=value this config may write.
			opts.MaxLength = rc.cookieLimit
		}
		if opts.Now == nil {
			opts.Now = c.Now
		}
		s, err := signing.New(c.SecretKey, c.SecretKeyFallbacks, opts)
		if err != nil {
			bad("%v", err)
		}
		rc.signer = s
		fc := &flaskCodec{signer: s}
		if c.Signing.MaxLength > 0 {
			fc.maxLength = s.MaxLength()
		}
		rc.flask = fc
	}
	if r, ok := c.Revocations.(retainer); ok && r.Retention() < rc.lifetime {
		bad("Revocations keeps a revocation for %v, less than the cookie lifetime (PermanentLifetime) %v: a revoked cookie would be accepted again once the revocation expired", r.Retention(), rc.lifetime)
	}
	if len(errs) > 0 {
		// The values computed so far stay in rc, for the helpers of a
		// Config that never went through New: its own values, unvalidated,
		// never silently replaced by defaults.
		return rc, errors.Join(errs...)
	}
	return rc, nil
}

// fits reports whether the session cookie called name with a value of
// valueLen bytes is within the bound this configuration writes and reads.
func (rc *resolvedConfig) fits(name string, valueLen int) bool {
	return len(name)+1+valueLen <= rc.cookieLimit
}

// get returns the resolved config, resolving it on the fly for a Config that
// was never passed to New (a custom Interface's own tests, say).
func (c *Config) get() (*resolvedConfig, error) {
	if c.resolved != nil {
		return c.resolved, nil
	}
	return c.resolve()
}

func (c *Config) now() time.Time {
	if c.Now != nil {
		return c.Now()
	}
	return time.Now()
}

func validCookieName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !isTokenChar(s[i]) {
			return false
		}
	}
	return true
}

func isTokenChar(c byte) bool {
	if c <= ' ' || c >= 0x7f {
		return false
	}
	return !strings.ContainsRune(`()<>@,;:\"/[]?={}`, rune(c))
}

// validDomain accepts what net/http accepts as a cookie Domain: a host name
// with at least one letter, or an IPv4 address.
func validDomain(s string) bool {
	return (&http.Cookie{Name: "x", Domain: s}).Valid() == nil
}

// quotePath percent-encodes a cookie path the way Werkzeug does
// (urllib.parse.quote with safe="%!$&'()*+,/:=@").
func quotePath(p string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		c := p[i]
		if pathSafe(c) {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

func pathSafe(c byte) bool {
	if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' {
		return true
	}
	return strings.IndexByte("-._~%!$&'()*+,/:=@", c) >= 0
}
