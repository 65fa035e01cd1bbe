package revocation_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/revocation"
	"github.com/sessionkit/session/store/memstore"
)

// "Log out everywhere" with cookie sessions: the cookies live in the clients
// and cannot be deleted, so the revocation list remembers when the user
// logged out everywhere, and every cookie established before then is
// refused. Two devices log in, one logs out everywhere, and the other — still
// holding its cookie — is logged out too. In production the list lives in a
// shared store (Redis, PostgreSQL, ...), so every instance sees it.
func Example() {
	m, err := session.New(session.Config{
		SecretKey:   []byte("change me"),
		Revocations: revocation.New(memstore.New(memstore.Options{}), 0), // kept 400 days
	})
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		_ = s.Clear()
		_ = s.Renew() // a new establishment time: no fixation
		_ = s.SetSubject("alice")
		_ = s.Set("user", "alice")
	})
	mux.HandleFunc("POST /logout-everywhere", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		if err := m.Revoke(r.Context(), s.Subject(), nil); err != nil {
			return // reported through the error handler (503 if the store is down)
		}
		_ = s.Flash("Logged out on every device.", "info") // lands in a fresh session
	})
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		user, flashes := session.GetOr(s, "user", "nobody"), s.Flashes() // before the body: Flashes writes
		fmt.Fprint(w, user)
		for _, f := range flashes {
			fmt.Fprintf(w, " (%s)", f.Message)
		}
	})
	srv := httptest.NewServer(m.Handler(mux))
	defer srv.Close()

	device := func() *http.Client { // a browser: a client with its own cookie jar
		jar, _ := cookiejar.New(nil)
		return &http.Client{Jar: jar, Timeout: 10 * time.Second}
	}
	do := func(c *http.Client, method, path string) string {
		req, _ := http.NewRequest(method, srv.URL+path, nil)
		res, err := c.Do(req)
		if err != nil {
			return err.Error()
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		if res.StatusCode != http.StatusOK {
			return res.Status
		}
		return string(b)
	}
	laptop, phone := device(), device()
	do(laptop, "POST", "/login")
	do(phone, "POST", "/login")
	fmt.Println("laptop:", do(laptop, "GET", "/"), "| phone:", do(phone, "GET", "/"))

	do(phone, "POST", "/logout-everywhere")
	u, _ := url.Parse(srv.URL)
	fmt.Println("laptop still holds its cookie:", len(laptop.Jar.Cookies(u)) == 1)
	fmt.Println("laptop:", do(laptop, "GET", "/"), "| phone:", do(phone, "GET", "/"))

	do(laptop, "POST", "/login") // a login after the revocation is accepted
	fmt.Println("laptop:", do(laptop, "GET", "/"))
	// Output:
	// laptop: alice | phone: alice
	// laptop still holds its cookie: true
	// laptop: nobody | phone: nobody (Logged out on every device.)
	// laptop: alice
}
