package main

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/sessionkit/session/signing"
)

// A cookie signed with "dev-secret-key-1" at 1700000000 for {"user":"alice"}.
const (
	aliceCookie = "eyJ1c2VyIjoiYWxpY2UifQ.ZVPxAA.LQ55TDIiJfvxB7VwlwEgxsz5GuU"
	aliceJSON   = `{"user":"alice"}` + "\n"
	aliceNow    = "1700000060"
)

// TestHostileInput (issue 14): every command and option fed bad values ends
// with one line naming the problem on stderr and exit 64 (EX_USAGE), never
// a panic or a misleading "signature does not match"; accepted variants of
// the cookie (quoted, name=value, Cookie and Set-Cookie headers, stdin)
// decode. Limits are checked at the limit and one over.
func TestHostileInput(t *testing.T) {
	dir := t.TempDir()
	file := func(name string, content []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, content, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	emptyKey := file("empty", nil)
	newlineKey := file("newline", []byte("\n"))
	goodKey := file("good", []byte("dev-secret-key-1\r\n"))
	bigKey := file("big", []byte(strings.Repeat("k", maxKeyFile+1)))
	limitKey := file("limit", []byte(strings.Repeat("k", maxKeyFile)))

	nest := func(n int) string { // an object n levels deep in all
		return `{"a":` + strings.Repeat("[", n-1) + strings.Repeat("]", n-1) + "}"
	}
	bigSession := func(size int) string { // a valid session of exactly size bytes
		return `{"a":"` + strings.Repeat("x", size-len(`{"a":""}`)) + `"}`
	}
	sec := []string{"--secret", "dev-secret-key-1"}
	dec := func(extra ...string) []string {
		return append([]string{"decode", "--secret", "dev-secret-key-1", "--now", aliceNow}, extra...)
	}
	signArgs := func(extra ...string) []string { return append([]string{"sign", sec[0], sec[1]}, extra...) }

	tests := []struct {
		name   string
		stdin  string
		args   []string
		code   int
		stderr string // a part of the one line on stderr; for exit 0, stdout
	}{
		// The command itself.
		{"no command", "", nil, exitUsage, "no command"},
		{"unknown command", "", []string{"frob"}, exitUsage, `unknown command "frob"`},
		{"empty command", "", []string{""}, exitUsage, `unknown command ""`},
		{"unknown flag", "", []string{"decode", "--bogus", aliceCookie}, exitUsage, "flag provided but not defined: -bogus"},

		// sign --timestamp: 1 to 253402300799.
		{"timestamp -5", "{}", signArgs("--timestamp", "-5"), exitUsage, "invalid value \"-5\" for flag -timestamp"},
		{"timestamp 0", "{}", signArgs("--timestamp", "0"), exitUsage, "-timestamp"},
		{"timestamp 1", "{}", signArgs("--timestamp", "1"), 0, "e30.AQ."},
		{"timestamp at limit", "{}", signArgs("--timestamp", "253402300799"), 0, "e30."},
		{"timestamp one over", "{}", signArgs("--timestamp", "253402300800"), exitUsage, "-timestamp"},
		{"timestamp int64 max", "{}", signArgs("--timestamp", "9223372036854775807"), exitUsage, "-timestamp"},
		{"timestamp int64 min", "{}", signArgs("--timestamp", "-9223372036854775808"), exitUsage, "-timestamp"},
		{"timestamp beyond int64", "{}", signArgs("--timestamp", "99999999999999999999"), exitUsage, "-timestamp"},
		{"timestamp empty", "{}", signArgs("--timestamp", ""), exitUsage, "-timestamp"},
		{"timestamp float", "{}", signArgs("--timestamp", "1e9"), exitUsage, "-timestamp"},
		{"timestamp text", "{}", signArgs("--timestamp", "now"), exitUsage, "-timestamp"},
		{"timestamp missing value", "{}", signArgs("--timestamp"), exitUsage, "flag needs an argument: -timestamp"},

		// sign stdin.
		{"sign empty stdin", "", signArgs(), exitUsage, "stdin is empty"},
		{"sign blank stdin", " \n\t", signArgs(), exitUsage, "stdin is empty"},
		{"sign garbage", "not json", signArgs(), exitUsage, "not a session"},
		{"sign list", "[1,2]", signArgs(), exitUsage, "top level is not an object"},
		{"sign trailing data", `{"a":1} x`, signArgs(), exitUsage, "not a session"},
		{"sign invalid UTF-8", "{\"a\":\"\xff\"}", signArgs(), exitUsage, "invalid UTF-8"},
		{"sign a cookie", aliceCookie, signArgs(), exitUsage, "not a session"},
		{"sign depth at limit", nest(64), signArgs("--timestamp", "1700000000"), 0, "."},
		{"sign depth one over", nest(65), signArgs(), exitUsage, "nesting deeper than 64"},
		{"sign stdin at limit", bigSession(maxInput), signArgs("--timestamp", "1700000000"), 0, "."},
		{"sign stdin one over", bigSession(maxInput + 1), signArgs(), exitUsage, "over 1048576 bytes"},
		{"sign argument", "{}", signArgs("extra"), exitUsage, "takes no arguments"},

		// Keys.
		{"no key", "{}", []string{"sign"}, exitUsage, "no secret key"},
		{"empty secret", "{}", []string{"sign", "--secret", ""}, exitUsage, "the key is empty"},
		{"secret twice", "{}", []string{"sign", "--secret", "a", "--secret", "b"}, exitUsage, "give the secret key once"},
		{"bad hex", "{}", []string{"sign", "--secret-hex", "zz"}, exitUsage, "not hex"},
		{"odd hex", "{}", []string{"sign", "--secret-hex", "abc"}, exitUsage, "not hex"},
		{"empty hex", "{}", []string{"sign", "--secret-hex", ""}, exitUsage, "the key is empty"},
		{"base64 as hex", "{}", []string{"sign", "--secret-hex", "c2VjcmV0"}, exitUsage, "not hex"},
		{"missing key file", "{}", []string{"sign", "--secret-file", filepath.Join(dir, "nope")}, exitUsage, "no such file"},
		{"key file is a directory", "{}", []string{"sign", "--secret-file", dir}, exitUsage, "-secret-file"},
		{"empty key file", "{}", []string{"sign", "--secret-file", emptyKey}, exitUsage, "the key is empty"},
		{"newline key file", "{}", []string{"sign", "--secret-file", newlineKey}, exitUsage, "the key is empty"},
		{"key file at limit", "{}", []string{"sign", "--secret-file", limitKey}, 0, "."},
		{"key file one over", "{}", []string{"sign", "--secret-file", bigKey}, exitUsage, "over 65536 bytes"},
		{"empty fallback", "{}", signArgs("--fallback", ""), exitUsage, "the key is empty"},
		{"empty fallback hex", "{}", signArgs("--fallback-hex", ""), exitUsage, "the key is empty"},
		{"bad fallback hex", "{}", signArgs("--fallback-hex", "xy"), exitUsage, "not hex"},
		{"empty fallback file", "{}", signArgs("--fallback-file", emptyKey), exitUsage, "the key is empty"},
		{"key file with CRLF", "", []string{"decode", "--secret-file", goodKey, "--now", aliceNow, aliceCookie}, 0, aliceJSON},

		// decode options.
		{"decode no cookie", "", dec(), exitUsage, "one COOKIE argument"},
		{"decode two cookies", "", dec(aliceCookie, aliceCookie), exitUsage, "got 2"},
		{"max-age -1", "", dec("--max-age", "-1", aliceCookie), exitUsage, "-max-age"},
		{"max-age 0 disables", "", dec("--max-age", "0", aliceCookie), 0, aliceJSON},
		{"max-age at limit", "", dec("--max-age", "9223372036", aliceCookie), 0, aliceJSON},
		{"max-age one over", "", dec("--max-age", "9223372037", aliceCookie), exitUsage, "-max-age"},
		{"max-age huge", "", dec("--max-age", "99999999999999999999", aliceCookie), exitUsage, "-max-age"},
		{"max-age text", "", dec("--max-age", "1h", aliceCookie), exitUsage, "-max-age"},
		{"now -5", "", []string{"decode", "--secret", "dev-secret-key-1", "--now", "-5", aliceCookie}, exitUsage, "-now"},
		{"now 0", "", []string{"decode", "--secret", "dev-secret-key-1", "--now", "0", aliceCookie}, exitUsage, "-now"},
		{"now one over", "", []string{"decode", "--secret", "dev-secret-key-1", "--now", "253402300800", aliceCookie}, exitUsage, "-now"},
		{"now at limit", "", []string{"decode", "--secret", "dev-secret-key-1", "--now", "253402300799", "--max-age", "0", aliceCookie}, 0, aliceJSON},
		{"empty name", "", dec("--name", "", aliceCookie), exitUsage, "not a cookie name"},
		{"name with =", "", dec("--name", "a=b", aliceCookie), exitUsage, "not a cookie name"},

		// The cookie's forms.
		{"value", "", dec(aliceCookie), 0, aliceJSON},
		{"quoted", "", dec(`"` + aliceCookie + `"`), 0, aliceJSON},
		{"blanks around", "", dec(" \t" + aliceCookie + "\r\n"), 0, aliceJSON},
		{"name=value", "", dec("session=" + aliceCookie), 0, aliceJSON},
		{"name=quoted", "", dec(`session="` + aliceCookie + `"`), 0, aliceJSON},
		{"Cookie header", "", dec("a=b; session=" + aliceCookie + "; c=d"), 0, aliceJSON},
		{"Cookie header line", "", dec("Cookie: a=b; session=" + aliceCookie), 0, aliceJSON},
		{"cookie header lower case", "", dec("cookie: session=" + aliceCookie), 0, aliceJSON},
		{"first of two wins", "", dec("session=" + aliceCookie + "; session=x.y.z"), 0, aliceJSON},
		{"Set-Cookie line", "", dec("Set-Cookie: session=" + aliceCookie + "; Expires=Wed, 21 Oct 2015 07:28:00 GMT; HttpOnly; Path=/"), 0, aliceJSON},
		{"Set-Cookie value", "", dec("session=" + aliceCookie + "; HttpOnly; Path=/; SameSite=Lax"), 0, aliceJSON},
		{"custom name", "", dec("--name", "sid", "a=1; sid="+aliceCookie), 0, aliceJSON},
		{"Set-Cookie of another cookie", "", dec("Set-Cookie: other=" + aliceCookie), exitUsage, `sets cookie "other", not "session"`},
		{"Set-Cookie without value", "", dec("Set-Cookie: HttpOnly"), exitUsage, "no name=value"},
		{"header without our cookie", "", dec("a=b; c=d"), exitUsage, `no cookie named "session"`},
		{"header without pairs", "", dec("Cookie: ;;"), exitUsage, "no name=value pair"},
		{"unbalanced quote", "", dec(`"` + aliceCookie), exitUsage, "unbalanced double quote"},
		{"empty", "", dec(""), exitInvalid, "the cookie is empty"},
		{"empty quoted", "", dec(`""`), exitInvalid, "the cookie is empty"},
		{"empty value", "", dec("session="), exitInvalid, "the cookie is empty"},
		{"garbage", "", dec("x.y.z"), exitInvalid, "signing:"},
		{"wrong key", "", []string{"decode", "--secret", "other", "--now", aliceNow, aliceCookie}, exitInvalid, "signature does not match"},

		// decode from stdin.
		{"stdin value", aliceCookie + "\n", dec("-"), 0, aliceJSON},
		{"stdin CRLF", aliceCookie + "\r\n", dec("-"), 0, aliceJSON},
		{"stdin Cookie header", "Cookie: session=" + aliceCookie + "\r\n", dec("-"), 0, aliceJSON},
		{"stdin response headers", "HTTP/1.1 200 OK\r\nVary: Cookie\r\nSet-Cookie: session=" + aliceCookie + "; Path=/\r\n\r\n", dec("-"), 0, aliceJSON},
		{"stdin lines without the cookie", "a\nb\n", dec("-"), exitUsage, "none is a Cookie or Set-Cookie header"},
		{"stdin empty", "", dec("-"), exitUsage, "stdin is empty"},
		{"stdin one over", strings.Repeat("a", maxInput+1), dec("-"), exitUsage, "over 1048576 bytes"},

		// keygen --bytes: 16 to 1024.
		{"bytes 15", "", []string{"keygen", "--bytes", "15"}, exitUsage, "between 16 and 1024, got 15"},
		{"bytes 16", "", []string{"keygen", "--bytes", "16"}, 0, ""},
		{"bytes 1024", "", []string{"keygen", "--bytes", "1024"}, 0, ""},
		{"bytes 1025", "", []string{"keygen", "--bytes", "1025"}, exitUsage, "got 1025"},
		{"bytes -1", "", []string{"keygen", "--bytes", "-1"}, exitUsage, "got -1"},
		{"bytes huge", "", []string{"keygen", "--bytes", "99999999999999999999"}, exitUsage, "-bytes"},
		{"bytes empty", "", []string{"keygen", "--bytes", ""}, exitUsage, "-bytes"},
		{"keygen argument", "", []string{"keygen", "32"}, exitUsage, "takes no arguments"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, errOut, code := sessionctl(t, tt.stdin, nil, tt.args...)
			if code != tt.code {
				t.Fatalf("exit %d, want %d; stdout %q; stderr %q", code, tt.code, clip(out), errOut)
			}
			if code == 0 {
				if errOut != "" || !strings.Contains(out, tt.stderr) {
					t.Errorf("stdout %q (want it to hold %q), stderr %q", clip(out), tt.stderr, errOut)
				}
				return
			}
			if out != "" {
				t.Errorf("stdout %q on failure", out)
			}
			if strings.Count(errOut, "\n") != 1 || !strings.HasPrefix(errOut, "sessionctl: ") || !strings.HasSuffix(errOut, "\n") {
				t.Errorf("want one line on stderr, got %q", errOut)
			}
			if !strings.Contains(errOut, tt.stderr) {
				t.Errorf("stderr %q does not name the problem (%q)", errOut, tt.stderr)
			}
		})
	}
}

