package signing

import (
	"encoding/base64"
	"encoding/binary"
	"sync"
)

// Compressor makes the raw DEFLATE stream (RFC 1951) inside the zlib stream
// of a compressed cookie payload, in place of the built-in level-6
// compress/flate writer; set it in Options.Compressor (with package session:
// Config.Signing.Compressor). Implementations must be safe for concurrent
// use. Module github.com/sessionkit/session/deflate has one based on
// klauspost/compress, about 3 times faster than the built-in writer on a
// 2 KB session.
//
// With a Compressor, Sign works as follows (see "Compression" in the package
// documentation for the built-in rule):
//
//  1. Payloads the size precheck rules out stay uncompressed, as without a
//     Compressor.
//  2. The Compressor's stream is wrapped in zlib framing (header 78 9c,
//     Adler-32 of the payload). It is used if the zlib stream is shorter
//     than len(payload)-1 by more than a margin of 24 bytes plus 1/64 of
//     the payload. The margin covers a Compressor that beats zlib's level 6
//     on some payloads (see fastMargin in compressor.go for the
//     measurement), so that payloads Flask leaves uncompressed stay
//     byte-identical with Flask's cookie.
//  3. If the zlib stream meets Flask's rule (shorter than len(payload)-1)
//     only within the margin, or the Compressor declined, the built-in
//     writer decides and encodes, exactly as without a Compressor.
//  4. If the zlib stream does not meet Flask's rule, the payload is sent
//     uncompressed and the built-in writer does not run: not compressing
//     is always valid (Flask reads both forms), and this keeps the
//     built-in writer's cost (it clears 640 KiB of tables per call) off
//     small and incompressible sessions. Such a cookie can be a few bytes
//     longer than without a Compressor, where the built-in writer would
//     have compressed what the faster one could not; item 5 still holds.
//  5. When the encoded payload part is longer than 4096 (or MaxLength, if
//     smaller) less 552 bytes (room for 512 bytes of cookie name, "=" and
//     Set-Cookie attributes, the timestamp and a SHA-1 signature), the
//     built-in writer runs too and the shorter result is used: a cookie
//     that fits the limit without a Compressor fits with it. This holds
//     exactly when MaxLength bounds the cookie (session.Config sets it to
//     the cookie limit unless Signing.MaxLength is set) and the name and
//     attributes take under 512 bytes.
//
// The Compressor's bytes differ from Flask's and from the built-in writer's;
// Flask reads any valid zlib stream.
//
// The contract, which Sign relies on and does not check (inflating every
// stream back would cost about as much as the Compressor saves):
//
//   - the stream inflates to exactly p, with nothing after its final block.
//     A wrong stream makes a cookie that Verify rejects (ErrBadPayload), or,
//     if it inflates to another payload of the same length and Adler-32,
//     one that reads as that payload; bytes after the final block make a
//     cookie Python's zlib reads and Verify rejects;
//   - its streams are never shorter than zlib's level 6 by more than the
//     margin (24 bytes plus 1/64 of the payload). This holds for encoders
//     that, like zlib, write one block for a cookie-sized input with greedy
//     or lazy matching: compress/flate, and klauspost/compress at every
//     level (measured against Python's zlib, see the deflate module's tests).
//     An encoder that splits blocks or searches for optimal parses (zopfli)
//     can compress a payload Flask leaves uncompressed; its cookie then
//     differs from Flask's, which still reads it.
type Compressor interface {
	// AppendDeflate appends to dst a complete raw DEFLATE stream whose
	// content is p: no zlib header and no checksum (Sign adds both), the
	// last block marked final, nothing after it. It returns the extended
	// slice and must not keep dst or p. Appending nothing (returning dst
	// unchanged) declines p: Sign then uses the built-in writer, as with a
	// nil Compressor.
	AppendDeflate(dst, p []byte) []byte
}

