package flasktest

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const (
	peerStartTimeout = 20 * time.Second
	peerStopTimeout  = 10 * time.Second
)

// Peer is a running Flask server (flaskpeer.py serve) on 127.0.0.1.
//
// Its routes answer GET and return the session after the view as canonical
// typed JSON: /set?k=v..., /set-json?data=TYPED_JSON, /get, /clear,
// /permanent, /login?user=NAME[&remember=1], /flash?msg=&cat=,
// /markup-flash?msg=&cat=, and /flashes (body {"flashes": [[cat, msg]...],
// "session": ...}). See `flaskpeer.py serve --help`.
type Peer struct {
	// URL is the server's base URL, "http://127.0.0.1:PORT", no trailing slash.
	URL string

	cmd    *exec.Cmd
	stdin  io.Closer
	stderr *lockedBuffer
	done   chan struct{} // closed when the process has been waited for
	err    error         // cmd.Wait's result, set before done is closed
	stop   sync.Once
}

// StartPeer starts a Flask server with SECRET_KEY secret ("" = none: the null
// session), SECRET_KEY_FALLBACKS fallbacks (oldest first) and config (KEY →
// JSON value), waits until it accepts connections, and registers a cleanup
// that stops it and waits for it to exit. Its stderr (the request log and any
// traceback) is logged if the test fails.
func StartPeer(t testing.TB, secret string, fallbacks []string, config map[string]string) *Peer {
	t.Helper()
	py := Python(t)
	script := Script(t)

	args := []string{script, "serve", "--exit-on-eof"}
	args = append(args, fallbackFlags(fallbacks)...)
	args = append(args, configFlags(config)...)
	positional := []string{"--", "0"}
	if flags := keyFlags("secret", secret); len(flags) == 1 && strings.HasPrefix(flags[0], "--secret-hex=") {
		args = append(args, flags[0])
	} else if secret != "" {
		positional = append(positional, secret)
	}
	args = append(args, positional...)

	cmd := exec.Command(py, args...)
	cmd.Env = pythonEnviron()
	// The peer exits when its stdin reaches EOF: when the cleanup closes it,
	// or when this test process dies and the pipe closes with it.
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatalf("flasktest: peer stdin: %v", err)
	}
	listening := make(chan string, 1)
	cmd.Stdout = &listenWatcher{found: listening}
	stderr := new(lockedBuffer)
	cmd.Stderr = stderr
	cmd.WaitDelay = peerStopTimeout
	if err := cmd.Start(); err != nil {
		t.Fatalf("flasktest: start Flask peer: %v", err)
	}
	p := &Peer{cmd: cmd, stdin: stdin, stderr: stderr, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.shutdown()
		if t.Failed() {
			t.Logf("Flask peer %s stderr:\n%s", p.URL, p.stderr.String())
		}
	})

	timer := time.NewTimer(peerStartTimeout)
	defer timer.Stop()
	select {
	case url := <-listening:
		p.URL = url
		return p
	case <-p.done:
		t.Fatalf("flasktest: Flask peer exited before listening (%v)\nstderr:\n%s", p.err, stderr.String())
	case <-timer.C:
		p.shutdown()
		t.Fatalf("flasktest: Flask peer not listening after %v\nstderr:\n%s", peerStartTimeout, stderr.String())
	}
	return nil
}

// shutdown stops the process and waits for it: EOF on its stdin (the peer
// then stops itself), then SIGTERM, then SIGKILL, each after a grace period.
// It is safe to call more than once.
func (p *Peer) shutdown() {
	p.stop.Do(func() {
		p.stdin.Close()
		if p.waitFor(peerStopTimeout / 2) {
			return
		}
		if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
			p.cmd.Process.Kill()
		}
		if p.waitFor(peerStopTimeout / 2) {
			return
		}
		p.cmd.Process.Kill()
		<-p.done
	})
}

func (p *Peer) waitFor(d time.Duration) bool {
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-p.done:
		return true
	case <-timer.C:
		return false
	}
}

// Stderr returns what the peer has written to stderr so far: one line per
// request, and the traceback of any view that failed.
func (p *Peer) Stderr() string { return p.stderr.String() }

// Client returns a new HTTP client with its own cookie jar, so consecutive
// requests carry the session cookie like a browser would.
func (p *Peer) Client() *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		panic(err) // cookiejar.New never fails with nil options
	}
	return &http.Client{Jar: jar, Timeout: 30 * time.Second}
}

// Get sends GET p.URL+path with c (nil: a client without cookies) and returns
// the response, whose body has been read and closed, and the body. It fails
// the test on a transport error.
func (p *Peer) Get(t testing.TB, c *http.Client, path string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, p.URL+path, nil)
	if err != nil {
		t.Fatalf("flasktest: GET %s: %v", path, err)
	}
	return p.Do(t, c, req)
}

// Do sends req with c (nil: a client without cookies) and returns the
// response, whose body has been read and closed, and the body. Use it to send
// a hand-made Cookie header. It fails the test on a transport error.
func (p *Peer) Do(t testing.TB, c *http.Client, req *http.Request) (*http.Response, string) {
	t.Helper()
	if c == nil {
		c = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := c.Do(req)
	if err != nil {
		t.Fatalf("flasktest: %s %s: %v", req.Method, req.URL, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("flasktest: %s %s: reading body: %v", req.Method, req.URL, err)
	}
	return resp, string(body)
}

// listenWatcher is the peer's stdout: it reports the URL of the first
// "LISTENING <url>" line and discards everything else.
type listenWatcher struct {
	found chan<- string
	line  []byte
	done  bool
}

func (w *listenWatcher) Write(b []byte) (int, error) {
	n := len(b)
	for !w.done && len(b) > 0 {
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			w.line = append(w.line, b...)
			break
		}
		w.line = append(w.line, b[:i]...)
		b = b[i+1:]
		if url, ok := strings.CutPrefix(strings.TrimSpace(string(w.line)), "LISTENING "); ok {
			w.found <- url
			w.done = true
		}
		w.line = w.line[:0]
	}
	return n, nil
}

// lockedBuffer is a bytes.Buffer safe for one writer and concurrent readers.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
