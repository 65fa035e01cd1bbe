// Package sessiontest helps test code that uses sessions: a client that sends
// requests to an http.Handler in-process and keeps cookies like a browser,
// and Flask's session_transaction.
package sessiontest

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"strings"

	"github.com/sessionkit/session"
)

// DefaultBaseURL is where a Client's requests pretend to go. It is HTTPS so
// that Secure cookies are kept and sent.
const DefaultBaseURL = "https://example.com"

// Client sends requests straight to a Handler, with a cookie jar.
type Client struct {
	Handler http.Handler
	Jar     http.CookieJar
	BaseURL *url.URL
}

// NewClient returns a Client for h with an empty cookie jar.
func NewClient(h http.Handler) *Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		panic(err) // cookiejar.New fails only on bad options
	}
	u, _ := url.Parse(DefaultBaseURL)
	return &Client{Handler: h, Jar: jar, BaseURL: u}
}

// Response is a finished response with its body read.
type Response struct {
	*http.Response
	Body string
}

// Do sends req through the handler, adding the jar's cookies first and
// storing the cookies the response sets.
func (c *Client) Do(req *http.Request) *Response {
	for _, ck := range c.Jar.Cookies(req.URL) {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	c.Handler.ServeHTTP(rec, req)
	res := rec.Result()
	if cks := res.Cookies(); len(cks) > 0 {
		c.Jar.SetCookies(req.URL, cks)
	}
	body, _ := io.ReadAll(res.Body)
	return &Response{Response: res, Body: string(body)}
}

// Get sends a GET for path (relative to BaseURL).
func (c *Client) Get(path string) *Response {
	return c.Do(c.NewRequest(http.MethodGet, path, nil))
}

// PostForm sends a POST of form values to path.
func (c *Client) PostForm(path string, form url.Values) *Response {
	req := c.NewRequest(http.MethodPost, path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.Do(req)
}

// NewRequest makes a request for path relative to BaseURL, without cookies.
func (c *Client) NewRequest(method, path string, body io.Reader) *http.Request {
	ref, err := url.Parse(path)
	if err != nil {
		panic(fmt.Sprintf("sessiontest: bad path %q: %v", path, err))
	}
	return httptest.NewRequest(method, c.BaseURL.ResolveReference(ref).String(), body)
}

// Cookie returns the jar's cookie called name for BaseURL, or nil.
func (c *Client) Cookie(name string) *http.Cookie {
	for _, ck := range c.Jar.Cookies(c.BaseURL) {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

// SessionTransaction opens the session the client's next request would see,
// lets fn change it, and saves it into the jar — Flask's
// client.session_transaction(). It fails if fn fails or the session cannot
// be saved (a null session, an oversized cookie, a store error).
func (c *Client) SessionTransaction(m *session.Manager, fn func(s *session.Session) error) error {
	req := c.NewRequest(http.MethodGet, "/", nil)
	for _, ck := range c.Jar.Cookies(req.URL) {
		req.AddCookie(ck)
	}
	s, err := m.Open(req)
	if err != nil {
		return fmt.Errorf("sessiontest: opening the session: %w", err)
	}
	if s.IsNull() {
		return errors.New("sessiontest: the interface gave a null session (is Config.SecretKey set?)")
	}
	if err := fn(s); err != nil {
		return err
	}
	rec := httptest.NewRecorder()
	if err := m.Save(s, rec, req); err != nil {
		return fmt.Errorf("sessiontest: saving the session: %w", err)
	}
	if cks := rec.Result().Cookies(); len(cks) > 0 {
		c.Jar.SetCookies(req.URL, cks)
	}
	return nil
}
