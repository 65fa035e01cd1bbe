package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	coder "github.com/coder/websocket"
	"github.com/gorilla/websocket"
)

// dialer is one websocket client library: it dials u with the jar's cookies
// and returns the 101 response and the first message, after echoing "ping".
type dialer func(t *testing.T, ctx context.Context, u string, jar http.CookieJar) (*http.Response, string)

func gorillaDial(t *testing.T, ctx context.Context, u string, jar http.CookieJar) (*http.Response, string) {
	d := websocket.Dialer{Jar: jar, HandshakeTimeout: 5 * time.Second}
	conn, res, err := d.DialContext(ctx, u, nil)
	if err != nil {
		t.Fatalf("gorilla dial %s: %v", u, err)
	}
	defer conn.Close()
	conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	_, greeting, err := conn.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.WriteMessage(websocket.TextMessage, []byte("ping")); err != nil {
		t.Fatal(err)
	}
	if _, echo, err := conn.ReadMessage(); err != nil || string(echo) != "ping" {
		t.Fatalf("echo %q, %v", echo, err)
	}
	return res, string(greeting)
}

func coderDial(t *testing.T, ctx context.Context, u string, jar http.CookieJar) (*http.Response, string) {
	conn, res, err := coder.Dial(ctx, u, &coder.DialOptions{HTTPClient: &http.Client{Jar: jar}})
	if err != nil {
		t.Fatalf("coder dial %s: %v", u, err)
	}
	defer conn.CloseNow()
	_, greeting, err := conn.Read(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := conn.Write(ctx, coder.MessageText, []byte("ping")); err != nil {
		t.Fatal(err)
	}
	if _, echo, err := conn.Read(ctx); err != nil || string(echo) != "ping" {
		t.Fatalf("echo %q, %v", echo, err)
	}
	conn.Close(coder.StatusNormalClosure, "")
	return res, string(greeting)
}

// Every server library with every client library: the 101 carries the
// session cookie, and the next request (and the next connection) sees
// what the handler stored before upgrading.
func TestWebsocketUpgradeSendsSessionCookie(t *testing.T) {
	clients := map[string]dialer{"gorilla client": gorillaDial, "coder client": coderDial}
	for _, server := range []string{"gorilla", "coder"} {
		for clientName, dial := range clients {
			t.Run(server+" server, "+clientName, func(t *testing.T) {
				m, err := newManager([]byte("test-key"))
				if err != nil {
					t.Fatal(err)
				}
				srv := httptest.NewServer(m.Handler(newMux()))
				defer srv.Close()
				jar, _ := cookiejar.New(nil)
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				wsURL := "ws" + strings.TrimPrefix(srv.URL, "http") + "/ws/" + server

				res, greeting := dial(t, ctx, wsURL, jar)
				if res.StatusCode != http.StatusSwitchingProtocols {
					t.Fatalf("status %d", res.StatusCode)
				}
				cookies := res.Header.Values("Set-Cookie")
				if len(cookies) != 1 || !strings.HasPrefix(cookies[0], "session=") {
					t.Fatalf("101 Set-Cookie %q, want the session cookie once", cookies)
				}
				if greeting != "connection 1" {
					t.Errorf("greeting %q", greeting)
				}
				// The jar got the cookie from the 101: the session goes on.
				if _, greeting = dial(t, ctx, wsURL, jar); greeting != "connection 2" {
					t.Errorf("second connection: greeting %q, want connection 2", greeting)
				}
				hres, err := (&http.Client{Jar: jar, Timeout: 5 * time.Second}).Get(srv.URL + "/")
				if err != nil {
					t.Fatal(err)
				}
				body, _ := io.ReadAll(hres.Body)
				hres.Body.Close()
				if string(body) != "connections: 2\n" {
					t.Errorf("page after two connections: %q", body)
				}
			})
		}
	}
}
