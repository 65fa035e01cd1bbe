// Command sessiondemo is a small web app showing sessionkit's signed-cookie
// sessions: log in, a visit counter, flash messages, "remember me", log out,
// and a page that decodes the current cookie. Its cookies are Flask's: a
// Flask app with the same secret key reads them.
//
//	go run ./cmd/sessiondemo [-addr 127.0.0.1:8080] [-secret KEY]
//
// The secret key comes from -secret or the SESSIONKIT_SECRET environment
// variable; without either, a random key is made for this run (sessions then
// end when the demo stops).
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/sessionkit/session"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Getenv, os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "sessiondemo:", err)
		os.Exit(1)
	}
}

// run serves the demo until ctx ends. ready, if not nil, receives the
// listening address.
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer, ready chan<- string) error {
	fs := flag.NewFlagSet("sessiondemo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:8080", "listen on `HOST:PORT`")
	secret := fs.String("secret", "", "session signing `KEY` (default: $SESSIONKIT_SECRET, else random per run)")
	storeFlag := fs.String("store", "cookie", "where sessions live: `cookie` (Flask-compatible signed cookie), memory, or bolt:PATH")
	if err := fs.Parse(args); err != nil {
		return err
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	key := *secret
	if key == "" {
		key = getenv("SESSIONKIT_SECRET")
	}
	if key == "" {
		var b [32]byte
		if _, err := rand.Read(b[:]); err != nil {
			return err
		}
		key = hex.EncodeToString(b[:])
		logger.Warn("no -secret or SESSIONKIT_SECRET: using a random key for this run; sessions end when the demo stops")
	}
	cfg := session.Config{
		SecretKey:      []byte(key),
		CookieSameSite: "Lax",
		Logger:         logger,
	}
	backend, err := openBackend(*storeFlag, logger)
	if err != nil {
		return err
	}
	defer backend.close()
	if backend.iface != nil {
		cfg.Interface = backend.iface
	}
	m, err := session.New(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{
		Handler:           m.Handler(newApp(m, backend.iface)),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelError),
	}
	logger.Info("serving", "url", "http://"+ln.Addr().String(), "store", *storeFlag)
	if ready != nil {
		ready <- ln.Addr().String()
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutCtx); err != nil {
		return err
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
