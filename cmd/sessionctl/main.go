// Command sessionctl reads and writes Flask session cookies from the shell.
//
//	sessionctl decode --secret KEY [--fallback KEY]... [--max-age SECONDS] [--now UNIX] COOKIE|-
//	sessionctl sign   --secret KEY [--timestamp UNIX] < session.json
//	sessionctl keygen [--bytes N]
//
// decode prints the session as one line of Flask's tagged JSON and exits 0;
// a bad signature, a malformed or an expired cookie exits 1 with the reason
// on stderr; a valid signature over an undecodable payload (where Flask
// answers 500) exits 2. Usage errors exit 64.
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
	return &exitError{code: exitUsage, msg: fmt.Sprintf(format, args...)}
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
		fmt.Fprint(stderr, usage)
		return &exitError{code: exitUsage}
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
		fmt.Fprint(stderr, usage)
		return usageErr("unknown command %q", args[0])
	}
}
