package main

import (
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"

	"github.com/sessionkit/session"
)

// testTimeout bounds each request app.Test serves, in milliseconds.
const testTimeout = 10_000

// client sends requests to a Fiber app through app.Test (Fiber's whole
// fasthttp request path over an in-memory connection) and keeps cookies like
// a browser. It does not follow redirects.
type client struct {
	t   *testing.T
	app *fiber.App
	jar *cookiejar.Jar
}

var base, _ = url.Parse("http://example.com/")

func newClient(t *testing.T, app *fiber.App) *client {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &client{t: t, app: app, jar: jar}
}

func (c *client) do(method, path string, form url.Values) (*http.Response, string) {
	c.t.Helper()
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, base.String()+strings.TrimPrefix(path, "/"), strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, base.String()+strings.TrimPrefix(path, "/"), nil)
	}
	for _, ck := range c.jar.Cookies(base) {
		req.AddCookie(ck)
	}
	res, err := c.app.Test(req, testTimeout)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	c.jar.SetCookies(base, res.Cookies())
	return res, string(b)
}

func newManager(t *testing.T, cfg session.Config) *session.Manager {
	t.Helper()
	if cfg.SecretKey == nil {
		cfg.SecretKey = []byte("test-key")
	}
	m, err := session.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestValueSurvivesRequests(t *testing.T) {
	app := newApp(newManager(t, session.Config{}))
	c := newClient(t, app)
	for i, want := range []string{"Hello, stranger! Visit 1.\n", "Hello, stranger! Visit 2.\n", "Hello, stranger! Visit 3.\n"} {
		if res, body := c.do("GET", "/", nil); res.StatusCode != 200 || body != want {
			t.Errorf("request %d: %d %q, want %q", i+1, res.StatusCode, body, want)
		}
	}
	// Another browser has its own session.
	if _, body := newClient(t, app).do("GET", "/", nil); body != "Hello, stranger! Visit 1.\n" {
		t.Errorf("a new client: %q", body)
	}
}

func TestLoginFlow(t *testing.T) {
	c := newClient(t, newApp(newManager(t, session.Config{})))
	if res, body := c.do("GET", "/account", nil); res.StatusCode != http.StatusUnauthorized || body != "log in first" {
		t.Fatalf("account before login: %d %q, want 401", res.StatusCode, body)
	}
	if res, _ := c.do("POST", "/login", url.Values{}); res.StatusCode != http.StatusBadRequest {
		t.Errorf("login without a name: %d, want 400", res.StatusCode)
	}
	res, _ := c.do("POST", "/login", url.Values{"name": {"ada"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/account" || len(res.Cookies()) != 1 {
		t.Fatalf("login: %d, Location %q, cookies %v", res.StatusCode, res.Header.Get("Location"), res.Cookies())
	}
	if res, body := c.do("GET", "/account", nil); res.StatusCode != 200 || body != "ada's account\n" {
		t.Fatalf("account after login: %d %q", res.StatusCode, body)
	}
	if _, body := c.do("GET", "/", nil); body != "Hello, ada! Visit 1.\n" {
		t.Errorf("home after login: %q", body)
	}
	if res, _ := c.do("POST", "/logout", url.Values{}); res.StatusCode != http.StatusSeeOther || len(res.Cookies()) != 1 || res.Cookies()[0].MaxAge >= 0 {
		t.Errorf("logout: %d, cookies %v, want a deletion cookie", res.StatusCode, res.Cookies())
	}
	if res, _ := c.do("GET", "/account", nil); res.StatusCode != http.StatusUnauthorized {
		t.Errorf("account after logout: %d, want 401", res.StatusCode)
	}
}

// The Fiber handler's response reaches the client whole — status, content
// type, its own headers, body — with the session's Set-Cookie and Vary added
// and its Cache-Control made private, as the session middleware does in net/http.
func TestResponseKeptWithCookie(t *testing.T) {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(Sessions(newManager(t, session.Config{})))
	app.Get("/", func(c *fiber.Ctx) error {
		if err := From(c).Set("k", "v"); err != nil {
			return err
		}
		c.Set("Cache-Control", "public, max-age=60")
		c.Set("X-App", "1")
		c.Cookie(&fiber.Cookie{Name: "theme", Value: "dark"})
		return c.Status(fiber.StatusCreated).JSON(fiber.Map{"ok": true})
	})
	res, body := newClient(t, app).do("GET", "/", nil)
	if res.StatusCode != fiber.StatusCreated || body != `{"ok":true}` {
		t.Errorf("got %d %q", res.StatusCode, body)
	}
	if ct := res.Header.Get("Content-Type"); ct != fiber.MIMEApplicationJSON {
		t.Errorf("Content-Type %q", ct)
	}
	if res.Header.Get("X-App") != "1" {
		t.Errorf("headers %v", res.Header)
	}
	// The handler's own cookie and the session's, each once.
	if cs := res.Header.Values("Set-Cookie"); len(cs) != 2 || !strings.HasPrefix(cs[0], "theme=dark;") || !strings.HasPrefix(cs[1], "session=") {
		t.Errorf("Set-Cookie %q, want theme then session", cs)
	}
	if v := res.Header.Values("Vary"); len(v) != 1 || v[0] != "Cookie" {
		t.Errorf("Vary %q", v)
	}
	if cc := res.Header.Values("Cache-Control"); len(cc) != 1 || strings.Contains(cc[0], "public") || !strings.Contains(cc[0], "private") {
		t.Errorf("Cache-Control %q: want one, private, without public", cc)
	}
}

// A handler that changes the session and then returns an error: the app's
// ErrorHandler answers inside the session middleware, and its response
// carries the cookie.
func TestErrorResponseCarriesSession(t *testing.T) {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(Sessions(newManager(t, session.Config{})))
	app.Get("/", func(c *fiber.Ctx) error {
		if err := From(c).Set("seen", true); err != nil {
			return err
		}
		return fiber.NewError(fiber.StatusTeapot, "no coffee")
	})
	app.Get("/seen", func(c *fiber.Ctx) error {
		return c.SendString(map[bool]string{true: "seen", false: "not seen"}[session.GetOr(From(c), "seen", false)])
	})
	c := newClient(t, app)
	if res, body := c.do("GET", "/", nil); res.StatusCode != fiber.StatusTeapot || body != "no coffee" || len(res.Cookies()) != 1 {
		t.Fatalf("got %d %q, cookies %v", res.StatusCode, body, res.Cookies())
	}
	if _, body := c.do("GET", "/seen", nil); body != "seen" {
		t.Errorf("next request: %q", body)
	}
}

// A session failure replaces the handler's response with the session
// error handler's, as in net/http: nothing of the handler's body, no cookie.
func TestSessionFailureReplacesResponse(t *testing.T) {
	var got error
	m := newManager(t, session.Config{
		SecretKey: []byte{}, // null sessions: every write fails
		Logger:    discard(),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			got = err
			http.Error(w, "session failed", http.StatusInternalServerError)
		},
	})
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(Sessions(m))
	app.Get("/", func(c *fiber.Ctx) error {
		_ = From(c).Set("k", "v") // an ignored error is still answered
		return c.SendString("handler body")
	})
	res, body := newClient(t, app).do("GET", "/", nil)
	if res.StatusCode != http.StatusInternalServerError || body != "session failed\n" || len(res.Cookies()) != 0 {
		t.Errorf("got %d %q, cookies %v", res.StatusCode, body, res.Cookies())
	}
	if !errors.Is(got, session.ErrNoSecretKey) {
		t.Errorf("error handler got %v, want ErrNoSecretKey", got)
	}
}

// Outside Sessions, From gives a null session whose writes fail.
func TestFromWithoutMiddleware(t *testing.T) {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Get("/", func(c *fiber.Ctx) error {
		return c.SendString(fmt.Sprint(From(c).Set("k", "v")))
	})
	res, body := newClient(t, app).do("GET", "/", nil)
	if body != session.ErrNoMiddleware.Error() || len(res.Cookies()) != 0 {
		t.Errorf("got %q, cookies %v; want %q", body, res.Cookies(), session.ErrNoMiddleware)
	}
}

// Why Sessions exists: adaptor.HTTPMiddleware(m.Handler) runs the Fiber
// handlers after m.Handler has returned and saved the session, so a write
// from a handler is refused and never reaches the client.
func TestHTTPMiddlewareLosesWrites(t *testing.T) {
	m := newManager(t, session.Config{
		Logger:       discard(),
		ErrorHandler: func(http.ResponseWriter, *http.Request, error) {},
	})
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(adaptor.HTTPMiddleware(m.Handler))
	app.Get("/", func(c *fiber.Ctx) error {
		r, err := adaptor.ConvertRequest(c, false)
		if err != nil {
			return err
		}
		return c.SendString(fmt.Sprint(session.From(r).Set("k", "v")))
	})
	res, body := newClient(t, app).do("GET", "/", nil)
	if len(res.Cookies()) != 0 || body == "<nil>" {
		t.Errorf("HTTPMiddleware: cookies %v, Set said %q; expected the write to fail and no cookie", res.Cookies(), body)
	}
	t.Logf("with adaptor.HTTPMiddleware(m.Handler), Set returns %q and no cookie is sent", body)
}

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }
