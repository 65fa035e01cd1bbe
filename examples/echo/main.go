// Command echo shows sessionkit with Echo (v4): the net/http middleware goes
// in with e.Use(echo.WrapMiddleware(m.Handler)), and handlers reach the
// session with session.From(c.Request()).
//
//	SECRET_KEY=change-me go run .   # http://127.0.0.1:8080
package main

import (
	"crypto/rand"
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/labstack/echo/v4"

	"github.com/sessionkit/session"
)

func main() {
	m, err := session.New(session.Config{SecretKey: secretKey(), CookieSameSite: "Lax"})
	if err != nil {
		log.Fatal(err)
	}
	log.Fatal(newServer(m).Start("127.0.0.1:8080"))
}

// newServer returns the app: every route runs inside the session middleware;
// the /account group also needs a logged-in user.
func newServer(m *session.Manager) *echo.Echo {
	e := echo.New()
	e.HideBanner = true
	e.Use(echo.WrapMiddleware(m.Handler))
	e.GET("/", home)
	e.POST("/login", login)
	e.POST("/logout", logout)
	acct := e.Group("/account", requireUser)
	acct.GET("", account)
	return e
}

// home counts the visits of this browser.
func home(c echo.Context) error {
	s := session.From(c.Request())
	n := session.GetOr(s, "visits", 0) + 1
	if err := s.Set("visits", n); err != nil {
		return err
	}
	return c.String(http.StatusOK, fmt.Sprintf("Hello, %s! Visit %d.\n", session.GetOr(s, "user", "stranger"), n))
}

func login(c echo.Context) error {
	name := c.FormValue("name")
	if name == "" {
		return echo.NewHTTPError(http.StatusBadRequest, "name required")
	}
	s := session.From(c.Request())
	// A fresh session at login, under a new identity (no session fixation),
	// attached to the user: the same calls for cookie and server-side sessions.
	_ = s.Clear()
	_ = s.Renew()
	_ = s.SetSubject(name)
	if err := s.Set("user", name); err != nil {
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/account")
}

func logout(c echo.Context) error {
	if err := session.From(c.Request()).Destroy(); err != nil { // the session ends: the cookie is cleared
		return err
	}
	return c.Redirect(http.StatusSeeOther, "/")
}

// requireUser lets only logged-in users through.
func requireUser(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !session.From(c.Request()).Has("user") {
			return echo.NewHTTPError(http.StatusUnauthorized, "log in first")
		}
		return next(c)
	}
}

func account(c echo.Context) error {
	user, _ := session.Get[string](session.From(c.Request()), "user")
	return c.String(http.StatusOK, user+"'s account\n")
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
