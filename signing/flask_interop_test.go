package signing_test

import (
	"bytes"
	"compress/zlib"
	"encoding/hex"
	"encoding/json"
	"os/exec"
	"strings"
	"testing"

	"github.com/sessionkit/session/internal/flasktest"
	"github.com/sessionkit/session/signing"
)

// TestFlaskReadsOurCookies has the real itsdangerous read cookies made here,
// compressed ones in particular: Go's deflate output, trimmed of its empty
// final block, at sizes on both sides of the single-block limit.
func TestFlaskReadsOurCookies(t *testing.T) {
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
	got := flasktest.ItsdangerousLoads(t, testSecret, cookies)
	for i, p := range payloads {
		if got[i] != hex.EncodeToString(p) {
			t.Errorf("cookie %s: itsdangerous read %.100s, want %.100q", short(cookies[i]), got[i], p)
		}
	}
	t.Logf("itsdangerous read %d cookies, %d of them compressed", len(cookies), compressed)
}

// TestCompressionMatchesZlib compares the compression decision with Flask's
// (C zlib) on generated session payloads: where Flask does not compress, the
// cookie must be byte-identical, so this package must not compress either.
// The other way round (Flask compresses, Go's deflate does not save enough)
// only costs bytes and is counted.
func TestCompressionMatchesZlib(t *testing.T) {
	py := flasktest.Python(t)
	payloads := signing.SessionLikeForTest(6, 6000)
	var hexes []string
	for _, p := range payloads {
		hexes = append(hexes, hex.EncodeToString(p))
	}
	req, _ := json.Marshal(hexes)
	cmd := exec.Command(py, "-c", "import json, sys, zlib\njson.dump([len(zlib.compress(bytes.fromhex(h))) for h in json.load(sys.stdin)], sys.stdout)")
	cmd.Stdin = bytes.NewReader(req)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s: %v", py, err)
	}
	var sizes []int
	if err := json.Unmarshal(out, &sizes); err != nil || len(sizes) != len(payloads) {
		t.Fatalf("python said %.200s (%v)", out, err)
	}
	s := newSigner(t, t0, signing.Options{})
	var zbuf bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&zbuf, 6)
	goSize := func(p []byte) int {
		zbuf.Reset()
		zw.Reset(&zbuf)
		zw.Write(p)
		zw.Close()
		return zbuf.Len()
	}
	flaskOnly, closest := 0, 1<<30
	for i, p := range payloads {
		flask := sizes[i] < len(p)-1
		ours := s.AppendSign(nil, p, t0)[0] == '.' && len(p) > 0
		switch {
		case ours && !flask:
			t.Errorf("compressed %q, which Flask (zlib: %d bytes) sends uncompressed", p, sizes[i])
		case flask && !ours:
			flaskOnly++
		case !flask:
			// How close compress/flate came to compressing it anyway.
			closest = min(closest, goSize(p)-(len(p)-1))
		}
	}
	t.Logf("%d payloads: Flask alone compresses %d; where Flask does not, compress/flate stays >= %d byte(s) from compressing",
		len(payloads), flaskOnly, closest)
}
