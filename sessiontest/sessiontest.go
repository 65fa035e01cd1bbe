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
	// SessionPath is the path SessionTransaction sends its request to;
	// "" means the session cookie's path (see SessionTransaction). Set it
	// when the Interface's helpers give a cookie path sessiontest cannot
	// see (server-side sessions with Options.Helpers).
	SessionPath string
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
// be saved (a null session, an oversized cookie, a store error); the jar is
// then left as it was.
//
// The transaction is a GET request to BaseURL's host at the session
// cookie's path, so it sends the cookies a request there would send and
// sees the session the application sees, whatever the Config (CookieName,
// CookieDomain, CookiePath or ApplicationRoot, Secure) and whatever the
// Interface (signed or sealed cookies, server-side sessions). The path is
// Client.SessionPath if set, else the CookiePath of the Interface's helpers:
// session.Helpers if the Interface implements it, SecureCookie.Helpers,
// else session.Defaults (Config.CookiePath, else ApplicationRoot, else
// "/"). If the cookie the save sets has a path that does not cover the
// request's, ErrPathMismatch is returned and the jar is left alone, rather
// than saving a session that did not start from the client's.
func (c *Client) SessionTransaction(m *session.Manager, fn func(s *session.Session) error) error {
	path := c.SessionPath
	if path == "" {
		path = helpersOf(m.Config().Interface).CookiePath(m.Config())
	}
	req := c.NewRequest(http.MethodGet, path, nil)
	for _, ck := range c.Jar.Cookies(req.URL) {
		req.AddCookie(ck)
	}
	s, err := m.Open(req)
	if err != nil {
		return fmt.Errorf("sessiontest: opening the session: %w", err)
	}
	null := false
	session.Inspect(s, func(st session.State) { null = st.Null })
	if null {
		return errors.New("sessiontest: the interface gave a null session (is Config.SecretKey set?)")
	}
	if err := fn(s); err != nil {
		return err
	}
	rec := httptest.NewRecorder()
	if err := m.Save(s, rec, req); err != nil {
		return fmt.Errorf("sessiontest: saving the session: %w", err)
	}
	cks := rec.Result().Cookies()
	for _, ck := range cks {
		if ck.Path != "" && !pathMatch(req.URL.EscapedPath(), ck.Path) {
			return fmt.Errorf("%w: the save set cookie %q for path %q, the transaction ran at %q", ErrPathMismatch, ck.Name, ck.Path, req.URL.EscapedPath())
		}
	}
	if len(cks) > 0 {
		c.Jar.SetCookies(req.URL, cks)
	}
	return nil
}

// ErrPathMismatch: the session cookie lives at a path the transaction's
// request was not sent to (the Interface's helpers give another path than
// sessiontest can see); set Client.SessionPath to the cookie's path.
var ErrPathMismatch = errors.New("sessiontest: the session cookie's path does not cover the transaction's path; set Client.SessionPath")

// helpersOf returns the cookie helpers an Interface uses, as far as they
// can be seen from outside.
func helpersOf(iface session.Interface) session.Helpers {
	if h, ok := iface.(session.Helpers); ok {
		return h
	}
	if sc, ok := iface.(*session.SecureCookie); ok && sc.Helpers != nil {
		return sc.Helpers
	}
	return session.Defaults{}
}

// pathMatch is RFC 6265's path-match of a request path against a cookie
// path.
func pathMatch(reqPath, cookiePath string) bool {
	if reqPath == "" {
		reqPath = "/"
	}
	if reqPath == cookiePath {
		return true
	}
	if !strings.HasPrefix(reqPath, cookiePath) {
		return false
	}
	return strings.HasSuffix(cookiePath, "/") || reqPath[len(cookiePath)] == '/'
}
