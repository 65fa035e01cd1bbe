// Command gin shows sessionkit with gin. The Sessions adapter below is gin
// middleware (r.Use(Sessions(m))) that runs the rest of the chain inside
// m.Handler, so the session is opened on first use and saved just before gin
// writes the response header. Handlers reach the session with
// session.From(c.Request).
//
//	SECRET_KEY=change-me go run .   # http://127.0.0.1:8080
package main

import (
	"bufio"
	"crypto/rand"
	"io"
	"log"
	"net"
	"net/http"
	"os"

	"github.com/gin-gonic/gin"

	"github.com/sessionkit/session"
)

func main() {
	m, err := session.New(session.Config{SecretKey: secretKey(), CookieSameSite: "Lax"})
	if err != nil {
		log.Fatal(err)
	}
	log.Println("listening on http://127.0.0.1:8080")
	log.Fatal(newRouter(m).Run("127.0.0.1:8080"))
}

// newRouter returns the app: every route runs inside the session middleware;
// the /account group also needs a logged-in user.
func newRouter(m *session.Manager) *gin.Engine {
	r := gin.New()
	r.Use(gin.Recovery(), Sessions(m))
	r.GET("/", home)
	r.POST("/login", login)
	r.POST("/logout", logout)
	acct := r.Group("/account", requireUser)
	acct.GET("", account)
	return r
}

// Sessions adapts m's middleware to gin: the rest of the chain runs inside
// m.Handler, with c.Request carrying the session and c.Writer writing
// through the writer that saves the session before the header goes out.
func Sessions(m *session.Manager) gin.HandlerFunc {
	return func(c *gin.Context) {
		gw := c.Writer
		defer func() { c.Writer = gw }()
		m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			c.Request = r
			c.Writer = &sessionWriter{ResponseWriter: gw, w: w}
			c.Next()
		})).ServeHTTP(gw, c.Request)
	}
}

// sessionWriter is gin's writer (Status, Size, Written, ...) whose writes go
// through w, the session middleware's writer, which wraps gin's own.
type sessionWriter struct {
	gin.ResponseWriter
	w http.ResponseWriter
}

func (s *sessionWriter) WriteHeader(code int)              { s.w.WriteHeader(code) }
func (s *sessionWriter) Write(b []byte) (int, error)       { return s.w.Write(b) }
func (s *sessionWriter) WriteString(v string) (int, error) { return io.WriteString(s.w, v) }
func (s *sessionWriter) Flush()                            { _ = http.NewResponseController(s.w).Flush() }
func (s *sessionWriter) Unwrap() http.ResponseWriter       { return s.w }
func (s *sessionWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	return http.NewResponseController(s.w).Hijack()
}

// WriteHeaderNow (c.AbortWithStatus uses it) saves the session first too.
func (s *sessionWriter) WriteHeaderNow() {
	s.w.WriteHeader(s.Status())
	s.ResponseWriter.WriteHeaderNow()
}

// home counts the visits of this browser.
func home(c *gin.Context) {
	s := session.From(c.Request)
	n := session.GetOr(s, "visits", 0) + 1
	if err := s.Set("visits", n); err != nil {
		return // the middleware answers with its error handler
	}
	c.String(http.StatusOK, "Hello, %s! Visit %d.\n", session.GetOr(s, "user", "stranger"), n)
}

func login(c *gin.Context) {
	name := c.PostForm("name")
	if name == "" {
		c.String(http.StatusBadRequest, "name required\n")
		return
	}
	s := session.From(c.Request)
	// A fresh session at login, under a new identity (no session fixation),
	// attached to the user: the same calls for cookie and server-side sessions.
	_ = s.Clear()
	_ = s.Renew()
	_ = s.SetSubject(name)
	_ = s.Set("user", name)
	c.Redirect(http.StatusSeeOther, "/account")
}

func logout(c *gin.Context) {
	_ = session.From(c.Request).Destroy() // the session ends: the cookie is cleared (a server-side record deleted)
	c.Redirect(http.StatusSeeOther, "/")
}

// requireUser lets only logged-in users through.
func requireUser(c *gin.Context) {
	if !session.From(c.Request).Has("user") {
		c.AbortWithStatus(http.StatusUnauthorized)
		return
	}
	c.Next()
}

func account(c *gin.Context) {
	user, _ := session.Get[string](session.From(c.Request), "user")
	c.String(http.StatusOK, "%s's account\n", user)
}

// secretKey reads SECRET_KEY; without it, a random key for this run.
func secretKey() []byte {
	if k := os.Getenv("SECRET_KEY"); k != "" {
		return []byte(k)
	}
	log.Println("SECRET_KEY is not set: using a random key; sessions end when the program stops")
	k := make([]byte, 32)
	_, _ = rand.Read(k)
	return k
}
