package session_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/sessiontest"
	"github.com/sessionkit/session/store/memstore"
)

func Example() {
	m, err := session.New(session.Config{SecretKey: []byte("change me")})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		n := session.GetOr(s, "visits", 0) + 1
		if err := s.Set("visits", n); err != nil {
			return // the middleware answers 500 through the error handler
		}
		fmt.Fprintf(w, "visit %d", n)
	})
	c := sessiontest.NewClient(m.Handler(mux))
	for range 3 {
		fmt.Println(c.Get("/").Body)
	}
	// Output:
	// visit 1
	// visit 2
	// visit 3
}

// A cookie written by Flask, read in Go.
func ExampleSecureCookie() {
	m, _ := session.New(session.Config{
		SecretKey: []byte("dev-secret-key-1"),
		Now:       func() time.Time { return time.Unix(1700000060, 0) },
	})
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println(session.From(r).Get("user"))
	}))
	r := httptest.NewRequest("GET", "/", nil)
	r.Header.Set("Cookie", "session=eyJ1c2VyIjoiYWxpY2UifQ.ZVPxAA.LQ55TDIiJfvxB7VwlwEgxsz5GuU")
	h.ServeHTTP(httptest.NewRecorder(), r)
	// Output: alice
}

func ExampleSession_Flashes() {
	s := session.NewSession(session.State{})
	_ = s.Flash("Saved.", "success")
	_ = s.Flash("Check your email.", "")
	for _, f := range s.Flashes() {
		fmt.Println(f.Category, f.Message)
	}
	// Output:
	// success Saved.
	// message Check your email.
}

// Log in on two devices, list the sessions, log out the other device: the
// same handlers work with cookie sessions (listing then answers
// ErrNotSupported, revoking needs Config.Revocations).
func ExampleManager_Revoke() {
	ss, _ := serverside.New(serverside.Options{Store: memstore.New(memstore.Options{})})
	m, _ := session.New(session.Config{Interface: ss})
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		_ = s.Renew() // a new ID: no session fixation
		_ = s.SetSubject("alice")
		_ = s.Set("user", "alice")
	})
	mux.HandleFunc("/sessions", func(w http.ResponseWriter, r *http.Request) {
		infos, _ := m.Sessions(r.Context(), session.From(r).Subject())
		for _, in := range infos {
			fmt.Fprintf(w, "[current=%v]", in.Current)
		}
	})
	mux.HandleFunc("/others", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		_ = m.Revoke(r.Context(), s.Subject(), s) // log out other devices
	})
	mux.HandleFunc("/whoami", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, session.GetOr(session.From(r), "user", "nobody"))
	})
	laptop, phone := sessiontest.NewClient(m.Handler(mux)), sessiontest.NewClient(m.Handler(mux))
	laptop.Get("/login")
	phone.Get("/login")
	fmt.Println(phone.Get("/sessions").Body)
	phone.Get("/others")
	fmt.Println(laptop.Get("/whoami").Body, phone.Get("/whoami").Body)
	// Output:
	// [current=false][current=true]
	// nobody alice
}
