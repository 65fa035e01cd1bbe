package session_test

// Codec-level interop with real Flask: Go signs, Flask verifies, and the
// reverse, for every tagged type, unicode keys, compressed payloads and
// fallback keys.

import (
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session/internal/flasktest"
	"github.com/sessionkit/session/signing"
	"github.com/sessionkit/session/tagjson"
)

// interopSessions are typed-JSON sessions covering every tagged kind.
var interopSessions = map[string]string{
	"strings":    `{"user":"alice","empty":"","quote":"a\"b\\c\n\t/<>&'"}`,
	"unicode":    `{"café":"crème","emoji":"😀","snowman ☃":"\u0000\u001f\u007f\u0080"}`,
	"ints":       `{"zero":0,"neg":-7,"max":9223372036854775807,"huge":1180591620717411303424,"neghuge":-99999999999999999999999}`,
	"floats":     `{"a":{"$float":"0.1"},"b":{"$float":"1e+16"},"c":{"$float":"1e-05"},"d":{"$float":"-0.0"},"e":{"$float":"nan"},"f":{"$float":"inf"},"g":{"$float":"-inf"},"h":{"$float":"123456789.125"}}`,
	"tuple":      `{"t":{"$tuple":[1,"two",{"$tuple":[]},{"$tuple":[null,true]}]}}`,
	"bytes":      `{"b":{"$bytes":"AAEC/w=="},"e":{"$bytes":""}}`,
	"markup":     `{"m":{"$markup":"<b>bold</b> & co"}}`,
	"uuid":       `{"u":{"$uuid":"12345678-1234-5678-1234-567812345678"}}`,
	"datetime":   `{"d":{"$datetime":"2024-01-02T03:04:05+00:00"},"epoch":{"$datetime":"1970-01-01T00:00:00+00:00"}}`,
	"tag-like":   `{"x":{" t":[1,2]},"y":{" di":{"a":1}},"z":{" t__":"q"},"w":{" m":"not markup"}}`,
	"nested":     `{"list":[1,[2,[3,{"k":[{"$tuple":[1]}]}]]],"map":{"b":{"c":{"d":null}}}}`,
	"flashes":    `{"_flashes":[{"$tuple":["message","hi"]},{"$tuple":["error",{"$markup":"<i>x</i>"}]}],"_permanent":true}`,
	"compressed": `{"text":"` + strings.Repeat("all work and no play makes jack a dull boy ", 40) + `"}`,
}

func goCodec(t *testing.T, secret string, fallbacks ...string) *signing.Signer {
	t.Helper()
	var fb [][]byte
	for _, f := range fallbacks {
		fb = append(fb, []byte(f))
	}
	s, err := signing.New([]byte(secret), fb, signing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// goSign encodes a typed-JSON session with the library and signs it.
func goSign(t *testing.T, s *signing.Signer, typed string, at int64) string {
	t.Helper()
	v, err := flasktest.FromTyped([]byte(typed))
	if err != nil {
		t.Fatal(err)
	}
	payload, err := tagjson.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(s.AppendSign(nil, payload, at))
}

// goRead verifies and decodes a cookie with the library, as typed JSON.
func goRead(t *testing.T, s *signing.Signer, cookie string) string {
	t.Helper()
	payload, _, err := s.Verify(cookie, 0)
	if err != nil {
		t.Fatalf("Go rejected Flask's cookie %q: %v", cookie, err)
	}
	v, err := tagjson.UnmarshalMap(payload)
	if err != nil {
		t.Fatalf("Go could not decode Flask's payload %s: %v", payload, err)
	}
	return flasktest.Typed(t, v)
}

func canonical(t *testing.T, typed string) string {
	t.Helper()
	b, err := flasktest.Canonical([]byte(typed))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestInteropCodecGoSignsFlaskVerifies(t *testing.T) {
	const secret = "codec-interop-🔑"
	s := goCodec(t, secret)
	now := time.Now().Unix()
	for name, typed := range interopSessions {
		t.Run(name, func(t *testing.T) {
			cookie := goSign(t, s, typed, now)
			if name == "compressed" && !strings.HasPrefix(cookie, ".") {
				t.Errorf("a repetitive payload was not compressed: %.40s", cookie)
			}
			got, exit := flasktest.Verify(t, flasktest.VerifyOptions{Secret: secret}, cookie)
			if exit != flasktest.ExitOK {
				t.Fatalf("Flask refused Go's cookie (exit %d): %s", exit, cookie)
			}
			if want := canonical(t, typed); got != want {
				t.Errorf("Flask read\n %s\nwant\n %s", got, want)
			}
		})
	}
}

func TestInteropCodecFlaskSignsGoVerifies(t *testing.T) {
	const secret = "codec-interop-🔑"
	s := goCodec(t, secret)
	for name, typed := range interopSessions {
		t.Run(name, func(t *testing.T) {
			cookie := flasktest.Sign(t, flasktest.SignOptions{Secret: secret}, typed)
			if name == "compressed" && !strings.HasPrefix(cookie, ".") {
				t.Errorf("Flask did not compress: %.40s", cookie)
			}
			if got, want := goRead(t, s, cookie), canonical(t, typed); got != want {
				t.Errorf("Go read\n %s\nwant\n %s", got, want)
			}
		})
	}
}

func TestInteropCodecFallbacks(t *testing.T) {
	typed := `{"user":"rotated"}`
	// Flask signs with the old key; Go, rotated, reads it through its fallback.
	old := flasktest.Sign(t, flasktest.SignOptions{Secret: "old-key"}, typed)
	if got := goRead(t, goCodec(t, "new-key", "older-key", "old-key"), old); got != typed {
		t.Errorf("Go fallback read %s", got)
	}
	if _, _, err := goCodec(t, "new-key").Verify(old, 0); err == nil {
		t.Error("Go without the fallback accepted an old-key cookie")
	}
	// Go signs with its current key even when it has fallbacks; Flask, rotated, reads both.
	cookie := goSign(t, goCodec(t, "old-key", "older-key"), typed, time.Now().Unix())
	got, exit := flasktest.Verify(t, flasktest.VerifyOptions{Secret: "new-key", Fallbacks: []string{"old-key"}}, cookie)
	if exit != flasktest.ExitOK || got != typed {
		t.Errorf("Flask fallback: exit %d, %s", exit, got)
	}
	if _, exit := flasktest.Verify(t, flasktest.VerifyOptions{Secret: "older-key"}, cookie); exit != flasktest.ExitInvalid {
		t.Errorf("Go signed with a fallback key, not the current one (Flask exit %d)", exit)
	}
}

// Go re-signs every compressed public vector; Flask reads the same session.
func TestInteropCodecCompressedVectors(t *testing.T) {
	for _, v := range loadFullVectors(t, "sign") {
		if !v.Wire.Compressed {
			continue
		}
		t.Run(v.ID, func(t *testing.T) {
			s, err := signing.New(v.SecretKey.bytes(t), nil, signing.Options{MaxLength: -1})
			if err != nil {
				t.Fatal(err)
			}
			typed := string(v.SessionOut)
			cookie := goSign(t, s, typed, time.Now().Unix())
			if !strings.HasPrefix(cookie, ".") {
				t.Errorf("Go did not compress a payload Flask compressed")
			}
			got, exit := flasktest.Verify(t, flasktest.VerifyOptions{Secret: string(v.SecretKey.bytes(t))}, cookie)
			if exit != flasktest.ExitOK || got != canonical(t, typed) {
				t.Errorf("Flask: exit %d, read %s", exit, got)
			}
		})
	}
}
