package flasktest_test

// Tests against real Flask. They skip without Flask, and fail without it
// when $CI is true.

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session/internal/flasktest"
)

const (
	t0        = 1700000000 // the vectors' signing time
	devSecret = "dev-secret-key-1"
	// {"user":"alice"} signed with devSecret at t0, by Flask (vector pos-basic-string).
	aliceCookie = "eyJ1c2VyIjoiYWxpY2UifQ.ZVPxAA.LQ55TDIiJfvxB7VwlwEgxsz5GuU"
	// 31 days: PERMANENT_SESSION_LIFETIME's default.
	defaultMaxAge = 2678400
)

var b64 = base64.RawURLEncoding

// signRaw signs an already encoded payload P the way Flask's itsdangerous
// serializer does: derived = HMAC-SHA1(secret, "cookie-session"),
// S = b64url(HMAC-SHA1(derived, P "." T)), T = the big-endian timestamp
// without leading zero bytes. It lets the tests make cookies whose signature
// is valid but whose payload Flask cannot decode.
func signRaw(secret, payload string, ts int64) string {
	mac := hmac.New(sha1.New, []byte(secret))
	mac.Write([]byte("cookie-session"))
	derived := mac.Sum(nil)
	var buf [8]byte
	binary.BigEndian.PutUint64(buf[:], uint64(ts))
	tsBytes := buf[:]
	for len(tsBytes) > 1 && tsBytes[0] == 0 {
		tsBytes = tsBytes[1:]
	}
	signed := payload + "." + b64.EncodeToString(tsBytes)
	mac = hmac.New(sha1.New, derived)
	mac.Write([]byte(signed))
	return signed + "." + b64.EncodeToString(mac.Sum(nil))
}

func TestSignRawWorkedExample(t *testing.T) {
	// The worked example of the spec: the derived key and the cookie.
	mac := hmac.New(sha1.New, []byte(devSecret))
	mac.Write([]byte("cookie-session"))
	if got := hex.EncodeToString(mac.Sum(nil)); got != "e39d64246fda4511f898a7d57f022f50f02e6a46" {
		t.Errorf("derived key %s", got)
	}
	if got := signRaw(devSecret, b64.EncodeToString([]byte(`{"user":"alice"}`)), t0); got != aliceCookie {
		t.Errorf("signRaw = %s, want %s", got, aliceCookie)
	}
}

func TestSignKnownVector(t *testing.T) {
	t.Parallel()
	got := flasktest.Sign(t, flasktest.SignOptions{Secret: devSecret, Timestamp: t0}, `{"user":"alice"}`)
	if got != aliceCookie {
		t.Errorf("Sign = %s, want %s", got, aliceCookie)
	}
	session, exit := flasktest.Verify(t, flasktest.VerifyOptions{Secret: devSecret, Now: t0 + 60}, got)
	if exit != flasktest.ExitOK || session != `{"user":"alice"}` {
		t.Errorf("Verify = %q, exit %d", session, exit)
	}
}

// throughFlask has Flask sign the session, then reads the cookie back with
// Flask, and returns the session Flask decoded.
func throughFlask(t *testing.T, secret string, typedJSON string) string {
	t.Helper()
	cookie := flasktest.Sign(t, flasktest.SignOptions{Secret: secret, Timestamp: t0}, typedJSON)
	got, exit := flasktest.Verify(t, flasktest.VerifyOptions{Secret: secret, Now: t0}, cookie)
	if exit != flasktest.ExitOK {
		t.Fatalf("Verify of Flask's own cookie: exit %d", exit)
	}
	return got
}

// compareMembers compares two canonical typed-JSON objects member by member.
func compareMembers(t *testing.T, got, want string) {
	t.Helper()
	if got == want {
		return
	}
	var g, w map[string]json.RawMessage
	if json.Unmarshal([]byte(got), &g) != nil || json.Unmarshal([]byte(want), &w) != nil {
		t.Fatalf("\n got %s\nwant %s", got, want)
	}
	for k, wv := range w {
		if gv, ok := g[k]; !ok || string(gv) != string(wv) {
			t.Errorf("%s:\n got %s\nwant %s", k, gv, wv)
		}
	}
	for k, gv := range g {
		if _, ok := w[k]; !ok {
			t.Errorf("%s: unexpected %s", k, gv)
		}
	}
}

