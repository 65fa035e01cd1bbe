package mysqlstore_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/store/mysqlstore"
)

// Sessions in the MySQL or MariaDB database an application already runs:
// the store, its table, and the server-side sessions over it. It needs a
// server, so it has no output to check.
func Example() {
	ctx := context.Background()
	st, err := mysqlstore.Open(ctx, "app:secret@tcp(127.0.0.1:3306)/app?interpolateParams=true&timeout=5s",
		mysqlstore.Options{SweepInterval: 10 * time.Minute})
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil { // CREATE TABLE IF NOT EXISTS sessionkit_sessions
		log.Fatal(err)
	}
	ss, err := serverside.New(serverside.Options{Store: st, IdleTimeout: 30 * time.Minute})
	if err != nil {
		log.Fatal(err)
	}
	m, err := session.New(session.Config{Interface: ss})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		_ = s.Renew() // a new ID at login
		_ = s.SetSubject("user-42")
		_ = s.Set("user", "user-42")
	})
	mux.HandleFunc("/logout-everywhere", func(w http.ResponseWriter, r *http.Request) {
		if err := m.Revoke(r.Context(), "user-42", nil); err != nil {
			http.Error(w, "try again", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "every session of user-42 ended")
	})
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", m.Handler(mux)))
}
