package deflate_test

// Tests against real Python zlib and itsdangerous (the interpreter that has
// Flask, $SESSIONKIT_TEST_PYTHON). They skip without it, and fail without it
// when $CI is true (flasktest.Python).

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session/deflate"
	"github.com/sessionkit/session/internal/flasktest"
	"github.com/sessionkit/session/signing"
)

const testSecret = "dev-secret-key-1"

// pyTimeout bounds one Python run.
const pyTimeout = 2 * time.Minute

// runPython runs script with req as JSON on stdin and decodes its JSON
// output into out.
func runPython(t *testing.T, script string, req, out any) {
	t.Helper()
	py := flasktest.Python(t)
	in, err := json.Marshal(req)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), pyTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "-c", script)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	raw, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", py, err, stderr.String())
	}
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("python said %.200s: %v", raw, err)
	}
}

// flaskSide is run by the Python that has Flask. For each hex payload it
// prints len(zlib.compress(payload)) (Flask's level 6) and the cookie
// itsdangerous makes for it with Flask's session settings at time t0.
const flaskSide = `
import hashlib, json, sys, zlib
from itsdangerous import URLSafeTimedSerializer, TimestampSigner

class Raw:
    dumps = staticmethod(lambda obj, **kw: obj)
    loads = staticmethod(lambda s, **kw: s)

class FixedTime(TimestampSigner):
    def get_timestamp(self):
        return 1700000000

req = json.load(sys.stdin)
ser = URLSafeTimedSerializer(req["secret"], salt="cookie-session", serializer=Raw,
    signer=FixedTime, signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1})
out = []
for h in req["payloads"]:
    p = bytes.fromhex(h)
    c = ser.dumps(p)
    out.append([len(zlib.compress(p)), c if isinstance(c, str) else c.decode()])
json.dump(out, sys.stdout)
`

// nearBoundary returns n session-shaped JSON payloads, most of them within
// a few bytes of Flask's compression boundary: a random mix of tokens
// (hex, base64url, random printable ASCII, which zlib barely shrinks) and
// words (which it does), 20 to 1,500 bytes.
func nearBoundary(seed uint64, n int) [][]byte {
	r := rand.New(rand.NewPCG(seed, 99))
	words := strings.Fields("alice bob admin user cart item csrf_token _fresh _id _permanent theme dark lang en flash message success error next /home count page")
	token := func(kind, n int) string {
		var b strings.Builder
		for range n {
			switch kind {
			case 0:
				b.WriteByte("0123456789abcdef"[r.IntN(16)])
			case 1:
				b.WriteByte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[r.IntN(64)])
			default:
				c := byte(' ' + r.IntN(95))
				if c == '"' || c == '\\' {
					b.WriteByte('\\')
				}
				b.WriteByte(c)
			}
		}
		return b.String()
	}
	var out [][]byte
	for range n {
		var b strings.Builder
		b.WriteByte('{')
		keys := 1 + r.IntN(10)
		for k := range keys {
			if k > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `"%s_%d":`, words[r.IntN(len(words))], k)
			switch r.IntN(7) {
			case 0, 1, 2:
				fmt.Fprintf(&b, `"%s"`, token(r.IntN(3), 4+r.IntN(150)))
			case 3:
				fmt.Fprintf(&b, "%d", r.Int64N(1<<50))
			case 4:
				fmt.Fprintf(&b, `"%s"`, words[r.IntN(len(words))])
			case 5:
				fmt.Fprintf(&b, `{" t":["%s","%s"]}`, words[r.IntN(len(words))], token(2, r.IntN(40)))
			case 6:
				fmt.Fprintf(&b, `[%d,"%s"]`, r.IntN(1000), token(1, r.IntN(60)))
			}
		}
		b.WriteByte('}')
		out = append(out, []byte(b.String()))
	}
	return out
}

