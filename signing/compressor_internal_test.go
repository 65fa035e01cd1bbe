package signing

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"
)

// stdCompressor is a test Compressor: compress/flate at level, with pad
// empty non-final stored blocks (5 bytes each) in front, so that a test can
// make its stream longer by known amounts. It counts its calls.
type stdCompressor struct {
	level int
	pad   int
	mu    sync.Mutex
	calls int
}

func (c *stdCompressor) AppendDeflate(dst, p []byte) []byte {
	c.mu.Lock()
	c.calls++
	c.mu.Unlock()
	for range c.pad {
		dst = append(dst, 0x00, 0x00, 0x00, 0xff, 0xff)
	}
	var b bytes.Buffer
	w, err := flate.NewWriter(&b, c.level)
	if err != nil {
		panic(err)
	}
	w.Write(p)
	w.Close()
	return append(dst, b.Bytes()...)
}

// declining is a Compressor that declines every payload.
type declining struct{ calls int }

func (d *declining) AppendDeflate(dst, p []byte) []byte { d.calls++; return dst }

func signerWith(t *testing.T, c Compressor, maxLength int) *Signer {
	t.Helper()
	s, err := New([]byte("dev-secret-key-1"), nil, Options{Compressor: c, MaxLength: maxLength, Now: func() time.Time { return time.Unix(1700000000, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// fastZlib is the zlib stream Sign builds around c's output for p.
func fastZlib(c Compressor, p []byte) []byte {
	return c.AppendDeflate(append([]byte(nil), zlibHeader[:]...), p)
}

// TestCompressorRoundTrip: cookies signed with a Compressor verify to the
// payload, on session-shaped payloads of every size class, and the
// Compressor is used for the clearly compressible ones.
func TestCompressorRoundTrip(t *testing.T) {
	c := &stdCompressor{level: 1}
	s := signerWith(t, c, -1)
	payloads := sessionLike(11, 300)
	payloads = append(payloads, []byte{}, []byte(`{}`), bytes.Repeat([]byte(`{"k":"v"},`), 5000))
	used := 0
	for _, p := range payloads {
		cookie := s.AppendSign(nil, p, 1700000000)
		got, _, err := s.AppendVerify(nil, string(cookie), 0)
		if err != nil || !bytes.Equal(got, p) {
			t.Fatalf("payload %.80q: verify gave %.80q, %v", p, got, err)
		}
		if cookie[0] == '.' {
			z, _ := base64.RawURLEncoding.DecodeString(string(cookie[1 : bytes.IndexByte(cookie[1:], '.')+1]))
			if bytes.Equal(z[:len(z)-4], fastZlib(c, p)) {
				used++
			}
		}
	}
	if used < len(payloads)/4 {
		t.Fatalf("the Compressor's stream was used for %d of %d payloads", used, len(payloads))
	}
}

// TestCompressorDeclined: a Compressor that appends nothing gives exactly
// the cookies of a Signer without one.
func TestCompressorDeclined(t *testing.T) {
	d := &declining{}
	with, without := signerWith(t, d, 0), signerWith(t, nil, 0)
	for _, p := range sessionLike(12, 300) {
		a, b := with.AppendSign(nil, p, 1700000000), without.AppendSign(nil, p, 1700000000)
		if !bytes.Equal(a, b) {
			t.Fatalf("payload %q: declined %s, default %s", p, a, b)
		}
	}
	if d.calls == 0 {
		t.Fatal("the Compressor was never asked")
	}
}

// TestCompressorMargin pins the decision: the Compressor's stream is used
// exactly when its zlib stream (header, stream, checksum) plus
// fastMargin(len(p)) is shorter than len(p)-1; when the zlib stream alone
// is shorter than len(p)-1 (within the margin) the cookie is the one a
// Signer without a Compressor makes; when it is not, the payload goes
// uncompressed. Padding walks the stream's length across both boundaries
// in 5-byte steps for many payloads.
func TestCompressorMargin(t *testing.T) {
	without := signerWith(t, nil, -1)
	usedToRef, refToPlain := 0, 0
	for _, p := range sessionLike(13, 200) {
		if !mayCompress(p) {
			continue
		}
		// Start a few steps before the first boundary.
		zlen0 := len(fastZlib(&stdCompressor{level: 9}, p)) + 4
		pad0 := max(0, (len(p)-1-fastMargin(len(p))-zlen0)/5-3)
		prev := "used"
		plain := base64.RawURLEncoding.EncodeToString(p) + "."
		for pad := pad0; pad < pad0+40; pad++ {
			c := &stdCompressor{level: 9, pad: pad}
			s := signerWith(t, c, -1)
			zlen := len(fastZlib(c, p)) + 4
			want := "used"
			switch {
			case zlen >= len(p)-1:
				want = "plain"
			case zlen+fastMargin(len(p)) >= len(p)-1:
				want = "ref"
			}
			got := s.AppendSign(nil, p, 1700000000)
			ref := without.AppendSign(nil, p, 1700000000)
			var outcome string
			switch {
			case bytes.Equal(got, ref):
				outcome = "ref"
			case bytes.HasPrefix(got, []byte(plain)):
				outcome = "plain"
			case bytes.HasPrefix(got, []byte(".")):
				outcome = "used"
			}
			if want == "plain" && bytes.Equal(got, ref) && bytes.HasPrefix(ref, []byte(plain)) {
				outcome = "plain" // the built-in writer does not compress it either
			}
			if outcome != want {
				t.Fatalf("payload of %d bytes, zlib stream %d bytes (margin %d): %s, want %s", len(p), zlen, fastMargin(len(p)), outcome, want)
			}
			if v, _, err := s.AppendVerify(nil, string(got), 0); err != nil || !bytes.Equal(v, p) {
				t.Fatalf("payload of %d bytes, pad %d: verify: %v", len(p), pad, err)
			}
			if prev == "used" && outcome == "ref" {
				usedToRef++
			}
			if prev == "ref" && outcome == "plain" {
				refToPlain++
			}
			prev = outcome
			if outcome == "plain" {
				break
			}
		}
	}
	if usedToRef < 20 || refToPlain < 20 {
		t.Fatalf("only %d payloads crossed the margin and %d the rule", usedToRef, refToPlain)
	}
}

// TestCompressorNoWinNearLimit: a Compressor whose stream does not compress
// leaves the payload uncompressed, except when the uncompressed payload part
// is long enough for the size limit to matter: then the built-in writer
// decides, so a cookie that fits without the Compressor still fits.
func TestCompressorNoWinNearLimit(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 2))
	var b strings.Builder
	b.WriteString(`{"text":"`)
	for range 2900 {
		b.WriteByte("acgt"[r.IntN(4)])
	}
	b.WriteString(`"}`)
	p := []byte(b.String())
	c := &stdCompressor{level: 9, pad: 700} // 3,500 bytes of padding: no win
	if zlen := len(fastZlib(c, p)) + 4; zlen < len(p)-1 {
		t.Fatalf("padded stream %d bytes wins on %d", zlen, len(p))
	}
	ref := signerWith(t, nil, -1).AppendSign(nil, p, 1700000000)
	if ref[0] != '.' {
		t.Fatal("the built-in writer does not compress the payload")
	}
	for _, limit := range []int{len(ref), len(ref) + 1, 4096} {
		s := signerWith(t, c, limit)
		got := s.AppendSign(nil, p, 1700000000)
		if !bytes.Equal(got, ref) {
			t.Errorf("limit %d (threshold %d): got a %d-byte cookie, want the built-in's %d", limit, s.refAbove, len(got), len(ref))
		}
	}
	// Without a cap below the payload, a short payload that does not win
	// stays uncompressed, with no built-in run deciding otherwise.
	short := p[:600]
	short = append(append([]byte(nil), short...), `"}`...)
	s := signerWith(t, c, -1)
	if got := s.AppendSign(nil, short, 1700000000); !bytes.HasPrefix(got, []byte(base64.RawURLEncoding.EncodeToString(short)+".")) {
		t.Errorf("short payload: %.40s..., want it uncompressed", got)
	}
	if refShort := signerWith(t, nil, -1).AppendSign(nil, short, 1700000000); refShort[0] != '.' {
		t.Errorf("the built-in writer does not compress the short payload: the test shows nothing")
	}
}

// TestCompressorLimit: a cookie that fits MaxLength without a Compressor
// fits with one that writes longer streams, exactly at the limit and one
// byte over (where neither fits, it is no longer than without one), and
// the Compressor's stream is kept where it is the shorter.
func TestCompressorLimit(t *testing.T) {
	// Random letters from a small alphabet: compressible, and level 9
	// finds clearly better matches than level 6.
	r := rand.New(rand.NewPCG(15, 1))
	var b strings.Builder
	b.WriteString(`{"text":"`)
	for range 2400 {
		b.WriteByte("acgt"[r.IntN(4)])
	}
	b.WriteString(`"}`)
	p := []byte(b.String())
	without := signerWith(t, nil, -1)
	ref := without.AppendSign(nil, p, 1700000000)
	if ref[0] != '.' {
		t.Fatal("payload not compressed")
	}
	refP := len(ref) - 35 // the payload part: less ".ZVPxAA." and the signature
	for _, pad := range []int{1, 3, 200} {
		c := &stdCompressor{level: 9, pad: pad}
		fastP := 1 + base64.RawURLEncoding.EncodedLen(len(fastZlib(c, p))+4)
		if fastP <= refP {
			t.Fatalf("pad %d: the Compressor is not the longer (%d <= %d)", pad, fastP, refP)
		}
		for _, limit := range []int{len(ref), len(ref) - 1, len(ref) + 1, fastP + 552, fastP + 551} {
			s := signerWith(t, c, limit)
			got := s.AppendSign(nil, p, 1700000000)
			wantP := fastP
			if fastP > s.refAbove {
				wantP = refP
			}
			if gotP := len(got) - 35; gotP != wantP {
				t.Errorf("limit %d, pad %d: payload part %d bytes, want %d (Compressor %d, built-in %d, threshold %d)", limit, pad, gotP, wantP, fastP, refP, s.refAbove)
			}
			v, _, err := s.AppendVerify(nil, string(got), 0)
			switch {
			case len(ref) <= limit && len(got) > limit:
				t.Errorf("limit %d, pad %d: %d-byte cookie over the limit the default fits", limit, pad, len(got))
			case len(ref) <= limit && (err != nil || !bytes.Equal(v, p)):
				t.Errorf("limit %d, pad %d: %v", limit, pad, err)
			case len(ref) > limit && !errors.Is(err, ErrTooLong):
				t.Errorf("limit %d, pad %d: one over: %v, want ErrTooLong", limit, pad, err)
			}
		}
	}
	// Level 9 near the limit: whichever payload part is shorter is kept,
	// the Compressor's on a tie.
	c := &stdCompressor{level: 9}
	s := signerWith(t, c, len(ref))
	got := s.AppendSign(nil, p, 1700000000)
	fastP := 1 + base64.RawURLEncoding.EncodedLen(len(fastZlib(c, p))+4)
	z := refZlib(t, got)
	kept := bytes.Equal(z[:len(z)-4], fastZlib(c, p))
	if kept != (fastP <= refP) || len(got)-35 != min(fastP, refP) {
		t.Errorf("level 9 near the limit: payload part %d bytes (Compressor's kept: %v), Compressor %d, built-in %d", len(got)-35, kept, fastP, refP)
	}
}

// refZlib decodes the zlib stream of a compressed cookie.
func refZlib(t *testing.T, cookie []byte) []byte {
	t.Helper()
	parts := bytes.Split(cookie[1:], []byte("."))
	z, err := base64.RawURLEncoding.DecodeString(string(parts[0]))
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// TestRefThreshold pins the limit the check above uses.
func TestRefThreshold(t *testing.T) {
	for _, tc := range []struct{ maxLength, want int }{
		{4093, 4093 - 552}, {-1, 4096 - 552}, {1 << 16, 4096 - 552}, {1000, 1000 - 552},
	} {
		if got := refThreshold(tc.maxLength, 27); got != tc.want {
			t.Errorf("refThreshold(%d) = %d, want %d", tc.maxLength, got, tc.want)
		}
	}
}

// TestCompressorConcurrent signs with a shared Compressor from several
// goroutines (run with -race).
func TestCompressorConcurrent(t *testing.T) {
	c := &stdCompressor{level: 1}
	s := signerWith(t, c, -1)
	payloads := sessionLike(14, 64)
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for g := range 4 {
		wg.Go(func() {
			for i, p := range payloads {
				cookie := s.AppendSign(nil, p, 1700000000)
				got, _, err := s.AppendVerify(nil, string(cookie), 0)
				if err != nil || !bytes.Equal(got, p) {
					errs <- fmt.Errorf("goroutine %d payload %d: %v", g, i, err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}
