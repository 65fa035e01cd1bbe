package signing_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session/signing"
)

const fuzzMaxInflate = 64 << 10

// FuzzVerify feeds arbitrary cookie values to Verify. With resign set, the
// "P.T" part is first signed with the fuzz key, so the fuzzer also explores
// what happens after a valid signature (timestamps, base64, zlib). Verify must
// not panic, must answer exactly one error class, must respect the inflate
// cap, and whatever it accepts must survive signing again at the same time.
func FuzzVerify(f *testing.F) {
	s := newSigner(f, t0+60, signing.Options{MaxInflate: fuzzMaxInflate})
	for _, c := range []string{
		"", ".", "..", "...", "||", "cookie", "null", " ",
		"eyJ1c2VyIjoiYWxpY2UifQ.ZVPxAA.LQ55TDIiJfvxB7VwlwEgxsz5GuU",
		"eyJ1c2VyIjoiYWxpY2UifQ.ZVPxAA",
		"eyJ1c2VyIjoiYWxpY2UifQ..",
		".eJyrVsotTleyUspIzcnJVyjPL8pJUaAnW6kWADDuL9o.ZVPxAA.BlmyWp-HfZBm2HSEN9LeypRg_Gs",
		"e30.ZVPxAA==", "e31.ZVPxAA", "eyJhIjoxfQ==.ZVPxAA", ".eJyrVkpUsjKsBQAIKgIJanVuaw.ZVPxAA",
		"e30.__________8", "e30.AAAAAAAAAAAA", "e30.", ".eJwDAAAAAAE.ZVPxAA", ".eJ.ZVPxAA",
		s.Sign(largePayload()),
	} {
		f.Add(c, false)
		if i := strings.LastIndexByte(c, '.'); i > 0 && strings.Count(c, ".") >= 2 {
			f.Add(c[:i], true)
		}
		f.Add(c, true)
	}
	f.Add(bombCookie(f, 1<<20, t0)[:strings.LastIndexByte(bombCookie(f, 1<<20, t0), '.')], true)
	f.Fuzz(func(t *testing.T, cookie string, resign bool) {
		if resign {
			cookie = rawSign(cookie)
		}
		payload, unix, err := s.AppendVerify(nil, cookie, 0)
		if err != nil {
			if errors.Is(err, signing.ErrInvalid) == errors.Is(err, signing.ErrBadPayload) {
				t.Fatalf("error %v is in neither or both classes", err)
			}
			if !strings.HasPrefix(err.Error(), "signing: ") {
				t.Fatalf("message %q", err)
			}
			if payload != nil {
				t.Fatalf("payload with an error")
			}
			if len(cookie) > signing.DefaultMaxLength && !errors.Is(err, signing.ErrTooLong) {
				t.Fatalf("%d-byte cookie: %v", len(cookie), err)
			}
			return
		}
		if len(payload) > fuzzMaxInflate && strings.HasPrefix(cookie, ".") {
			t.Fatalf("inflated %d bytes past the cap", len(payload))
		}
		again := s.AppendSign(nil, payload, unix)
		payload2, unix2, err := s.AppendVerify(nil, string(again), 0)
		if err != nil || !bytes.Equal(payload2, payload) || unix2 != unix {
			t.Fatalf("re-signed cookie %s: %q at %d, %v; want %q at %d", again, payload2, unix2, err, payload, unix)
		}
		// With an age check, a cookie from the future or too old is refused.
		if _, _, err := s.AppendVerify(nil, cookie, time.Hour); (err == nil) != (unix <= t0+60 && unix >= t0+60-3600) {
			t.Fatalf("age check at %d: %v", unix, err)
		}
	})
}

// FuzzSignVerify: any payload at any non-negative time round-trips, and an
// uncompressed cookie is the plain base64 of the payload.
func FuzzSignVerify(f *testing.F) {
	s := newSigner(f, t0, signing.Options{MaxLength: -1})
	f.Add([]byte(`{"name":"alice","role":"admin","user_id":42}`), int64(t0))
	f.Add([]byte(`{"escaped":{" m":"&lt;script&gt;"},"m":{" m":"<b>bold</b> &amp;"}}`), int64(0))
	f.Add(largePayload(), int64(1<<62))
	f.Add([]byte{}, int64(255))
	f.Add(bytes.Repeat([]byte("ab"), 9000), int64(1))
	f.Fuzz(func(t *testing.T, payload []byte, unix int64) {
		if unix < 0 {
			unix = -(unix + 1)
		}
		cookie := s.AppendSign(nil, payload, unix)
		for _, c := range cookie {
			if !(c == '.' || c == '-' || c == '_' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
				t.Fatalf("cookie %q has a %q", cookie, c)
			}
		}
		got, gotUnix, err := s.AppendVerify(nil, string(cookie), 0)
		if err != nil || !bytes.Equal(got, payload) || gotUnix != unix {
			t.Fatalf("round trip: %q at %d, %v", got, gotUnix, err)
		}
		p := cookie[:bytes.LastIndexByte(cookie[:bytes.LastIndexByte(cookie, '.')], '.')]
		if len(p) == 0 || p[0] != '.' {
			if string(p) != b64(payload) {
				t.Fatalf("P = %s, want %s", p, b64(payload))
			}
		} else if len(p) >= len(b64(payload)) {
			// Compressed only when zlib saves at least 2 bytes, so "." + P is
			// shorter than the plain P.
			t.Fatalf("compressed P is %d bytes, plain %d", len(p), len(b64(payload)))
		}
	})
}
