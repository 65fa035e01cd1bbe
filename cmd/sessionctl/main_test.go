package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

// vector is the part of testdata/flask-vectors.json these tests use.
type vector struct {
	ID        string `json:"id"`
	Kind      string `json:"kind"`
	SecretKey *struct {
		Hex string `json:"hex"`
	} `json:"secret_key"`
	Fallbacks []struct {
		Hex string `json:"hex"`
	} `json:"secret_key_fallbacks"`
	Timestamp   int64  `json:"timestamp"`
	CookieValue string `json:"cookie_value"`
	Wire        struct {
		Compressed  bool   `json:"compressed"`
		PayloadJSON string `json:"payload_json"`
	} `json:"wire"`
	Verify struct {
		Now    int64 `json:"now"`
		MaxAge int64 `json:"max_age"`
	} `json:"verify"`
	Lossless          bool   `json:"lossless"`
	ReencodeIdentical bool   `json:"reencode_identical"`
	Expect            string `json:"expect"`
}

func loadVectors(t *testing.T) []vector {
	t.Helper()
	b, err := os.ReadFile("../../testdata/flask-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var f struct{ Vectors []vector }
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f.Vectors
}

// sessionctl runs the program and returns stdout, stderr and the exit code.
func sessionctl(t *testing.T, stdin string, env map[string]string, args ...string) (string, string, int) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := run(args, strings.NewReader(stdin), &out, &errOut, func(k string) string { return env[k] })
	code := 0
	if err != nil {
		var ee *exitError
		if !errors.As(err, &ee) {
			t.Fatalf("sessionctl %v: unexpected error %v", args, err)
		}
		code = ee.code
		if ee.msg != "" {
			errOut.WriteString("sessionctl: " + ee.msg + "\n")
		}
	}
	return out.String(), errOut.String(), code
}

func keyArgs(v vector) []string {
	args := []string{"--secret-hex", v.SecretKey.Hex}
	for _, f := range v.Fallbacks {
		args = append(args, "--fallback-hex", f.Hex)
	}
	return args
}

func verifyArgs(v vector) []string {
	now, maxAge := v.Verify.Now, v.Verify.MaxAge
	if now == 0 {
		now = v.Timestamp + 60
	}
	if maxAge == 0 {
		maxAge = 2678400
	}
	return []string{"--now", strconv.FormatInt(now, 10), "--max-age", strconv.FormatInt(maxAge, 10)}
}

// Every sign vector decodes to Flask's own JSON; every uncompressed, lossless
// one signs back to the very same bytes (decode | sign is the identity).
func TestSignVectorsRoundTrip(t *testing.T) {
	n := 0
	for _, v := range loadVectors(t) {
		if v.Kind != "sign" || v.CookieValue == "" {
			continue
		}
		n++
		t.Run(v.ID, func(t *testing.T) {
			args := append(append([]string{"decode"}, keyArgs(v)...), verifyArgs(v)...)
			out, errOut, code := sessionctl(t, "", nil, append(args, v.CookieValue)...)
			if code != 0 {
				t.Fatalf("decode exit %d: %s", code, errOut)
			}
			if v.ReencodeIdentical && strings.TrimSuffix(out, "\n") != v.Wire.PayloadJSON {
				t.Errorf("decode printed\n %s\nFlask wrote\n %s", out, v.Wire.PayloadJSON)
			}
			signArgs := append(append([]string{"sign"}, keyArgs(v)...), "--timestamp", strconv.FormatInt(v.Timestamp, 10))
			cookie, errOut, code := sessionctl(t, out, nil, signArgs...)
			if code != 0 {
				t.Fatalf("sign exit %d: %s", code, errOut)
			}
			cookie = strings.TrimSuffix(cookie, "\n")
			if !v.Wire.Compressed && v.Lossless && v.ReencodeIdentical && cookie != v.CookieValue {
				t.Errorf("decode | sign gave\n %s\nwant\n %s", cookie, v.CookieValue)
			}
			// Whatever the bytes, our cookie decodes to the same session.
			again, errOut, code := sessionctl(t, "", nil, append(args, cookie)...)
			if code != 0 || again != out {
				t.Errorf("re-decoding our cookie: exit %d %s\n got %s\nwant %s", code, errOut, again, out)
			}
		})
	}
	if n == 0 {
		t.Fatal("no sign vectors found")
	}
}

