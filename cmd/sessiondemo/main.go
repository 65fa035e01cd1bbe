// Command sessiondemo is a small web app that shows what sessionkit does, in
// plain HTML and CSS: log in (with "remember me"), a counter, flash messages,
// "your sessions" with "log out other devices", a page that decodes your
// session cookie, and a page on sharing the session with a Flask app.
//
//	go -C cmd/sessiondemo run . [-addr 127.0.0.1:8080] [-store STORE] [-secret KEY]
//
// -store chooses where sessions live:
//
//	bolt:PATH       an embedded bbolt file (the default, bolt:sessiondemo.db in
//	                the working directory): sessions survive a restart
//	cookie          Flask's signed cookie: no server state, and a Flask app
//	                with the same secret key shares the session (see /flask)
//	memory          in this process only
//	redis://…       Redis (go-redis URL syntax; rediss:// for TLS)
//	postgres://…    PostgreSQL (pgx DSN; the table is created if missing)
//
// With every store but cookie the cookie holds only a random session ID.
// The secret key signs cookie-mode sessions; it comes from -secret or the
// SESSIONKIT_SECRET environment variable, and without either a random key
// is made for the run (cookie sessions then end when the demo stops).
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
	"github.com/sessionkit/session/signing"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	err := run(ctx, os.Args[1:], os.Getenv, os.Stderr, nil)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sessiondemo:", err)
		os.Exit(1)
	}
}

// run serves the demo until ctx ends. ready, if not nil, receives the
// listening address.
func run(ctx context.Context, args []string, getenv func(string) string, stderr io.Writer, ready chan<- string) error {
	fs := flag.NewFlagSet("sessiondemo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "sessiondemo: sessionkit's demo web app.\n\nUsage: sessiondemo [flags]\n\n")
		fs.PrintDefaults()
	}
	addr := fs.String("addr", "127.0.0.1:8080", "listen on `HOST:PORT`")
	secret := fs.String("secret", "", "`KEY` signing cookie-mode sessions (default: $SESSIONKIT_SECRET, else random per run)")
	storeFlag := fs.String("store", defaultStore, storeHelp)
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q (see -h)", fs.Args())
	}
	logger := slog.New(slog.NewTextHandler(stderr, nil))
	backend, err := openBackend(ctx, *storeFlag, logger)
	if err != nil {
		return err
	}
	defer backend.close()

	cfg := session.Config{CookieSameSite: "Lax", Logger: logger}
	var signer *signing.Signer // for /cookie in cookie mode
	if backend.iface != nil {
		cfg.Interface = backend.iface // the cookie holds only the session ID
	} else {
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
			logger.Warn("no -secret or SESSIONKIT_SECRET: using a random key for this run; cookie sessions end when the demo stops")
		}
		cfg.SecretKey = []byte(key)
		cfg.Revocations = backend.revocations
		if signer, err = signing.New(cfg.SecretKey, nil, signing.Options{}); err != nil {
			return err
		}
	}
	m, err := session.New(cfg)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	var fresh freshConns
	srv := &http.Server{
		Handler:           newApp(m, backend, logger, signer),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelError),
		ConnState:         fresh.track,
	}
	logger.Info("serving", "url", "http://"+ln.Addr().String(), "store", backend.Kind, "where", backend.Where)
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
	shut := make(chan error, 1)
	go func() { shut <- srv.Shutdown(shutCtx) }()
	// Browsers open connections ahead of need; Shutdown waits about 5 s
	// before it counts one that never carried a request as idle.
	fresh.closeAll()
	if err := <-shut; err != nil {
		logger.Warn("requests still running after 5 s; closing their connections", "err", err)
		if err := srv.Close(); err != nil {
			return err
		}
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
