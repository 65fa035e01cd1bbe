package signing

import (
	"bytes"
	"hash/adler32"
	"math/rand/v2"
	"testing"
)

// TestAdler32 compares adlerSum with hash/adler32 on every length up to
// 3,000 bytes (random and all-0xff, the largest sums), on lengths around
// adlerChunk, and on 5 MiB of 0xff.
func TestAdler32(t *testing.T) {
	r := rand.New(rand.NewPCG(5, 6))
	random := make([]byte, 3001)
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	ff := bytes.Repeat([]byte{0xff}, 5<<20+3)
	check := func(name string, p []byte) {
		if got, want := adlerSum(p), adler32.Checksum(p); got != want {
			t.Fatalf("%s, %d bytes: %08x, want %08x", name, len(p), got, want)
		}
	}
	for n := 0; n <= 3000; n++ {
		check("random", random[:n])
		check("0xff", ff[:n])
		check("random, offset", random[1:1+n])
	}
	for _, n := range []int{adlerChunk - 1, adlerChunk, adlerChunk + 1, 2*adlerChunk + 7, len(ff)} {
		check("0xff", ff[:n])
	}
	big := make([]byte, 3*adlerChunk+5)
	for i := range big {
		big[i] = byte(r.Uint32())
	}
	check("random", big)
}
