package signing

import (
	"bytes"
	"encoding/base64"
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

// TestCompressorAppendsAfterDst: with a Compressor, AppendSign onto a
// non-empty dst appends exactly the cookie it makes onto an empty one (the
// length checks count the cookie's bytes, not dst's), for payloads that are
// used, decided by the built-in writer, and near the size limit.
func TestCompressorAppendsAfterDst(t *testing.T) {
	prefix := bytes.Repeat([]byte("x"), 5000)
	payloads := sessionLike(16, 100)
	for i, n := range []int{300, 1000, 2500, 3500} {
		payloads = append(payloads, hexSession(uint64(100+i), n))
	}
	// Zlib streams of about 2,900 bytes: over the threshold without a cap.
	payloads = append(payloads, acgtText(0, 9000), acgtText(1, 9500))
	builtIn := 0
	for _, c := range []Compressor{&stdCompressor{level: 1}, &stdCompressor{level: 9, pad: 3}} {
		for _, maxLength := range []int{-1, 3000, 1500} {
			s := signerWith(t, c, maxLength)
			for _, p := range payloads {
				want := s.AppendSign(nil, p, 1700000000)
				dst := append([]byte(nil), prefix...)
				got := s.AppendSign(dst, p, 1700000000)
				if !bytes.Equal(got[:len(prefix)], prefix) || !bytes.Equal(got[len(prefix):], want) {
					t.Fatalf("payload of %d bytes, MaxLength %d: AppendSign after %d bytes appended %d bytes, want the %d of an empty dst", len(p), maxLength, len(prefix), len(got)-len(prefix), len(want))
				}
				if want[0] == '.' && !bytes.HasPrefix(refZlib(t, want), fastZlib(c, p)) {
					builtIn++ // compressed with the built-in writer's stream instead
				}
			}
		}
	}
	if builtIn == 0 {
		t.Fatal("no cookie holds the built-in writer's stream: the test shows nothing of the size-limit path")
	}
}

// TestCompressorNoWinAtThreshold: a payload the Compressor does not
// compress goes uncompressed, without the built-in writer, while its
// payload part (counted with one byte to spare) is not longer than the
// threshold (4096 less 552 bytes: 3,544); one byte longer, the built-in
// writer decides, and compresses it.
func TestCompressorNoWinAtThreshold(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 3))
	c := &stdCompressor{level: 9, pad: 700} // 3,500 bytes of padding: no win
	s := signerWith(t, c, -1)
	if s.refAbove != 4096-552 {
		t.Fatalf("threshold %d, want %d", s.refAbove, 4096-552)
	}
	for _, tc := range []struct {
		n          int // payload length
		compressed bool
	}{
		{2656, false}, // 3,542 base64 characters
		{2657, false}, // 3,543: with the spare byte, exactly the threshold
		{2658, true},  // 3,544: one over
	} {
		var b strings.Builder
		b.WriteString(`{"text":"`)
		for b.Len() < tc.n-2 {
			b.WriteByte("acgt"[r.IntN(4)])
		}
		b.WriteString(`"}`)
		p := []byte(b.String())
		if len(p) != tc.n {
			t.Fatalf("payload of %d bytes, want %d", len(p), tc.n)
		}
		got := s.AppendSign(nil, p, 1700000000)
		plain := bytes.HasPrefix(got, []byte(base64.RawURLEncoding.EncodeToString(p)+"."))
		if tc.compressed {
			ref := signerWith(t, nil, -1).AppendSign(nil, p, 1700000000)
			if ref[0] != '.' || !bytes.Equal(got, ref) {
				t.Errorf("payload of %d bytes: %.20s..., want the built-in writer's compressed cookie %.20s...", tc.n, got, ref)
			}
		} else if !plain {
			t.Errorf("payload of %d bytes: %.20s..., want it uncompressed", tc.n, got)
		}
	}
}

// acgtText is a JSON payload of n bytes: one string of random a, c, g and t.
func acgtText(seed uint64, n int) []byte {
	r := rand.New(rand.NewPCG(seed, 3))
	var b strings.Builder
	b.WriteString(`{"text":"`)
	for b.Len() < n-2 {
		b.WriteByte("acgt"[r.IntN(4)])
	}
	b.WriteString(`"}`)
	return []byte(b.String())
}

// TestCompressorTieNearLimit: near the size limit, where the built-in
// writer runs too, a Compressor stream exactly as long as the built-in's
// (but not the same bytes) is kept: the built-in's replaces it only when
// shorter. The payload and level were found by search (compress/flate level
// 5 against the built-in level 6 on 9,000 bytes of a, c, g, t); the test
// checks the tie first.
func TestCompressorTieNearLimit(t *testing.T) {
	p := acgtText(0, 9000)
	c := &stdCompressor{level: 5}
	ref := signerWith(t, nil, -1).AppendSign(nil, p, 1700000000)
	if ref[0] != '.' {
		t.Fatal("the built-in writer does not compress the payload")
	}
	fz, rz := fastZlib(c, p), refZlib(t, ref)
	if len(fz)+4 != len(rz) || bytes.Equal(fz, rz[:len(rz)-4]) {
		t.Skipf("no tie on this payload with this Go's compress/flate (Compressor %d bytes, built-in %d): the test shows nothing", len(fz)+4, len(rz))
	}
	s := signerWith(t, c, -1)
	got := s.AppendSign(nil, p, 1700000000)
	if len(got) != len(ref) {
		t.Fatalf("cookie of %d bytes, the built-in's is %d", len(got), len(ref))
	}
	if gz := refZlib(t, got); !bytes.Equal(gz[:len(gz)-4], fz) {
		t.Fatal("on a tie the built-in writer's stream replaced the Compressor's")
	}
	if v, _, err := s.AppendVerify(nil, string(got), 0); err != nil || !bytes.Equal(v, p) {
		t.Fatalf("verify: %v", err)
	}
}
