package sessiontest_test

import (
	"fmt"
	"net/http"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/sessiontest"
)

func ExampleClient_SessionTransaction() {
	m, _ := session.New(session.Config{SecretKey: []byte("test key")})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello, %v", session.From(r).Get("user"))
	}))
	c := sessiontest.NewClient(h)

	// Log the client in without going through the login form.
	if err := c.SessionTransaction(m, func(s *session.Session) error {
		return s.Set("user", "alice")
	}); err != nil {
		panic(err)
	}
	fmt.Println(c.Get("/").Body)
	// Output: hello, alice
}
