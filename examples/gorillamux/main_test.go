package main

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/sessionkit/session"
)

// newClient serves the app on a real loopback server and returns a client
// that keeps cookies like a browser.
func newClient(t *testing.T) (*http.Client, string) {
	t.Helper()
	m, err := session.New(session.Config{SecretKey: []byte("test-key")})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(newRouter(m))
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}, srv.URL
}

func do(t *testing.T, c *http.Client, method, u string, form url.Values) (int, string) {
	t.Helper()
	var res *http.Response
	var err error
	if method == http.MethodPost {
		res, err = c.PostForm(u, form)
	} else {
		res, err = c.Get(u)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, string(b)
}

func TestValueSurvivesRequests(t *testing.T) {
	c, base := newClient(t)
	for i, want := range []string{"Hello, stranger! Visit 1.\n", "Hello, stranger! Visit 2.\n", "Hello, stranger! Visit 3.\n"} {
		if code, body := do(t, c, http.MethodGet, base+"/", nil); code != 200 || body != want {
			t.Errorf("request %d: %d %q, want %q", i+1, code, body, want)
		}
	}
	// Another browser has its own session.
	other, _ := newClient(t)
	if _, body := do(t, other, http.MethodGet, base+"/", nil); body != "Hello, stranger! Visit 1.\n" {
		t.Errorf("a new client: %q", body)
	}
}

func TestLoginFlow(t *testing.T) {
	c, base := newClient(t)
	if code, _ := do(t, c, http.MethodGet, base+"/account", nil); code != http.StatusUnauthorized {
		t.Fatalf("account before login: %d, want 401", code)
	}
	if code, _ := do(t, c, http.MethodPost, base+"/login", url.Values{}); code != http.StatusBadRequest {
		t.Errorf("login without a name: %d, want 400", code)
	}
	// The login's redirect lands on /account with the new session.
	if code, body := do(t, c, http.MethodPost, base+"/login", url.Values{"name": {"ada"}}); code != 200 || body != "ada's account\n" {
		t.Fatalf("login: %d %q", code, body)
	}
	if _, body := do(t, c, http.MethodGet, base+"/", nil); body != "Hello, ada! Visit 1.\n" {
		t.Errorf("home after login: %q", body)
	}
	if code, body := do(t, c, http.MethodPost, base+"/logout", nil); code != 200 || body != "Hello, stranger! Visit 1.\n" {
		t.Errorf("logout: %d %q", code, body)
	}
	if code, _ := do(t, c, http.MethodGet, base+"/account", nil); code != http.StatusUnauthorized {
		t.Errorf("account after logout: %d, want 401", code)
	}
}
