package main

import (
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/sessionkit/session/internal/testwait"
)

// TestFreshConnsLetShutdownFinish: a connection that never sends a request
// holds http.Server.Shutdown for about 5 s; closed by freshConns, it does
// not, while a connection that did send a request is left to finish.
func TestFreshConnsLetShutdownFinish(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var fresh freshConns
	srv := &http.Server{
		Handler:   http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) }),
		ConnState: fresh.track,
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()

	idle, err := net.Dial("tcp", ln.Addr().String()) // a browser's preconnect
	if err != nil {
		t.Fatal(err)
	}
	defer idle.Close()
	resp, err := testwait.Client().Get("http://" + ln.Addr().String() + "/") // a used, then idle, connection
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	// Wait until the server has seen the preconnect.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		fresh.mu.Lock()
		n := len(fresh.conns)
		fresh.mu.Unlock()
		if n == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d fresh connections tracked, want 1", n)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second) // under the 5 s Shutdown waits on its own
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(ctx) }()
	fresh.closeAll()
	if err := testwait.Recv(t, shut, 10*time.Second, "Shutdown to return"); err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	if err := testwait.Recv(t, served, 10*time.Second, "Serve to return"); !errors.Is(err, http.ErrServerClosed) {
		t.Fatalf("Serve: %v", err)
	}
	idle.SetReadDeadline(time.Now().Add(time.Second))
	if _, err := idle.Read(make([]byte, 1)); err == nil || errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("the preconnected socket is still open: %v", err)
	}
}
