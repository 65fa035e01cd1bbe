// Command gorillamux shows sessionkit with gorilla/mux: m.Handler is a
// mux.MiddlewareFunc as it is, so it goes in with r.Use, and handlers reach
// the session with session.From(r).
//
//	SECRET_KEY=change-me go run .   # http://127.0.0.1:8080
package main

import (
	"crypto/rand"
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/gorilla/mux"

	"github.com/sessionkit/session"
)

func main() {
	m, err := session.New(session.Config{SecretKey: secretKey(), CookieSameSite: "Lax"})
	if err != nil {
		log.Fatal(err)
	}
	log.Println("listening on http://127.0.0.1:8080")
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", newRouter(m)))
}

// newRouter returns the app: every route runs inside the session middleware
// (gorilla/mux runs middleware for matched routes); /account also needs a
// logged-in user.
func newRouter(m *session.Manager) http.Handler {
	r := mux.NewRouter()
	r.Use(m.Handler)
	r.HandleFunc("/", home).Methods(http.MethodGet)
	r.HandleFunc("/login", login).Methods(http.MethodPost)
	r.HandleFunc("/logout", logout).Methods(http.MethodPost)

	acct := r.PathPrefix("/account").Subrouter()
	acct.Use(requireUser)
	acct.HandleFunc("", account).Methods(http.MethodGet)
	return r
}

// home counts the visits of this browser.
func home(w http.ResponseWriter, r *http.Request) {
	s := session.From(r)
	n := session.GetOr(s, "visits", 0) + 1
	if err := s.Set("visits", n); err != nil {
		return // the middleware answers with its error handler
	}
	fmt.Fprintf(w, "Hello, %s! Visit %d.\n", session.GetOr(s, "user", "stranger"), n)
}

func login(w http.ResponseWriter, r *http.Request) {
	name := r.PostFormValue("name")
	if name == "" {
		http.Error(w, "name required", http.StatusBadRequest)
		return
	}
	s := session.From(r)
	// A fresh session at login, under a new identity (no session fixation),
	// attached to the user: the same calls for cookie and server-side sessions.
	_ = s.Clear()
	_ = s.Renew()
	_ = s.SetSubject(name)
	_ = s.Set("user", name)
	http.Redirect(w, r, "/account", http.StatusSeeOther)
}

func logout(w http.ResponseWriter, r *http.Request) {
	_ = session.From(r).Destroy() // the session ends: the cookie is cleared (a server-side record deleted)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// requireUser lets only logged-in users through.
func requireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !session.From(r).Has("user") {
			http.Error(w, "log in first", http.StatusUnauthorized)
			return
		}
		next.ServeHTTP(w, r)
	})
}

func account(w http.ResponseWriter, r *http.Request) {
	user, _ := session.Get[string](session.From(r), "user")
	fmt.Fprintf(w, "%s's account\n", user)
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
