package signing_test

// The sign and decode vectors of ../testdata/flask-vectors.json, made by real
// Flask.

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session/signing"
)

type vectorKey struct {
	Str string `json:"str"`
	Hex string `json:"hex"`
}

type vector struct {
	ID                 string      `json:"id"`
	Kind               string      `json:"kind"`
	SecretKey          *vectorKey  `json:"secret_key"`
	SecretKeyFallbacks []vectorKey `json:"secret_key_fallbacks"`
	Timestamp          int64       `json:"timestamp"`
	CookieValue        string      `json:"cookie_value"`
	Wire               *struct {
		PayloadB64   string `json:"payload_b64"`
		Compressed   bool   `json:"compressed"`
		PayloadJSON  string `json:"payload_json"`
		TimestampB64 string `json:"timestamp_b64"`
		SignatureB64 string `json:"signature_b64"`
		SignedPart   string `json:"signed_part"`
	} `json:"wire"`
	Verify *struct {
		Now    int64 `json:"now"`
		MaxAge int64 `json:"max_age"`
	} `json:"verify"`
	Expect           string `json:"expect"`
	SerializerResult string `json:"serializer_result"`
}

func loadVectors(t *testing.T) []vector {
	t.Helper()
	b, err := os.ReadFile("../testdata/flask-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Vectors []vector `json:"vectors"`
	}
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	if len(f.Vectors) == 0 {
		t.Fatal("no vectors")
	}
	return f.Vectors
}

func (k vectorKey) bytes(t *testing.T) []byte {
	t.Helper()
	b, err := hex.DecodeString(k.Hex)
	if err != nil {
		t.Fatal(err)
	}
	if k.Str != "" && string(b) != k.Str {
		t.Fatalf("key hex %s is not the UTF-8 of %q", k.Hex, k.Str)
	}
	return b
}

