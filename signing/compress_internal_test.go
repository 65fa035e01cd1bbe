package signing

import (
	"bytes"
	"compress/flate"
	"compress/zlib"
	"fmt"
	"io"
	"math"
	"math/bits"
	"math/rand/v2"
	"strings"
	"testing"
)

// sessionLike returns n pseudo-random JSON session payloads of many shapes and
// sizes, plus short strings over small alphabets.
func sessionLike(seed uint64, n int) [][]byte {
	r := rand.New(rand.NewPCG(seed, 1))
	words := strings.Fields("user name role admin alice bob id user_id csrf_token _fresh _id _permanent _flashes cart items theme dark lang en next url page count visits token email ts")
	pick := func() string { return words[r.IntN(len(words))] }
	str := func() string {
		switch r.IntN(8) {
		case 0:
			return pick()
		case 1:
			return fmt.Sprintf("%032x", r.Uint64())
		case 2:
			b := make([]byte, 4+r.IntN(40))
			for i := range b {
				b[i] = byte(r.Uint32())
			}
			return encode64(b)
		case 3:
			b := make([]byte, 1+r.IntN(40))
			for i := range b {
				b[i] = "abcdefghijklmnopqrstuvwxyz "[r.IntN(27)]
			}
			return string(b)
		case 4:
			var sb strings.Builder
			for range 1 + r.IntN(8) {
				fmt.Fprintf(&sb, `\u%04x`, 0xa0+r.IntN(0x3000))
			}
			return sb.String()
		case 5:
			return pick() + "@example.com"
		default:
			return fmt.Sprintf("%s%d", pick(), r.IntN(100000))
		}
	}
	var value func(depth int) string
	value = func(depth int) string {
		switch k := r.IntN(10); {
		case k < 4:
			return `"` + str() + `"`
		case k < 6:
			return fmt.Sprint(r.Int64N(1e12) - 5e11)
		case k < 7:
			return []string{"true", "false", "null"}[r.IntN(3)]
		case k < 8:
			return fmt.Sprint(r.Float64() * 1000)
		case k < 9 && depth < 3:
			var parts []string
			for range r.IntN(5) {
				parts = append(parts, value(depth+1))
			}
			return "[" + strings.Join(parts, ",") + "]"
		case depth < 3:
			var parts []string
			for range r.IntN(5) {
				parts = append(parts, `"`+pick()+`":`+value(depth+1))
			}
			return "{" + strings.Join(parts, ",") + "}"
		}
		return `"` + str() + `"`
	}
	var out [][]byte
	for range n {
		var parts []string
		for range []int{1, 1, 2, 3, 3, 4, 6, 10, 20}[r.IntN(9)] {
			parts = append(parts, `"`+pick()+`":`+value(0))
		}
		out = append(out, []byte("{"+strings.Join(parts, ",")+"}"))
	}
	for range n / 4 {
		alpha := []string{"ab", "abc", `{}":,`, "0123456789abcdef", "qwertyuiopasdfghjklzxcvbnm"}[r.IntN(5)]
		b := make([]byte, 2+r.IntN(300))
		for i := range b {
			b[i] = alpha[r.IntN(len(alpha))]
		}
		out = append(out, b)
	}
	return out
}

func encode64(b []byte) string {
	return string(strictB64.AppendEncode(nil, b))
}

var testFlate struct {
	buf bytes.Buffer
	w   *flate.Writer
}

// rawDeflate is compress/flate's level-6 output for p, untouched (valid
// until the next call).
func rawDeflate(t testing.TB, p []byte) []byte {
	if testFlate.w == nil {
		testFlate.w, _ = flate.NewWriter(nil, 6)
	}
	testFlate.buf.Reset()
	testFlate.w.Reset(&testFlate.buf)
	testFlate.w.Write(p)
	testFlate.w.Close()
	return testFlate.buf.Bytes()
}

const threeKeys = `{"name":"alice","role":"admin","user_id":42}`

