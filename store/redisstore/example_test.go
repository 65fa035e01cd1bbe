package redisstore_test

import (
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/store/redisstore"
)

// Server-side sessions in Redis, shared by every instance of an application:
// login (a new ID, attached to the user), "your sessions" and "log out
// everywhere" — the same calls as for cookie sessions. It needs a Redis
// server, so it has no output to check.
func Example() {
	// go-redis logs through the application's slog, not to standard error.
	redis.SetLogger(redisstore.NewLogger(slog.Default(), slog.LevelWarn))
	client := redis.NewClient(&redis.Options{
		Addr:                  "127.0.0.1:6379",
		ContextTimeoutEnabled: true, // request deadlines reach Redis
	})
	defer client.Close()
	st, err := redisstore.New(client, redisstore.Options{}) // keys under "sessionkit:"
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()

	ss, err := serverside.New(serverside.Options{
		Store:       st,
		IdleTimeout: 30 * time.Minute,
		// Recorded at login, shown in "your sessions"; never sent to the client.
		Meta: func(r *http.Request) map[string]string {
			return map[string]string{"agent": r.UserAgent(), "addr": r.RemoteAddr}
		},
	})
	if err != nil {
		log.Fatal(err)
	}
	m, err := session.New(session.Config{Interface: ss})
	if err != nil {
		log.Fatal(err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		user := r.PostFormValue("user") // after checking the password
		s := session.From(r)
		_ = s.Renew() // a new ID: no session fixation
		_ = s.SetSubject(user)
		if err := s.Set("user", user); err != nil {
			return // the middleware answers through its error handler
		}
		http.Redirect(w, r, "/sessions", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /sessions", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		if s.Subject() == "" {
			http.Error(w, "log in first", http.StatusUnauthorized)
			return
		}
		infos, err := m.Sessions(r.Context(), s.Subject())
		if err != nil {
			return // a store outage: the middleware answers 503
		}
		for _, in := range infos {
			fmt.Fprintf(w, "%s from %s, last seen %s (this one: %v)\n",
				in.Meta["agent"], in.Meta["addr"], in.LastSeen.Format(time.DateTime), in.Current)
		}
	})
	mux.HandleFunc("POST /logout-everywhere", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		if s.Subject() == "" {
			http.Error(w, "log in first", http.StatusUnauthorized)
			return
		}
		if err := m.Revoke(r.Context(), s.Subject(), nil); err != nil {
			return // reported through the error handler: never shown as done
		}
		_ = s.Flash("You are logged out on every device.", "info") // lands in a fresh session
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})

	srv := &http.Server{Addr: "127.0.0.1:8080", Handler: m.Handler(mux), ReadHeaderTimeout: 10 * time.Second}
	if err := srv.ListenAndServe(); !errors.Is(err, http.ErrServerClosed) {
		log.Fatal(err)
	}
}