// fixedSigner is a Signer for testSecret at time t0 with compressor c (nil:
// the built-in writer only).
func fixedSigner(t testing.TB, c signing.Compressor) *signing.Signer {
	t.Helper()
	s, err := signing.New([]byte(testSecret), nil, signing.Options{
		Compressor: c, MaxLength: -1,
		Now: func() time.Time { return time.Unix(t0, 0) },
	})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestFlaskDecision checks the compression decision with the Compressor
// against Flask's (Python's zlib and itsdangerous) on payloads near the
// boundary (8,000 of them, 2,000 under -race), at levels 1, 2 and 4: every
// payload Flask sends uncompressed gives a cookie byte-identical with the
// one itsdangerous makes. It also
// measures how much shorter than zlib's the Compressor's zlib stream ever
// is, which signing's margin (24 bytes + 1/64 of the payload) must exceed
// with room to spare: the test fails if the worst case reaches half of it.
func TestFlaskDecision(t *testing.T) {
	n := 8000
	if raceEnabled {
		n = 2000 // the same decision code, at a quarter of the cost
	}
	payloads := nearBoundary(21, n)
	hexes := make([]string, len(payloads))
	for i, p := range payloads {
		hexes[i] = hex.EncodeToString(p)
	}
	var flask [][2]any // [zlib size, cookie]
	runPython(t, flaskSide, map[string]any{"secret": testSecret, "payloads": hexes}, &flask)
	if len(flask) != len(payloads) {
		t.Fatalf("python answered %d of %d payloads", len(flask), len(payloads))
	}
	near := 0
	for i, p := range payloads {
		if d := int(flask[i][0].(float64)) - (len(p) - 1); d >= -8 && d <= 8 {
			near++
		}
	}
	if near < n/20 {
		t.Fatalf("only %d payloads within 8 bytes of the boundary", near)
	}
	for _, level := range []int{1, 2, 4} {
		c := newCompressor(t, level)
		s := fixedSigner(t, c)
		flaskOnly, fastUsed, worst := 0, 0, -1<<30
		for i, p := range payloads {
			zlibLen, flaskCookie := int(flask[i][0].(float64)), flask[i][1].(string)
			flaskCompresses := zlibLen < len(p)-1
			cookie := s.Sign(p)
			if !flaskCompresses && cookie != flaskCookie {
				t.Errorf("level %d: payload %q: Flask writes %s, we write %s", level, p, flaskCookie, cookie)
			}
			if flaskCompresses && cookie[0] != '.' {
				flaskOnly++
			}
			if d := c.AppendDeflate(nil, p); len(d) > 0 {
				fast := 2 + len(d) + 4
				worst = max(worst, zlibLen-fast)
				if 2*(zlibLen-fast) >= 24+len(p)/64 {
					t.Errorf("level %d: payload of %d bytes: zlib %d bytes, the Compressor's %d: within half of signing's margin", level, len(p), zlibLen, fast)
				}
				if z, err := base64.RawURLEncoding.DecodeString(strings.SplitN(cookie, ".", 3)[1]); cookie[0] == '.' && err == nil && bytes.Equal(z[2:len(z)-4], d) {
					fastUsed++
				}
			}
		}
		t.Logf("level %d: %d payloads (%d within 8 bytes of the boundary): Flask alone compresses %d; the Compressor's stream used for %d; its zlib stream at most %d bytes shorter than zlib's", level, len(payloads), near, flaskOnly, fastUsed, worst)
		if fastUsed < len(payloads)/10 {
			t.Errorf("level %d: the Compressor's stream was used for only %d payloads", level, fastUsed)
		}
	}
}

// TestFlaskReadsFastCookies has itsdangerous load cookies made with the
// Compressor, from 128 bytes to several flate windows.
func TestFlaskReadsFastCookies(t *testing.T) {
	s := fixedSigner(t, newCompressor(t, 0))
	payloads := nearBoundary(22, 300)
	payloads = append(payloads, benchSession(), bytes.Repeat(benchSession(), 40))
	for n := 130; n < 1881; n += 50 {
		payloads = append(payloads, benchSession()[:n])
	}
	for _, n := range []int{128, 1000, 1 << 16, 1<<16 + 1, 150_000} {
		payloads = append(payloads, bytes.Repeat([]byte(`{"k":"v"},`), n/10+1)[:n])
	}
	def := fixedSigner(t, nil)
	var cookies []string
	fast := 0
	for _, p := range payloads {
		c := s.Sign(p)
		if c[0] == '.' && c != def.Sign(p) {
			fast++
		}
		cookies = append(cookies, c)
	}
	if fast < len(cookies)/4 {
		t.Fatalf("only %d of %d cookies use the Compressor's stream", fast, len(cookies))
	}
	got := flasktest.ItsdangerousLoads(t, testSecret, cookies)
	for i, p := range payloads {
		if got[i] != hex.EncodeToString(p) {
			t.Errorf("cookie %.40s…: itsdangerous read %.100s, want %.100q", cookies[i], got[i], p)
		}
	}
	t.Logf("itsdangerous read %d cookies, %d with the Compressor's stream (level %d)", len(cookies), fast, deflate.DefaultLevel)
}
