package flaskwtf

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"slices"
	"time"
)

// Defaults, as Flask-WTF 1.1.1's CSRFProtect sets them.
const (
	DefaultFieldName = "csrf_token"     // WTF_CSRF_FIELD_NAME
	DefaultTimeLimit = time.Hour        // WTF_CSRF_TIME_LIMIT (3600 s)
	Salt             = "wtf-csrf-token" // the itsdangerous salt of form tokens
	// MaxTokenLength is the longest form token Validate reads; longer ones
	// are ErrTokenInvalid without further work. Flask-WTF's tokens are 86
	// to 91 characters.
	MaxTokenLength = 4096
)

// DefaultHeaders is WTF_CSRF_HEADERS' default.
var DefaultHeaders = []string{"X-CSRFToken", "X-CSRF-Token"}

// DefaultMethods is WTF_CSRF_METHODS' default: the methods CSRFProtect checks.
var DefaultMethods = []string{http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// Validation errors, one per ValidationError message of Flask-WTF's
// validate_csrf and CSRFProtect.protect; Reason gives Flask-WTF's text.
var (
	ErrTokenMissing        = errors.New("flaskwtf: the CSRF token is missing")
	ErrSessionTokenMissing = errors.New("flaskwtf: the CSRF session token is missing")
	ErrTokenExpired        = errors.New("flaskwtf: the CSRF token has expired")
	ErrTokenInvalid        = errors.New("flaskwtf: the CSRF token is invalid")
	ErrTokensMismatch      = errors.New("flaskwtf: the CSRF tokens do not match")
	ErrRefererMissing      = errors.New("flaskwtf: the referrer header is missing")
	ErrRefererMismatch     = errors.New("flaskwtf: the referrer does not match the host")
)

// Other errors.
var (
	// ErrNoSecretKey: Config.SecretKey is empty.
	ErrNoSecretKey = errors.New("flaskwtf: no secret key")
	// ErrConfig: a Config field is out of range; the error says which.
	ErrConfig = errors.New("flaskwtf: invalid config")
	// ErrSession wraps a failed session write (Token could not store the
	// raw token) or a failure to read the random source.
	ErrSession = errors.New("flaskwtf: session failure")
)

var reasons = map[error]string{
	ErrTokenMissing:        "The CSRF token is missing.",
	ErrSessionTokenMissing: "The CSRF session token is missing.",
	ErrTokenExpired:        "The CSRF token has expired.",
	ErrTokenInvalid:        "The CSRF token is invalid.",
	ErrTokensMismatch:      "The CSRF tokens do not match.",
	ErrRefererMissing:      "The referrer header is missing.",
	ErrRefererMismatch:     "The referrer does not match the host.",
}

// Reason returns Flask-WTF's message for a validation error ("The CSRF
// token is missing.", ...), or "" when err matches none of them.
func Reason(err error) string {
	for e, msg := range reasons {
		if errors.Is(err, e) {
			return msg
		}
	}
	return ""
}

// Session is the part of a session this package uses. *session.Session
// (package github.com/sessionkit/session) implements it.
type Session interface {
	Lookup(key string) (any, bool)
	Set(key string, value any) error
}

// Config configures a CSRF. The zero value of every field but SecretKey is
// Flask-WTF's default.
type Config struct {
	// SecretKey is WTF_CSRF_SECRET_KEY, or the app's SECRET_KEY when that
	// is unset, as bytes (a str key is its UTF-8 encoding). Required.
	SecretKey []byte
	// FieldName is WTF_CSRF_FIELD_NAME: the form field and the session key.
	// Default "csrf_token".
	FieldName string
	// TimeLimit is WTF_CSRF_TIME_LIMIT, in whole seconds: a token is valid
	// while 0 <= now - signed <= TimeLimit. Default 3600 s; negative means
	// no limit (WTF_CSRF_TIME_LIMIT = None). Finer parts are dropped.
	TimeLimit time.Duration
	// Headers is WTF_CSRF_HEADERS, read in order when the form has no
	// token. Default X-CSRFToken, X-CSRF-Token.
	Headers []string
	// Methods is WTF_CSRF_METHODS, the methods Handler checks. Default
	// POST, PUT, PATCH, DELETE.
	Methods []string
	// DisableSSLStrict is the negation of WTF_CSRF_SSL_STRICT (default
	// true: on HTTPS requests the Referer must be https://<Host>/...).
	DisableSSLStrict bool
	// IsSecure reports Flask's request.is_secure. Default: r.TLS != nil.
	// Behind a TLS-terminating proxy, return what the proxy tells you (as
	// Werkzeug's ProxyFix would).
	IsSecure func(r *http.Request) bool
	// Exempt reports requests Handler does not check (csrf.exempt on a
	// view or blueprint). Default: none.
	Exempt func(r *http.Request) bool
	// ErrorHandler answers a request that failed the check (Flask-WTF's
	// CSRFError). Default: 400 Bad Request with Reason(err).
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)
	// Session returns the session of a request. Default: session.From from
	// package github.com/sessionkit/session.
	Session func(r *http.Request) Session
	// Logger receives a line per refused request at level Info, as
	// Flask-WTF logs e.args[0]. Default slog.Default().
	Logger *slog.Logger
	// Now is the clock tokens are signed and checked with. Default time.Now.
	Now func() time.Time
	// Rand is the source of the 64 random bytes of a raw token. Default
	// crypto/rand.Reader.
	Rand io.Reader
}

func (c *Config) validate() error {
	if len(c.SecretKey) == 0 {
		return ErrNoSecretKey
	}
	if c.FieldName == "" {
		c.FieldName = DefaultFieldName
	}
	if c.TimeLimit == 0 {
		c.TimeLimit = DefaultTimeLimit
	}
	if c.TimeLimit > 0 && c.TimeLimit < time.Second {
		return fmt.Errorf("%w: TimeLimit %v is under a second", ErrConfig, c.TimeLimit)
	}
	if c.Headers == nil {
		c.Headers = DefaultHeaders
	}
	if c.Methods == nil {
		c.Methods = DefaultMethods
	}
	// Copies: later changes to the caller's slices (or to the exported
	// defaults) do not reach a running CSRF.
	c.Headers = slices.Clone(c.Headers)
	c.Methods = slices.Clone(c.Methods)
	if c.IsSecure == nil {
		c.IsSecure = func(r *http.Request) bool { return r.TLS != nil }
	}
	if c.Exempt == nil {
		c.Exempt = func(*http.Request) bool { return false }
	}
	if c.ErrorHandler == nil {
		c.ErrorHandler = DefaultErrorHandler
	}
	if c.Session == nil {
		c.Session = defaultSession
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Rand == nil {
		c.Rand = rand.Reader
	}
	return nil
}

// DefaultErrorHandler answers 400 Bad Request with Flask-WTF's reason, as
// Flask renders an unhandled CSRFError.
func DefaultErrorHandler(w http.ResponseWriter, r *http.Request, err error) {
	msg := Reason(err)
	if msg == "" {
		msg = "CSRF validation failed."
	}
	http.Error(w, "Bad Request: "+msg, http.StatusBadRequest)
}
