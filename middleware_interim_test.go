package session_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session"
)

// WriteHeader(100) is an interim response (the lowest 1xx code): the
// session stays writable and goes out with the final header.
func TestMiddlewareContinueIsInterim(t *testing.T) {
	m := newManager(t, session.Config{})
	setErr := make(chan error, 1)
	srv := httptest.NewServer(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusContinue)
		setErr <- session.From(r).Set("user", "alice")
		io.WriteString(w, "ok")
	})))
	defer srv.Close()
	hc := srv.Client()
	hc.Timeout = 10 * time.Second
	res, err := hc.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	select {
	case err := <-setErr:
		if err != nil {
			t.Errorf("Set after WriteHeader(100): %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("handler did not run")
	}
	if res.StatusCode != 200 || !strings.HasPrefix(res.Header.Get("Set-Cookie"), "session=") {
		t.Errorf("final response %d, Set-Cookie %q; want 200 with the session cookie", res.StatusCode, res.Header.Get("Set-Cookie"))
	}
}
