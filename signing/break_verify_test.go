package signing_test

import (
	"bytes"
	"encoding/base64"
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/sessionkit/session/signing"
)

// refPayload is the decoding Verify had before its own decoder: only the
// URL-safe alphabet, then base64.RawURLEncoding.Strict().
func refPayload(p string) ([]byte, bool) {
	for i := 0; i < len(p); i++ {
		if !strings.ContainsRune("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_", rune(p[i])) {
			return nil, false
		}
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(p)
	return b, err == nil
}

// breakParts enumerates every string up to 4 characters over an alphabet
// of edge bytes, then random longer ones.
func breakParts(yield func(string) bool) {
	alpha := []string{"A", "Q", "B", "_", "-", "+", "/", "=", "\n", "\r", " ", "\x00", "\xff", "é"}
	var rec func(prefix string, n int) bool
	rec = func(prefix string, n int) bool {
		if !yield(prefix) {
			return false
		}
		if n == 0 {
			return true
		}
		for _, a := range alpha {
			if !rec(prefix+a, n-1) {
				return false
			}
		}
		return true
	}
	if !rec("", 4) {
		return
	}
	r := rand.New(rand.NewPCG(5, 6))
	for range 5000 {
		var b strings.Builder
		n := r.IntN(40)
		for range n {
			if r.IntN(20) == 0 {
				b.WriteString(alpha[r.IntN(len(alpha))])
			} else {
				b.WriteByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[r.IntN(64)])
			}
		}
		if !yield(b.String()) {
			return
		}
	}
}

// TestBreakVerifyPayloadDecoder: for a validly signed cookie, Verify's
// payload is exactly what the strict standard decoder gives, and a payload
// it refuses is ErrBadPayload (never ErrInvalid).
func TestBreakVerifyPayloadDecoder(t *testing.T) {
	s := newSigner(t, 1700000000, signing.Options{MaxLength: -1})
	ts := tsPart(1700000000)
	bad := 0
	for p := range breakParts {
		if strings.Contains(p, ".") {
			continue
		}
		for _, compressed := range []bool{false, true} {
			part := p
			if compressed {
				part = "." + p
			}
			got, _, err := s.Verify(rawSign(part+"."+ts), 0)
			want, ok := refPayload(p)
			switch {
			case compressed && ok:
				// Decodes; the zlib stream is then almost always bad.
				if errors.Is(err, signing.ErrInvalid) {
					bad++
					t.Errorf("compressed payload %q: %v, want a payload error or success", p, err)
				}
			case compressed:
				if !errors.Is(err, signing.ErrBadPayload) {
					bad++
					t.Errorf("compressed payload %q: %v, want ErrBadPayload", p, err)
				}
			case ok && (err != nil || !bytes.Equal(got, want)):
				bad++
				t.Errorf("payload %q: got %q, %v; want %q", p, got, err, want)
			case !ok && !errors.Is(err, signing.ErrBadPayload):
				bad++
				t.Errorf("payload %q: got %q, %v; want ErrBadPayload", p, got, err)
			}
			if bad > 20 {
				t.Fatal("too many")
			}
		}
	}
}

// TestBreakVerifyTimestampDecoder: a timestamp part is accepted exactly
// when the strict standard decoder gives at most 8 bytes; otherwise
// ErrMalformed (class ErrInvalid).
func TestBreakVerifyTimestampDecoder(t *testing.T) {
	s := newSigner(t, 1<<62, signing.Options{MaxLength: -1})
	n := 0
	for tp := range breakParts {
		if strings.Contains(tp, ".") || len(tp) > 14 {
			continue
		}
		if n++; n > 60000 {
			break
		}
		_, when, err := s.Verify(rawSign("e30."+tp), 0)
		b, ok := refPayload(tp)
		ok = ok && len(b) <= 8 && len(tp) <= 11
		var want uint64
		for _, c := range b {
			want = want<<8 | uint64(c)
		}
		switch {
		case ok && want <= 1<<63-1 && (err != nil || uint64(when.Unix()) != want):
			t.Errorf("timestamp %q: %v, %v; want %d", tp, when, err, want)
		case !ok && !errors.Is(err, signing.ErrMalformed):
			t.Errorf("timestamp %q: %v; want ErrMalformed", tp, err)
		}
	}
}

// TestBreakVerifySignatureVariants: only the canonical encoding of the MAC
// verifies: each other 27-character string that the lenient decoders map to
// the same MAC (unused bits set, '+' '/' for '-' '_', line breaks) fails
// with ErrBadSignature.
func TestBreakVerifySignatureVariants(t *testing.T) {
	s := newSigner(t, 1700000000, signing.Options{})
	good := rawSign("e30." + tsPart(1700000000))
	if _, _, err := s.Verify(good, 0); err != nil {
		t.Fatal(err)
	}
	k := strings.LastIndexByte(good, '.')
	head, sig := good[:k+1], good[k+1:]
	const alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alpha, sig[len(sig)-1])
	var variants []string
	for u := 1; u < 4; u++ {
		variants = append(variants, sig[:len(sig)-1]+string(alpha[last|u]))
	}
	variants = append(variants,
		strings.NewReplacer("-", "+", "_", "/").Replace(sig),
		sig[:10]+"\n"+sig[10:], sig+"=", sig[:len(sig)-1], sig+"A")
	for _, v := range variants {
		if v == sig {
			continue
		}
		if _, _, err := s.Verify(head+v, 0); !errors.Is(err, signing.ErrInvalid) {
			t.Errorf("signature %q (canonical %q): %v, want ErrInvalid", v, sig, err)
		}
	}
}
