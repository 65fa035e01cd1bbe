package tagjson

import "math/bits"

// Word-at-a-time scanning of strings: eight bytes are tested at once for the
// bytes that need attention. The masks use the classic "has a zero byte" and
// "has a byte less than n" expressions; their lowest set bit is exact (a
// borrow can only set bits above the first byte that really matches), which
// is all that is used: the index of the first byte that needs attention.

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// load8 returns s[i:i+8] as a little-endian word; i+8 <= len(s).
func load8(s string, i int) uint64 {
	_ = s[i+7]
	return uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
		uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
}

// zeros marks the bytes of x that are 0 (exact up to the first).
func zeros(x uint64) uint64 { return (x - ones) &^ x & highs }

// below marks the bytes of x less than n, n <= 128 (exact up to the first).
func below(x, n uint64) uint64 { return (x - n*ones) &^ x & highs }

// decodeStops marks the bytes a JSON string decoder must look at: '"', '\\',
// control characters and non-ASCII bytes.
func decodeStops(x uint64) uint64 {
	return x&highs | below(x, 0x20) | zeros(x^('"'*ones)) | zeros(x^('\\'*ones))
}

// encodeStops marks the bytes the encoder does not copy as they are: those
// of decodeStops and DEL (asciiSafe is 0x20..0x7e except '"' and '\\').
func encodeStops(x uint64) uint64 { return decodeStops(x) | zeros(x^(0x7f*ones)) }

// skipDecode returns the index of the first byte of s at or after i that
// decodeStops marks, or the first index from which fewer than 8 bytes remain.
func skipDecode(s string, i int) int {
	for i+8 <= len(s) {
		if m := decodeStops(load8(s, i)); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
		i += 8
	}
	return i
}

// skipEncode is skipDecode for encodeStops.
func skipEncode(s string, i int) int {
	for i+8 <= len(s) {
		if m := encodeStops(load8(s, i)); m != 0 {
			return i + bits.TrailingZeros64(m)>>3
		}
		i += 8
	}
	return i
}
