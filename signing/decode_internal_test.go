package signing

import (
	"bytes"
	"encoding/base64"
	"math/rand/v2"
	"testing"
)

// TestDecodeStrictMatchesStdlib: appendDecodeStrict accepts exactly the
// inputs without line breaks that the standard strict decoder accepts, with
// the same output, and leaves dst's bytes alone when it refuses. Inputs:
// every string of up to 3 characters over a small alphabet that covers
// each class (valid characters with and without unused bits, padding, the
// standard alphabet's '+' and '/', a high byte), and random longer ones,
// valid and mutated.
func TestDecodeStrictMatchesStdlib(t *testing.T) {
	check := func(src []byte) {
		t.Helper()
		if bytes.ContainsAny(src, "\r\n") {
			return
		}
		dst := []byte("prefix")
		got, ok := appendDecodeStrict(dst, src)
		want, err := strictB64.AppendDecode([]byte("prefix"), src)
		if ok != (err == nil) {
			t.Fatalf("%q: accepted = %v, standard decoder's error %v", src, ok, err)
		}
		if ok && !bytes.Equal(got, want) {
			t.Fatalf("%q: decoded %q, want %q", src, got, want)
		}
		if !ok && string(got) != "prefix" {
			t.Fatalf("%q: refused but dst is now %q", src, got)
		}
	}
	alphabet := []byte("AQBgw_-9=+/.\xff \x00")
	var gen func(prefix []byte, n int)
	gen = func(prefix []byte, n int) {
		check(prefix)
		if n == 0 {
			return
		}
		for _, c := range alphabet {
			gen(append(prefix, c), n-1)
		}
	}
	gen(nil, 3)
	r := rand.New(rand.NewPCG(15, 2))
	for range 20000 {
		raw := make([]byte, r.IntN(64))
		for i := range raw {
			raw[i] = byte(r.Uint32())
		}
		enc := []byte(base64.RawURLEncoding.EncodeToString(raw))
		check(enc)
		if len(enc) > 0 {
			mut := bytes.Clone(enc)
			mut[r.IntN(len(mut))] = byte(r.Uint32())
			check(mut)
			check(enc[:len(enc)-1])
			check(append(bytes.Clone(enc), "A="[r.IntN(2)]))
		}
	}
}

// TestDecodeStrictAllocs: decoding into a buffer with room allocates nothing.
func TestDecodeStrictAllocs(t *testing.T) {
	src := []byte(base64.RawURLEncoding.EncodeToString([]byte(`{"name":"alice","role":"admin","user_id":42}`)))
	buf := make([]byte, 0, 64)
	if a := testing.AllocsPerRun(100, func() { appendDecodeStrict(buf, src) }); a != 0 {
		t.Errorf("appendDecodeStrict allocates %v times", a)
	}
}
