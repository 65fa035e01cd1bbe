package main

import (
	"bufio"
	"context"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session/internal/flasktest"
)

// startFlaskApp runs flask_app.py, the app the /flask page shows, under real
// Flask on a free loopback port, with the given secret and Go demo URL.
func startFlaskApp(t *testing.T, secret, goDemo string) (base string) {
	t.Helper()
	py := flasktest.Python(t) // skips without Flask, fails under CI=true
	dir, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	const serve = `import sys
from werkzeug.serving import make_server
import flask_app
srv = make_server("127.0.0.1", 0, flask_app.app)
print(srv.server_port, flush=True)
srv.serve_forever()
`
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, py, "-c", serve)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "SECRET_KEY="+secret, "GO_DEMO="+goDemo, "PYTHONDONTWRITEBYTECODE=1", "PYTHONUTF8=1")
	var stderr syncBuffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		_ = cmd.Wait()
	})
	port := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(out).ReadString('\n')
		port <- strings.TrimSpace(line)
	}()
	select {
	case p := <-port:
		if p == "" {
			t.Fatalf("flask_app.py did not start:\n%s", stderr.String())
		}
		return "http://127.0.0.1:" + p
	case <-time.After(30 * time.Second):
		t.Fatalf("flask_app.py did not start in 30s:\n%s", stderr.String())
	}
	return ""
}

// The Flask app of the /flask page, run by real Flask with the demo's
// secret, shares the demo's session both ways: it reads the Go login and
// counter, and its change and flashed message show up in the Go demo.
func TestDemoFlaskShareSession(t *testing.T) {
	const secret = "shared-secret"
	d := startDemo(t, "-store", "cookie", "-secret", secret)
	flask := startFlaskApp(t, secret, d.base+"/")
	c := browser("test")

	if page := get(t, c, flask+"/"); !strings.Contains(page, "Not logged in") {
		t.Fatalf("Flask before login: %s", page)
	}
	post(t, c, d.base+"/login", url.Values{"name": {"Ada <b>"}, "remember": {"on"}})
	post(t, c, d.base+"/count", nil)
	post(t, c, d.base+"/count", nil)
	if page := get(t, c, flask+"/"); !strings.Contains(page, "Hello from Flask, Ada &lt;b&gt;! Counter: 2.") {
		t.Fatalf("Flask does not read the Go session:\n%s", page)
	}
	// Flask's +10 redirects to the Go demo, which shows Flask's change and
	// its flashed message.
	page := post(t, c, flask+"/add10", nil)
	if !counterIs(page, 12) || !strings.Contains(page, `<p class="flash success" role="status">Flask added 10 to your counter.</p>`) {
		t.Fatalf("the Go demo does not see Flask's change and flash:\n%s", page)
	}
	if !strings.Contains(page, "remembered for 31 days") {
		t.Error("the session lost its permanence through Flask")
	}
	post(t, c, d.base+"/logout", nil)
	if page := get(t, c, flask+"/"); !strings.Contains(page, "Not logged in") {
		t.Errorf("Flask still sees a login after the Go logout:\n%s", page)
	}
}
