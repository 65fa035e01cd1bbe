package signing_test

import (
	"bytes"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session/signing"
)

// TestPayloadMayContainSound: whenever Verify accepts a cookie whose payload
// contains sub, PayloadMayContain says it may; it says no for an
// uncompressed payload without sub, and for values that are not cookies.
func TestPayloadMayContainSound(t *testing.T) {
	s := newSigner(t, t0, signing.Options{})
	mark := []byte(`"_permanent":true`)
	payloads := []string{
		`{"_permanent":true,"user":"alice"}`,
		`{"name":"alice","role":"admin","user_id":42}`,
		`{"_permanent":false}`,
		`{"x":"` + strings.Repeat("_permanent", 40) + `","_permanent":true}`, // compressed
		`{"x":"` + strings.Repeat("abc", 100) + `"}`,                         // compressed, no mark
	}
	r := rand.New(rand.NewPCG(15, 3))
	var cookies []string
	for _, p := range payloads {
		c := string(s.AppendSign(nil, []byte(p), t0))
		cookies = append(cookies, c)
		for range 200 { // tampered copies: a byte replaced, cut, or extended
			b := []byte(c)
			switch r.IntN(3) {
			case 0:
				b[r.IntN(len(b))] = byte(r.Uint32())
			case 1:
				b = b[:r.IntN(len(b))]
			default:
				b = append(b, byte(r.Uint32()))
			}
			cookies = append(cookies, string(b))
		}
	}
	for _, c := range cookies {
		payload, _, err := s.Verify(c, time.Hour)
		if err == nil && bytes.Contains(payload, mark) && !s.PayloadMayContain(c, mark) {
			t.Fatalf("%q verifies with %q in its payload, but PayloadMayContain says no", c, mark)
		}
	}
	if plain := cookies[201]; s.PayloadMayContain(plain, mark) { // the second payload, untampered
		t.Errorf("PayloadMayContain(%q) = true for a payload without the mark", plain)
	}
	if !s.PayloadMayContain(cookies[0], mark) {
		t.Errorf("PayloadMayContain is false for a signed payload with the mark")
	}
	for _, v := range []string{"", "abc", "a.b", "!!!.x.y"} {
		if s.PayloadMayContain(v, mark) {
			t.Errorf("PayloadMayContain(%q) = true", v)
		}
	}
}
