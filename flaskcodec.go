package session

import (
	"errors"
	"fmt"
	"time"

	"github.com/sessionkit/session/signing"
)

// flaskCodec is Flask's signed cookie format as a [Codec]: itsdangerous'
// URL-safe timestamp signature over the (zlib-compressed when that is
// shorter) tagged JSON payload. [New] builds it once from Config.SecretKey,
// SecretKeyFallbacks and Signing; SecureCookie uses it when its Codec is
// nil. It maps the signing package's error classes onto this package's:
// signing.ErrInvalid becomes ErrInvalidCookie (a new, empty session),
// signing.ErrBadPayload becomes ErrBadPayload (HTTP 500 when used).
type flaskCodec struct {
	signer *signing.Signer
	// maxLength bounds a value on write when Signing.MaxLength was set (0
	// otherwise: the configuration's own bound applies, in SaveCookie).
	maxLength int
}

func (c *flaskCodec) Encode(dst []byte, name string, payload []byte, now time.Time, _ time.Duration) ([]byte, error) {
	start := len(dst)
	dst = c.signer.AppendSign(dst, payload, now.Unix())
	if n := len(dst) - start; c.maxLength > 0 && n > c.maxLength {
		return dst, &cookieTooLargeError{Name: name, ValueSize: n, Size: n, Limit: c.maxLength}
	}
	return dst, nil
}

func (c *flaskCodec) Decode(dst []byte, _, value string, _ time.Time, lifetime time.Duration) ([]byte, time.Time, bool, error) {
	payload, unix, err := c.signer.AppendVerify(dst, value, lifetime)
	switch {
	case err == nil:
	case errors.Is(err, signing.ErrInvalid):
		err = fmt.Errorf("%w: %w", ErrInvalidCookie, err)
	case errors.Is(err, signing.ErrBadPayload):
		err = fmt.Errorf("%w: %w", ErrBadPayload, err)
	}
	return payload, time.Unix(unix, 0), false, err
}
