package signing_test

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session/signing"
)

const t0 = 1700000000

func TestAgeRules(t *testing.T) {
	s := newSigner(t, t0, signing.Options{})
	cookie := string(s.AppendSign(nil, []byte(`{"a":1}`), t0))
	for _, tc := range []struct {
		name   string
		now    int64
		maxAge time.Duration
		err    error // nil: valid
		msg    string
	}{
		{"age zero", t0, time.Minute, nil, ""},
		{"age == maxAge", t0 + 60, time.Minute, nil, ""},
		{"age == maxAge+1", t0 + 61, time.Minute, signing.ErrExpired, "signing: signature expired: age 61s exceeds 60s"},
		{"one second in the future", t0 - 1, time.Minute, signing.ErrFuture, "signing: signed 1s in the future"},
		{"61 seconds in the future", t0 - 61, time.Minute, signing.ErrFuture, "signing: signed 61s in the future"},
		{"maxAge 0: no check, old", t0 + 1e9, 0, nil, ""},
		{"maxAge 0: no check, future", 0, 0, nil, ""},
		{"maxAge < 0: no check", t0 + 1e9, -time.Second, nil, ""},
		{"maxAge truncated to seconds: 1.9s, age 1", t0 + 1, 1900 * time.Millisecond, nil, ""},
		{"maxAge truncated to seconds: 1.9s, age 2", t0 + 2, 1900 * time.Millisecond, signing.ErrExpired, ""},
		{"maxAge under a second: only age 0", t0 + 1, time.Millisecond, signing.ErrExpired, ""},
		{"clock before 1970", -5, time.Minute, signing.ErrFuture, ""},
		{"Flask default lifetime", t0 + 2678400, 31 * 24 * time.Hour, nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSigner(t, tc.now, signing.Options{})
			payload, signed, err := s.Verify(cookie, tc.maxAge)
			if tc.err == nil {
				if err != nil || string(payload) != `{"a":1}` || signed.Unix() != t0 {
					t.Fatalf("Verify = %q, %v, %v", payload, signed, err)
				}
				return
			}
			if !errors.Is(err, tc.err) || !errors.Is(err, signing.ErrInvalid) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			if tc.msg != "" && err.Error() != tc.msg {
				t.Fatalf("message %q, want %q", err.Error(), tc.msg)
			}
			if payload != nil {
				t.Fatalf("payload %q returned with an error", payload)
			}
		})
	}
}

// TestTimestampEdges: timestamps near 0 and 2^64 must not overflow the age
// computation.
func TestTimestampEdges(t *testing.T) {
	p := b64([]byte(`{}`))
	maxDur := time.Duration(math.MaxInt64)
	maxDurSec := int64(maxDur / time.Second)
	for _, tc := range []struct {
		name   string
		ts     uint64
		now    int64
		maxAge time.Duration
		err    error
		unix   int64
	}{
		{"ts 0 (empty T), now 0", 0, 0, time.Second, nil, 0},
		{"ts 0, now 1", 0, 1, time.Second, nil, 0},
		{"ts 0, now 2", 0, 2, time.Second, signing.ErrExpired, 0},
		{"ts 0, now MaxInt64, longest maxAge", 0, math.MaxInt64, maxDur, signing.ErrExpired, 0},
		{"ts 0, now = longest maxAge", 0, maxDurSec, maxDur, nil, 0},
		{"ts 1, now MaxInt64", 1, math.MaxInt64, time.Hour, signing.ErrExpired, 0},
		{"ts MaxInt64, now MaxInt64", math.MaxInt64, math.MaxInt64, time.Hour, nil, math.MaxInt64},
		{"ts 2^63, now MaxInt64", 1 << 63, math.MaxInt64, time.Hour, signing.ErrFuture, 0},
		{"ts 2^64-1, now 0", math.MaxUint64, 0, time.Hour, signing.ErrFuture, 0},
		{"ts 2^64-1, now MaxInt64", math.MaxUint64, math.MaxInt64, maxDur, signing.ErrFuture, 0},
		{"ts 2^64-1, no age check", math.MaxUint64, t0, 0, signing.ErrMalformed, 0},
		{"ts 2^63, no age check", 1 << 63, t0, 0, signing.ErrMalformed, 0},
		{"ts MaxInt64, no age check", math.MaxInt64, t0, 0, nil, math.MaxInt64},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSigner(t, tc.now, signing.Options{})
			cookie := rawSign(p + "." + tsPart(tc.ts))
			_, unix, err := s.AppendVerify(nil, cookie, tc.maxAge)
			if tc.err == nil {
				if err != nil || unix != tc.unix {
					t.Fatalf("AppendVerify(%s) = %d, %v; want %d", cookie, unix, err, tc.unix)
				}
				return
			}
			if !errors.Is(err, tc.err) {
				t.Fatalf("AppendVerify(%s) = %d, %v; want %v", cookie, unix, err, tc.err)
			}
		})
	}
	// Signing at the edges writes what itsdangerous writes.
	s := newSigner(t, 0, signing.Options{})
	for _, ts := range []int64{0, 1, 255, 256, t0, math.MaxInt64} {
		c := string(s.AppendSign(nil, []byte(`{}`), ts))
		if want := rawSign(p + "." + tsPart(uint64(ts))); c != want {
			t.Errorf("AppendSign at %d = %s, want %s", ts, c, want)
		}
	}
	if got := tsPart(0); got != "" {
		t.Fatalf("timestamp 0 encodes as %q", got)
	}
}

