// Command quickstart is the README's quick start, as a program its test runs:
// it refuses to start without SECRET_KEY (without a key every session would
// be a null session and every write an HTTP 500).
//
//	SECRET_KEY=change-me go run .   # http://127.0.0.1:8080
package main

import (
	"fmt"
	"log"
	"net/http"
	"os"

	"github.com/sessionkit/session"
)

func main() {
	key := []byte(os.Getenv("SECRET_KEY"))
	if len(key) == 0 {
		log.Fatal("SECRET_KEY is not set: set it to something unique and secret")
	}
	m, err := session.New(session.Config{SecretKey: key})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)                   // opened lazily, on first use
		n := session.GetOr(s, "visits", 0) + 1 // typed access
		if err := s.Set("visits", n); err != nil {
			return // the middleware answers through its error handler
		}
		fmt.Fprintf(w, "visit %d\n", n) // saved before the header goes out
	})
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", m.Handler(mux)))
}