// TestPrecheckSound: whenever the pre-check skips the compressor, the
// compressor would not have met Flask's rule; and the lower bound never
// exceeds the real block size.
func TestPrecheckSound(t *testing.T) {
	payloads := sessionLike(1, 8000)
	for n := 0; n <= precheckMax+1; n++ {
		payloads = append(payloads, bytes.Repeat([]byte("a"), n), []byte(strings.Repeat(`{"k":1}`, n/7+1))[:n])
	}
	c := compressors.Get().(*compressor)
	defer compressors.Put(c)
	skipped := 0
	for _, p := range payloads {
		if len(p) >= 13 && len(p) <= precheckMax {
			// The data block is B bits and the raw stream ceil((B+3)/8)+4 bytes.
			maxB := 8*(len(rawDeflate(t, p))-4) - 3
			if lb := deflateLowerBound(p, math.Inf(-1)); lb > float64(maxB) {
				t.Fatalf("bound %.1f bits > block of at most %d bits for %q", lb, maxB, p)
			}
		}
		if mayCompress(p) {
			continue
		}
		skipped++
		if _, ok := c.zlib(p); ok {
			t.Fatalf("pre-check skipped a payload the compressor shrinks: %q", p)
		}
	}
	t.Logf("skipped the compressor for %d of %d payloads", skipped, len(payloads))
	for _, p := range []string{threeKeys, `{"user":"alice"}`, `{"_permanent":true,"user_id":1234}`, `{}`, ``} {
		if mayCompress([]byte(p)) {
			t.Errorf("pre-check does not skip %s", p)
		}
	}
}

// TestCompressionDecision: big and repetitive payloads compress; what does
// not pay stays plain.
func TestCompressionDecision(t *testing.T) {
	r := rand.New(rand.NewPCG(2, 2))
	random := make([]byte, 3000)
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	for _, tc := range []struct {
		payload  string
		compress bool
	}{
		{threeKeys, false},
		{`{"msg":"` + strings.Repeat("hello world ", 10) + `"}`, true},
		{strings.Repeat(`{"item":"x"},`, 200), true},
		{strings.Repeat("a", 1<<20), true},
		{encode64(random), true}, // 6 bits of entropy per byte: Huffman coding pays
		{string(random), false},
	} {
		got := appendPayload(nil, []byte(tc.payload))
		if (got[0] == '.') != tc.compress {
			t.Errorf("%.30q (%d bytes): compressed = %v, want %v", tc.payload, len(tc.payload), got[0] == '.', tc.compress)
		}
	}
}

