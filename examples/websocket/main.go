// Command websocket shows sessionkit with websockets: a handler that changes
// the session and then upgrades the connection — with gorilla/websocket's
// Upgrade or github.com/coder/websocket's Accept — still sends the session
// cookie, on the 101 Switching Protocols response itself. Sessions live on
// the server (serverside over memstore), so a lost cookie would also leave a
// record nobody can reach.
//
//	SECRET_KEY=change-me go run .   # ws://127.0.0.1:8080/ws/gorilla, /ws/coder
package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"os"

	coder "github.com/coder/websocket"
	"github.com/gorilla/websocket"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/store/memstore"
)

func main() {
	key := os.Getenv("SECRET_KEY")
	if key == "" {
		log.Fatal("SECRET_KEY is not set: set it to something unique and secret")
	}
	m, err := newManager([]byte(key))
	if err != nil {
		log.Fatal(err)
	}
	log.Println("listening on http://127.0.0.1:8080")
	log.Fatal(http.ListenAndServe("127.0.0.1:8080", m.Handler(newMux())))
}

// newManager keeps sessions on the server, in memory.
func newManager(key []byte) (*session.Manager, error) {
	ss, err := serverside.New(serverside.Options{Store: memstore.New(memstore.Options{})})
	if err != nil {
		return nil, err
	}
	return session.New(session.Config{SecretKey: key, Interface: ss, CookieSameSite: "Lax"})
}

func newMux() *http.ServeMux {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "connections: %d\n", session.GetOr(session.From(r), "connections", 0))
	})
	mux.HandleFunc("GET /ws/gorilla", gorillaEcho)
	mux.HandleFunc("GET /ws/coder", coderEcho)
	return mux
}

// countConnection records the connection in the session before the
// upgrade; the session is saved as the 101 goes out.
func countConnection(r *http.Request) (int, error) {
	s := session.From(r)
	n := session.GetOr(s, "connections", 0) + 1
	return n, s.Set("connections", n)
}

var upgrader = websocket.Upgrader{}

// gorillaEcho upgrades with gorilla/websocket (which hijacks the connection
// and writes the 101 itself), greets, and echoes one message.
func gorillaEcho(w http.ResponseWriter, r *http.Request) {
	n, err := countConnection(r)
	if err != nil {
		return // the middleware answers through its error handler
	}
	conn, err := upgrader.Upgrade(w, r, nil)
	if err != nil {
		return // Upgrade has answered
	}
	defer conn.Close()
	if err := conn.WriteMessage(websocket.TextMessage, fmt.Appendf(nil, "connection %d", n)); err != nil {
		return
	}
	typ, msg, err := conn.ReadMessage()
	if err != nil {
		return
	}
	_ = conn.WriteMessage(typ, msg)
}

// coderEcho does the same with github.com/coder/websocket (which writes the
// 101 through the ResponseWriter, then hijacks).
func coderEcho(w http.ResponseWriter, r *http.Request) {
	n, err := countConnection(r)
	if err != nil {
		return
	}
	conn, err := coder.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer conn.CloseNow()
	ctx := context.Background()
	if err := conn.Write(ctx, coder.MessageText, fmt.Appendf(nil, "connection %d", n)); err != nil {
		return
	}
	typ, msg, err := conn.Read(ctx)
	if err != nil {
		return
	}
	_ = conn.Write(ctx, typ, msg)
	conn.Close(coder.StatusNormalClosure, "")
}
