package main

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/sessionkit/session/signing"
	"github.com/sessionkit/session/tagjson"
)

// maxInput bounds what sign and decode read from stdin.
const maxInput = 1 << 20

func newFlagSet(name, synopsis string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: sessionctl %s\n\nOptions:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses flags. -h prints the options on stdout (a clean exit); any
// other problem is one line naming it, exit 64, without the option list.
func parse(fs *flag.FlagSet, args []string, stdout io.Writer) (help bool, err error) {
	fs.SetOutput(io.Discard)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(stdout) // asked-for help is output, not an error
			fs.Usage()
			return true, nil
		}
		return false, usageErr("%s: %v (see sessionctl %s --help)", fs.Name(), err, fs.Name())
	}
	return false, nil
}

// Bounds of the time options: Unix seconds from 1 to the end of year 9999,
// the last second Python's datetime (and so Flask) can represent.
const (
	minUnix = 1
	maxUnix = 253402300799
)

// unixFlag is an optional Unix time in seconds, checked against the bounds.
type unixFlag struct {
	set bool
	v   int64
}

func (u *unixFlag) String() string {
	if u == nil || !u.set {
		return ""
	}
	return strconv.FormatInt(u.v, 10)
}

func (u *unixFlag) Set(s string) error {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < minUnix || n > maxUnix {
		return fmt.Errorf("want Unix seconds from %d to %d (year 9999)", minUnix, maxUnix)
	}
	u.v, u.set = n, true
	return nil
}

// secondsFlag is a duration in whole seconds, 0 or more, that fits a
// time.Duration.
type secondsFlag struct{ v int64 }

func (f *secondsFlag) String() string {
	if f == nil {
		return ""
	}
	return strconv.FormatInt(f.v, 10)
}

func (f *secondsFlag) Set(s string) error {
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n < 0 || n > math.MaxInt64/int64(time.Second) {
		return fmt.Errorf("want whole seconds from 0 to %d", math.MaxInt64/int64(time.Second))
	}
	f.v = n
	return nil
}

// readInput reads stdin, at most maxInput bytes.
func readInput(stdin io.Reader, what string) (string, error) {
	in, err := io.ReadAll(io.LimitReader(stdin, maxInput+1))
	if err != nil {
		return "", fmt.Errorf("reading stdin: %w", err)
	}
	if len(in) > maxInput {
		return "", usageErr("%s on stdin is over %d bytes", what, maxInput)
	}
	if strings.TrimSpace(string(in)) == "" {
		return "", usageErr("stdin is empty: expected %s", what)
	}
	return string(in), nil
}