func vectorSigner(t *testing.T, v vector, now int64, opts ...signing.Options) *signing.Signer {
	t.Helper()
	var o signing.Options
	if len(opts) > 0 {
		o = opts[0]
	}
	o.Now = fixedClock(now)
	var fallbacks [][]byte
	for _, k := range v.SecretKeyFallbacks {
		fallbacks = append(fallbacks, k.bytes(t))
	}
	s, err := signing.New(v.SecretKey.bytes(t), fallbacks, o)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// short abbreviates a cookie for messages.
func short(c string) string {
	if len(c) <= 80 {
		return c
	}
	return fmt.Sprintf("%s...%s (%d bytes)", c[:40], c[len(c)-30:], len(c))
}

func fixedClock(unix int64) func() time.Time {
	return func() time.Time { return time.Unix(unix, 0) }
}

func TestSpecWorkedExample(t *testing.T) {
	s, err := signing.New([]byte("dev-secret-key-1"), nil, signing.Options{Now: fixedClock(1700000000)})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := hex.EncodeToString(signing.DerivedKeyForTest(s, 0)), "e39d64246fda4511f898a7d57f022f50f02e6a46"; got != want {
		t.Errorf("derived key %s, want %s", got, want)
	}
	const want = "eyJ1c2VyIjoiYWxpY2UifQ.ZVPxAA.LQ55TDIiJfvxB7VwlwEgxsz5GuU"
	if got := string(s.AppendSign(nil, []byte(`{"user":"alice"}`), 1700000000)); got != want {
		t.Errorf("AppendSign = %s, want %s", got, want)
	}
	if got := s.Sign([]byte(`{"user":"alice"}`)); got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
	payload, signed, err := s.Verify(want, 31*24*time.Hour)
	if err != nil || string(payload) != `{"user":"alice"}` || signed.Unix() != 1700000000 {
		t.Errorf("Verify = %q, %v, %v", payload, signed, err)
	}
}

func TestFlaskSignVectors(t *testing.T) {
	n := 0
	for _, v := range loadVectors(t) {
		if v.Wire == nil {
			continue
		}
		n++
		t.Run(v.ID, func(t *testing.T) {
			w := v.Wire
			if v.CookieValue != w.SignedPart+"."+w.SignatureB64 {
				t.Fatalf("vector is inconsistent: %s vs %s", v.CookieValue, w.SignedPart)
			}
			s := vectorSigner(t, v, v.Timestamp)
			got := string(s.AppendSign(nil, []byte(w.PayloadJSON), v.Timestamp))
			if !w.Compressed {
				if got != v.CookieValue {
					t.Fatalf("AppendSign:\n got %s\nwant %s", got, v.CookieValue)
				}
				if sign := s.Sign([]byte(w.PayloadJSON)); sign != got {
					t.Fatalf("Sign = %s, AppendSign = %s", sign, got)
				}
			} else {
				// Go's deflate makes other bytes; the cookie must still read back,
				// and should not be much longer than Flask's.
				if !strings.HasPrefix(got, ".") {
					t.Logf("Flask compressed, we did not: %d vs %d bytes", len(got), len(v.CookieValue))
				}
				if len(got) > len(v.CookieValue)+8 {
					t.Errorf("our cookie is %d bytes, Flask's %d", len(got), len(v.CookieValue))
				}
				if !strings.HasSuffix(got[:strings.LastIndexByte(got, '.')], "."+w.TimestampB64) {
					t.Errorf("timestamp part of %s is not %s", got, w.TimestampB64)
				}
			}
			for _, c := range []string{got, v.CookieValue} {
				s := s
				if len(c) > signing.DefaultMaxLength {
					// Flask only warns about cookies browsers drop; the default cap rejects them.
					if _, _, err := s.Verify(c, 31*24*time.Hour); !errors.Is(err, signing.ErrTooLong) {
						t.Fatalf("Verify(%d-byte cookie) = %v, want ErrTooLong", len(c), err)
					}
					s = vectorSigner(t, v, v.Timestamp, signing.Options{MaxLength: -1})
				}
				payload, signed, err := s.Verify(c, 31*24*time.Hour)
				if err != nil {
					t.Fatalf("Verify(%s): %v", short(c), err)
				}
				if string(payload) != w.PayloadJSON || signed.Unix() != v.Timestamp {
					t.Fatalf("Verify(%s) = %s at %d, want %s at %d", short(c), payload, signed.Unix(), w.PayloadJSON, v.Timestamp)
				}
			}
		})
	}
	if n < 25 {
		t.Fatalf("only %d sign vectors", n)
	}
}

func TestFlaskDecodeVectors(t *testing.T) {
	n := 0
	for _, v := range loadVectors(t) {
		if v.Kind != "decode" {
			continue
		}
		t.Run(v.ID, func(t *testing.T) {
			if v.SerializerResult == "no_secret" {
				t.Skip("no SECRET_KEY: Flask makes a null session; the session layer handles it, New refuses an empty key")
			}
			n++
			s := vectorSigner(t, v, v.Verify.Now)
			payload, _, err := s.Verify(v.CookieValue, time.Duration(v.Verify.MaxAge)*time.Second)
			switch v.SerializerResult {
			case "ok":
				if err != nil {
					t.Fatalf("Verify: %v", err)
				}
				if !json.Valid(payload) {
					t.Fatalf("payload %q is not JSON", payload)
				}
			case "invalid":
				if !errors.Is(err, signing.ErrInvalid) {
					t.Fatalf("Verify = %q, %v; want ErrInvalid", payload, err)
				}
			case "bad_payload":
				if !errors.Is(err, signing.ErrBadPayload) {
					t.Fatalf("Verify = %q, %v; want ErrBadPayload", payload, err)
				}
			default:
				t.Fatalf("unknown serializer_result %q", v.SerializerResult)
			}
		})
	}
	if n < 20 {
		t.Fatalf("only %d decode vectors", n)
	}
}

// TestFlaskFallbackOrder replays the dec-fallback-* rotation: a cookie signed
// with "-1 key" stays valid while that key is listed, whatever its place.
func TestFlaskFallbackOrder(t *testing.T) {
	const cookie = "eyJhIjoxfQ.ZVPxAA.RsJI2fYyOItpwRn7QIBv0ir-jV4" // signed with "-1 key"
	k := func(s string) []byte { return []byte(s) }
	for _, tc := range []struct {
		secret    string
		fallbacks []string
		ok        bool
	}{
		{"-1 key", nil, true},
		{"0 key", []string{"-1 key", "-2 key"}, true},
		{"0 key", []string{"-2 key", "-1 key"}, true},
		{"+1 key", []string{"0 key", "-1 key"}, true},
		{"+1 key", []string{"-1 key", "0 key"}, true},
		{"? key", nil, false},
		{"+2 key", []string{"+1 key", "0 key"}, false},
	} {
		var fb [][]byte
		for _, f := range tc.fallbacks {
			fb = append(fb, k(f))
		}
		s, err := signing.New(k(tc.secret), fb, signing.Options{Now: fixedClock(1700000060)})
		if err != nil {
			t.Fatal(err)
		}
		_, _, err = s.Verify(cookie, time.Hour)
		if (err == nil) != tc.ok {
			t.Errorf("secret %q fallbacks %q: err = %v, want ok=%v", tc.secret, tc.fallbacks, err, tc.ok)
		}
		// Signing always uses the secret, never a fallback (Flask GHSA-4grg-w6v8-c28g).
		only, _ := signing.New(k(tc.secret), nil, signing.Options{})
		if got, want := string(s.AppendSign(nil, k(`{"a":1}`), 1700000000)), string(only.AppendSign(nil, k(`{"a":1}`), 1700000000)); got != want {
			t.Errorf("secret %q fallbacks %q: signed %s, want %s", tc.secret, tc.fallbacks, got, want)
		}
	}
}
