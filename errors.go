package session

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors returned by this package wrap one of these, so callers
// branch with [errors.Is].
var (
	// ErrNoSecretKey is the cause of every write to the null session that
	// [SecureCookie] hands out when Config.SecretKey is empty.
	ErrNoSecretKey = errors.New("session: the session is unavailable because no secret key was set; set Config.SecretKey to something unique and secret")

	// ErrNoMiddleware is the cause of every write to the session that [From]
	// returns for a request that did not pass through [Manager.Handler].
	ErrNoMiddleware = errors.New("session: the session is unavailable because the request did not pass through the session middleware (Manager.Handler)")

	// ErrBadPayload means the cookie carried a valid signature but its payload
	// could not be decoded. Flask answers such a request with HTTP 500.
	ErrBadPayload = errors.New("session: signed cookie payload cannot be decoded")

	// ErrCookieTooLarge means the Set-Cookie header would exceed
	// Config.MaxCookieSize. The cookie is not sent. See [CookieTooLargeError].
	ErrCookieTooLarge = errors.New("session: cookie too large")

	// ErrHeaderWritten means the session was changed after the response header
	// had been sent, so the change could not be saved.
	ErrHeaderWritten = errors.New("session: session changed after the response header was written; the change was not saved")

	// ErrInvalidCookie is matched by every error a [Codec] returns for a
	// cookie it cannot open (bad signature or tag, malformed, expired):
	// the session interface then starts a new, empty session.
	ErrInvalidCookie = errors.New("session: invalid cookie")

	// ErrInvalidConfig wraps every error that [Config.Validate] returns.
	ErrInvalidConfig = errors.New("session: invalid config")
)

// CookieTooLargeError reports a session cookie larger than Config.MaxCookieSize.
// It matches [ErrCookieTooLarge] with [errors.Is].
type CookieTooLargeError struct {
	Name      string // cookie name
	ValueSize int    // bytes of the cookie value
	Size      int    // bytes of the whole Set-Cookie header value
	Limit     int    // Config.MaxCookieSize in force
}

func (e *CookieTooLargeError) Error() string {
	return fmt.Sprintf("session: the %q cookie is too large: the value was %d bytes but the header required %d extra bytes; the final size was %d bytes but the limit is %d bytes (browsers silently ignore cookies larger than this, so it was not sent)",
		e.Name, e.ValueSize, e.Size-e.ValueSize, e.Size, e.Limit)
}

// Is reports whether target is ErrCookieTooLarge.
func (e *CookieTooLargeError) Is(target error) bool { return target == ErrCookieTooLarge }
