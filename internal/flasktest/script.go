package flasktest

import (
	"encoding/hex"
	"sort"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"
)

// Exit statuses of flaskpeer.py.
const (
	ExitOK         = 0  // verify: valid; sign: cookie printed
	ExitInvalid    = 1  // verify: bad signature, malformed or expired; sign: Flask answered an error
	ExitBadPayload = 2  // verify: valid signature, undecodable payload (Flask answers 500)
	ExitNoSecret   = 3  // verify: no secret key (Flask uses the null session)
	ExitNoCookie   = 3  // sign: Flask set no session cookie, or only a deletion cookie
	ExitUsage      = 64 // bad command line
	ExitNoFlask    = 69 // Flask cannot be imported
	ExitCrash      = 70 // unexpected error in the script (traceback on stderr)
)

// VerifyOptions configure the Flask app that checks a cookie.
type VerifyOptions struct {
	// Secret is SECRET_KEY, as bytes (a str key in Flask is its UTF-8
	// encoding, so text keys need nothing special). Empty means no secret key.
	Secret string
	// Fallbacks is SECRET_KEY_FALLBACKS, oldest first as in Flask's config.
	Fallbacks []string
	// MaxAge is the lifetime in seconds a cookie is checked against. Zero
	// means what Flask itself uses: PERMANENT_SESSION_LIFETIME (31 days by
	// default; set it in Config to check a max age of zero).
	MaxAge int64
	// Now pins the clock the age is measured with (Unix seconds). Zero means
	// the real clock.
	Now int64
	// Config sets app.config[KEY] to a JSON value, e.g.
	// "PERMANENT_SESSION_LIFETIME": "60".
	Config map[string]string
}

// Verify has Flask check and decode cookie, as open_session would. It returns
// the session as canonical typed JSON (empty unless exit is ExitOK) and the
// script's exit status: ExitOK, ExitInvalid, ExitBadPayload or ExitNoSecret.
// Any other outcome fails the test. Flask's reason for refusing a cookie is
// logged.
func Verify(t testing.TB, opts VerifyOptions, cookie string) (typedJSON string, exit int) {
	t.Helper()
	args := []string{"verify"}
	args = append(args, keyFlags("secret", opts.Secret)...)
	args = append(args, fallbackFlags(opts.Fallbacks)...)
	args = append(args, configFlags(opts.Config)...)
	if opts.MaxAge != 0 {
		args = append(args, "--max-age="+strconv.FormatInt(opts.MaxAge, 10))
	}
	if opts.Now != 0 {
		args = append(args, "--now="+strconv.FormatInt(opts.Now, 10))
	}
	args = append(args, "-")
	res := Run(t, cookie, args...)
	switch res.Exit {
	case ExitOK:
		return strings.TrimRight(res.Stdout, "\r\n"), ExitOK
	case ExitInvalid, ExitBadPayload, ExitNoSecret:
		t.Logf("Flask refused the cookie (exit %d): %s", res.Exit, strings.TrimSpace(res.Stderr))
		return "", res.Exit
	}
	t.Fatalf("flaskpeer.py verify: exit %d\nstdout:\n%s\nstderr:\n%s", res.Exit, res.Stdout, res.Stderr)
	return "", res.Exit
}

// SignOptions configure the Flask app that sets a cookie.
type SignOptions struct {
	// Secret is SECRET_KEY, as bytes. Empty means no secret key: Flask then
	// refuses to write the session, and Sign fails the test.
	Secret string
	// Fallbacks is SECRET_KEY_FALLBACKS, oldest first. Flask always signs
	// with Secret; fallbacks only matter for reading.
	Fallbacks []string
	// Timestamp pins the clock (Unix seconds): the signed timestamp and, for
	// permanent sessions, Expires. Zero means the real clock.
	Timestamp int64
	// Permanent makes the view also set session.permanent = True.
	Permanent bool
	// Config sets app.config[KEY] to a JSON value, e.g.
	// "SESSION_COOKIE_SAMESITE": `"Lax"`.
	Config map[string]string
}

func signArgs(opts SignOptions, header bool) []string {
	args := []string{"sign"}
	args = append(args, keyFlags("secret", opts.Secret)...)
	args = append(args, fallbackFlags(opts.Fallbacks)...)
	args = append(args, configFlags(opts.Config)...)
	if opts.Timestamp != 0 {
		args = append(args, "--timestamp="+strconv.FormatInt(opts.Timestamp, 10))
	}
	if opts.Permanent {
		args = append(args, "--permanent")
	}
	if header {
		args = append(args, "--header")
	}
	return append(args, "-")
}

// Sign has a real Flask app store the session given as typed JSON (a view
// doing session.update(data)) and returns the value of the session cookie
// Flask set. It fails the test if Flask set none.
func Sign(t testing.TB, opts SignOptions, typedJSON string) string {
	t.Helper()
	res := Run(t, typedJSON, signArgs(opts, false)...)
	if res.Exit != ExitOK {
		t.Fatalf("flaskpeer.py sign: exit %d\nstdout:\n%s\nstderr:\n%s", res.Exit, res.Stdout, res.Stderr)
	}
	return strings.TrimRight(res.Stdout, "\r\n")
}

// SignHeader is like Sign but returns the whole Set-Cookie header value, e.g.
// "session=...; HttpOnly; Path=/". When the session is empty Flask sends a
// deletion cookie, and that header is returned. It fails the test if Flask
// sent no session cookie at all.
func SignHeader(t testing.TB, opts SignOptions, typedJSON string) string {
	t.Helper()
	res := Run(t, typedJSON, signArgs(opts, true)...)
	header := strings.TrimRight(res.Stdout, "\r\n")
	if (res.Exit != ExitOK && res.Exit != ExitNoCookie) || header == "" {
		t.Fatalf("flaskpeer.py sign --header: exit %d\nstdout:\n%s\nstderr:\n%s", res.Exit, res.Stdout, res.Stderr)
	}
	return header
}

// keyFlags passes a key as text when the command line can carry it exactly
// (valid UTF-8, no NUL), else as hex. Flask encodes str keys as UTF-8, so both
// give the same key bytes.
func keyFlags(name, key string) []string {
	if key == "" {
		return nil
	}
	if utf8.ValidString(key) && !strings.ContainsRune(key, 0) {
		return []string{"--" + name + "=" + key}
	}
	return []string{"--" + name + "-hex=" + hex.EncodeToString([]byte(key))}
}

func fallbackFlags(keys []string) []string {
	// The script lists --fallback keys before --fallback-hex ones; keep the
	// caller's order by sending all as hex when any needs it.
	text := true
	for _, k := range keys {
		if k == "" || !utf8.ValidString(k) || strings.ContainsRune(k, 0) {
			text = false
		}
	}
	var args []string
	for _, k := range keys {
		if text {
			args = append(args, "--fallback="+k)
		} else {
			args = append(args, "--fallback-hex="+hex.EncodeToString([]byte(k)))
		}
	}
	return args
}

func configFlags(config map[string]string) []string {
	keys := make([]string, 0, len(config))
	for k := range config {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	args := make([]string, 0, len(keys))
	for _, k := range keys {
		args = append(args, "--config="+k+"="+config[k])
	}
	return args
}
