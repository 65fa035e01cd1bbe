package flasktest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

// fakeTB records Skip and Fatal instead of ending the test.
type fakeTB struct {
	testing.TB
	skipped, failed bool
	msg             string
}

var errStopped = errors.New("test stopped")

func (f *fakeTB) Helper() {}
func (f *fakeTB) Skip(args ...any) {
	f.skipped, f.msg = true, joinArgs(args)
	panic(errStopped)
}
func (f *fakeTB) Fatal(args ...any) {
	f.failed, f.msg = true, joinArgs(args)
	panic(errStopped)
}

func joinArgs(args []any) string {
	var b strings.Builder
	for _, a := range args {
		fmt.Fprint(&b, a)
	}
	return b.String()
}

func callPython(t *testing.T) *fakeTB {
	f := &fakeTB{TB: t}
	func() {
		defer func() {
			if r := recover(); r != nil && r != errStopped {
				panic(r)
			}
		}()
		Python(f)
	}()
	return f
}

func TestPythonMissing(t *testing.T) {
	t.Setenv(PythonEnv, "/nonexistent/python3")

	t.Setenv("CI", "")
	f := callPython(t)
	if !f.skipped || f.failed || !strings.Contains(f.msg, "Flask not installed: apt-get install -y python3-flask") {
		t.Errorf("without CI: skipped %v, failed %v, message %q", f.skipped, f.failed, f.msg)
	}

	t.Setenv("CI", "true")
	f = callPython(t)
	if !f.failed || f.skipped || !strings.Contains(f.msg, "Flask not installed") {
		t.Errorf("with CI=true: skipped %v, failed %v, message %q", f.skipped, f.failed, f.msg)
	}
}

// The cleanup StartPeer registers stops the server and reaps it.
func TestPeerStops(t *testing.T) {
	var p *Peer
	t.Run("peer", func(t *testing.T) {
		p = StartPeer(t, "k", nil, nil)
		if resp, body := p.Get(t, nil, "/get"); resp.StatusCode != 200 || body != "{}" {
			t.Fatalf("/get: %d %s", resp.StatusCode, body)
		}
	})
	if p == nil {
		return // skipped
	}
	select {
	case <-p.done:
	default:
		t.Fatal("peer still running after its test's cleanup")
	}
	if st := p.cmd.ProcessState; st == nil || !st.Exited() || st.ExitCode() != 0 {
		t.Errorf("peer exit: %v (err %v); want a clean exit", st, p.err)
	}
	p.shutdown() // idempotent
}
