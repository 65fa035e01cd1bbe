package flasklogin_test

import (
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	session "github.com/sessionkit/session"
	"github.com/sessionkit/session/flasklogin"
)

// A login page, a page for logged-in users and a logout, sharing Flask's
// SECRET_KEY so a Flask app with Flask-Login sees the same user.
func Example() {
	key := []byte("the Flask app's SECRET_KEY")
	sm, err := session.New(session.Config{SecretKey: key})
	if err != nil {
		log.Fatal(err)
	}
	lm, err := flasklogin.New(flasklogin.Config{SecretKey: key})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		// ... check the password, then:
		if err := lm.Login(r, "42", flasklogin.LoginOptions{Remember: true}); err != nil {
			http.Error(w, "login failed", http.StatusInternalServerError)
			return
		}
		fmt.Fprintln(w, "logged in")
	})
	mux.Handle("GET /account", lm.RequireLogin(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, _ := lm.Current(r)
		fmt.Fprintf(w, "user %s, fresh %v\n", u.ID, u.Fresh)
	})))
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		lm.Logout(r)
	})
	handler := sm.Handler(lm.Handler(mux)) // the login middleware inside the session's

	rec := httptest.NewRecorder()
	handler.ServeHTTP(rec, httptest.NewRequest("POST", "/login", nil))
	fmt.Print(rec.Body)
	for _, c := range rec.Result().Cookies() {
		fmt.Println("cookie:", c.Name)
	}

	req := httptest.NewRequest("GET", "/account", nil)
	for _, c := range rec.Result().Cookies() {
		req.AddCookie(c)
	}
	rec = httptest.NewRecorder()
	handler.ServeHTTP(rec, req)
	fmt.Print(rec.Body)
	// Output:
	// logged in
	// cookie: remember_token
	// cookie: session
	// user 42, fresh true
}

func ExampleManager_EncodeCookie() {
	lm, _ := flasklogin.New(flasklogin.Config{SecretKey: []byte("secret")})
	v := lm.EncodeCookie("42")
	fmt.Println(v[:3], len(v))
	id, ok := lm.DecodeCookie(v)
	fmt.Println(id, ok)
	_, ok = lm.DecodeCookie("43" + v[2:])
	fmt.Println(ok)
	// Output:
	// 42| 131
	// 42 true
	// false
}
