package signing_test

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"hash"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/session/internal/testwait"
	"github.com/sessionkit/session/signing"
)

func TestNewRejects(t *testing.T) {
	for _, tc := range []struct {
		name      string
		secret    []byte
		fallbacks [][]byte
		opts      signing.Options
		msg       string
	}{
		{"nil secret", nil, nil, signing.Options{}, "signing: empty secret key"},
		{"empty secret", []byte{}, nil, signing.Options{}, "signing: empty secret key"},
		{"empty fallback", []byte("k"), [][]byte{[]byte("a"), nil}, signing.Options{}, "signing: fallback key 1 is empty"},
		{"unknown derivation", []byte("k"), nil, signing.Options{KeyDerivation: "pbkdf2"}, `signing: unknown key derivation "pbkdf2"`},
		{"negative MaxInflate", []byte("k"), nil, signing.Options{MaxInflate: -1}, "signing: negative MaxInflate -1"},
	} {
		s, err := signing.New(tc.secret, tc.fallbacks, tc.opts)
		if s != nil || err == nil || err.Error() != tc.msg {
			t.Errorf("%s: New = %v, %v; want %q", tc.name, s, err, tc.msg)
		}
	}
}

// TestKeyOrder: verification order is the secret, then the fallbacks newest
// (last) first, as itsdangerous' reversed([*fallbacks, secret]).
func TestKeyOrder(t *testing.T) {
	derived := func(k string) []byte {
		s, err := signing.New([]byte(k), nil, signing.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return signing.DerivedKeyForTest(s, 0)
	}
	s, err := signing.New([]byte("now"), [][]byte{[]byte("oldest"), []byte("older"), []byte("old")}, signing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"now", "old", "older", "oldest"}
	if n := signing.NumKeysForTest(s); n != len(want) {
		t.Fatalf("%d keys", n)
	}
	for i, k := range want {
		if !bytes.Equal(signing.DerivedKeyForTest(s, i), derived(k)) {
			t.Errorf("key %d is not %q", i, k)
		}
	}
}

// TestKeyDerivations pins each derivation against an independent computation
// (the itsdangerous-made cookies cover them end to end).
func TestKeyDerivations(t *testing.T) {
	secret, salt := []byte("s3cret"), "my-salt"
	sum := func(parts ...string) []byte {
		h := sha256.New()
		for _, p := range parts {
			h.Write([]byte(p))
		}
		return h.Sum(nil)
	}
	for derivation, want := range map[string][]byte{
		"concat":        sum(salt, "s3cret"),
		"django-concat": sum(salt, "signer", "s3cret"),
		"none":          secret,
	} {
		s, err := signing.New(secret, nil, signing.Options{Salt: salt, KeyDerivation: derivation, Digest: sha256.New})
		if err != nil {
			t.Fatal(err)
		}
		if got := signing.DerivedKeyForTest(s, 0); !bytes.Equal(got, want) {
			t.Errorf("%s: derived %x, want %x", derivation, got, want)
		}
	}
	// New copies nothing it does not own: changing the secret afterwards has
	// no effect on the "none" derivation.
	s, _ := signing.New(secret, nil, signing.Options{KeyDerivation: "none"})
	secret[0] = 'X'
	if signing.DerivedKeyForTest(s, 0)[0] != 's' {
		t.Error("the derived key aliases the caller's secret")
	}
}

func TestDigestSizes(t *testing.T) {
	for name, d := range map[string]func() hash.Hash{"sha1": nil, "sha256": sha256.New} {
		s, err := signing.New([]byte("k"), nil, signing.Options{Digest: d})
		if err != nil {
			t.Fatal(err)
		}
		c := string(s.AppendSign(nil, []byte(`{}`), t0))
		sig := c[strings.LastIndexByte(c, '.')+1:]
		want := map[string]int{"sha1": 27, "sha256": 43}[name]
		if len(sig) != want {
			t.Errorf("%s: signature %q has %d characters, want %d", name, sig, len(sig), want)
		}
		if _, _, err := s.Verify(c, 0); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestAppendSignAppends(t *testing.T) {
	s := newSigner(t, t0, signing.Options{})
	prefix := []byte("session=")
	dst := append(make([]byte, 0, 4), prefix...)
	for _, p := range []string{`{"a":1}`, `{"msg":"` + strings.Repeat("hello world ", 40) + `"}`} {
		got := s.AppendSign(dst, []byte(p), t0)
		if !bytes.HasPrefix(got, prefix) || string(got[len(prefix):]) != s.Sign([]byte(p)) {
			t.Errorf("AppendSign(%q, ...) = %q", prefix, got)
		}
		payload, _, err := s.AppendVerify([]byte("x"), string(got[len(prefix):]), 0)
		if err != nil || string(payload) != "x"+p {
			t.Errorf("AppendVerify = %q, %v", payload, err)
		}
	}
	// On error AppendVerify returns dst as it was.
	dst = []byte("keep")
	if got, _, err := s.AppendVerify(dst, "a.b.c", 0); err == nil || string(got) != "keep" {
		t.Errorf("AppendVerify on error = %q, %v", got, err)
	}
	if got, _, err := s.AppendVerify(dst, rawSign("."+b64([]byte("junk"))+"."+tsPart(t0)), 0); !errors.Is(err, signing.ErrBadPayload) || string(got) != "keep" {
		t.Errorf("AppendVerify on bad payload = %q, %v", got, err)
	}
}

func TestNegativeTimestampPanics(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "negative timestamp") {
			t.Errorf("recover() = %v", r)
		}
	}()
	newSigner(t, t0, signing.Options{}).AppendSign(nil, []byte(`{}`), -1)
}

// TestConcurrent shares one Signer between goroutines (run with -race).
func TestConcurrent(t *testing.T) {
	s, err := signing.New([]byte("k"), [][]byte{[]byte("old")}, signing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	old, _ := signing.New([]byte("old"), nil, signing.Options{})
	payloads := [][]byte{[]byte(`{"a":1}`), []byte(`{"b":"` + strings.Repeat("xyz", 500) + `"}`)}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			var buf, out []byte
			for i := range 200 {
				p := payloads[(g+i)%len(payloads)]
				signer := s
				if i%3 == 0 {
					signer = old
				}
				buf = signer.AppendSign(buf[:0], p, time.Now().Unix())
				var err error
				out, _, err = s.AppendVerify(out[:0], string(buf), time.Minute)
				if err != nil || !bytes.Equal(out, p) {
					t.Errorf("round trip: %v", err)
					return
				}
			}
		})
	}
	testwait.Wait(t, &wg, 0, "the concurrent sign/verify goroutines")
}

