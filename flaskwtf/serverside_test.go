package flaskwtf_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	session "github.com/sessionkit/session"
	"github.com/sessionkit/session/flaskwtf"
	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/store/memstore"
)

// TestServerSideSessions: the same CSRF semantics over a server-side session.
func TestServerSideSessions(t *testing.T) {
	st := memstore.New(memstore.Options{})
	t.Cleanup(func() { st.Close() })
	iface, err := serverside.New(serverside.Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	sm, err := session.New(session.Config{SecretKey: []byte("k"), Interface: iface})
	if err != nil {
		t.Fatal(err)
	}
	c, err := flaskwtf.New(flaskwtf.Config{SecretKey: []byte("k")})
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /form", func(w http.ResponseWriter, r *http.Request) {
		tok, err := c.Token(r)
		if err != nil {
			t.Error(err)
		}
		io.WriteString(w, tok)
	})
	mux.HandleFunc("POST /submit", func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "ok") })
	srv := httptest.NewServer(sm.Handler(c.Handler(mux)))
	defer srv.Close()
	b := newBrowser(t)
	tok := b.token(srv.URL)
	if code, body := b.post(srv.URL, "/submit", tok, ""); code != 200 {
		t.Fatalf("valid token: %d %q", code, body)
	}
	if code, _ := b.post(srv.URL, "/submit", tok+"x", ""); code != 400 {
		t.Fatalf("tampered token: %d", code)
	}
	if code, _ := newBrowser(t).post(srv.URL, "/submit", tok, ""); code != 400 {
		t.Fatalf("token without the session: %d", code)
	}
}
