package main

import (
	"bufio"
	"context"
	"html"
	"net/http"
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

// Flask-Login and Flask-WTF on both sides: a login made by either is the
// other's current user (fresh: both compute the same session-protection
// identifier), a form token made by either is accepted by the other, a
// post without a token is refused by both, and a logout on either ends the
// login on both.
func TestDemoFlaskLoginAndCSRF(t *testing.T) {
	const secret = "shared-secret"
	d := startDemo(t, "-store", "cookie", "-secret", secret)
	flask := startFlaskApp(t, secret, d.base+"/")

	// Log in on Flask: the Go demo sees the user.
	c := browser("Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0")
	page := post(t, c, flask+"/login", url.Values{"name": {"Bea é"}})
	if !strings.Contains(page, `id="who">Bea é<`) || !strings.Contains(page, "Welcome from Flask, Bea é!") {
		t.Fatalf("the Go demo does not see the Flask login:\n%s", page)
	}
	// Go applied session protection and kept the login fresh: its
	// identifier is Flask-Login's.
	cookiePage := html.UnescapeString(get(t, c, d.base+"/cookie"))
	for _, want := range []string{`"_user_id": "Bea é"`, `"_fresh": true`, `"_id": "`} {
		if !strings.Contains(cookiePage, want) {
			t.Errorf("after the Flask login and a Go page, the session lacks %q:\n%s", want, cookiePage)
		}
	}

	// A token Flask made is accepted by Go, and the reverse.
	flaskTok := tokenIn(get(t, c, flask+"/"))
	if flaskTok == "" {
		t.Fatal("no token on Flask's page")
	}
	if page := post(t, c, d.base+"/count", url.Values{"csrf_token": {flaskTok}}); !counterIs(page, 1) {
		t.Errorf("Go refused Flask's token:\n%s", page)
	}
	goTok := tokenIn(get(t, c, d.base+"/"))
	if page := post(t, c, flask+"/add10", url.Values{"csrf_token": {goTok}}); !counterIs(page, 11) {
		t.Errorf("Flask refused Go's token:\n%s", page)
	}
	if page := get(t, c, flask+"/"); !strings.Contains(page, "Hello from Flask, Bea é! Counter: 11. Login: fresh.") {
		t.Errorf("Flask's view:\n%s", page)
	}

	// Without a token (or with a forged one) both refuse, and nothing changes.
	for _, form := range []url.Values{nil, {"csrf_token": {"IjAwMDAi.aaaaaa.bbbbbbbbbbbbbbbbbbbbbbbbbbb"}}} {
		if code, page := postStatus(t, c, d.base+"/count", form); code != http.StatusBadRequest || !strings.Contains(page, "The CSRF token is") {
			t.Errorf("Go accepted a post with %v: %d\n%s", form, code, page)
		}
		if code, page := postStatus(t, c, flask+"/add10", form); code != http.StatusBadRequest || !strings.Contains(page, "The CSRF token is") {
			t.Errorf("Flask accepted a post with %v: %d\n%s", form, code, page)
		}
	}
	if page := get(t, c, d.base+"/"); !counterIs(page, 11) {
		t.Errorf("a refused post changed the counter:\n%s", page)
	}

	// The Flask login carries the subject Go's "log out other devices"
	// needs: another browser logging in on Go logs this one out of Go.
	phone := browser("phone")
	post(t, phone, d.base+"/login", url.Values{"name": {"Bea é"}})
	post(t, phone, d.base+"/sessions/revoke-others", nil)
	if page := get(t, c, d.base+"/"); !strings.Contains(page, loginForm) || !strings.Contains(page, loggedOutNotice) {
		t.Errorf("log out other devices did not reach the Flask-made login:\n%s", page)
	}

	// Log in on Go, log out on Flask: logged out on both.
	post(t, c, d.base+"/login", url.Values{"name": {"Cy"}})
	if page := get(t, c, flask+"/"); !strings.Contains(page, "Hello from Flask, Cy! Counter: 0. Login: fresh.") {
		t.Fatalf("Flask does not see the Go login as fresh:\n%s", page)
	}
	if page := post(t, c, flask+"/logout", nil); !strings.Contains(page, "Not logged in") {
		t.Errorf("Flask's logout:\n%s", page)
	}
	if page := get(t, c, d.base+"/"); !strings.Contains(page, loginForm) || strings.Contains(page, `id="who"`) {
		t.Errorf("the Go demo still sees the login after Flask's logout:\n%s", page)
	}
}