// Values of every typed-JSON form go through Flask and come back as
// ToTyped(FromTyped(input)). (One session holds them all: each Flask run
// costs a Python start.)
func TestSignVerifyRoundTrip(t *testing.T) {
	t.Parallel()
	values := map[string]string{
		"str":      `"alice"`,
		"scalars":  `{"n":42,"ok":true,"none":null,"list":[1,"two",[3]]}`,
		"big":      `[1180591620717411303424,-9223372036854775809,9223372036854775807]`,
		"floats":   `[{"$float":"1.0"},{"$float":"-0.0"},{"$float":"nan"},{"$float":"inf"},{"$float":"-inf"},{"$float":"1e+16"},{"$float":"0.30000000000000004"},{"$float":"5e-324"}]`,
		"tuple":    `{"$tuple":[1,{"$tuple":[]},[{"$tuple":["x"]}]]}`,
		"bytes":    `[{"$bytes":"AAH/+w=="},{"$bytes":""}]`,
		"markup":   `{"$markup":"<em>caf\u00e9</em>"}`,
		"uuid":     `{"$uuid":"12345678-1234-5678-1234-567812345678"}`,
		"datetime": `[{"$datetime":"2024-01-02T03:04:05+00:00"},{"$datetime":"1970-01-01T00:00:00+00:00"},{"$datetime":"9999-12-31T23:59:59+00:00"}]`,
		"dollar":   `{"$dict":{"$y":1}}`,
		"two":      `{"$y":1,"$z":2}`,
		"tag keys": `[{" t":[1,2]},{" di":{" t__":1}},{" d":"x"," b":"y"}]`,
		"text":     `"caf\u00e9 \ud83d\ude00 \u2028 </script>\u0000\u007f\"\\"`,
		"nested":   `{"a":{"b":{"c":[{"d":{"$tuple":[{"$bytes":"AA=="}]}}]}}}`,
		"empty":    `[{},[],""]`,
	}
	var session strings.Builder
	session.WriteByte('{')
	for k, v := range values {
		if session.Len() > 1 {
			session.WriteByte(',')
		}
		fmt.Fprintf(&session, "%q:%s", k, v)
	}
	session.WriteByte('}')
	val, err := flasktest.FromTyped([]byte(session.String()))
	if err != nil {
		t.Fatalf("FromTyped: %v", err)
	}
	compareMembers(t, throughFlask(t, "round-trip", session.String()), flasktest.Typed(t, val))

	// Whole sessions whose own keys look like tags or typed-JSON wrappers.
	for _, in := range []string{`{" t":[1,2]}`, `{" di":{" t__":1}}`, `{"$dict":{"$x":1}}`} {
		val, err := flasktest.FromTyped([]byte(in))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := throughFlask(t, "round-trip", in), flasktest.Typed(t, val); got != want {
			t.Errorf("%s through Flask:\n got %s\nwant %s", in, got, want)
		}
	}
}

// Flask reads back every session the vectors say it decoded, printing exactly
// what Canonical and ToTyped(FromTyped(...)) make of the vector's session_out:
// Python's canonical form and Go's agree. (One session holds them all: each
// Flask run costs a Python start.)
func TestVectorsThroughFlask(t *testing.T) {
	t.Parallel()
	var session strings.Builder
	session.WriteByte('{')
	for _, v := range loadVectors(t) {
		if len(v.SessionOut) == 0 || string(v.SessionOut) == "null" {
			continue
		}
		if session.Len() > 1 {
			session.WriteByte(',')
		}
		fmt.Fprintf(&session, "%q:%s", v.ID, v.SessionOut)
	}
	session.WriteByte('}')
	want, err := flasktest.Canonical([]byte(session.String()))
	if err != nil {
		t.Fatal(err)
	}
	val, err := flasktest.FromTyped([]byte(session.String()))
	if err != nil {
		t.Fatal(err)
	}
	if typed := flasktest.Typed(t, val); typed != string(want) {
		compareMembers(t, typed, string(want))
	}
	compareMembers(t, throughFlask(t, "vectors", session.String()), string(want))
}

