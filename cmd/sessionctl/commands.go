package main

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
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

// parse parses flags, turning -h into a clean exit and errors into usage errors.
func parse(fs *flag.FlagSet, args []string, stdout io.Writer) (help bool, err error) {
	for _, a := range args {
		if a == "--" {
			break
		}
		if a == "-h" || a == "-help" || a == "--help" {
			fs.SetOutput(stdout) // asked-for help is output, not an error
		}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return true, nil
		}
		return false, &exitError{code: exitUsage}
	}
	return false, nil
}

func decode(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := newFlagSet("decode", "decode [options] COOKIE|-", stderr)
	var keys keyFlags
	keys.register(fs)
	maxAge := fs.Int64("max-age", int64((31 * 24 * time.Hour).Seconds()), "oldest accepted signature in `SECONDS` (Flask: PERMANENT_SESSION_LIFETIME); 0 disables the check")
	now := fs.Int64("now", 0, "check the age as if the time were `UNIX` seconds (default: the current time)")
	if help, err := parse(fs, args, stdout); help || err != nil {
		return err
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return usageErr("decode takes one COOKIE argument (or - for stdin)")
	}
	if err := keys.resolve(getenv); err != nil {
		return err
	}
	cookie := fs.Arg(0)
	if cookie == "-" {
		line, err := bufio.NewReader(io.LimitReader(stdin, maxInput)).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return err
		}
		cookie = strings.TrimRight(line, "\r\n")
	}
	opts := signing.Options{}
	if *now != 0 {
		at := time.Unix(*now, 0)
		opts.Now = func() time.Time { return at }
	}
	s, err := signing.New(keys.secret, keys.fallbacks, opts)
	if err != nil {
		return usageErr("%v", err)
	}
	payload, _, err := s.Verify(cookie, time.Duration(*maxAge)*time.Second)
	if err != nil {
		if errors.Is(err, signing.ErrBadPayload) {
			return &exitError{code: exitBadPayload, msg: err.Error()}
		}
		return &exitError{code: exitInvalid, msg: err.Error()}
	}
	values, err := tagjson.UnmarshalMap(payload)
	if err != nil {
		return &exitError{code: exitBadPayload, msg: err.Error()}
	}
	out, err := tagjson.Marshal(values)
	if err != nil {
		return &exitError{code: exitBadPayload, msg: err.Error()}
	}
	_, err = fmt.Fprintf(stdout, "%s\n", out)
	return err
}

func sign(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	fs := newFlagSet("sign", "sign [options] < session.json", stderr)
	var keys keyFlags
	keys.register(fs)
	ts := fs.Int64("timestamp", 0, "sign as if at `UNIX` seconds (default: the current time)")
	if help, err := parse(fs, args, stdout); help || err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return usageErr("sign reads the session from stdin and takes no arguments")
	}
	if err := keys.resolve(getenv); err != nil {
		return err
	}
	in, err := io.ReadAll(io.LimitReader(stdin, maxInput+1))
	if err != nil {
		return err
	}
	if len(in) > maxInput {
		return usageErr("session on stdin is over %d bytes", maxInput)
	}
	values, err := tagjson.UnmarshalMap([]byte(strings.TrimSpace(string(in))))
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
	unix := *ts
	if unix == 0 {
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
	if *n < 16 || *n > 1024 {
		return usageErr("--bytes must be between 16 and 1024")
	}
	b := make([]byte, *n)
	if _, err := rand.Read(b); err != nil {
		return err
	}
	_, err := fmt.Fprintln(stdout, hex.EncodeToString(b))
	return err
}
