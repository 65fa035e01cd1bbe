package signing_test

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/sessionkit/session/internal/flasktest"
	"github.com/sessionkit/session/signing"
)

// readByItsdangerous is run by the Python that has Flask: it loads each
// cookie with Flask's serializer settings (no max_age) and prints the raw
// payloads, hex encoded, or the error.
const readByItsdangerous = `
import hashlib, json, sys
from itsdangerous import URLSafeTimedSerializer

class Raw:
    dumps = staticmethod(lambda obj, **kw: obj)
    loads = staticmethod(lambda s, **kw: s)

req = json.load(sys.stdin)
ser = URLSafeTimedSerializer(req["secret"], salt="cookie-session", serializer=Raw,
    signer_kwargs={"key_derivation": "hmac", "digest_method": hashlib.sha1})
out = []
for c in req["cookies"]:
    try:
        p = ser.loads(c)
        out.append((p if isinstance(p, bytes) else p.encode("latin-1")).hex())
    except Exception as e:
        out.append("error: %s: %s" % (type(e).__name__, e))
json.dump(out, sys.stdout)
`

// TestFlaskReadsOurCookies has the real itsdangerous read cookies made here,
// compressed ones in particular: Go's deflate output, trimmed of its empty
// final block, at sizes on both sides of the single-block limit.
func TestFlaskReadsOurCookies(t *testing.T) {
	py := flasktest.Python(t)
	s := newSigner(t, t0, signing.Options{})
	payloads := signing.SessionLikeForTest(5, 400)
	for _, n := range []int{16383, 16384, 40000} {
		payloads = append(payloads, bytes.Repeat([]byte(`{"k":"v"},`), n/10+1)[:n])
	}
	payloads = append(payloads, []byte{}, largePayload())
	var cookies []string
	compressed := 0
	for _, p := range payloads {
		c := string(s.AppendSign(nil, p, t0))
		if strings.HasPrefix(c, ".") {
			compressed++
		}
		cookies = append(cookies, c)
	}
	if compressed < len(cookies)/3 {
		t.Fatalf("only %d of %d cookies are compressed", compressed, len(cookies))
	}
	req, _ := json.Marshal(map[string]any{"secret": testSecret, "cookies": cookies})
	cmd := exec.Command(py, "-c", readByItsdangerous)
	cmd.Stdin = bytes.NewReader(req)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", py, err)
	}
	var got []string
	if err := json.Unmarshal(out, &got); err != nil || len(got) != len(payloads) {
		t.Fatalf("python said %.200s (%v)", out, err)
	}
	for i, p := range payloads {
		if got[i] != hex.EncodeToString(p) {
			t.Errorf("cookie %s: itsdangerous read %.100s, want %.100q", short(cookies[i]), got[i], p)
		}
	}
	t.Logf("itsdangerous read %d cookies, %d of them compressed", len(cookies), compressed)
}