// The Set-Cookie headers of the vectors (Flask 3.1.3's, where they differ
// from Debian's Flask 2.2.2), reproduced by the peer.
func TestSignHeaderVectors(t *testing.T) {
	t.Parallel()
	n := 0
	for _, v := range loadVectors(t) {
		if v.Kind != "sign" && v.Kind != "config" || v.SecretKey == nil {
			continue
		}
		permanent := false
		switch v.ViewAction {
		case "session.update(session_in)":
		case "session.update(session_in); session.permanent = True":
			permanent = true
		default:
			continue
		}
		if strings.Contains(string(v.SessionIn), `"$python"`) {
			continue // an input-only Python value typed JSON cannot carry
		}
		config := map[string]string{}
		for k, val := range v.Config {
			if m, ok := val.(map[string]any); ok && m["$timedelta_seconds"] != nil {
				val = m["$timedelta_seconds"] // the script takes plain JSON: seconds
			}
			raw, err := json.Marshal(val)
			if err != nil {
				t.Fatal(err)
			}
			config[k] = string(raw)
		}
		want := v.SetCookie
		if d, ok := v.Differs["/set_cookie"].(string); ok {
			want = d
		}
		n++
		t.Run(v.ID, func(t *testing.T) {
			t.Parallel()
			secret, _ := hex.DecodeString(v.SecretKey.Hex)
			var fallbacks []string
			for _, f := range v.Fallbacks {
				b, _ := hex.DecodeString(f.Hex)
				fallbacks = append(fallbacks, string(b))
			}
			got := flasktest.SignHeader(t, flasktest.SignOptions{
				Secret: string(secret), Fallbacks: fallbacks, Timestamp: v.Timestamp,
				Permanent: permanent, Config: config,
			}, string(v.SessionIn))
			if got != want {
				t.Errorf("Set-Cookie\n got %s\nwant %s", got, want)
			}
		})
	}
	if n < 30 {
		t.Errorf("only %d header vectors", n)
	}
}

func TestVerifyExitCodes(t *testing.T) {
	t.Parallel()
	const secret = "exit-codes"
	payload := func(s string) string { return b64.EncodeToString([]byte(s)) }
	good := signRaw(secret, payload(`{"k":"v"}`), t0)
	at := flasktest.VerifyOptions{Secret: secret, Now: t0}
	tests := []struct {
		name   string
		opts   flasktest.VerifyOptions
		cookie string
		exit   int
		want   string
	}{
		{"valid", at, good, flasktest.ExitOK, `{"k":"v"}`},
		{"garbage", at, "not-a-cookie", flasktest.ExitInvalid, ""},
		{"empty", at, "", flasktest.ExitInvalid, ""},
		{"leading dash", at, "-" + good, flasktest.ExitInvalid, ""},
		{"wrong key", flasktest.VerifyOptions{Secret: "other", Now: t0}, good, flasktest.ExitInvalid, ""},
		{"tampered payload", at, payload(`{"k":"w"}`) + good[strings.IndexByte(good, '.'):], flasktest.ExitInvalid, ""},
		{"age = max_age", flasktest.VerifyOptions{Secret: secret, Now: t0 + defaultMaxAge}, good, flasktest.ExitOK, `{"k":"v"}`},
		{"expired", flasktest.VerifyOptions{Secret: secret, Now: t0 + defaultMaxAge + 1}, good, flasktest.ExitInvalid, ""},
		{"from the future", flasktest.VerifyOptions{Secret: secret, Now: t0 - 1}, good, flasktest.ExitInvalid, ""},
		{"max age option", flasktest.VerifyOptions{Secret: secret, Now: t0 + 61, MaxAge: 60}, good, flasktest.ExitInvalid, ""},
		{"lifetime config", flasktest.VerifyOptions{Secret: secret, Now: t0 + 61, Config: map[string]string{"PERMANENT_SESSION_LIFETIME": "60"}}, good, flasktest.ExitInvalid, ""},
		{"lifetime 0", flasktest.VerifyOptions{Secret: secret, Now: t0, Config: map[string]string{"PERMANENT_SESSION_LIFETIME": "0"}}, good, flasktest.ExitOK, `{"k":"v"}`},
		{"no secret", flasktest.VerifyOptions{Now: t0}, good, flasktest.ExitNoSecret, ""},
		{"payload not JSON", at, signRaw(secret, payload("not json"), t0), flasktest.ExitBadPayload, ""},
		{"payload not base64", at, signRaw(secret, "!!!!", t0), flasktest.ExitBadPayload, ""},
		{"compressed garbage", at, signRaw(secret, "."+payload("not zlib"), t0), flasktest.ExitBadPayload, ""},
		{"bad tag", at, signRaw(secret, payload(`{"u":{" u":"xyz"}}`), t0), flasktest.ExitBadPayload, ""},
		{"top level string", at, signRaw(secret, payload(`"str"`), t0), flasktest.ExitBadPayload, ""},
		{"top level list", at, signRaw(secret, payload(`[1,2]`), t0), flasktest.ExitBadPayload, ""},
		// Flask builds the session with dict(data): a list of pairs passes.
		{"top level list of pairs", at, signRaw(secret, payload(`[["a",1]]`), t0), flasktest.ExitOK, `{"a":1}`},
		{"empty dict", at, signRaw(secret, payload(`{}`), t0), flasktest.ExitOK, `{}`},
	}
	for _, tt := range tests {
		got, exit := flasktest.Verify(t, tt.opts, tt.cookie)
		if exit != tt.exit || got != tt.want {
			t.Errorf("%s: Verify = %q, exit %d; want %q, exit %d", tt.name, got, exit, tt.want, tt.exit)
		}
	}
}