// TestAllocations: the hot paths allocate nothing beyond their output.
func TestAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector drops pooled items")
	}
	s := newSigner(t, t0, signing.Options{})
	small := []byte(`{"name":"alice","role":"admin","user_id":42}`)
	large := largePayload()
	for _, tc := range []struct {
		name    string
		payload []byte
		sign    float64
		verify  float64
	}{
		{"3 keys", small, 0, 0},
		// compress/flate's decoder allocates link tables for codes over 9 bits.
		{"2 KB compressed", large, 0, 2},
	} {
		buf := s.AppendSign(nil, tc.payload, t0)
		cookie := string(buf)
		if got := testing.AllocsPerRun(200, func() { buf = s.AppendSign(buf[:0], tc.payload, t0) }); got > tc.sign {
			t.Errorf("%s: AppendSign allocates %v times", tc.name, got)
		}
		var out []byte
		if got := testing.AllocsPerRun(200, func() {
			var err error
			if out, _, err = s.AppendVerify(out[:0], cookie, time.Hour); err != nil {
				t.Fatal(err)
			}
		}); got > tc.verify {
			t.Errorf("%s: AppendVerify allocates %v times", tc.name, got)
		}
		if got := testing.AllocsPerRun(200, func() { _ = s.Sign(tc.payload) }); got > 1 {
			t.Errorf("%s: Sign allocates %v times", tc.name, got)
		}
	}
}

// TestMaxLengthReported: MaxLength reports the cap Verify applies: the
// default 4096, a configured one (1 included), and -1 for every negative
// Options.MaxLength (no cap).
func TestMaxLengthReported(t *testing.T) {
	for _, tc := range []struct{ opt, want int }{{0, signing.DefaultMaxLength}, {1, 1}, {200, 200}, {-1, -1}, {-5, -1}} {
		s := newSigner(t, t0, signing.Options{MaxLength: tc.opt})
		if got := s.MaxLength(); got != tc.want {
			t.Errorf("Options.MaxLength %d: MaxLength() = %d, want %d", tc.opt, got, tc.want)
		}
		if tc.want < 0 {
			continue
		}
		// The cap reported is the one applied: a cookie of that length
		// reaches the signature check, one byte more is ErrTooLong.
		for n, want := range map[int]error{tc.want: signing.ErrBadSignature, tc.want + 1: signing.ErrTooLong} {
			if _, _, err := s.Verify(strings.Repeat(".", n), 0); !errors.Is(err, want) && !(n < 2 && errors.Is(err, signing.ErrMalformed)) {
				t.Errorf("cap %d, %d-byte cookie: %v, want %v", tc.want, n, err, want)
			}
		}
	}
}