// TestSignTimestampLimitDecodes: a cookie signed at the last accepted
// second decodes with that time (no wrap-around).
func TestSignTimestampLimitDecodes(t *testing.T) {
	cookie, errOut, code := sessionctl(t, `{"a":1}`, nil, "sign", "--secret", "k", "--timestamp", strconv.Itoa(maxUnix))
	if code != 0 {
		t.Fatalf("sign: exit %d %s", code, errOut)
	}
	out, errOut, code := sessionctl(t, "", nil, "decode", "--secret", "k", "--now", strconv.Itoa(maxUnix), strings.TrimSpace(cookie))
	if code != 0 || out != `{"a":1}`+"\n" {
		t.Errorf("decode: exit %d %q %q", code, out, errOut)
	}
}

// FuzzRun: no input makes sessionctl panic; every failure is one line on
// stderr with a documented exit code.
func FuzzRun(f *testing.F) {
	f.Add("sign", "--timestamp", "-5", "", "{}")
	f.Add("decode", "--max-age", "-1", `"`+aliceCookie+`"`, "")
	f.Add("decode", "--now", aliceNow, "session="+aliceCookie, "")
	f.Add("decode", "--name", "sid", "-", "Set-Cookie: sid="+aliceCookie+"\n")
	f.Add("keygen", "--bytes", "99999999999999999999", "", "")
	f.Add("sign", "--secret-hex", "zz", "", `{" t": [1]}`)
	f.Add("decode", "--", "-", "-", "Cookie: ;=;\"")
	f.Fuzz(func(t *testing.T, cmd, flagName, flagValue, arg, stdin string) {
		if strings.Contains(flagName, "file") {
			return // no reading of arbitrary paths
		}
		env := map[string]string{"SESSIONKIT_SECRET": "dev-secret-key-1"}
		args := []string{cmd, flagName, flagValue}
		if arg != "" {
			args = append(args, arg)
		}
		out, errOut, code := sessionctl(t, stdin, env, args...)
		switch code {
		case 0:
			return
		case exitInvalid, exitBadPayload, exitUsage:
		default:
			t.Fatalf("exit %d", code)
		}
		if out != "" || strings.Count(errOut, "\n") != 1 {
			t.Fatalf("exit %d: stdout %q, stderr %q", code, out, errOut)
		}
	})
}