func TestKeys(t *testing.T) {
	t.Parallel()
	old := flasktest.Sign(t, flasktest.SignOptions{Secret: "old key", Timestamp: t0}, `{"v":1}`)
	verify := func(opts flasktest.VerifyOptions, cookie string) int {
		t.Helper()
		opts.Now = t0
		_, exit := flasktest.Verify(t, opts, cookie)
		return exit
	}
	if exit := verify(flasktest.VerifyOptions{Secret: "new key", Fallbacks: []string{"older key", "old key"}}, old); exit != flasktest.ExitOK {
		t.Errorf("old cookie with fallback: exit %d", exit)
	}
	if exit := verify(flasktest.VerifyOptions{Secret: "new key"}, old); exit != flasktest.ExitInvalid {
		t.Errorf("old cookie without fallback: exit %d", exit)
	}
	// Flask signs with SECRET_KEY, never with a fallback.
	rotated := flasktest.Sign(t, flasktest.SignOptions{Secret: "new key", Fallbacks: []string{"old key"}, Timestamp: t0}, `{"v":1}`)
	if exit := verify(flasktest.VerifyOptions{Secret: "new key"}, rotated); exit != flasktest.ExitOK {
		t.Errorf("cookie signed with fallbacks configured, checked with the new key: exit %d", exit)
	}
	if exit := verify(flasktest.VerifyOptions{Secret: "old key"}, rotated); exit != flasktest.ExitInvalid {
		t.Errorf("cookie signed with fallbacks configured, checked with the old key: exit %d", exit)
	}

	// Binary keys (not UTF-8, with NUL) travel as hex; Flask uses the bytes.
	bin := "\xff\x00k\x80"
	cookie := flasktest.Sign(t, flasktest.SignOptions{Secret: bin, Fallbacks: []string{"\x00"}, Timestamp: t0}, `{"v":1}`)
	if want := signRaw(bin, b64.EncodeToString([]byte(`{"v":1}`)), t0); cookie != want {
		t.Errorf("binary key: Flask %s, Go %s", cookie, want)
	}
	if exit := verify(flasktest.VerifyOptions{Secret: "x", Fallbacks: []string{"é", bin}}, cookie); exit != flasktest.ExitOK {
		t.Errorf("binary fallback: exit %d", exit)
	}
	// A text key that looks like a flag.
	dash := flasktest.Sign(t, flasktest.SignOptions{Secret: "--permanent", Timestamp: t0}, `{"v":1}`)
	if want := signRaw("--permanent", b64.EncodeToString([]byte(`{"v":1}`)), t0); dash != want {
		t.Errorf("key %q: Flask %s, Go %s", "--permanent", dash, want)
	}
}

