package session

import (
	"errors"
	"fmt"
)

// Sentinel errors. Errors returned by this package wrap one of these, so callers
// branch with [errors.Is].
var (
	// ErrNoSecretKey is the cause of every write to the null session that
	// [SecureCookie] hands out when Config.SecretKey is empty. Set
	// Config.SecretKey to something unique and secret (32 random bytes).
	ErrNoSecretKey = errors.New("session: no secret key")

	// ErrNoMiddleware is the cause of every write to the session that [From]
	// returns for a request that did not pass through [Manager.Handler]:
	// wrap the handler (or the router) with it.
	ErrNoMiddleware = errors.New("session: request not under the session middleware")

	// ErrBadPayload means the cookie carried a valid signature but its payload
	// could not be decoded. Flask answers such a request with HTTP 500.
	ErrBadPayload = errors.New("session: undecodable cookie payload")

	// ErrCookieTooLarge means the Set-Cookie header would exceed
	// Config.MaxCookieSize. The cookie is not sent; the error says how large
	// it was and what the limit is.
	ErrCookieTooLarge = errors.New("session: cookie too large")

	// ErrHeaderWritten means the session was changed after the response header
	// had been sent, so the change could not be saved: change the session
	// before writing the response.
	ErrHeaderWritten = errors.New("session: changed after the response header was written")

	// ErrInvalidCookie is matched by every error a [Codec] returns for a
	// cookie it cannot open (bad signature or tag, malformed, expired):
	// the session interface then starts a new, empty session.
	ErrInvalidCookie = errors.New("session: invalid cookie")

	// ErrStoreUnavailable is wrapped by every error of a session backend's
	// store — the server-side store, the revocation store behind
	// Config.Revocations — failing or not answering in time: an outage, a
	// temporary condition. [DefaultErrorHandler] answers it with HTTP 503
	// and Retry-After instead of 500. A backend of your own wraps its
	// store's failures with it to get the same.
	ErrStoreUnavailable = errors.New("session: store unavailable")

	// ErrInvalidConfig wraps every problem [New] finds in a Config.
	ErrInvalidConfig = errors.New("session: invalid config")

	// ErrUnencodable is wrapped by the error of a write ([Session.Set],
	// [Session.Update], [Session.SetDefault]) given a value the session's
	// serializer cannot encode: a function, channel, complex number or
	// unsafe pointer (also inside a map, slice or exported struct field), a
	// cyclic or too deeply nested value, an integer with too many digits, a
	// time Flask cannot read back. Nothing is stored and the session stays
	// usable; the error also wraps the serializer's own (tagjson.ErrUnsupportedType,
	// tagjson.ErrDepth, ...).
	ErrUnencodable = errors.New("session: value cannot be encoded")

	// errResponseReplaced is returned by the handler's writes (Write,
	// ReadFrom, Hijack, http.ResponseController's Flush) once the session
	// failed and the error handler answered the request instead.
	errResponseReplaced = errors.New("session: response replaced by the error handler")

	// errReadAfterHeader is reported (through the error handler, as a late
	// error that also matches ErrHeaderWritten) when the session is read
	// after a response header without "Vary: Cookie" went out: a cache may
	// serve the personalised response to other users.
	errReadAfterHeader = errors.New("session: read after a response header without Vary: Cookie")

	// errCookieNotSent is reported (as a late error that also matches
	// ErrHeaderWritten) when a handler hijacked the connection and the
	// session cookie could not be added to the response it wrote: it wrote
	// no HTTP/1.x response header, or closed the connection first.
	errCookieNotSent = errors.New("session: cookie not sent on the hijacked connection")
)

// cookieTooLargeError reports a session cookie larger than Config.MaxCookieSize.
// It matches [ErrCookieTooLarge] with [errors.Is].
type cookieTooLargeError struct {
	Name      string // cookie name
	ValueSize int    // bytes of the cookie value
	Size      int    // bytes of the whole Set-Cookie header value
	Limit     int    // Config.MaxCookieSize in force
}

func (e *cookieTooLargeError) Error() string {
	return fmt.Sprintf("session: the %q cookie is too large: the value was %d bytes but the header required %d extra bytes; the final size was %d bytes but the limit is %d bytes (browsers silently ignore cookies larger than this, so it was not sent)",
		e.Name, e.ValueSize, e.Size-e.ValueSize, e.Size, e.Limit)
}

// Is reports whether target is ErrCookieTooLarge.
func (e *cookieTooLargeError) Is(target error) bool { return target == ErrCookieTooLarge }
