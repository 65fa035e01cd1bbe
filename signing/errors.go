package signing

import (
	"errors"
	"fmt"
	"strconv"
)

// Error classes. Every error returned by [Signer.Verify] and
// [Signer.AppendVerify] matches exactly one of them with [errors.Is].
var (
	// ErrInvalid is the class of cookies Flask treats as absent (it starts a
	// new, empty session): too long, malformed, bad signature, expired or
	// signed in the future.
	ErrInvalid = errors.New("signing: invalid cookie")

	// ErrBadPayload is the class of cookies whose signature is valid but whose
	// payload cannot be decoded: bad base64, bad zlib data, or a payload that
	// inflates beyond Options.MaxInflate. Flask answers such a request with
	// HTTP 500; only a holder of a signing key can produce one.
	ErrBadPayload = errors.New("signing: undecodable payload")
)

// Specific errors. Each one also matches its class with [errors.Is]; returned
// errors usually wrap them with details (sizes, ages), never key material.
var (
	ErrTooLong      error = &kindError{ErrInvalid, "signing: cookie too long"}
	ErrMalformed    error = &kindError{ErrInvalid, "signing: malformed cookie"}
	ErrBadSignature error = &kindError{ErrInvalid, "signing: signature does not match any key"}
	ErrExpired      error = &kindError{ErrInvalid, "signing: signature expired"}
	ErrFuture       error = &kindError{ErrInvalid, "signing: signed in the future"}
	ErrInflateLimit error = &kindError{ErrBadPayload, "signing: payload inflates beyond the limit"}
)

// kindError is a specific error that belongs to a class.
type kindError struct {
	class error
	msg   string
}

func (e *kindError) Error() string        { return e.msg }
func (e *kindError) Is(target error) bool { return target == e.class }

// detailError carries a concrete message and unwraps to a specific error (or
// directly to a class).
type detailError struct {
	msg  string
	kind error
}

func (e *detailError) Error() string { return e.msg }
func (e *detailError) Unwrap() error { return e.kind }

// errorf returns an error whose message is the "signing: " prefixed format and
// which unwraps to kind.
func errorf(kind error, format string, args ...any) error {
	return &detailError{msg: "signing: " + fmt.Sprintf(format, args...), kind: kind}
}

// lengthError is ErrTooLong with the sizes, formatted only when read: a flood
// of oversized cookies costs one small allocation each.
type lengthError struct{ n, limit int }

func (e *lengthError) Error() string {
	return "signing: cookie is " + strconv.Itoa(e.n) + " bytes, limit " + strconv.Itoa(e.limit)
}

func (e *lengthError) Unwrap() error { return ErrTooLong }

// Errors without variable details, allocated once.
var (
	errNoSeparator     = &detailError{msg: "signing: malformed cookie: no '.' separator", kind: ErrMalformed}
	errNoTimestamp     = &detailError{msg: "signing: malformed cookie: no timestamp", kind: ErrMalformed}
	errNotZlib         = &detailError{msg: "signing: payload is not a zlib stream", kind: ErrBadPayload}
	errPayloadBase64   = &detailError{msg: "signing: payload is not base64url", kind: ErrBadPayload}
	errTimestampBase64 = &detailError{msg: "signing: malformed timestamp: not base64url", kind: ErrMalformed}
	errTimestampLong   = &detailError{msg: "signing: malformed timestamp: longer than 8 bytes", kind: ErrMalformed}
	errZlibChecksum    = &detailError{msg: "signing: zlib checksum mismatch", kind: ErrBadPayload}
	errZlibDict        = &detailError{msg: "signing: zlib stream needs a preset dictionary", kind: ErrBadPayload}
	errZlibShort       = &detailError{msg: "signing: compressed payload too short", kind: ErrBadPayload}
)
