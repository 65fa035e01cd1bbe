package sealed_test

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/sessionkit/session/sealed"
)

// sealRaw builds a value by the documented layout, sealing plain (the
// times and payload, however short) with key for the cookie name: what a
// holder of the key can make, well-formed or not.
func sealRaw(t *testing.T, key []byte, name string, plain []byte) string {
	t.Helper()
	block, err := aes.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	id := sealed.KeyID(key)
	raw := append([]byte{1}, id[:]...)
	nonce := make([]byte, 12)
	raw = append(raw, nonce...)
	raw = aead.Seal(raw, nonce, plain, []byte("sessionkit/sealed/v1\x00"+name))
	return base64.RawURLEncoding.EncodeToString(raw)
}

// times is the 16-byte plaintext prefix: issued and expires, Unix seconds.
func times(issued, expires uint64) []byte {
	return binary.BigEndian.AppendUint64(binary.BigEndian.AppendUint64(nil, issued), expires)
}

// An empty payload is a value of exactly the minimum length (header, times
// and tag: 49 bytes) and opens.
func TestEmptyPayload(t *testing.T) {
	c := codec(t, keyA)
	v := seal(t, c, "s", "", t0, time.Hour)
	if raw, _ := base64.RawURLEncoding.DecodeString(v); len(raw) != 1+4+12+16+16 {
		t.Fatalf("an empty payload seals to %d bytes, want 49", len(raw))
	}
	got, _, _, err := c.Decode([]byte("x"), "s", v, t0, time.Hour)
	if err != nil || string(got) != "x" {
		t.Fatalf("Decode of an empty payload: %q, %v", got, err)
	}
	// The layout helper agrees with Encode: a value it builds opens.
	got, issued, _, err := c.Decode(nil, "s", sealRaw(t, keyA, "s", append(times(uint64(t0.Unix()), 0), "hi"...)), t0, time.Hour)
	if err != nil || string(got) != "hi" || !issued.Equal(t0) {
		t.Fatalf("hand-built value: %q, %v, %v", got, issued, err)
	}
}

// A value shorter than header, times and tag is ErrMalformed, whatever
// its bytes: truncated values, and values that authenticate under the key
// but whose plaintext is shorter than the 16 bytes of times (only a key
// holder can make those) never reach the time checks.
func TestShortValuesAreMalformed(t *testing.T) {
	c := codec(t, keyA)
	raw, _ := base64.RawURLEncoding.DecodeString(seal(t, c, "s", "", t0, 0))
	for n := range raw {
		_, _, _, err := c.Decode(nil, "s", base64.RawURLEncoding.EncodeToString(raw[:n]), t0, 0)
		if !errors.Is(err, sealed.ErrMalformed) {
			t.Errorf("truncated to %d of %d bytes: %v, want ErrMalformed", n, len(raw), err)
		}
	}
	for n := range 16 {
		v := sealRaw(t, keyA, "s", times(uint64(t0.Unix()), 0)[:n])
		_, _, _, err := c.Decode(nil, "s", v, t0, 0)
		if !errors.Is(err, sealed.ErrMalformed) {
			t.Errorf("authentic value with a %d-byte plaintext: %v, want ErrMalformed", n, err)
		}
	}
}

// The time checks hold at the Unix epoch too (a clock reading 0): a value
// issued more than the skew later is refused, one within it opens.
func TestTimesAtTheEpoch(t *testing.T) {
	c := codec(t, keyA)
	epoch := time.Unix(0, 0)
	for _, tc := range []struct {
		issued, expires uint64
		life            time.Duration
		want            error
	}{
		{0, 0, time.Hour, nil},
		{5, 0, time.Hour, nil},
		{6, 0, time.Hour, sealed.ErrFuture},
		{0, 1, time.Hour, nil},
	} {
		v := sealRaw(t, keyA, "s", times(tc.issued, tc.expires))
		if _, _, _, err := c.Decode(nil, "s", v, epoch, tc.life); !errors.Is(err, tc.want) || (tc.want == nil) != (err == nil) {
			t.Errorf("issued %d expires %d at the epoch: %v, want %v", tc.issued, tc.expires, err, tc.want)
		}
	}
}

// A lifetime of 0 sets no age limit on open: a value sealed without an
// expiry inside opens however old it is (only a lifetime > 0 bounds it).
func TestNoLifetimeNoAgeLimit(t *testing.T) {
	c := codec(t, keyA)
	v := seal(t, c, "s", "x", t0, 0)
	for _, age := range []time.Duration{time.Second, 2 * time.Second, 400 * 24 * time.Hour} {
		if got, _, _, err := c.Decode(nil, "s", v, t0.Add(age), 0); err != nil || string(got) != "x" {
			t.Errorf("aged %v, lifetime 0: %q, %v; want it to open", age, got, err)
		}
	}
	if _, _, _, err := c.Decode(nil, "s", v, t0.Add(2*time.Second), time.Second); !errors.Is(err, sealed.ErrExpired) {
		t.Errorf("aged 2s, lifetime 1s: %v, want ErrExpired", err)
	}
}
