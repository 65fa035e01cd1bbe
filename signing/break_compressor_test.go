package signing_test

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"hash/adler32"
	"math/rand/v2"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session/internal/flasktest"
	"github.com/sessionkit/session/signing"
)

// splitCompressor is a valid Compressor: its stream inflates to exactly p.
// It ends a DEFLATE block half way (a sync flush), so each half gets its own
// Huffman table — something zlib's level 6 never does on a short input.
type splitCompressor struct{}

func (splitCompressor) AppendDeflate(dst, p []byte) []byte {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, flate.BestCompression)
	w.Write(p[:len(p)/2])
	w.Flush()
	w.Write(p[len(p)/2:])
	w.Close()
	return append(dst, b.Bytes()...)
}

// pythonZlibLen returns len(zlib.compress(p)) as Python computes it (what
// Flask's decision uses).
func pythonZlibLen(t *testing.T, p []byte) int {
	t.Helper()
	py := flasktest.Python(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "-c", "import sys,zlib; print(len(zlib.compress(sys.stdin.buffer.read())))")
	cmd.Stdin = bytes.NewReader(p)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	n, err := strconv.Atoi(strings.TrimSpace(string(out)))
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBreakCompressorBlockSplit: Sign's margin assumes a Compressor's
// streams are at most fastMargin bytes shorter than zlib's level 6 (true of
// the deflate module at every level: TestBreakFlaskDecisionAllLevels). A
// valid Compressor that splits blocks beats zlib's single block by far more
// on a payload whose two halves use disjoint byte sets, so Sign compresses
// a payload Flask leaves uncompressed: the signing.Compressor doc says so.
// What must hold even then: the cookie reads back as the payload, in Verify
// and in itsdangerous.
func TestBreakCompressorBlockSplit(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	p := make([]byte, 2000)
	for i := range p {
		p[i] = byte(rng.IntN(128))
		if i >= len(p)/2 {
			p[i] |= 0x80
		}
	}
	if z := pythonZlibLen(t, p); z < len(p)-1 {
		t.Fatalf("test payload: Python compresses it (%d < %d)", z, len(p)-1)
	}
	plain := newSigner(t, 1700000000, signing.Options{})
	split := newSigner(t, 1700000000, signing.Options{Compressor: splitCompressor{}})
	want, got := plain.Sign(p), split.Sign(p)
	if strings.HasPrefix(want, ".") {
		t.Fatalf("built-in writer compresses a payload Python does not")
	}
	if v, _, err := split.Verify(got, 0); err != nil || !bytes.Equal(v, p) {
		t.Errorf("Verify of the block-split cookie: %v", err)
	}
	if py := pythonLoads(t, []string{got}); len(py) != 1 || py[0] != hex.EncodeToString(p) {
		t.Errorf("itsdangerous does not read the block-split cookie back")
	}
}

// funcCompressor adapts a function to signing.Compressor.
type funcCompressor func(dst, p []byte) []byte

func (f funcCompressor) AppendDeflate(dst, p []byte) []byte { return f(dst, p) }

func flateOf(p []byte, level int) []byte {
	var b bytes.Buffer
	w, _ := flate.NewWriter(&b, level)
	w.Write(p)
	w.Close()
	return b.Bytes()
}

// pythonLoads returns, for each cookie, the payload itsdangerous reads
// with Flask's settings (hex), or "error".
func pythonLoads(t *testing.T, cookies []string) []string {
	t.Helper()
	got := flasktest.ItsdangerousLoads(t, testSecret, cookies)
	for i, g := range got {
		if strings.HasPrefix(g, "error") {
			got[i] = "error"
		}
	}
	return got
}

// TestBreakCompressorAdversarial: Compressors that break their contract
// (garbage, truncated, trailing bytes, a non-final last block, a stream of
// another payload, huge output) never make a cookie that Verify or
// itsdangerous reads as another payload; Verify and itsdangerous agree on
// whether it is readable, except where noted.
func TestBreakCompressorAdversarial(t *testing.T) {
	p := []byte(`{"_user_id":"1000","csrf":"` + strings.Repeat("0123456789abcdef", 30) + `"}`)
	other := bytes.Replace(p, []byte("1000"), []byte("0001"), 1) // same length, another Adler-32
	cases := []struct {
		name string
		c    funcCompressor
	}{
		{"garbage", func(dst, p []byte) []byte { return append(dst, bytes.Repeat([]byte{0xa5}, 40)...) }},
		{"truncated", func(dst, p []byte) []byte { d := flateOf(p, 6); return append(dst, d[:len(d)/2]...) }},
		{"trailing zero bytes", func(dst, p []byte) []byte { return append(append(dst, flateOf(p, 6)...), 0, 0, 0) }},
		{"own checksum then junk", func(dst, p []byte) []byte {
			d := append(dst, flateOf(p, 6)...)
			d = binary.BigEndian.AppendUint32(d, adler32.Checksum(p))
			return append(d, 1, 2, 3)
		}},
		{"sync flush, no final block", func(dst, p []byte) []byte {
			var b bytes.Buffer
			w, _ := flate.NewWriter(&b, 6)
			w.Write(p)
			w.Flush()
			return append(dst, b.Bytes()...)
		}},
		{"another payload", func(dst, p []byte) []byte { return append(dst, flateOf(other, 6)...) }},
		{"shorter than the header", func(dst, p []byte) []byte { return dst[:1] }},
		{"nothing at all", func(dst, p []byte) []byte { return dst[:0] }},
		{"huge", func(dst, p []byte) []byte { return append(dst, make([]byte, 2<<20)...) }},
	}
	var cookies []string
	var verified [][]byte
	for _, tc := range cases {
		s := newSigner(t, 1700000000, signing.Options{Compressor: tc.c, MaxLength: -1})
		c := s.Sign(p)
		got, _, err := s.Verify(c, 0)
		if err == nil && !bytes.Equal(got, p) {
			t.Errorf("%s: cookie verifies to another payload %q", tc.name, got)
		}
		if err != nil && !errors.Is(err, signing.ErrBadPayload) {
			t.Errorf("%s: Verify: %v, want ErrBadPayload", tc.name, err)
		}
		if err != nil {
			got = nil
		}
		cookies = append(cookies, c)
		verified = append(verified, got)
	}
	py := pythonLoads(t, cookies)
	if len(py) != len(cookies) {
		t.Fatalf("python answered %d of %d", len(py), len(cookies))
	}
	for i, tc := range cases {
		if py[i] != "error" && py[i] != hex.EncodeToString(p) {
			t.Errorf("%s: itsdangerous reads another payload", tc.name)
		}
		goOK, pyOK := verified[i] != nil, py[i] != "error"
		if tc.name == "own checksum then junk" && !goOK && pyOK {
			// Python's zlib ignores bytes after the stream's checksum;
			// Verify refuses them (fails closed). A Compressor must write
			// nothing after its final block (signing.Compressor's doc).
			continue
		}
		if goOK != pyOK {
			t.Errorf("%s: Verify reads it: %v, itsdangerous: %v (a cookie we send that only one side reads)", tc.name, goOK, pyOK)
		}
	}
}

// TestBreakCompressorConcurrentMixed: Signers with and without a
// Compressor, sharing the package's pools, sign and verify payloads of
// mixed sizes (some over the 1 MiB pool cap, some declined) from several
// goroutines; every cookie verifies to its own payload.
func TestBreakCompressorConcurrentMixed(t *testing.T) {
	decline := funcCompressor(func(dst, p []byte) []byte {
		if len(p)%3 == 0 {
			return dst
		}
		return append(dst, flateOf(p, 1)...)
	})
	signers := []*signing.Signer{
		newSigner(t, 1700000000, signing.Options{MaxLength: -1, MaxInflate: 4 << 20}),
		newSigner(t, 1700000000, signing.Options{MaxLength: -1, MaxInflate: 4 << 20, Compressor: decline}),
		newSigner(t, 1700000000, signing.Options{MaxLength: -1, MaxInflate: 4 << 20, Compressor: splitCompressor{}}),
	}
	done := make(chan struct{})
	for g := range 4 {
		go func() {
			defer func() { done <- struct{}{} }()
			r := rand.New(rand.NewPCG(uint64(g), 9))
			for i := range 80 {
				n := r.IntN(5000)
				s := signers[r.IntN(len(signers))]
				if i == 7 { // once per goroutine: over zbufs' 1 MiB cap
					n, s = 1<<20+r.IntN(1000), signers[1]
				}
				p := []byte(breakJSON(r, n))
				got, _, err := s.Verify(s.Sign(p), 0)
				if err != nil || !bytes.Equal(got, p) {
					t.Errorf("goroutine %d: payload of %d bytes: %v", g, len(p), err)
					return
				}
			}
		}()
	}
	for range 4 {
		select {
		case <-done:
		case <-time.After(5 * time.Minute):
			t.Fatal("signers did not finish within 5 minutes")
		}
	}
}

// breakJSON is a JSON-looking payload of n bytes mixing words and random
// characters.
func breakJSON(r *rand.Rand, n int) string {
	var b strings.Builder
	b.WriteString(`{"k":"`)
	for b.Len() < n {
		if r.IntN(2) == 0 {
			b.WriteString("session cookie ")
		} else {
			b.WriteByte(byte('a' + r.IntN(26)))
		}
	}
	b.WriteString(`"}`)
	return b.String()
}
