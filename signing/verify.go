package signing

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"math"
	"strings"
	"time"
)

var strictB64 = base64.RawURLEncoding.Strict()

// b64url marks the bytes of the URL-safe base64 alphabet.
var b64url = func() (t [256]bool) {
	for _, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" {
		t[c] = true
	}
	return t
}()

// Verify checks cookie and returns its JSON payload (decompressed) and the
// time it was signed. maxAge <= 0 disables the age checks; otherwise the
// cookie is valid only if 0 <= now-signed <= maxAge in whole seconds (maxAge
// is truncated to seconds, as Flask does with int(total_seconds())).
// Errors match ErrInvalid or ErrBadPayload (see the package documentation).
func (s *Signer) Verify(cookie string, maxAge time.Duration) (payload []byte, signed time.Time, err error) {
	payload, unix, err := s.AppendVerify(nil, cookie, maxAge)
	if err != nil {
		return nil, time.Time{}, err
	}
	return payload, time.Unix(unix, 0).UTC(), nil
}

// AppendVerify is Verify appending the payload to dst. It returns the extended
// slice (dst unchanged on error) and the Unix time the cookie was signed. For
// uncompressed cookies it allocates nothing beyond the growth of dst.
func (s *Signer) AppendVerify(dst []byte, cookie string, maxAge time.Duration) (payload []byte, unix int64, err error) {
	payload, unix, err = s.appendVerify(dst, cookie, maxAge)
	if err != nil {
		return dst, 0, err
	}
	return payload, unix, nil
}

func (s *Signer) appendVerify(dst []byte, cookie string, maxAge time.Duration) ([]byte, int64, error) {
	// 1. Length cap, before anything else.
	if s.maxLength >= 0 && len(cookie) > s.maxLength {
		return dst, 0, &lengthError{len(cookie), s.maxLength}
	}
	// 2. Split from the right into P.T.S. A well-formed cookie has its
	// last '.' exactly sigLen bytes from the end: that is checked first
	// (IndexByte is vectorised; LastIndexByte walks byte by byte).
	i := len(cookie) - s.sigLen - 1
	if i < 0 || cookie[i] != '.' || strings.IndexByte(cookie[i+1:], '.') >= 0 {
		i = strings.LastIndexByte(cookie, '.')
		if i < 0 {
			return dst, 0, errNoSeparator
		}
	}
	j := strings.LastIndexByte(cookie[:i], '.')
	if j < 0 {
		return dst, 0, errNoTimestamp
	}
	if len(cookie)-(i+1) != s.sigLen {
		return dst, 0, ErrBadSignature
	}
	st := s.getState()
	defer s.release(st)
	st.buf = append(st.buf[:0], cookie...)
	signedPart, sig := st.buf[:i], st.buf[i+1:]

	// 3. Signature, in constant time, key by key.
	if !s.checkSignature(st, signedPart, sig) {
		return dst, 0, ErrBadSignature
	}

	// 4. Timestamp and age.
	ts, err := parseTimestamp(st.buf[j+1 : i])
	if err != nil {
		return dst, 0, err
	}
	if maxAge > 0 {
		if err := checkAge(ts, s.now().Unix(), uint64(maxAge/time.Second)); err != nil {
			return dst, 0, err
		}
	}
	if ts > math.MaxInt64 {
		return dst, 0, errorf(ErrMalformed, "malformed timestamp: %d is out of range", ts)
	}

	// 5. Payload.
	p := st.buf[:j]
	if len(p) > 0 && p[0] == '.' {
		dst, err = s.appendCompressed(dst, p[1:])
	} else {
		dst, err = appendBase64(dst, p)
	}
	if err != nil {
		return dst, 0, err
	}
	return dst, int64(ts), nil
}

// checkSignature reports whether sig is the base64url MAC of signed under one
// of the keys: secret first, then fallbacks newest first.
func (s *Signer) checkSignature(st *state, signed, sig []byte) bool {
	for k := range s.keys {
		st.sig = s.appendSignature(st, st.sig[:0], k, signed)
		if subtle.ConstantTimeCompare(st.sig, sig) == 1 {
			return true
		}
	}
	return false
}

// parseTimestamp decodes T: base64url of at most 8 big-endian bytes (the
// empty string is 0, which is how itsdangerous writes 0).
func parseTimestamp(t []byte) (uint64, error) {
	if len(t) > 11 { // 12 characters encode at least 9 bytes
		return 0, errTimestampLong
	}
	var b [9]byte
	n, err := strictB64.Decode(b[:], t)
	if err != nil || hasLineBreak(t) {
		return 0, errTimestampBase64
	}
	if n > 8 {
		return 0, errTimestampLong
	}
	var ts uint64
	for _, c := range b[:n] {
		ts = ts<<8 | uint64(c)
	}
	return ts, nil
}

// checkAge accepts 0 <= now-ts <= maxAge without computing now-ts when it
// would overflow.
func checkAge(ts uint64, now int64, maxAge uint64) error {
	if now < 0 {
		return errorf(ErrFuture, "signed at %d but the clock reads %d", ts, now)
	}
	n := uint64(now)
	if ts > n {
		return errorf(ErrFuture, "signed %ds in the future", ts-n)
	}
	if age := n - ts; age > maxAge {
		return errorf(ErrExpired, "signature expired: age %ds exceeds %ds", age, maxAge)
	}
	return nil
}

// appendCompressed decodes and inflates a compressed payload (without its
// leading ".") into dst.
func (s *Signer) appendCompressed(dst, p []byte) ([]byte, error) {
	f := inflaters.Get().(*inflater)
	var err error
	start := len(dst)
	f.buf, err = appendBase64(f.buf[:0], p)
	if err == nil {
		dst, err = appendInflate(dst, f.buf, s.maxInflate, f)
	}
	f.release()
	if err != nil {
		return dst[:start], err
	}
	return dst, nil
}

// appendBase64 decodes strict unpadded base64url: only the URL-safe
// alphabet, no padding, no line breaks, zero unused bits.
func appendBase64(dst, src []byte) ([]byte, error) {
	// The strict decoder refuses every byte outside the alphabet except the
	// line breaks it skips, so a valid payload needs only those looked for;
	// the slow path below then tells the two kinds of failure apart.
	start := len(dst)
	if !hasLineBreak(src) {
		if out, err := strictB64.AppendDecode(dst, src); err == nil {
			return out, nil
		}
	}
	if !isBase64URL(src) {
		return dst[:start], errPayloadBase64
	}
	dst, err := strictB64.AppendDecode(dst[:start], src)
	if err != nil {
		return dst[:start], errorf(ErrBadPayload, "payload is not base64url: %v", err)
	}
	return dst, nil
}

// hasLineBreak reports whether b holds '\n' or '\r', the bytes outside
// the alphabet that the standard decoder skips instead of refusing.
func hasLineBreak(b []byte) bool {
	return bytes.IndexByte(b, '\n') >= 0 || bytes.IndexByte(b, '\r') >= 0
}

func isBase64URL(b []byte) bool {
	for _, c := range b {
		if !b64url[c] {
			return false
		}
	}
	return true
}