func TestSignHeaderAndExitCodes(t *testing.T) {
	t.Parallel()
	opts := flasktest.SignOptions{Secret: devSecret, Timestamp: t0, Permanent: true}
	got := flasktest.SignHeader(t, opts, `{"user":"alice"}`)
	want := "session=" + signRaw(devSecret, b64.EncodeToString([]byte(`{"_permanent":true,"user":"alice"}`)), t0) +
		"; Expires=Fri, 15 Dec 2023 22:13:20 GMT; HttpOnly; Path=/"
	if got != want {
		t.Errorf("permanent header\n got %s\nwant %s", got, want)
	}

	// An empty session: Flask sends only a deletion cookie.
	del := flasktest.SignHeader(t, flasktest.SignOptions{Secret: devSecret}, `{}`)
	if want := "session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0; HttpOnly; Path=/"; del != want {
		t.Errorf("deletion header\n got %s\nwant %s", del, want)
	}
	res := flasktest.Run(t, `{}`, "sign", "--secret=k", "-")
	if res.Exit != flasktest.ExitNoCookie || res.Stdout != "" {
		t.Errorf("sign of an empty session: exit %d, stdout %q", res.Exit, res.Stdout)
	}
	// No secret key: the null session refuses the write, Flask answers 500.
	res = flasktest.Run(t, `{"a":1}`, "sign", "-")
	if res.Exit != flasktest.ExitInvalid || !strings.Contains(res.Stderr, "no secret key was set") {
		t.Errorf("sign without a key: exit %d, stderr %s", res.Exit, res.Stderr)
	}

	for _, args := range [][]string{
		{"verify", "--bogus", "x"},
		{"sign", "--secret=k", "[1]"},
		{"sign", "--secret=k", `{"$nope":1}`},
		{"sign", "--secret=k", "--config=NOEQUALS", "{}"},
		{"sign", "--secret=k", "--config=K=not-json", "{}"},
		{"verify", "--secret-hex=zz", "x"},
		{"nope"},
		{},
	} {
		if res := flasktest.Run(t, "", args...); res.Exit != flasktest.ExitUsage || res.Stderr == "" {
			t.Errorf("%q: exit %d, stderr %q; want %d and a message", args, res.Exit, res.Stderr, flasktest.ExitUsage)
		}
	}
	res = flasktest.Run(t, "x", "verify", "--secret=k", `--config=PERMANENT_SESSION_LIFETIME="x"`, "-")
	if res.Exit != flasktest.ExitCrash || !strings.Contains(res.Stderr, "Traceback") {
		t.Errorf("verify with a broken config: exit %d, stderr %s", res.Exit, res.Stderr)
	}
	for _, sub := range []string{"verify", "sign", "serve"} {
		if res := flasktest.Run(t, "", sub, "--help"); res.Exit != 0 || !strings.Contains(res.Stdout, "usage: flaskpeer "+sub) {
			t.Errorf("%s --help: exit %d\n%s", sub, res.Exit, res.Stdout)
		}
	}
}

