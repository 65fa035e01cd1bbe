// Command fiber shows sessionkit with Fiber v2. Fiber runs on fasthttp, not
// net/http, so the session middleware goes in through Fiber's net/http
// adaptor: Sessions (below) runs the rest of Fiber's chain inside m.Handler
// and hands the handlers' response to it, so the session is saved with the
// response it belongs to. Handlers reach the session with From(c).
//
//	SECRET_KEY=change-me go run .   # http://127.0.0.1:8080
package main

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"

	"github.com/sessionkit/session"
)

func main() {
	m, err := session.New(session.Config{SecretKey: secretKey(), CookieSameSite: "Lax"})
	if err != nil {
		log.Fatal(err)
	}
	log.Println("listening on http://127.0.0.1:8080")
	log.Fatal(newApp(m).Listen("127.0.0.1:8080"))
}

// newApp returns the app: every route runs inside the session middleware;
// /account also needs a logged-in user.
func newApp(m *session.Manager) *fiber.App {
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	app.Use(Sessions(m))
	app.Get("/", home)
	app.Post("/login", login)
	app.Post("/logout", logout)
	app.Get("/account", requireUser, account)
	return app
}

// home counts the visits of this browser.
func home(c *fiber.Ctx) error {
	s := From(c)
	n := session.GetOr(s, "visits", 0) + 1
	if err := s.Set("visits", n); err != nil {
		return nil // the session middleware answers with its error handler
	}
	return c.SendString(fmt.Sprintf("Hello, %s! Visit %d.\n", session.GetOr(s, "user", "stranger"), n))
}

func login(c *fiber.Ctx) error {
	name := c.FormValue("name")
	if name == "" {
		return c.Status(fiber.StatusBadRequest).SendString("name required")
	}
	s := From(c)
	// A fresh session at login, under a new identity (no session fixation),
	// attached to the user: the same calls for cookie and server-side sessions.
	_ = s.Clear()
	_ = s.Renew()
	_ = s.SetSubject(name)
	_ = s.Set("user", name)
	return c.Redirect("/account", fiber.StatusSeeOther)
}

func logout(c *fiber.Ctx) error {
	_ = From(c).Destroy() // the session ends: the cookie is cleared (a server-side record deleted)
	return c.Redirect("/", fiber.StatusSeeOther)
}

// requireUser lets only logged-in users through.
func requireUser(c *fiber.Ctx) error {
	if !From(c).Has("user") {
		return fiber.NewError(fiber.StatusUnauthorized, "log in first")
	}
	return c.Next()
}

func account(c *fiber.Ctx) error {
	user, _ := session.Get[string](From(c), "user")
	return c.SendString(user + "'s account\n")
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

// The adapter: about twenty lines, the whole cost of Fiber not being net/http.

type (
	ctxKey     struct{} // the *fiber.Ctx, for the net/http side
	requestKey struct{} // the *http.Request the session belongs to, for From
)

// Sessions returns Fiber middleware that runs the rest of the chain (the
// route's handlers) inside m.Handler, through adaptor.HTTPHandler, so that
// the session is opened lazily by From and saved before the response is
// sent. When the handlers are done (an error they return is answered by the
// app's ErrorHandler first, so that its response carries the session too),
// their response — status, headers, body — is handed to the session
// middleware's http.ResponseWriter: the session middleware then sees the
// whole response as in net/http, adds Set-Cookie and Vary, makes the
// Cache-Control private when it sets a cookie, and replaces the response with
// its error handler's (500, or 503 for a store outage) when the session fails.
// A body Fiber streams (SendStream, SendFile) is read into memory first.
//
// adaptor.HTTPMiddleware(m.Handler) is not enough: it returns from
// m.Handler — which saves the session — before the Fiber handlers run, so
// their writes to the session fail and are lost (see TestHTTPMiddlewareLosesWrites).
func Sessions(m *session.Manager) fiber.Handler {
	h := adaptor.HTTPHandler(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c := r.Context().Value(ctxKey{}).(*fiber.Ctx) // the request's context is Fiber's fasthttp context
		c.Locals(requestKey{}, r)
		if err := c.Next(); err != nil {
			if err := c.App().ErrorHandler(c, err); err != nil {
				_ = c.SendStatus(fiber.StatusInternalServerError)
			}
		}
		res := c.Response()
		status, body := res.StatusCode(), bytes.Clone(res.Body())
		res.ResetBody()
		res.Header.VisitAll(func(k, v []byte) {
			if string(k) != fiber.HeaderContentLength {
				w.Header().Add(string(k), string(v))
			}
		})
		res.Header.Reset() // the adaptor copies w's header back
		w.WriteHeader(status)
		_, _ = w.Write(body) // refused when the session failed: the error handler answered
	})))
	return func(c *fiber.Ctx) error {
		c.Locals(ctxKey{}, c)
		return h(c)
	}
}

// From returns the session of the request c, opened on first use. Outside
// Sessions it returns a null session whose writes fail with
// session.ErrNoMiddleware.
func From(c *fiber.Ctx) *session.Session {
	r, ok := c.Locals(requestKey{}).(*http.Request)
	if !ok {
		r = &http.Request{}
	}
	return session.From(r)
}