// TestDecodeMalformedTags (issue 15): a validly signed payload with a tag
// Flask reads leniently decodes as Flask reads it ({" d": "not a date"} is
// None); one Flask fails on (HTTP 500) exits 2.
func TestDecodeMalformedTags(t *testing.T) {
	s, err := signing.New([]byte("k"), nil, signing.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		payload, out string
		code         int
	}{
		{`{"x":{" d":"not a date"}}`, `{"x":null}`, 0},
		{`{"x":{" t":"ab"}}`, `{"x":{" t":["a","b"]}}`, 0},
		{`{"x":{" m":5}}`, `{"x":{" m":"5"}}`, 0},
		{`{"x":{" b":"AQ ID"}}`, `{"x":{" b":"AQID"}}`, 0},
		{`{"x":{" d":5}}`, "", exitBadPayload},
		{`{"x":{" b":"A"}}`, "", exitBadPayload},
	}
	for _, tt := range tests {
		cookie := string(s.AppendSign(nil, []byte(tt.payload), 1700000000))
		out, errOut, code := sessionctl(t, "", nil, "decode", "--secret", "k", "--now", aliceNow, cookie)
		if code != tt.code || strings.TrimSuffix(out, "\n") != tt.out {
			t.Errorf("%s: exit %d %q %q; want exit %d %q", tt.payload, code, out, errOut, tt.code, tt.out)
		}
	}
}