func TestPeer(t *testing.T) {
	t.Parallel()
	const secret = "peer-secret"
	p := flasktest.StartPeer(t, secret, nil, nil)
	if !strings.HasPrefix(p.URL, "http://127.0.0.1:") {
		t.Fatalf("URL %q", p.URL)
	}
	c := p.Client()

	get := func(path, want string) *http.Response {
		t.Helper()
		resp, body := p.Get(t, c, path)
		if resp.StatusCode != http.StatusOK || body != want {
			t.Errorf("GET %s: %d %s\nwant 200 %s", path, resp.StatusCode, body, want)
		}
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("GET %s: Content-Type %q", path, ct)
		}
		return resp
	}
	sessionCookie := func(resp *http.Response) string {
		t.Helper()
		for _, ck := range resp.Cookies() {
			if ck.Name == "session" {
				return ck.Value
			}
		}
		t.Fatalf("%s: no session cookie in %q", resp.Request.URL.Path, resp.Header.Values("Set-Cookie"))
		return ""
	}

	// Flask 3.1.3: a view that uses the session adds Vary even when empty.
	resp := get("/get", `{}`)
	if resp.Header.Get("Vary") != "Cookie" || len(resp.Header.Values("Set-Cookie")) != 0 {
		t.Errorf("/get on no session: Vary %q, Set-Cookie %q", resp.Header.Get("Vary"), resp.Header.Values("Set-Cookie"))
	}

	resp = get("/set?a=1&b="+url.QueryEscape("café"), `{"a":"1","b":"caf\u00e9"}`)
	cookie := sessionCookie(resp)
	if got, exit := flasktest.Verify(t, flasktest.VerifyOptions{Secret: secret}, cookie); exit != 0 || got != `{"a":"1","b":"caf\u00e9"}` {
		t.Errorf("peer cookie: Verify = %s, exit %d", got, exit)
	}
	resp = get("/get", `{"a":"1","b":"caf\u00e9"}`)
	if len(resp.Header.Values("Set-Cookie")) != 0 {
		t.Errorf("/get set a cookie: %q", resp.Header.Values("Set-Cookie"))
	}

	data := flasktest.Typed(t, map[string]any{"t": []any{1.5, "x"}, "$only": nil})
	get("/set-json?data="+url.QueryEscape(data), `{"$only":null,"a":"1","b":"caf\u00e9","t":[{"$float":"1.5"},"x"]}`)
	get("/clear", `{}`)

	get("/flash?msg=hi&cat=info", `{"_flashes":[{"$tuple":["info","hi"]}]}`)
	get("/markup-flash?msg="+url.QueryEscape("<em>x</em>"), `{"_flashes":[{"$tuple":["info","hi"]},{"$tuple":["message",{"$markup":"<em>x</em>"}]}]}`)
	get("/flash?msg=plain", `{"_flashes":[{"$tuple":["info","hi"]},{"$tuple":["message",{"$markup":"<em>x</em>"}]},{"$tuple":["message","plain"]}]}`)
	get("/flashes?filter=info", `{"flashes":[["info","hi"]],"session":{}}`)
	get("/get", `{}`)

	resp = get("/login?user=bob&remember=1", `{"_permanent":true,"user":"bob"}`)
	if sc := resp.Header.Get("Set-Cookie"); !strings.Contains(sc, "; Expires=") {
		t.Errorf("permanent login: Set-Cookie %q has no Expires", sc)
	}
	// A permanent session is refreshed on every request.
	resp = get("/get", `{"_permanent":true,"user":"bob"}`)
	sessionCookie(resp)
	get("/permanent", `{"_permanent":true,"user":"bob"}`)
	get("/login?user=carol", `{"_permanent":true,"user":"carol"}`)

	resp = get("/clear", `{}`)
	if sc := resp.Header.Get("Set-Cookie"); !strings.HasPrefix(sc, "session=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0") {
		t.Errorf("/clear: Set-Cookie %q", sc)
	}
	get("/get", `{}`)

	// A cookie made in Go, sent by hand.
	req, _ := http.NewRequest(http.MethodGet, p.URL+"/get", nil)
	req.Header.Set("Cookie", "session="+signRaw(secret, b64.EncodeToString([]byte(`{"user":"gopher","t":{" t":[1,2]}}`)), nowish(t, p)))
	if resp, body := p.Do(t, nil, req); resp.StatusCode != 200 || body != `{"t":{"$tuple":[1,2]},"user":"gopher"}` {
		t.Errorf("Go-made cookie: %d %s", resp.StatusCode, body)
	}
	// A validly signed undecodable payload: Flask answers 500.
	req, _ = http.NewRequest(http.MethodGet, p.URL+"/get", nil)
	req.Header.Set("Cookie", "session="+signRaw(secret, b64.EncodeToString([]byte(`nope`)), nowish(t, p)))
	if resp, _ := p.Do(t, nil, req); resp.StatusCode != http.StatusInternalServerError {
		t.Errorf("bad payload: status %d", resp.StatusCode)
	}

	if resp, body := p.Get(t, nil, "/set-json?data=%5B1%5D"); resp.StatusCode != http.StatusBadRequest {
		t.Errorf("/set-json with an array: %d %s", resp.StatusCode, body)
	}
	if !stderrHas(p, `"GET /get HTTP/1.1" 200`) {
		t.Errorf("no request log on stderr: %q", p.Stderr())
	}
}

