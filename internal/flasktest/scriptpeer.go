package flasktest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// StartScript starts a Python server script of a package's own testdata,
// like StartPeer does with flaskpeer.py: the script must print
// "LISTENING http://127.0.0.1:PORT" on stdout once it accepts connections and
// exit when its stdin reaches end of file. modules are the Python modules it
// needs (besides Flask); when the interpreter cannot import them the test is
// skipped with a message naming them, or fails when $CI is true. The cleanup
// stops the server and waits for it; its stderr is logged if the test fails.
func StartScript(t testing.TB, modules []string, script string, args ...string) *Peer {
	t.Helper()
	py := pythonWith(t, modules)
	abs, err := filepath.Abs(script)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, append([]string{abs}, args...)...)
	cmd.Env = pythonEnviron()
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("flasktest: script stdin: %v", err)
	}
	listening := make(chan string, 1)
	cmd.Stdout = &listenWatcher{found: listening}
	stderr := new(lockedBuffer)
	cmd.Stderr = stderr
	cmd.WaitDelay = peerStopTimeout
	if err := cmd.Start(); err != nil {
		t.Fatalf("flasktest: start %s: %v", script, err)
	}
	p := &Peer{cmd: cmd, stdin: stdin, stderr: stderr, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.shutdown()
		if t.Failed() {
			t.Logf("%s %s stderr:\n%s", script, p.URL, p.stderr.String())
		}
	})
	timer := time.NewTimer(peerStartTimeout)
	defer timer.Stop()
	select {
	case url := <-listening:
		p.URL = url
		return p
	case <-p.done:
		t.Fatalf("flasktest: %s exited before listening (%v)\nstderr:\n%s", script, p.err, stderr.String())
	case <-timer.C:
		p.shutdown()
		t.Fatalf("flasktest: %s not listening after %v\nstderr:\n%s", script, peerStartTimeout, stderr.String())
	}
	return nil
}

// pythonWith is Python, also requiring modules: it skips the test (fails it
// when $CI is true) when they cannot be imported.
func pythonWith(t testing.TB, modules []string) string {
	t.Helper()
	py := Python(t)
	if err := importModules(py, modules); err != nil {
		msg := fmt.Sprintf("Python modules %s not importable by %s (Debian: python3-flask-login, python3-flaskext.wtf; or set %s): %v",
			strings.Join(modules, ", "), py, PythonEnv, err)
		if inCI() {
			t.Fatal(msg + " [CI is set: a missing module is a failure, not a skip]")
		}
		t.Skip(msg)
	}
	return py
}

// RunScript runs a Python script of a package's testdata with args under a
// timeout and returns its output and exit status, like Run does for
// flaskpeer.py. modules are the Python modules it needs, as for StartScript.
// It fails the test if the script cannot be started, times out or is killed.
func RunScript(t testing.TB, modules []string, script string, args ...string) Result {
	t.Helper()
	py := pythonWith(t, modules)
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, append([]string{script}, args...)...)
	cmd.Env = pythonEnviron()
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr
	err := cmd.Run()
	res := Result{Stdout: stdout.String(), Stderr: stderr.String()}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case ctx.Err() != nil:
		t.Fatalf("%s: timed out after %v\nstderr:\n%s", script, runTimeout, res.Stderr)
	case errors.As(err, &exitErr) && exitErr.ExitCode() >= 0:
		res.Exit = exitErr.ExitCode()
	default:
		t.Fatalf("%s: %v\nstderr:\n%s", script, err, res.Stderr)
	}
	return res
}

// importModules reports whether py can import every module.
func importModules(py string, modules []string) error {
	if len(modules) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, py, "-c", "import "+strings.Join(modules, ", "))
	cmd.Env = pythonEnviron()
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		if msg := lastLine(stderr.String()); msg != "" {
			return fmt.Errorf("%w: %s", err, msg)
		}
		return err
	}
	return nil
}