func TestMalformedTimestamp(t *testing.T) {
	s := newSigner(t, t0, signing.Options{})
	p := b64([]byte(`{}`))
	for _, tsp := range []string{
		b64(make([]byte, 9)), // 9 bytes: 12 characters
		b64([]byte{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}),
		"ZVPxAA==", // padding
		"ZVPxAB",   // non-zero unused bits
		"ZVP+AA",   // standard alphabet
		"ZVP\nxAA", // line break (Go's decoder would skip it)
		"Z",        // impossible length
		"ZVPxAA ",  // space
	} {
		cookie := rawSign(p + "." + tsp)
		for _, maxAge := range []time.Duration{0, time.Hour} {
			if _, _, err := s.Verify(cookie, maxAge); !errors.Is(err, signing.ErrMalformed) {
				t.Errorf("T %q, maxAge %v: err = %v, want ErrMalformed", tsp, maxAge, err)
			}
		}
	}
}

// TestHostileInputs: security.md §4 items that reach this layer. Every one is
// ErrInvalid, none panics.
func TestHostileInputs(t *testing.T) {
	s := newSigner(t, t0+60, signing.Options{})
	valid := string(s.AppendSign(nil, []byte(`{"user":"alice"}`), t0))
	i := strings.LastIndexByte(valid, '.')
	sig := valid[i+1:]
	flip := func(c string, at int) string {
		b := []byte(c)
		b[at] ^= 1
		return string(b)
	}
	cases := map[string]string{
		"empty":                      "",
		"space":                      " ",
		"one dot":                    ".",
		"two dots":                   "..",
		"three dots":                 "...",
		"pipes":                      "||",
		"word":                       "cookie",
		"null":                       "null",
		"quoted":                     `"` + valid + `"`,
		"NUL":                        valid[:5] + "\x00" + valid[5:],
		"truncated signature":        valid[:len(valid)-1],
		"signature only":             "." + "." + sig,
		"flipped signature":          flip(valid, len(valid)-3),
		"flipped payload":            flip(valid, 2),
		"flipped timestamp":          flip(valid, i-2),
		"extra dot in signature":     valid[:i] + ".." + sig,
		"signature moved":            sig + "." + valid[:i],
		"unsigned JSON":              `{"user":"alice"}`,
		"unsigned base64 JSON":       b64([]byte(`{"user":"admin"}`)),
		"unsigned P.T":               b64([]byte(`{"user":"admin"}`)) + "." + tsPart(t0),
		"unsigned with empty S":      b64([]byte(`{"user":"admin"}`)) + "." + tsPart(t0) + ".",
		"signature of other payload": b64([]byte(`{"user":"admin"}`)) + "." + tsPart(t0) + "." + sig,
		"sha256-length signature":    valid[:i] + "." + strings.Repeat("A", 43),
		"pickle":                     "gASVCgAAAAAAAAB9lIwBYZRLAXMu." + tsPart(t0) + "." + sig,
		"utf-8":                      "é." + tsPart(t0) + "." + sig,
		"compressed marker only":     "." + "." + tsPart(t0) + "." + sig,
	}
	for name, c := range cases {
		payload, _, err := s.Verify(c, time.Hour)
		if !errors.Is(err, signing.ErrInvalid) || errors.Is(err, signing.ErrBadPayload) || payload != nil {
			t.Errorf("%s: Verify(%q) = %q, %v; want ErrInvalid", name, c, payload, err)
		}
	}
}

