package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a bytes.Buffer safe for the server's and the test's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startDemo runs the demo on a free loopback port until the test ends.
func startDemo(t *testing.T, args ...string) (base string, logs *syncBuffer) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	logs = &syncBuffer{}
	go func() {
		done <- run(ctx, append([]string{"-addr", "127.0.0.1:0"}, args...), func(string) string { return "" }, logs, ready)
	}()
	select {
	case addr := <-ready:
		base = "http://" + addr
	case err := <-done:
		t.Fatalf("demo exited: %v\n%s", err, logs)
	case <-time.After(10 * time.Second):
		t.Fatal("demo did not start")
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("demo shutdown: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Error("demo did not shut down")
		}
	})
	return base, logs
}

func get(t *testing.T, c *http.Client, u string) string {
	t.Helper()
	res, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("GET %s: %d\n%s", u, res.StatusCode, b)
	}
	return string(b)
}

func post(t *testing.T, c *http.Client, u string, form url.Values) string {
	t.Helper()
	res, err := c.PostForm(u, form)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 {
		t.Fatalf("POST %s: %d\n%s", u, res.StatusCode, b)
	}
	return string(b)
}

func TestDemoFlow(t *testing.T) {
	base, logs := startDemo(t)
	if !strings.Contains(logs.String(), "random key") {
		t.Errorf("no log line about the random key:\n%s", logs)
	}
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}

	if page := get(t, c, base+"/"); !strings.Contains(page, `action="/login"`) {
		t.Fatalf("anonymous home has no login form:\n%s", page)
	}
	page := post(t, c, base+"/login", url.Values{"name": {"Ada <script>"}, "remember": {"on"}})
	if !strings.Contains(page, "Welcome, Ada &lt;script&gt;!") || !strings.Contains(page, `id="visits">1<`) {
		t.Fatalf("after login (flash once, visit 1, escaped name):\n%s", page)
	}
	if !strings.Contains(page, "remembered for 31 days") {
		t.Error("remember me did not make the session permanent")
	}
	page = get(t, c, base+"/")
	if strings.Contains(page, "Welcome") || !strings.Contains(page, `id="visits">2<`) {
		t.Errorf("second visit: flash shown again or counter wrong:\n%s", page)
	}
	page = get(t, c, base+"/cookie")
	if !strings.Contains(page, `id="payload"`) || !strings.Contains(page, "Ada") || !strings.Contains(page, "_permanent") {
		t.Errorf("cookie page does not decode the cookie:\n%s", page)
	}
	page = post(t, c, base+"/logout", nil)
	if !strings.Contains(page, "You are logged out.") || !strings.Contains(page, `action="/login"`) {
		t.Errorf("after logout:\n%s", page)
	}
	if page := post(t, c, base+"/login", url.Values{"name": {""}}); !strings.Contains(page, "Enter a name") {
		t.Errorf("empty name not refused:\n%s", page)
	}
}

// The same secret across restarts keeps the login.
func TestDemoSecretSurvivesRestart(t *testing.T) {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	base, _ := startDemo(t, "-secret", "restart-secret")
	post(t, c, base+"/login", url.Values{"name": {"Grace"}})
	base2, _ := startDemo(t, "-secret", "restart-secret")
	// Cookies are not port-specific: the second demo sees the first's cookie.
	if page := get(t, c, base2+"/"); !strings.Contains(page, "Grace") {
		t.Errorf("second demo with the same secret lost the login:\n%s", page)
	}
}

func TestDemoServerSideSessions(t *testing.T) {
	base, _ := startDemo(t, "-store", "memory")
	browser := func(agent string) *http.Client {
		jar, _ := cookiejar.New(nil)
		return &http.Client{Jar: jar, Timeout: 10 * time.Second, Transport: agentTransport(agent)}
	}
	laptop, phone := browser("laptop"), browser("phone")
	post(t, laptop, base+"/login", url.Values{"name": {"ada"}})
	post(t, phone, base+"/login", url.Values{"name": {"ada"}})
	page := get(t, phone, base+"/sessions")
	if strings.Count(page, "<tr") != 3 || !strings.Contains(page, "laptop") || !strings.Contains(page, "this device") {
		t.Fatalf("sessions page does not list both devices:\n%s", page)
	}
	page = post(t, phone, base+"/sessions/revoke-others", nil)
	if !strings.Contains(page, "Logged out 1 other session(s).") {
		t.Errorf("revoke others:\n%s", page)
	}
	if page := get(t, laptop, base+"/"); !strings.Contains(page, `action="/login"`) {
		t.Errorf("the laptop is still logged in after log out other devices:\n%s", page)
	}
	if page := get(t, phone, base+"/"); !strings.Contains(page, "ada") {
		t.Errorf("the phone was logged out too:\n%s", page)
	}
	if page := get(t, phone, base+"/cookie"); !strings.Contains(page, "random 256-bit ID") {
		t.Errorf("cookie page in server mode:\n%s", page)
	}
	post(t, phone, base+"/logout", nil)
	if page := get(t, phone, base+"/"); !strings.Contains(page, `action="/login"`) {
		t.Errorf("still logged in after logout:\n%s", page)
	}
}

type agentTransport string

func (a agentTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("User-Agent", string(a))
	return http.DefaultTransport.RoundTrip(r)
}

// With bolt, state survives a restart of the demo.
func TestDemoBoltSurvivesRestart(t *testing.T) {
	path := t.TempDir() + "/sessions.db"
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 10 * time.Second}
	ctx, cancel := context.WithCancel(context.Background())
	ready, done := make(chan string, 1), make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-secret", "s", "-store", "bolt:" + path}, func(string) string { return "" }, io.Discard, ready)
	}()
	base := "http://" + <-ready
	post(t, c, base+"/login", url.Values{"name": {"Lin"}})
	get(t, c, base+"/")
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	base2, _ := startDemo(t, "-secret", "s", "-store", "bolt:"+path)
	page := get(t, c, base2+"/")
	if !strings.Contains(page, "Lin") || !strings.Contains(page, `id="visits">3<`) {
		t.Errorf("after a restart with bolt the session is lost:\n%s", page)
	}
}
