package flasktest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// PythonEnv names the environment variable that overrides the interpreter.
const PythonEnv = "SESSIONKIT_TEST_PYTHON"

// DefaultPython is the interpreter used when $SESSIONKIT_TEST_PYTHON is unset:
// the one Debian's python3-flask package installs Flask for.
const DefaultPython = "/usr/bin/python3"

// runTimeout bounds one run of the script (Python and Flask start in well under
// a second; the margin is for loaded CI machines).
const runTimeout = 60 * time.Second

// Python returns the path of a Python interpreter that can import Flask. When
// there is none it skips the test with a message saying how to install Flask,
// unless $CI is true, in which case it fails the test: in CI a missing Flask
// is a broken setup, never a reason to skip.
func Python(t testing.TB) string {
	t.Helper()
	py := os.Getenv(PythonEnv)
	if py == "" {
		py = DefaultPython
	}
	if err := checkPython(py); err != nil {
		msg := fmt.Sprintf("Flask not installed: apt-get install -y python3-flask (or set %s to a Python that has Flask): %s: %v", PythonEnv, py, err)
		if inCI() {
			t.Fatal(msg + " [CI is set: a missing Flask is a failure, not a skip]")
		}
		t.Skip(msg)
	}
	return py
}

func inCI() bool {
	ci, err := strconv.ParseBool(os.Getenv("CI"))
	return err == nil && ci
}

type pythonCheck struct {
	once sync.Once
	err  error
}

var pythonChecks sync.Map // interpreter path -> *pythonCheck

// checkPython reports whether py runs and imports what flaskpeer.py needs. The
// answer is computed once per interpreter path.
func checkPython(py string) error {
	c, _ := pythonChecks.LoadOrStore(py, new(pythonCheck))
	check := c.(*pythonCheck)
	check.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, py, "-c", "import flask, itsdangerous, markupsafe, werkzeug")
		cmd.Env = pythonEnviron()
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			if msg := lastLine(stderr.String()); msg != "" {
				err = fmt.Errorf("%w: %s", err, msg)
			}
			check.err = err
		}
	})
	return check.err
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		s = s[i+1:]
	}
	return s
}

// pythonEnviron is the environment of every Python process: the test's own,
// with UTF-8 for argv and stdio whatever the locale, and no .pyc files
// written into the source tree.
func pythonEnviron() []string {
	return append(os.Environ(), "PYTHONUTF8=1", "PYTHONIOENCODING=utf-8", "PYTHONDONTWRITEBYTECODE=1")
}

var (
	scriptOnce sync.Once
	scriptPath string
	scriptErr  error
)

// Script returns the path of interop/flaskpeer.py.
func Script(t testing.TB) string {
	t.Helper()
	scriptOnce.Do(func() { scriptPath, scriptErr = findScript() })
	if scriptErr != nil {
		t.Fatal(scriptErr)
	}
	return scriptPath
}

func findScript() (string, error) {
	const rel = "interop/flaskpeer.py"
	// This source file lives in internal/flasktest/.
	if _, file, _, ok := runtime.Caller(0); ok && filepath.IsAbs(file) {
		p := filepath.Join(filepath.Dir(file), "..", "..", filepath.FromSlash(rel))
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	// Built with -trimpath: look upwards from the test's working directory
	// (a package directory inside the module) for the module root.
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if _, err := os.Stat(p); err != nil {
				return "", fmt.Errorf("flasktest: module root %s has no %s: %w", dir, rel, err)
			}
			return p, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("flasktest: cannot find " + rel + " (no go.mod above the working directory)")
		}
		dir = parent
	}
}

// Result is the outcome of one run of flaskpeer.py.
type Result struct {
	Stdout string
	Stderr string
	Exit   int
}

// Run runs flaskpeer.py with args, stdin as its standard input, under a
// timeout. It fails the test if the script cannot be started, times out or is
// killed by a signal; any exit status is returned for the caller to judge.
// It skips (or, in CI, fails) the test when Flask is not available.
func Run(t testing.TB, stdin string, args ...string) Result {
	t.Helper()
	py := Python(t)
	script := Script(t)
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, append([]string{script}, args...)...)
	cmd.Env = pythonEnviron()
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	res := Result{Stdout: stdout.String(), Stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case ctx.Err() != nil:
		t.Fatalf("flaskpeer.py %s: timed out after %v\nstderr:\n%s", strings.Join(args, " "), runTimeout, res.Stderr)
	case errors.As(err, &exitErr) && exitErr.ExitCode() >= 0:
		res.Exit = exitErr.ExitCode()
	default:
		t.Fatalf("flaskpeer.py %s: %v\nstderr:\n%s", strings.Join(args, " "), err, res.Stderr)
	}
	return res
}