// TestOrderOfChecks: length, split, signature, timestamp, age, payload.
func TestOrderOfChecks(t *testing.T) {
	s := newSigner(t, t0, signing.Options{MaxLength: 200})
	badB64 := "e3!0"
	for _, tc := range []struct {
		name   string
		cookie string
		want   error
	}{
		{"too long beats everything", strings.Repeat("x", 201), signing.ErrTooLong},
		{"too long beats a valid cookie", rawSign(b64(bytes.Repeat([]byte("a"), 200)) + "." + tsPart(t0)), signing.ErrTooLong},
		{"split before signature", "abc", signing.ErrMalformed},
		{"signature before timestamp", badB64 + ".!!!." + strings.Repeat("A", 27), signing.ErrBadSignature},
		{"signature before payload", badB64 + "." + tsPart(t0) + "." + strings.Repeat("A", 27), signing.ErrBadSignature},
		{"timestamp before payload", rawSign(badB64 + ".!!!"), signing.ErrMalformed},
		{"age before payload", rawSign(badB64 + "." + tsPart(t0-7200)), signing.ErrExpired},
		{"future before payload", rawSign(badB64 + "." + tsPart(t0+1)), signing.ErrFuture},
		{"payload last", rawSign(badB64 + "." + tsPart(t0)), signing.ErrBadPayload},
	} {
		_, _, err := s.Verify(tc.cookie, time.Hour)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
}

// TestTamperedCompressedNotInflated: a flipped byte in a compressed payload is
// rejected before the inflater runs.
func TestTamperedCompressedNotInflated(t *testing.T) {
	calls := 0
	defer signing.SetInflateHookForTest(func() { calls++ })()
	s := newSigner(t, t0, signing.Options{})
	payload := []byte(`{"msg":"` + strings.Repeat("hello world ", 40) + `"}`)
	cookie := string(s.AppendSign(nil, payload, t0))
	if cookie[0] != '.' {
		t.Fatalf("not compressed: %s", cookie)
	}
	for at := 1; at < strings.IndexByte(cookie[1:], '.'); at++ {
		b := []byte(cookie)
		b[at] ^= 0x01
		if _, _, err := s.Verify(string(b), time.Hour); !errors.Is(err, signing.ErrBadSignature) {
			t.Fatalf("flipped byte %d: err = %v", at, err)
		}
	}
	if calls != 0 {
		t.Fatalf("inflater ran %d times on tampered cookies", calls)
	}
	if got, _, err := s.Verify(cookie, time.Hour); err != nil || !bytes.Equal(got, payload) || calls != 1 {
		t.Fatalf("valid cookie: %v, %d inflates", err, calls)
	}
}

// TestBombNotInflatedWithoutSignature: the same with a real bomb, measured in
// bytes allocated.
func TestBombNotInflatedWithoutSignature(t *testing.T) {
	s := newSigner(t, t0, signing.Options{MaxLength: -1, MaxInflate: 1 << 30})
	bomb := bombCookie(t, 16<<20, t0)
	tampered := bomb[:len(bomb)-1] + string(bomb[len(bomb)-1]^1)
	if alloc := allocated(func() { s.Verify(tampered, 0) }); alloc > 1<<20 {
		t.Fatalf("a tampered bomb cost %d bytes", alloc)
	}
}

func TestZlibBomb(t *testing.T) {
	const limit = 64 << 10
	s := newSigner(t, t0, signing.Options{MaxLength: -1, MaxInflate: limit})
	bomb := bombCookie(t, 16<<20, t0) // ~22 KB cookie, 16 MiB payload
	var err error
	alloc := allocated(func() { _, _, err = s.Verify(bomb, time.Hour) })
	if !errors.Is(err, signing.ErrInflateLimit) || !errors.Is(err, signing.ErrBadPayload) {
		t.Fatalf("err = %v", err)
	}
	if alloc > 1<<20 {
		t.Fatalf("a bomb against a %d-byte cap cost %d bytes", limit, alloc)
	}
	// The cap is exact: limit bytes inflate, limit+1 do not.
	if p, _, err := s.Verify(bombCookie(t, limit, t0), 0); err != nil || len(p) != limit {
		t.Fatalf("payload of exactly the cap: %d bytes, %v", len(p), err)
	}
	if _, _, err := s.Verify(bombCookie(t, limit+1, t0), 0); !errors.Is(err, signing.ErrInflateLimit) {
		t.Fatalf("payload of cap+1: %v", err)
	}
	// The default cap (1 MiB) with a cookie that fits in 4 KB.
	d := newSigner(t, t0, signing.Options{})
	c := bombCookie(t, 2<<20, t0)
	if len(c) > signing.DefaultMaxLength {
		t.Fatalf("bomb cookie is %d bytes", len(c))
	}
	if _, _, err := d.Verify(c, time.Hour); !errors.Is(err, signing.ErrInflateLimit) {
		t.Fatalf("default cap: %v", err)
	}
}

func TestBadPayloadWithValidSignature(t *testing.T) {
	s := newSigner(t, t0, signing.Options{})
	z := zlibOf(t, []byte(`{"a":1}`), 6)
	truncated := z[:len(z)-1]
	badSum := bytes.Clone(z)
	badSum[len(badSum)-1] ^= 1
	dict := bytes.Clone(z)
	dict[1] = 0xbb // FDICT set, FCHECK valid: 0x78bb % 31 == 0
	for name, p := range map[string]string{
		"not base64":         "e3!0",
		"padding":            "e30=",
		"impossible length":  "e30xx",
		"standard alphabet":  "e+/0",
		"not zlib":           "." + b64([]byte("not zlib")),
		"empty zlib":         ".",
		"truncated zlib":     "." + b64(truncated),
		"bad checksum":       "." + b64(badSum),
		"preset dictionary":  "." + b64(dict),
		"raw deflate":        "." + b64(z[2:len(z)-4]),
		"trailing bytes":     "." + b64(append(bytes.Clone(z), 0)),
		"compressed not b64": ".eJ!!",
		"two compress marks": ".." + b64(z),
	} {
		payload, _, err := s.Verify(rawSign(p+"."+tsPart(t0)), time.Hour)
		if !errors.Is(err, signing.ErrBadPayload) || errors.Is(err, signing.ErrInvalid) || payload != nil {
			t.Errorf("%s: Verify = %q, %v; want ErrBadPayload", name, payload, err)
		}
	}
	// An empty P is a valid (empty) payload at this layer: the JSON layer rejects it.
	if p, _, err := s.Verify(rawSign("."+tsPart(t0)), time.Hour); err != nil || len(p) != 0 {
		t.Errorf("empty P: %q, %v", p, err)
	}
}

func TestTooLong(t *testing.T) {
	s := newSigner(t, t0, signing.Options{})
	huge := strings.Repeat("A", 100<<10)
	if _, _, err := s.Verify(huge, time.Hour); !errors.Is(err, signing.ErrTooLong) ||
		err.Error() != "signing: cookie is 102400 bytes, limit 4096" {
		t.Fatalf("err = %v", err)
	}
	var dst []byte
	allocs := testing.AllocsPerRun(100, func() { dst, _, _ = s.AppendVerify(dst[:0], huge, time.Hour) })
	if allocs > 1 {
		t.Errorf("a 100 KB cookie costs %v allocations", allocs)
	}
	if b := allocated(func() { s.Verify(huge, time.Hour) }); b > 512 {
		t.Errorf("a 100 KB cookie costs %d bytes", b)
	}
	// At the cap it is read; MaxLength < 0 removes the cap.
	atCap := rawSign(b64(bytes.Repeat([]byte("a"), 3000)) + "." + tsPart(t0))
	capped := newSigner(t, t0, signing.Options{MaxLength: len(atCap)})
	if _, _, err := capped.Verify(atCap, 0); err != nil {
		t.Errorf("cookie at the cap: %v", err)
	}
	if _, _, err := capped.Verify(atCap+"A", 0); !errors.Is(err, signing.ErrTooLong) {
		t.Errorf("cookie over the cap: %v", err)
	}
	uncapped := newSigner(t, t0, signing.Options{MaxLength: -1})
	if _, _, err := uncapped.Verify(huge, time.Hour); !errors.Is(err, signing.ErrMalformed) {
		t.Errorf("no cap: %v", err)
	}
}

// TestErrorClasses: each specific error matches its class and only it.
func TestErrorClasses(t *testing.T) {
	for _, tc := range []struct {
		err, class, other error
	}{
		{signing.ErrTooLong, signing.ErrInvalid, signing.ErrBadPayload},
		{signing.ErrMalformed, signing.ErrInvalid, signing.ErrBadPayload},
		{signing.ErrBadSignature, signing.ErrInvalid, signing.ErrBadPayload},
		{signing.ErrExpired, signing.ErrInvalid, signing.ErrBadPayload},
		{signing.ErrFuture, signing.ErrInvalid, signing.ErrBadPayload},
		{signing.ErrInflateLimit, signing.ErrBadPayload, signing.ErrInvalid},
	} {
		if !errors.Is(tc.err, tc.class) || errors.Is(tc.err, tc.other) || !strings.HasPrefix(tc.err.Error(), "signing: ") {
			t.Errorf("%v: class mismatch", tc.err)
		}
	}
	if errors.Is(signing.ErrExpired, signing.ErrFuture) || errors.Is(signing.ErrInvalid, signing.ErrExpired) {
		t.Error("specific errors are not distinct")
	}
}

// TestErrorMessagesHideKeys: no message carries the secret or a derived key.
func TestErrorMessagesHideKeys(t *testing.T) {
	s := newSigner(t, t0, signing.Options{MaxInflate: 100})
	secrets := []string{testSecret, hex.EncodeToString(signing.DerivedKeyForTest(s, 0)), string(signing.DerivedKeyForTest(s, 0)), b64(signing.DerivedKeyForTest(s, 0))}
	cookies := []string{"", "a.b", "a.b.c", strings.Repeat("x", 5000), bombCookie(t, 1000, t0),
		rawSign("e3!0." + tsPart(t0)), rawSign("e30." + tsPart(t0+10)), rawSign("e30." + tsPart(1))}
	for _, c := range cookies {
		_, _, err := s.Verify(c, time.Hour)
		if err == nil {
			t.Fatalf("%s verified", short(c))
		}
		if !strings.HasPrefix(err.Error(), "signing: ") {
			t.Errorf("message %q lacks the prefix", err)
		}
		for _, k := range secrets {
			if strings.Contains(err.Error(), k) {
				t.Errorf("message %q contains key material", err)
			}
		}
	}
}

func TestInjectableClock(t *testing.T) {
	now := int64(t0)
	s, err := signing.New([]byte(testSecret), nil, signing.Options{Now: func() time.Time { return time.Unix(now, 0) }})
	if err != nil {
		t.Fatal(err)
	}
	c := s.Sign([]byte(`{"a":1}`))
	if !strings.Contains(c, "."+tsPart(t0)+".") {
		t.Fatalf("Sign used another clock: %s", c)
	}
	now += 3600
	if _, signed, err := s.Verify(c, time.Hour); err != nil || signed.Unix() != t0 || signed.Location() != time.UTC {
		t.Fatalf("Verify at +1h = %v, %v", signed, err)
	}
	now++
	if _, _, err := s.Verify(c, time.Hour); !errors.Is(err, signing.ErrExpired) {
		t.Fatalf("Verify at +1h1s = %v", err)
	}
}

// allocated returns the bytes f allocates.
func allocated(f func()) uint64 {
	var a, b runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&a)
	f()
	runtime.ReadMemStats(&b)
	return b.TotalAlloc - a.TotalAlloc
}
