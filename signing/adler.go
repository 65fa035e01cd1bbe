package signing

import "encoding/binary"

// adlerMod is the Adler-32 modulus, the largest prime below 2^16.
const adlerMod = 65521

// Lane constants of adlerSum: 16-bit lanes 0-3 of a uint64 (lane 0 the
// lowest).
const (
	lanes       = 0x00ff00ff00ff00ff // the low byte of each lane
	ones        = 0x0001000100010001 // top lane of x*ones: sum of x's lanes
	evenWeights = 0x0008000600040002 // top lane: 8*x0 + 6*x1 + 4*x2 + 2*x3 (bytes 0, 2, 4, 6)
	oddWeights  = 0x0007000500030001 // top lane: 7*x0 + 5*x1 + 3*x2 + x3 (bytes 1, 3, 5, 7)
)

// adlerChunk is how many bytes adlerSum sums before reducing modulo
// adlerMod. With 64-bit sums started below adlerMod, after n bytes
// s1 < 2^16 + 255n and s2 < 2^16 + n(2^16 + 255n): for n = 2^20 that is
// below 2^49, far from overflow.
const adlerChunk = 1 << 20

// adlerSum returns the Adler-32 checksum of p (RFC 1950), the value
// hash/adler32.Checksum returns, in a quarter fewer instructions: it takes
// 8 bytes at a time and forms their sum and their weighted sum (weights 8
// down to 1, what they add to s2) with three multiplications over 16-bit
// lanes.
func adlerSum(p []byte) uint32 {
	s1, s2 := uint64(1), uint64(0)
	for len(p) > 0 {
		chunk := p[:min(len(p), adlerChunk)]
		p = p[len(chunk):]
		for len(chunk) >= 8 {
			v := binary.LittleEndian.Uint64(chunk[:8])
			even, odd := v&lanes, v>>8&lanes // bytes 0, 2, 4, 6 and 1, 3, 5, 7 in 16-bit lanes 0-3
			// The top lane of a product x*c is x0*c3 + x1*c2 + x2*c1 + x3*c0;
			// no lane exceeds 255*20, so no carry crosses lanes. Byte k of
			// the 8 adds (8-k) times to s2.
			s2 += 8*s1 + even*evenWeights>>48 + odd*oddWeights>>48
			s1 += (even + odd) * ones >> 48
			chunk = chunk[8:]
		}
		for _, c := range chunk {
			s1 += uint64(c)
			s2 += s1
		}
		s1 %= adlerMod
		s2 %= adlerMod
	}
	return uint32(s2<<16 | s1)
}