// stderrHas waits a little for the peer to log s: its stderr is copied
// asynchronously.
func stderrHas(p *flasktest.Peer, s string) bool {
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		if strings.Contains(p.Stderr(), s) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// nowish is the peer's clock, read from the Date header, so hand-made cookies
// are neither expired nor from the future.
func nowish(t *testing.T, p *flasktest.Peer) int64 {
	t.Helper()
	resp, _ := p.Get(t, nil, "/get")
	d, err := http.ParseTime(resp.Header.Get("Date"))
	if err != nil {
		t.Fatal(err)
	}
	return d.Unix()
}

func TestPeerKeysAndConfig(t *testing.T) {
	t.Parallel()
	t.Run("fallbacks", func(t *testing.T) {
		t.Parallel()
		p := flasktest.StartPeer(t, "new key", []string{"old key"}, nil)
		now := nowish(t, p)
		for secret, want := range map[string]string{"old key": `{"v":1}`, "new key": `{"v":1}`, "other key": `{}`} {
			req, _ := http.NewRequest(http.MethodGet, p.URL+"/get", nil)
			req.Header.Set("Cookie", "session="+flasktest.Sign(t, flasktest.SignOptions{Secret: secret, Timestamp: now}, `{"v":1}`))
			if _, body := p.Do(t, nil, req); body != want {
				t.Errorf("cookie signed with %q: %s, want %s", secret, body, want)
			}
		}
	})
	t.Run("config", func(t *testing.T) {
		t.Parallel()
		p := flasktest.StartPeer(t, "-k", nil, map[string]string{
			"SESSION_COOKIE_NAME":        `"sid"`,
			"SESSION_COOKIE_SAMESITE":    `"Lax"`,
			"SESSION_COOKIE_PARTITIONED": `true`,
		})
		resp, body := p.Get(t, nil, "/set?a=b")
		sc := resp.Header.Get("Set-Cookie")
		if body != `{"a":"b"}` || !strings.HasPrefix(sc, "sid=") || !strings.HasSuffix(sc, "; Secure; HttpOnly; Path=/; SameSite=Lax; Partitioned") {
			t.Errorf("body %s, Set-Cookie %q", body, sc)
		}
		value := strings.TrimPrefix(strings.SplitN(sc, ";", 2)[0], "sid=")
		if got, exit := flasktest.Verify(t, flasktest.VerifyOptions{Secret: "-k"}, value); exit != 0 || got != `{"a":"b"}` {
			t.Errorf("Verify = %s, exit %d", got, exit)
		}
	})
	t.Run("binary key", func(t *testing.T) {
		t.Parallel()
		const secret = "\x00\xfe"
		p := flasktest.StartPeer(t, secret, nil, nil)
		resp, _ := p.Get(t, nil, "/set?a=b")
		value := strings.TrimPrefix(strings.SplitN(resp.Header.Get("Set-Cookie"), ";", 2)[0], "session=")
		if got, exit := flasktest.Verify(t, flasktest.VerifyOptions{Secret: secret}, value); exit != 0 || got != `{"a":"b"}` {
			t.Errorf("Verify = %s, exit %d", got, exit)
		}
	})
	t.Run("no secret", func(t *testing.T) {
		t.Parallel()
		p := flasktest.StartPeer(t, "", nil, nil)
		if resp, body := p.Get(t, nil, "/get"); resp.StatusCode != 200 || body != `{}` || resp.Header.Get("Vary") != "" {
			t.Errorf("/get: %d %s, Vary %q", resp.StatusCode, body, resp.Header.Get("Vary"))
		}
		if resp, _ := p.Get(t, nil, "/set?a=b"); resp.StatusCode != http.StatusInternalServerError {
			t.Errorf("/set: %d, want 500", resp.StatusCode)
		}
		if !stderrHas(p, "no secret key was set") {
			t.Errorf("stderr lacks the null-session error:\n%s", p.Stderr())
		}
	})
}

// pyFloatRepr (through ToTyped) matches the interpreter's repr for many floats.
func TestFloatReprMatchesPython(t *testing.T) {
	t.Parallel()
	py := flasktest.Python(t)
	var bits []string
	var floats []any
	x := uint64(0x9e3779b97f4a7c15)
	for i := 0; i < 3000; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
		b := x
		switch i % 3 {
		case 1: // ordinary magnitudes, where fixed notation is used
			b = b&0x800fffffffffffff | uint64(1023-20+i%60)<<52
		case 2: // short decimals
			b = math.Float64bits(float64(int64(x%2000000)-1000000) / []float64{1, 10, 100, 1e5, 1e17}[i%5])
		}
		bits = append(bits, fmt.Sprintf("%d", b))
		floats = append(floats, math.Float64frombits(b))
	}
	res := runPython(t, py, strings.Join(bits, "\n"),
		`import struct,sys,json; print(json.dumps([{"$float": repr(struct.unpack("<d", struct.pack("<Q", int(l)))[0])} for l in sys.stdin.read().split()], separators=(",",":")))`)
	if want := flasktest.Typed(t, floats); strings.TrimSpace(res) != want {
		got := strings.Split(strings.TrimSpace(res), "},{")
		w := strings.Split(want, "},{")
		for i := range got {
			if i < len(w) && got[i] != w[i] {
				t.Errorf("float bits %s: Python %s, Go %s", bits[i], got[i], w[i])
			}
		}
	}
}

func runPython(t *testing.T, py, stdin, code string) string {
	t.Helper()
	cmd := exec.Command(py, "-c", code)
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Env = append(os.Environ(), "PYTHONDONTWRITEBYTECODE=1")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("python: %v", err)
	}
	return string(out)
}