// Every decode vector ends as it does in Flask: 0 valid, 1 new empty session, 2 HTTP 500.
func TestDecodeVectorsExitCodes(t *testing.T) {
	want := map[string]int{"valid": 0, "empty_new_session": exitInvalid, "http_500": exitBadPayload, "null_session": exitUsage}
	for _, v := range loadVectors(t) {
		if v.Kind != "decode" {
			continue
		}
		t.Run(v.ID, func(t *testing.T) {
			args := []string{"decode"}
			if v.SecretKey != nil && v.SecretKey.Hex != "" {
				args = append(args, keyArgs(v)...)
			}
			args = append(append(args, verifyArgs(v)...), "--", v.CookieValue)
			_, errOut, code := sessionctl(t, "", nil, args...)
			if code != want[v.Expect] {
				t.Errorf("exit %d, want %d (%s); stderr: %s", code, want[v.Expect], v.Expect, errOut)
			}
			if code != 0 && strings.Count(errOut, "\n") != 1 {
				t.Errorf("want a one-line reason on stderr, got %q", errOut)
			}
		})
	}
}

func TestDecodeFromStdinAndEnv(t *testing.T) {
	const cookie = "eyJ1c2VyIjoiYWxpY2UifQ.ZVPxAA.LQ55TDIiJfvxB7VwlwEgxsz5GuU"
	env := map[string]string{"SESSIONKIT_SECRET": "dev-secret-key-1"}
	out, errOut, code := sessionctl(t, cookie+"\n", env, "decode", "--now", "1700000060", "-")
	if code != 0 || out != `{"user":"alice"}`+"\n" {
		t.Errorf("stdin + env: %q %q %d", out, errOut, code)
	}
	keyFile := filepath.Join(t.TempDir(), "key")
	if err := os.WriteFile(keyFile, []byte("dev-secret-key-1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out, _, code = sessionctl(t, "", nil, "decode", "--secret-file", keyFile, "--now", "1700000060", cookie)
	if code != 0 || out != `{"user":"alice"}`+"\n" {
		t.Errorf("--secret-file: %q %d", out, code)
	}
	_, errOut, code = sessionctl(t, "", nil, "decode", "--secret", "dev-secret-key-1", "--now", "1700000060", "--max-age", "59", cookie)
	if code != exitInvalid || !strings.Contains(errOut, "expired") {
		t.Errorf("expired: %d %q", code, errOut)
	}
}

func TestKeygen(t *testing.T) {
	a, _, code := sessionctl(t, "", nil, "keygen")
	b, _, _ := sessionctl(t, "", nil, "keygen")
	if code != 0 || len(a) != 65 || a == b {
		t.Errorf("keygen: %q %q exit %d", a, b, code)
	}
	if out, _, _ := sessionctl(t, "", nil, "keygen", "--bytes", "16"); len(out) != 33 {
		t.Errorf("keygen --bytes 16: %q", out)
	}
}

// Help and usage errors are golden files: scripts and people read them.
func TestGolden(t *testing.T) {
	cases := map[string]struct {
		stdin string
		args  []string
	}{
		"usage":           {"", nil},
		"help":            {"", []string{"--help"}},
		"decode-help":     {"", []string{"decode", "--help"}},
		"sign-help":       {"", []string{"sign", "--help"}},
		"keygen-help":     {"", []string{"keygen", "--help"}},
		"unknown-command": {"", []string{"frobnicate"}},
		"decode-no-key":   {"", []string{"decode", "x.y.z"}},
		"decode-bad-sig":  {"", []string{"decode", "--secret", "k", "--now", "1700000060", "eyJ1c2VyIjoiYWxpY2UifQ.ZVPxAA.LQ55TDIiJfvxB7VwlwEgxsz5GuU"}},
		"sign-not-json":   {"not json", []string{"sign", "--secret", "k"}},
		"sign-fixed":      {`{"user": "alice", "n": [1, 2.5, {" t": [true, null]}]}`, []string{"sign", "--secret", "dev-secret-key-1", "--timestamp", "1700000000"}},
		"decode-fixed":    {"", []string{"decode", "--secret", "dev-secret-key-1", "--now", "1700000060", "eyJ1c2VyIjoiYWxpY2UifQ.ZVPxAA.LQ55TDIiJfvxB7VwlwEgxsz5GuU"}},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			out, errOut, code := sessionctl(t, tc.stdin, nil, tc.args...)
			got := "exit " + strconv.Itoa(code) + "\n-- stdout --\n" + out + "-- stderr --\n" + errOut
			path := filepath.Join("testdata", name+".golden")
			if *update {
				if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if got != string(want) {
				t.Errorf("output differs from %s:\n got:\n%s\nwant:\n%s", path, got, want)
			}
		})
	}
}
