package signing

import (
	"bytes"
	"compress/zlib"
	"crypto/sha1"
	"errors"
	"hash"
	"strings"
	"testing"
)

// zlibOf compresses p with the standard library's zlib writer.
func zlibOf(t *testing.T, p []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	if _, err := w.Write(p); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestInflateLimitExact: a stream that inflates to exactly the limit is read
// whole, one byte over fails with ErrInflateLimit; the limit counts only the
// bytes this call appends, whatever dst already holds, and a failure leaves
// dst's prefix as it was.
func TestInflateLimitExact(t *testing.T) {
	for _, size := range []int{1, 511, 512, 513, 3000, 70000} {
		payload := []byte(strings.Repeat("abcdefghij", size/10+1)[:size])
		z := zlibOf(t, payload)
		for _, prefix := range []string{"", "PREFIX", strings.Repeat("p", 4096)} {
			f := inflaters.Get().(*inflater)
			got, err := appendInflate([]byte(prefix), z, size, f)
			if err != nil {
				t.Fatalf("size %d prefix %d: at the limit: %v", size, len(prefix), err)
			}
			if want := prefix + string(payload); string(got) != want {
				t.Fatalf("size %d prefix %d: got %d bytes, want %d", size, len(prefix), len(got), len(want))
			}
			got, err = appendInflate([]byte(prefix), z, size-1, f)
			if !errors.Is(err, ErrInflateLimit) {
				t.Fatalf("size %d prefix %d: one over the limit: err %v, want ErrInflateLimit", size, len(prefix), err)
			}
			if string(got) != prefix {
				t.Fatalf("size %d prefix %d: failed inflate left %q", size, len(prefix), got)
			}
			f.release()
		}
	}
}

// TestMalformedSplitKinds: the two ways a cookie lacks its separators are
// told apart, including a separator at the very first byte.
func TestMalformedSplitKinds(t *testing.T) {
	s, err := New([]byte("secret"), nil, Options{})
	if err != nil {
		t.Fatal(err)
	}
	sig := strings.Repeat("A", s.sigLen)
	for _, tc := range []struct {
		cookie string
		want   error
	}{
		{sig, errNoSeparator},
		{"." + sig, errNoTimestamp},
		{"payload." + sig, errNoTimestamp},
		{".." + sig, ErrBadSignature},
	} {
		_, _, err := s.Verify(tc.cookie, 0)
		if !errors.Is(err, tc.want) {
			t.Errorf("Verify(%q): %v, want %v", tc.cookie, err, tc.want)
		}
		if !errors.Is(err, ErrMalformed) && tc.want != ErrBadSignature {
			t.Errorf("Verify(%q): %v is not ErrMalformed", tc.cookie, err)
		}
	}
}

// sizedHash is a hash.Hash reporting a chosen output size.
type sizedHash struct {
	hash.Hash
	size int
}

func (h sizedHash) Size() int { return h.size }

// TestNewRejectsEmptyDigest: a digest with no output (Size 0 or less) would
// sign nothing and is refused at New, not used.
func TestNewRejectsEmptyDigest(t *testing.T) {
	for _, size := range []int{0, -1} {
		_, err := New([]byte("secret"), nil, Options{Digest: func() hash.Hash { return sizedHash{sha1.New(), size} }})
		if err == nil || !strings.Contains(err.Error(), "no output") {
			t.Errorf("Size %d: New err = %v, want the digest refused", size, err)
		}
	}
	if _, err := New([]byte("secret"), nil, Options{Digest: func() hash.Hash { return sizedHash{sha1.New(), 1} }}); err != nil {
		t.Errorf("Size 1: %v", err)
	}
}
