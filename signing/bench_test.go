package signing_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session/signing"
)

// largePayload is a 2 KB session: flashes, a cart and a CSRF token.
func largePayload() []byte {
	var b strings.Builder
	b.WriteString(`{"_flashes":[`)
	for i := range 10 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{" t":["info","Item %d was added to your cart."]}`, i)
	}
	b.WriteString(`],"cart":[`)
	for i := range 52 {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"qty":%d,"sku":"SKU-%05d"}`, i%3+1, i*7919%100000)
	}
	b.WriteString(`],"csrf_token":"5f1a3b2c9d8e7f60a1b2c3d4e5f60718293a4b5c","user_id":42}`)
	return []byte(b.String())
}

var benchPayloads = []struct {
	name    string
	payload []byte
}{
	{"3keys", []byte(`{"name":"alice","role":"admin","user_id":42}`)},
	{"2KB", largePayload()},
}

func BenchmarkAppendSign(b *testing.B) {
	s := newSigner(b, t0, signing.Options{})
	for _, bp := range benchPayloads {
		b.Run(bp.name, func(b *testing.B) {
			buf := s.AppendSign(nil, bp.payload, t0)
			b.Logf("%d-byte payload, %d-byte cookie (compressed: %v)", len(bp.payload), len(buf), buf[0] == '.')
			b.ReportAllocs()
			for b.Loop() {
				buf = s.AppendSign(buf[:0], bp.payload, t0)
			}
		})
	}
}

func BenchmarkSign(b *testing.B) {
	s := newSigner(b, t0, signing.Options{})
	for _, bp := range benchPayloads {
		b.Run(bp.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				_ = s.Sign(bp.payload)
			}
		})
	}
}

func BenchmarkAppendVerify(b *testing.B) {
	s := newSigner(b, t0, signing.Options{})
	for _, bp := range benchPayloads {
		b.Run(bp.name, func(b *testing.B) {
			cookie := string(s.AppendSign(nil, bp.payload, t0))
			var out []byte
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if out, _, err = s.AppendVerify(out[:0], cookie, time.Hour); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	s := newSigner(b, t0, signing.Options{})
	for _, bp := range benchPayloads {
		b.Run(bp.name, func(b *testing.B) {
			cookie := string(s.AppendSign(nil, bp.payload, t0))
			b.ReportAllocs()
			for b.Loop() {
				if _, _, err := s.Verify(cookie, time.Hour); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkVerifyRejects measures what an attacker's garbage costs.
func BenchmarkVerifyRejects(b *testing.B) {
	s := newSigner(b, t0, signing.Options{})
	good := s.Sign(benchPayloads[0].payload)
	i := strings.LastIndexByte(good, '.') + 1 // the signature's first character: six bits of the MAC
	bad := good[:i] + map[bool]string{true: "A", false: "Q"}[good[i] != 'A'] + good[i+1:]
	for name, c := range map[string]string{
		"bad-signature": bad,
		"too-long":      strings.Repeat("A", 100<<10),
	} {
		b.Run(name, func(b *testing.B) {
			var out []byte
			b.ReportAllocs()
			for b.Loop() {
				var err error
				if out, _, err = s.AppendVerify(out[:0], c, time.Hour); err == nil {
					b.Fatal("accepted")
				}
			}
		})
	}
}
