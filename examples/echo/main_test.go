package main

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/labstack/echo/v4"

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
	srv := httptest.NewServer(newServer(m))
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

// A handler that changes the session and then returns an error: Echo's
// error handler answers after the middleware saved the session, and the
// answer carries the cookie.
func TestSessionSavedOnErrorReturn(t *testing.T) {
	m, err := session.New(session.Config{SecretKey: []byte("test-key")})
	if err != nil {
		t.Fatal(err)
	}
	e := newServer(m)
	e.GET("/fail", func(c echo.Context) error {
		if err := session.From(c.Request()).Set("failed", true); err != nil {
			return err
		}
		return echo.NewHTTPError(http.StatusConflict, "nope")
	})
	e.GET("/failed", func(c echo.Context) error {
		return c.String(http.StatusOK, fmt.Sprint(session.From(c.Request()).Get("failed")))
	})
	srv := httptest.NewServer(e)
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	res, err := c.Get(srv.URL + "/fail")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusConflict || len(res.Cookies()) != 1 {
		t.Errorf("/fail: %d with cookies %v; want 409 and the session cookie", res.StatusCode, res.Cookies())
	}
	if _, body := do(t, c, http.MethodGet, srv.URL+"/failed", nil); body != "true" {
		t.Errorf("the next request reads %q", body)
	}
}
