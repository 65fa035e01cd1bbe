// Command sessionctl reads and writes Flask session cookies from the shell.
//
//	sessionctl decode --secret KEY [--fallback KEY]... [--max-age SECONDS] [--now UNIX] COOKIE|-
//	sessionctl sign   --secret KEY [--timestamp UNIX] < session.json
//	sessionctl keygen [--bytes N]
//
// decode prints the session as one line of Flask's tagged JSON and exits 0;
// a bad signature, a malformed or an expired cookie exits 1 with the reason
// on stderr; a valid signature over an undecodable payload (where Flask
// answers 500) exits 2. COOKIE (or the line read from stdin with -) may be
// the value, the value in double quotes, session=VALUE, a whole Cookie
// header or a Set-Cookie line; --name picks another cookie name than
// "session".
//
// Every usage error (an unknown command or option, a bad or out-of-range
// option value, an empty or unreadable key, input that holds no cookie or
// no session) prints one line naming the problem on stderr and exits 64
// (EX_USAGE). Times are Unix seconds from 1 to 253402300799 (year 9999);
// --max-age is 0 (no check) or more seconds.
//
// Keys: --secret and --fallback take text (UTF-8, as Flask encodes a str
// key); --secret-hex and --fallback-hex take hex for binary keys;
// --secret-file and --fallback-file read a key from a file (one trailing
// newline is dropped); without any --secret option the key comes from the
// SESSIONKIT_SECRET environment variable, so it need not appear on the
// command line.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

func main() {
	err := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)
	if err != nil {
		var ee *exitError
		if errors.As(err, &ee) {
			if ee.msg != "" {
				fmt.Fprintln(os.Stderr, "sessionctl:", ee.msg)
			}
			os.Exit(ee.code)
		}
		fmt.Fprintln(os.Stderr, "sessionctl:", err)
		os.Exit(1)
	}
}

// Exit codes.
const (
	exitInvalid    = 1  // bad signature, malformed, expired
	exitBadPayload = 2  // signature valid, payload undecodable (Flask: 500)
	exitUsage      = 64 // bad command line
)

// exitError carries the process exit code of a failed command.
type exitError struct {
	code int
	msg  string
}

func (e *exitError) Error() string { return e.msg }

func usageErr(format string, args ...any) error {
	return failure(exitUsage, fmt.Sprintf(format, args...))
}

// failure is an exitError whose message is kept to one line: control
// characters that came from the input (a newline in an option name) are
// written as escapes.
func failure(code int, msg string) error {
	var b strings.Builder
	for _, r := range msg {
		if r < 0x20 || r == 0x7f || r == '\u2028' || r == '\u2029' || r == '\u0085' {
			fmt.Fprintf(&b, "\\x%02x", r)
			continue
		}
		b.WriteRune(r)
	}
	return &exitError{code: code, msg: b.String()}
}

const usage = `sessionctl reads and writes Flask session cookies.

Usage:
  sessionctl decode --secret KEY [--fallback KEY]... [--max-age SECONDS] [--now UNIX] COOKIE|-
  sessionctl sign   --secret KEY [--timestamp UNIX] < session.json
  sessionctl keygen [--bytes N]

Run "sessionctl COMMAND --help" for a command's options.
`

// run is the whole program; main only maps its error to an exit code.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		return usageErr("no command: give decode, sign or keygen (see sessionctl --help)")
	}
	switch args[0] {
	case "decode":
		return decode(args[1:], stdin, stdout, stderr, getenv)
	case "sign":
		return sign(args[1:], stdin, stdout, stderr, getenv)
	case "keygen":
		return keygen(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	default:
		return usageErr("unknown command %q: give decode, sign or keygen (see sessionctl --help)", clip(args[0]))
	}
}
