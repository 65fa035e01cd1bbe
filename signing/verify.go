package signing

import (
	"bytes"
	"crypto/subtle"
	"encoding/base64"
	"math"
	"slices"
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
// of the keys: secret first, then fallbacks newest first. sig is decoded
// (strictly: only the canonical encoding of a MAC decodes to it) and
// compared with each raw MAC in constant time.
func (s *Signer) checkSignature(st *state, signed, sig []byte) bool {
	var ok bool
	if st.sig, ok = appendDecodeStrict(st.sig[:0], sig); !ok {
		return false
	}
	for k := range s.keys {
		m := st.macs[k]
		m.Reset()
		m.Write(signed)
		st.sum = m.Sum(st.sum[:0])
		if subtle.ConstantTimeCompare(st.sum, st.sig) == 1 {
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
	var buf [9]byte
	b, ok := appendDecodeStrict(buf[:0], t)
	if !ok {
		return 0, errTimestampBase64
	}
	n := len(b)
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
	if out, ok := appendDecodeStrict(dst, src); ok {
		return out, nil
	}
	// Invalid: the standard decoder names the failure.
	if !isBase64URL(src) {
		return dst, errPayloadBase64
	}
	start := len(dst)
	dst, err := strictB64.AppendDecode(dst, src)
	if err != nil {
		return dst[:start], errorf(ErrBadPayload, "payload is not base64url: %v", err)
	}
	return dst, nil // not reached: the two decoders accept the same inputs
}

// b64Values maps each byte of the URL-safe alphabet to its 6-bit value and
// every other byte to 0xff.
var b64Values = func() (t [256]byte) {
	for i := range t {
		t[i] = 0xff
	}
	for i, c := range "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_" {
		t[c] = byte(i)
	}
	return t
}()

// appendDecodeStrict appends the strict unpadded base64url decoding of src
// to dst and reports whether src is valid: only the URL-safe alphabet (no
// padding, no line breaks, which the standard decoder skips), a length
// that is not 1 mod 4, and zero unused bits in the last character —
// exactly what strictB64 accepts from input without line breaks. On
// failure the bytes of dst are left as they were (its capacity may have
// grown). Four characters at a time, without the standard decoder's
// per-quantum bookkeeping.
func appendDecodeStrict(dst, src []byte) ([]byte, bool) {
	full, rest := len(src)/4*4, len(src)%4
	if rest == 1 {
		return dst, false
	}
	start := len(dst)
	size := full/4*3 + max(rest-1, 0) // a 2- or 3-character tail is 1 or 2 bytes
	dst = slices.Grow(dst, size)
	out := dst[start : start+size]
	o := 0
	for i := 0; i < full; i += 4 {
		q := src[i : i+4 : i+4]
		a, b, c, d := b64Values[q[0]], b64Values[q[1]], b64Values[q[2]], b64Values[q[3]]
		if (a|b|c|d)&0xc0 != 0 {
			return dst[:start], false
		}
		v := uint(a)<<18 | uint(b)<<12 | uint(c)<<6 | uint(d)
		w := out[o : o+3 : o+3]
		w[0], w[1], w[2] = byte(v>>16), byte(v>>8), byte(v)
		o += 3
	}
	switch rest {
	case 2: // 12 bits: one byte and 4 unused bits
		a, b := b64Values[src[full]], b64Values[src[full+1]]
		if (a|b)&0xc0 != 0 || b&0x0f != 0 {
			return dst[:start], false
		}
		out[o] = a<<2 | b>>4
	case 3: // 18 bits: two bytes and 2 unused bits
		a, b, c := b64Values[src[full]], b64Values[src[full+1]], b64Values[src[full+2]]
		if (a|b|c)&0xc0 != 0 || c&0x03 != 0 {
			return dst[:start], false
		}
		v := uint(a)<<12 | uint(b)<<6 | uint(c)
		out[o], out[o+1] = byte(v>>10), byte(v>>2)
	}
	return dst[:start+size], true
}

func isBase64URL(b []byte) bool {
	for _, c := range b {
		if !b64url[c] {
			return false
		}
	}
	return true
}

// PayloadMayContain reports whether cookie could pass Verify with a payload
// that contains sub, without checking its signature: false only when that
// is impossible — the payload part is uncompressed and its base64url
// decoding does not contain sub (or is not base64url, or cookie is not
// split into payload, timestamp and signature). A compressed payload gives
// true. It reads untrusted bytes: use it only to skip work that a verified
// payload without sub would not need (SecureCookie skips verifying an
// unused session's cookie that cannot be a permanent one).
func (s *Signer) PayloadMayContain(cookie string, sub []byte) bool {
	i := strings.LastIndexByte(cookie, '.')
	if i < 0 {
		return false
	}
	j := strings.LastIndexByte(cookie[:i], '.')
	if j < 0 {
		return false
	}
	p := cookie[:j]
	if len(p) > 0 && p[0] == '.' {
		return true // compressed: not inflated here
	}
	st := s.getState()
	defer s.release(st)
	st.buf = append(st.buf[:0], p...)
	n := len(st.buf)
	var ok bool
	if st.buf, ok = appendDecodeStrict(st.buf, st.buf[:n]); !ok {
		return false
	}
	return bytes.Contains(st.buf[n:], sub)
}