// TestTrimFinalBlock: the trimmed stream inflates to the input with Go's
// own zlib reader and ours, and is 4 or 5 bytes shorter than what
// compress/flate wrote. Every bit alignment of the removed block occurs.
func TestTrimFinalBlock(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 3))
	var inputs [][]byte
	inputs = append(inputs, sessionLike(4, 2000)...)
	for _, n := range []int{1, 2, 3, 100, 1000, 5000, maxSingleBlock - 1, maxSingleBlock, maxSingleBlock + 1, 40000, 100000} {
		for _, alpha := range []string{"a", "ab", "abcdefghijklmnop", ""} {
			b := make([]byte, n)
			for i := range b {
				if alpha == "" {
					b[i] = byte(r.Uint32())
				} else {
					b[i] = alpha[r.IntN(len(alpha))]
				}
			}
			inputs = append(inputs, b)
		}
	}
	c := compressors.Get().(*compressor)
	defer compressors.Put(c)
	f := inflaters.Get().(*inflater)
	defer inflaters.Put(f)
	shapes := map[string]int{}
	for _, p := range inputs {
		raw := rawDeflate(t, p)
		d := trimFinalBlock(bytes.Clone(raw), len(p))
		if len(p) <= maxSingleBlock {
			switch last := raw[len(raw)-5]; {
			case last == 0:
				shapes["spill"]++
			case last == 1:
				shapes["aligned"]++
			default:
				shapes["shared"]++
			}
			if cut := len(raw) - len(d); cut != 4 && cut != 5 {
				t.Fatalf("%d-byte input: trimmed %d bytes", len(p), cut)
			}
			// No bit of the removed stored block's header is left: the
			// bits after the data block in its last byte are zero. The
			// header starts at bit r, the highest bit set in the byte
			// before the spill, or in raw[len(raw)-5] otherwise.
			if last := raw[len(raw)-5]; last != 1 {
				k := last
				if last == 0 {
					k = raw[len(raw)-6]
				}
				if r := bits.Len8(k) - 1; d[len(d)-1]>>r != 0 {
					t.Fatalf("%d-byte input: last byte %08b keeps bits of the stored header (from bit %d)", len(p), d[len(d)-1], r)
				}
			}
		}
		if got, err := io.ReadAll(flate.NewReader(bytes.NewReader(d))); err != nil || !bytes.Equal(got, p) {
			t.Fatalf("%d-byte input: trimmed stream inflates to %d bytes, %v", len(p), len(got), err)
		}
		z, ok := c.zlib(p)
		if !ok {
			continue
		}
		zr, err := zlib.NewReader(bytes.NewReader(z))
		if err != nil {
			t.Fatal(err)
		}
		if got, err := io.ReadAll(zr); err != nil || !bytes.Equal(got, p) {
			t.Fatalf("%d-byte input: zlib stream reads back %d bytes, %v", len(p), len(got), err)
		}
		if got, err := appendInflate(nil, bytes.Clone(z), len(p), f); err != nil || !bytes.Equal(got, p) {
			t.Fatalf("%d-byte input: appendInflate: %d bytes, %v", len(p), len(got), err)
		}
	}
	if shapes["spill"] == 0 || shapes["aligned"] == 0 || shapes["shared"] == 0 {
		t.Fatalf("not every alignment was exercised: %v", shapes)
	}
	// Shapes trimFinalBlock must leave alone.
	// {0x02, 0x40, ...}: a byte before the stored block's LEN with only bit
	// 6 set cannot end a stored block header (its type bits would spill).
	for _, d := range [][]byte{nil, {1, 0, 0, 0xff, 0xff}, {0x4b, 0x04, 0x00}, {0x4a, 0x04, 0x00, 0x00, 0x00, 0xff, 0xfe}, {0x02, 0x40, 0x00, 0x00, 0xff, 0xff}, {0x02, 0x80, 0x00, 0x00, 0xff, 0xff}} {
		if got := trimFinalBlock(bytes.Clone(d), 10); !bytes.Equal(got, d) {
			t.Errorf("trimFinalBlock(%x) = %x", d, got)
		}
	}
}

// TestInflaterReuse: a compressed decode reuses the pooled reader's window.
func TestInflaterReuse(t *testing.T) {
	payload := []byte(`{"msg":"` + strings.Repeat("hello world ", 100) + `"}`)
	z, ok := compressors.Get().(*compressor).zlib(payload)
	if !ok {
		t.Fatal("not compressed")
	}
	z = bytes.Clone(z)
	f := inflaters.Get().(*inflater)
	dst := make([]byte, 0, 4096)
	allocs := testing.AllocsPerRun(100, func() {
		var err error
		if dst, err = appendInflate(dst[:0], z, 1<<20, f); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("inflate allocates %v times per call", allocs)
	}
}

func BenchmarkPrecheck(b *testing.B) {
	for _, p := range []string{threeKeys, `{"_fresh":true,"_id":"0123456789abcdef0123456789abcdef","_user_id":"1","csrf_token":"x"}`} {
		b.Run(fmt.Sprint(len(p)), func(b *testing.B) {
			for b.Loop() {
				mayCompress([]byte(p))
			}
		})
	}
}

// TestTrimFinalBlockShortest: the shortest stream of the expected shape (6
// bytes: an empty non-final fixed block, then the empty final stored block)
// is trimmed to its 2-byte final fixed block; 5 bytes (the stored block
// alone) are left as they are.
func TestTrimFinalBlockShortest(t *testing.T) {
	d := []byte{0x02, 0x04, 0x00, 0x00, 0xff, 0xff}
	if got, err := io.ReadAll(flate.NewReader(bytes.NewReader(d))); err != nil || len(got) != 0 {
		t.Fatalf("the 6-byte stream does not inflate to nothing: %q, %v", got, err)
	}
	got := trimFinalBlock(bytes.Clone(d), 0)
	if !bytes.Equal(got, []byte{0x03, 0x00}) {
		t.Fatalf("trimFinalBlock(%x) = %x, want 0300", d, got)
	}
	if out, err := io.ReadAll(flate.NewReader(bytes.NewReader(got))); err != nil || len(out) != 0 {
		t.Fatalf("the trimmed stream does not inflate to nothing: %q, %v", out, err)
	}
}
