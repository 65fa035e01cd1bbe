package main

import (
	"errors"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/sessionkit/session"
)

func init() { gin.SetMode(gin.TestMode) }

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

// However a gin handler ends its response — a render, AbortWithStatus
// (WriteHeaderNow), a bare write, a flush, or no write at all — the session is saved
// before the header goes out, and the next request reads it.
func TestSessionsSavedBeforeHeader(t *testing.T) {
	m, err := session.New(session.Config{SecretKey: []byte("test-key")})
	if err != nil {
		t.Fatal(err)
	}
	r := newRouter(m)
	set := func(c *gin.Context) {
		if err := session.From(c.Request).Set("last", c.Request.URL.Path); err != nil {
			t.Errorf("%s: %v", c.Request.URL.Path, err)
		}
	}
	r.GET("/json", func(c *gin.Context) { set(c); c.JSON(http.StatusCreated, gin.H{"ok": true}) })
	r.GET("/abort", func(c *gin.Context) { set(c); c.AbortWithStatus(http.StatusTeapot) })
	r.GET("/flush", func(c *gin.Context) {
		set(c)
		c.Writer.Flush()
		// Too late now: the header is out, and the change is refused.
		if err := session.From(c.Request).Set("late", true); !errors.Is(err, session.ErrHeaderWritten) {
			t.Errorf("a change after the flush: %v, want ErrHeaderWritten", err)
		}
	})
	r.GET("/now", func(c *gin.Context) { set(c); c.Writer.WriteHeaderNow() })
	r.GET("/write", func(c *gin.Context) { set(c); _, _ = c.Writer.WriteString("written\n") })
	r.GET("/silent", set)
	r.GET("/last", func(c *gin.Context) {
		c.String(http.StatusOK, "%v %v", session.From(c.Request).Get("last"), session.From(c.Request).Has("late"))
	})
	srv := httptest.NewServer(r)
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	for path, code := range map[string]int{"/json": 201, "/abort": 418, "/now": 200, "/write": 200, "/flush": 200, "/silent": 200} {
		res, err := c.Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != code || len(res.Cookies()) != 1 {
			t.Errorf("%s: %d with cookies %v; want %d and the session cookie", path, res.StatusCode, res.Cookies(), code)
		}
		if _, body := do(t, c, http.MethodGet, srv.URL+"/last", nil); body != path+" false" {
			t.Errorf("after %s the session holds %q", path, body)
		}
	}
}
