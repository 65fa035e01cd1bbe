package signing

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// hexSession is a JSON payload of about n bytes: keys from a small set (they
// compress) with random hex values (they do not, much).
func hexSession(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 7))
	var b strings.Builder
	b.WriteString(`{`)
	for i := 0; b.Len() < n-40; i++ {
		fmt.Fprintf(&b, `"key_%d":"%016x",`, i%7, r.Uint64())
	}
	b.WriteString(`"end":1}`)
	return []byte(b.String())
}

// TestCompressorMarginAsDocumented checks the margin the Compressor
// documentation states, 24 bytes plus 1/64 of the payload, with the number
// written out here rather than taken from fastMargin: on payloads of 400 to
// 2,000 bytes (margins of 30 to 55 bytes; the size-limit check starts
// above), the Compressor's stream is used
// exactly when its zlib stream plus that margin is shorter than
// len(payload)-1, padding walking the stream across the boundary in 5-byte
// steps.
func TestCompressorMarginAsDocumented(t *testing.T) {
	checked := 0
	for i, n := range []int{400, 700, 1000, 1500, 2000} {
		p := hexSession(uint64(i), n)
		margin := 24 + len(p)/64
		zlen0 := len(fastZlib(&stdCompressor{level: 9}, p)) + 4
		if zlen0+margin >= len(p)-1 {
			t.Fatalf("payload of %d bytes does not compress by the margin even unpadded", len(p))
		}
		pad0 := max(0, (len(p)-1-margin-zlen0)/5-2)
		sawUsed, sawNot := false, false
		for pad := pad0; pad < pad0+6; pad++ {
			c := &stdCompressor{level: 9, pad: pad}
			s := signerWith(t, c, -1)
			zlen := len(fastZlib(c, p)) + 4
			cookie := s.AppendSign(nil, p, 1700000000)
			used := cookie[0] == '.' && bytes.HasPrefix(refZlib(t, cookie), fastZlib(c, p))
			want := zlen+margin < len(p)-1
			if used != want {
				t.Fatalf("payload of %d bytes, zlib stream %d bytes, margin %d: Compressor's stream used %v, want %v", len(p), zlen, margin, used, want)
			}
			sawUsed = sawUsed || used
			sawNot = sawNot || !used
			checked++
		}
		if !sawUsed || !sawNot {
			t.Fatalf("payload of %d bytes: the padding did not cross the margin (used %v, not used %v)", len(p), sawUsed, sawNot)
		}
	}
	t.Logf("%d decisions checked", checked)
}
