package deflate_test

import (
	"bytes"
	"compress/flate"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/session/deflate"
	"github.com/sessionkit/session/signing"
)

// Compile-time check: the Compressor is a signing.Compressor.
var _ signing.Compressor = (*deflate.Compressor)(nil)

// t0 is the signing time of the tests' cookies.
const t0 = 1700000000

func newCompressor(t testing.TB, level int) *deflate.Compressor {
	t.Helper()
	c, err := deflate.New(deflate.Options{Level: level})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// benchSession is the bench module's readwrite-2KB session as Flask's
// compact JSON (keys sorted), 1,881 bytes.
func benchSession() []byte {
	const text = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor " +
		"incididunt ut labore et dolore magna aliqua. Ut enim ad minim veniam, quis nostrud " +
		"exercitation ullamco laboris nisi ut aliquip ex ea commodo consequat. Duis aute irure " +
		"dolor in reprehenderit in voluptate velit esse cillum dolore eu fugiat nulla pariatur."
	var b bytes.Buffer
	b.WriteString(`{`)
	for i := range 8 {
		off := i * 16
		fmt.Fprintf(&b, `"count_%d":%d,"note_%d":"%d %s",`, i, 1000+i*7919, i, i, text[off:off+200])
	}
	b.WriteString(`"name":"alice","role":"user","user_id":42}`)
	return b.Bytes()
}

// inflateAll inflates the raw stream d with compress/flate and fails the
// test unless it is exactly one stream with nothing after it.
func inflateAll(t *testing.T, d []byte) []byte {
	t.Helper()
	br := bytes.NewReader(d) // an io.ByteReader: the reader takes no byte past the stream
	out, err := io.ReadAll(flate.NewReader(br))
	if err != nil {
		t.Fatalf("stream does not inflate: %v", err)
	}
	if br.Len() != 0 {
		t.Fatalf("%d bytes after the end of the stream", br.Len())
	}
	return out
}

func TestNewLevel(t *testing.T) {
	if c := newCompressor(t, 0); c.Level() != deflate.DefaultLevel || deflate.DefaultLevel != 2 {
		t.Fatalf("Level() = %d with 0, DefaultLevel %d", c.Level(), deflate.DefaultLevel)
	}
	for l := 1; l <= 9; l++ {
		if c := newCompressor(t, l); c.Level() != l {
			t.Fatalf("Level() = %d, want %d", c.Level(), l)
		}
	}
	for _, l := range []int{-2, -1, 10, 100} {
		if c, err := deflate.New(deflate.Options{Level: l}); !errors.Is(err, deflate.ErrLevel) || c != nil {
			t.Errorf("New(Level %d) = %v, %v; want ErrLevel", l, c, err)
		}
	}
}

// TestRoundTrip: at every level, for payloads from 0 bytes to several
// flate windows, random or repetitive, the stream inflates to the payload
// and ends exactly; the bytes already in dst stay.
func TestRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte(r.Uint32())
		}
		return b
	}
	var payloads [][]byte
	for _, n := range []int{0, 1, 127, 128, 129, 300, 1000, 1 << 14, 1<<16 - 1, 1 << 16, 200_000} {
		payloads = append(payloads, random(n), bytes.Repeat([]byte(`{"k":"v"},`), n/10+1)[:n])
	}
	payloads = append(payloads, benchSession())
	prefix := []byte("prefix")
	for l := 1; l <= 9; l++ {
		c := newCompressor(t, l)
		for _, p := range payloads {
			out := c.AppendDeflate(append([]byte(nil), prefix...), p)
			if !bytes.HasPrefix(out, prefix) {
				t.Fatalf("level %d, %d bytes: prefix lost", l, len(p))
			}
			d := out[len(prefix):]
			if got := inflateAll(t, d); !bytes.Equal(got, p) {
				t.Fatalf("level %d, %d bytes: inflates to %d different bytes", l, len(p), len(got))
			}
		}
	}
}

// TestConcurrent compresses with one Compressor from several goroutines
// (run with -race): every stream is right.
func TestConcurrent(t *testing.T) {
	c := newCompressor(t, 0)
	payloads := [][]byte{benchSession(), []byte(strings.Repeat("abcdefgh", 100)), bytes.Repeat(benchSession(), 20)}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			var buf []byte
			for i := range 50 {
				p := payloads[(g+i)%len(payloads)]
				buf = c.AppendDeflate(buf[:0], p)
				got, err := io.ReadAll(flate.NewReader(bytes.NewReader(buf)))
				if err != nil || !bytes.Equal(got, p) {
					errs <- fmt.Errorf("goroutine %d, round %d: %v", g, i, err)
					return
				}
			}
		})
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
		t.Fatal("goroutines still running after 2 minutes")
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestSignerUsesIt: a Signer with the Compressor signs the bench session
// with this package's stream (a cookie different from the default's,
// compressed, no longer than 3% plus 8 bytes over it), and verifies it.
func TestSignerUsesIt(t *testing.T) {
	p := benchSession()
	fixed := func() time.Time { return time.Unix(t0, 0) }
	fast, err := signing.New([]byte("k"), nil, signing.Options{Compressor: newCompressor(t, 0), Now: fixed})
	if err != nil {
		t.Fatal(err)
	}
	def, err := signing.New([]byte("k"), nil, signing.Options{Now: fixed})
	if err != nil {
		t.Fatal(err)
	}
	a, b := fast.Sign(p), def.Sign(p)
	if a == b || a[0] != '.' {
		t.Fatalf("the Compressor's stream was not used: %.40s", a)
	}
	if len(a) > len(b)+len(b)*3/100+8 {
		t.Errorf("cookie %d bytes, default %d", len(a), len(b))
	}
	for _, s := range []*signing.Signer{fast, def} {
		got, _, err := s.Verify(a, 0)
		if err != nil || !bytes.Equal(got, p) {
			t.Fatalf("verify: %v", err)
		}
	}
	t.Logf("bench session: %d-byte cookie with level %d, %d with the built-in writer", len(a), deflate.DefaultLevel, len(b))
}
