package flasktest

import (
	"bytes"
	"context"
	"encoding/json"
	"os/exec"
	"testing"
	"time"
)

// loadsScript loads each cookie of its JSON request with Flask's session
// serializer settings (salt "cookie-session", HMAC key derivation, SHA-1, no
// max_age) and prints the raw payloads, hex encoded, or "error: ..." for a
// cookie itsdangerous refuses.
const loadsScript = `
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

// ItsdangerousLoads has the real itsdangerous read each cookie with Flask's
// session settings and secret, and returns, per cookie, its payload
// hex-encoded or "error: <exception>". It skips (fails under CI=true) as
// Python does when no Python with Flask is found, and fails the test if
// Python does not answer within a minute.
func ItsdangerousLoads(t testing.TB, secret string, cookies []string) []string {
	t.Helper()
	py := Python(t)
	in, err := json.Marshal(map[string]any{"secret": secret, "cookies": cookies})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "-c", loadsScript)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v\n%s", py, err, stderr.String())
	}
	var got []string
	if err := json.Unmarshal(out, &got); err != nil || len(got) != len(cookies) {
		t.Fatalf("python said %.200s (%v)", out, err)
	}
	return got
}
