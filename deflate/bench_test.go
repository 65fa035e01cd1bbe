package deflate_test

import (
	"fmt"
	"testing"

	"github.com/sessionkit/session/deflate"
	"github.com/sessionkit/session/signing"
)

// BenchmarkSign signs the bench module's 2 KB session, and a corpus of 2,000
// small token-heavy payloads near Flask's compression boundary (per
// payload), with the built-in writer ("builtin") and at levels 1, 2 and 4.
func BenchmarkSign(b *testing.B) {
	corpus := nearBoundary(23, 2000)
	for _, level := range []int{0, 1, 2, 4} {
		var c signing.Compressor
		name := "builtin"
		if level > 0 {
			c = newCompressor(b, level)
			name = fmt.Sprintf("level%d", level)
		}
		s := fixedSigner(b, c)
		b.Run("2KB/"+name, func(b *testing.B) {
			p := benchSession()
			var buf []byte
			for b.Loop() {
				buf = s.AppendSign(buf[:0], p, t0)
			}
		})
		b.Run("corpus/"+name, func(b *testing.B) {
			var buf []byte
			i := 0
			for b.Loop() {
				buf = s.AppendSign(buf[:0], corpus[i%len(corpus)], t0)
				i++
			}
		})
	}
	_ = deflate.DefaultLevel
}