// Settling Flask's rule with a Compressor. Flask compresses iff
// len(zlib.compress(json)) < len(json)-1. A Compressor's stream (fast) can be
// shorter than zlib's level 6 (zlib) on some payloads, so fast meeting the
// rule does not prove that Flask compresses. Sign uses fast only when it
// meets the rule by more than fastMargin bytes: then zlib meets it too unless
// zlib is more than fastMargin bytes longer than fast. Measured against
// Python's zlib on 150,000 generated session payloads of 20 to 1,500 bytes
// built to sit near the boundary (tokens of random hex, base64url and
// printable characters among words), klauspost/compress/flate levels 1, 2
// and 4 were at most 8 bytes shorter than zlib (deflate's TestFlaskDecision
// repeats this on 8,000 and fails if any reaches half the margin). The
// margin is 24 bytes, three times that, plus 1/64 of the payload, so that it
// grows with it. Every payload the fast stream does not clear by that margin
// is decided, and encoded, exactly as without a Compressor.
func fastMargin(n int) int { return 24 + n/64 }

// refNameSlack is the room, in bytes, left for the cookie name, "=" and the
// Set-Cookie attributes (session.Config's MaxCookieSize bounds the whole
// header value) when deciding whether a Compressor's longer output could
// matter for the cookie limit (see refThreshold).
const refNameSlack = 512

// maxTimestampLen is the longest encoded timestamp: 8 bytes, base64url.
const maxTimestampLen = 11

// refThreshold returns the length of P (the payload part) above which Sign,
// having compressed with a Compressor, also runs the built-in writer and
// keeps the shorter P, so that a cookie that fits a size limit without the
// Compressor still fits with it. The limit considered is maxLength (the
// Signer's, or 4096 when larger or uncapped, since session.Config's cookie
// bound can then be smaller), less room for a cookie name and "=" of up to
// refNameSlack bytes, the timestamp and the signature.
func refThreshold(maxLength, sigLen int) int {
	limit := DefaultMaxLength
	if maxLength > 0 && maxLength < limit {
		limit = maxLength
	}
	return limit - refNameSlack - 1 - maxTimestampLen - 1 - sigLen
}

// zbufs holds scratch buffers for a Compressor's zlib stream.
var zbufs = sync.Pool{New: func() any { return new([]byte) }}

// appendPayload appends P, the payload part of the cookie, to dst, with the
// Signer's Compressor if it has one (see fastMargin and refThreshold), else
// exactly as the package-level appendPayload.
func (s *Signer) appendPayload(dst, payload []byte) []byte {
	c := s.compressor
	if c == nil || !mayCompress(payload) {
		return appendPayload(dst, payload)
	}
	zp := zbufs.Get().(*[]byte)
	z := append((*zp)[:0], zlibHeader[:]...)
	z = c.AppendDeflate(z, payload)
	switch zlen := len(z) + 4; {
	case len(z) == len(zlibHeader) || (zlen < len(payload)-1 && zlen+fastMargin(len(payload)) >= len(payload)-1):
		// Declined, or a win too narrow to prove that Flask compresses
		// too: the built-in writer decides.
		putZbuf(zp, z)
		return appendPayload(dst, payload)
	case zlen >= len(payload)-1:
		// No win: uncompressed, which is never wrong, unless it is long
		// enough for the size limit to matter; then the built-in writer
		// decides, as without a Compressor.
		putZbuf(zp, z)
		if 1+base64.RawURLEncoding.EncodedLen(len(payload)) > s.refAbove {
			return appendPayload(dst, payload)
		}
		return base64.RawURLEncoding.AppendEncode(dst, payload)
	}
	z = binary.BigEndian.AppendUint32(z, adlerSum(payload))
	start := len(dst)
	dst = append(dst, '.')
	dst = base64.RawURLEncoding.AppendEncode(dst, z)
	putZbuf(zp, z)
	if fast := len(dst) - start; fast > s.refAbove {
		// Near the size limit: never longer than without the Compressor.
		dst = appendPayload(dst, payload)
		if ref := len(dst) - start - fast; ref < fast {
			n := copy(dst[start:], dst[start+fast:])
			return dst[:start+n]
		}
		return dst[:start+fast]
	}
	return dst
}

// putZbuf returns a scratch buffer to zbufs, dropping one over 1 MiB so
// that one huge payload does not pin memory.
func putZbuf(zp *[]byte, z []byte) {
	if cap(z) > 1<<20 {
		z = nil
	}
	*zp = z
	zbufs.Put(zp)
}
