package signing

import (
	"encoding/base64"
	"encoding/binary"
)

// Sign returns the cookie value for the JSON payload at the current time of
// the Signer's clock, compressing the payload when Flask's rule allows it
// (see the package documentation). Sign does not enforce Options.MaxLength;
// compare the length of the result if you need to.
func (s *Signer) Sign(payload []byte) string {
	st := s.getState()
	st.buf = s.AppendSign(st.buf[:0], payload, s.now().Unix())
	v := string(st.buf)
	s.release(st)
	return v
}

// AppendSign appends the cookie value for payload signed at the Unix time
// unix to dst and returns the extended slice. unix must not be negative.
func (s *Signer) AppendSign(dst, payload []byte, unix int64) []byte {
	if unix < 0 {
		panic("signing: negative timestamp")
	}
	start := len(dst)
	dst = s.appendPayload(dst, payload)
	dst = append(dst, '.')
	dst = appendTimestamp(dst, uint64(unix))

	st := s.getState()
	signed := dst[start:]
	// appendSignature may grow dst, but it reads signed before appending.
	dst = append(dst, '.')
	dst = s.appendSignature(st, dst, 0, signed)
	s.release(st)
	return dst
}

// appendTimestamp appends itsdangerous' timestamp: the 8-byte big-endian
// value without its leading zero bytes, base64url without padding. 0 is
// therefore the empty string.
func appendTimestamp(dst []byte, ts uint64) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], ts)
	i := 0
	for i < len(b) && b[i] == 0 {
		i++
	}
	return base64.RawURLEncoding.AppendEncode(dst, b[i:])
}

// release returns st to the pool, dropping an oversized buffer so that one
// huge cookie does not pin memory.
func (s *Signer) release(st *state) {
	if cap(st.buf) > 64<<10 {
		st.buf = nil
	}
	s.putState(st)
}