// cookieFromInput finds the cookie in stdin: the only non-empty line, or
// the first line (a Cookie or Set-Cookie header among others) that holds
// the cookie called name.
func cookieFromInput(in, name string) (string, error) {
	var lines []string
	for l := range strings.SplitSeq(in, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 1 {
		return cookieValue(lines[0], name)
	}
	for _, l := range lines {
		_, isCookie := cutPrefixFold(l, "Cookie:")
		_, isSetCookie := cutPrefixFold(l, "Set-Cookie:")
		if !isCookie && !isSetCookie && strings.Contains(l, ":") {
			continue // another header, or a status line
		}
		if v, err := cookieValue(l, name); err == nil && strings.Contains(l, "=") {
			return v, nil
		}
	}
	return "", fmt.Errorf("stdin has %d lines and none is a Cookie or Set-Cookie header with a cookie named %q", len(lines), name)
}

func decode(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := newFlagSet("decode", "decode [options] COOKIE|-", stderr)
	var keys keyFlags
	keys.register(fs)
	maxAge := &secondsFlag{v: int64((31 * 24 * time.Hour).Seconds())}
	fs.Var(maxAge, "max-age", "oldest accepted signature in `SECONDS` (Flask: PERMANENT_SESSION_LIFETIME); 0 disables the check")
	now := new(unixFlag)
	fs.Var(now, "now", "check the age as if the time were `UNIX` seconds (default: the current time)")
	name := fs.String("name", "session", "the cookie's `NAME`, looked for in a Cookie or Set-Cookie header (Flask: SESSION_COOKIE_NAME)")
	if help, err := parse(fs, args, stdout); help || err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErr("decode takes one COOKIE argument (or - for stdin), got %d", fs.NArg())
	}
	if *name == "" || strings.ContainsAny(*name, "=; \t\r\n\"") {
		return usageErr("--name %q is not a cookie name", *name)
	}
	if err := keys.resolve(getenv); err != nil {
		return err
	}
	var (
		cookie string
		err    error
	)
	if fs.Arg(0) == "-" {
		var in string
		if in, err = readInput(stdin, "a cookie"); err != nil {
			return err
		}
		cookie, err = cookieFromInput(in, *name)
	} else {
		cookie, err = cookieValue(fs.Arg(0), *name)
	}
	if err != nil {
		return usageErr("%v", err)
	}
	if cookie == "" {
		return failure(exitInvalid, "the cookie is empty (Flask starts a new session)")
	}
	opts := signing.Options{}
	if now.set {
		at := time.Unix(now.v, 0)
		opts.Now = func() time.Time { return at }
	}
	s, err := signing.New(keys.secret, keys.fallbacks, opts)
	if err != nil {
		return usageErr("%v", err)
	}
	payload, _, err := s.Verify(cookie, time.Duration(maxAge.v)*time.Second)
	if err != nil {
		if errors.Is(err, signing.ErrBadPayload) {
			return failure(exitBadPayload, err.Error())
		}
		return failure(exitInvalid, err.Error())
	}
	values, err := tagjson.UnmarshalMap(payload)
	if err != nil {
		return failure(exitBadPayload, err.Error())
	}
	out, err := tagjson.Marshal(values)
	if err != nil {
		return failure(exitBadPayload, err.Error())
	}
	_, err = fmt.Fprintf(stdout, "%s\n", out)
	return err
}

func sign(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := newFlagSet("sign", "sign [options] < session.json", stderr)
	var keys keyFlags
	keys.register(fs)
	ts := new(unixFlag)
	fs.Var(ts, "timestamp", "sign as if at `UNIX` seconds (default: the current time)")
	if help, err := parse(fs, args, stdout); help || err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageErr("sign reads the session from stdin and takes no arguments, got %q", clip(fs.Arg(0)))
	}
	if err := keys.resolve(getenv); err != nil {
		return err
	}
	in, err := readInput(stdin, "a session in Flask's tagged JSON")
	if err != nil {
		return err
	}
	values, err := tagjson.UnmarshalMap([]byte(strings.TrimSpace(in)))
	if err != nil {
		return usageErr("stdin is not a session in Flask's tagged JSON: %v", err)
	}
	payload, err := tagjson.Marshal(values)
	if err != nil {
		return usageErr("%v", err)
	}
	s, err := signing.New(keys.secret, keys.fallbacks, signing.Options{})
	if err != nil {
		return usageErr("%v", err)
	}
	unix := ts.v
	if !ts.set {
		unix = time.Now().Unix()
	}
	_, err = fmt.Fprintf(stdout, "%s\n", s.AppendSign(nil, payload, unix))
	return err
}

func keygen(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("keygen", "keygen [--bytes N]", stderr)
	n := fs.Int("bytes", 32, "key length in `N` random bytes (printed as hex)")
	if help, err := parse(fs, args, stdout); help || err != nil {
		return err
	}
	if fs.NArg() != 0 {
		return usageErr("keygen takes no arguments, got %q", clip(fs.Arg(0)))
	}
	if *n < 16 || *n > 1024 {
		return usageErr("--bytes must be between 16 and 1024, got %d", *n)
	}
	b := make([]byte, *n)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	_, err := fmt.Fprintln(stdout, hex.EncodeToString(b))
	return err
}
