// Command sessiondemo is a small web app that shows what sessionkit does, in
// plain HTML and CSS: log in (with "remember me"), a counter, flash messages,
// "your sessions" with "log out other devices", a page that decodes your
// session cookie, and a page on sharing the session, the login and the forms
// with a Flask app.
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
//	mysql://…       MySQL or MariaDB (the table is created if missing)
//	sqlite:PATH     an SQLite file: sessions survive a restart
//
// With every store but cookie the cookie holds only a random session ID.
//
// Logins are Flask-Login's (package flasklogin) and every form carries a
// Flask-WTF CSRF token (package flaskwtf), so the Flask app of the /flask page
// shares logins and forms with the demo.
//
// The secret key signs cookie-mode sessions and, in every mode, the CSRF
// tokens; it comes from -secret or the SESSIONKIT_SECRET environment
// variable, and without either a random key is made for the run (cookie
// sessions then end when the demo stops; open forms must be reloaded after a
// restart).
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
	"github.com/sessionkit/session/flasklogin"
	"github.com/sessionkit/session/flaskwtf"
	"github.com/sessionkit/session/signing"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := exitCode(run(ctx, os.Args[1:], os.Getenv, os.Stderr, nil), os.Stderr)
	stop()
	os.Exit(code)
}

// usageError is a command-line error that the flag package has already
// printed, with the usage, to stderr.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// exitCode prints err (unless the flag package already did) and returns
// the process's exit status: 0 for success and -h, 2 for a bad command line,
// 1 otherwise.
func exitCode(err error, stderr io.Writer) int {
	var ue usageError
	switch {
	case err == nil, errors.Is(err, flag.ErrHelp):
		return 0
	case errors.As(err, &ue):
		return 2
	default:
		fmt.Fprintln(stderr, "sessiondemo:", err)
		return 1
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
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err} // fs printed it, and the usage
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

	key := *secret
	if key == "" {
		key = getenv("SESSIONKIT_SECRET")
	}
	a, err := newDemo(backend, key, logger)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	var fresh freshConns
	srv := &http.Server{
		Handler:           a.handler(),
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

// newDemo makes the demo's app over the backend be: its session Manager
// (cookie sessions signed with key when be has no server-side Interface),
// Flask-Login's Manager and Flask-WTF's CSRF protection, both keyed with key.
// An empty key is replaced by a random one, with a log line.
func newDemo(be *backend, key string, logger *slog.Logger) (*app, error) {
	if key == "" {
		var b [32]byte
		if _, err := rand.Read(b[:]); err != nil {
			return nil, err
		}
		key = hex.EncodeToString(b[:])
		if be.iface == nil {
			logger.Warn("no -secret or SESSIONKIT_SECRET: using a random key for this run; cookie sessions end when the demo stops")
		} else {
			logger.Info("no -secret or SESSIONKIT_SECRET: CSRF tokens are signed with a key made for this run (forms left open across a restart must be reloaded)")
		}
	}
	a := newApp(be, logger)
	var err error
	cfg := session.Config{CookieSameSite: "Lax", Logger: logger, ErrorHandler: a.sessionError}
	if be.iface != nil {
		cfg.Interface = be.iface // the cookie holds only the session ID
	} else {
		cfg.SecretKey = []byte(key)
		cfg.Revocations = be.revocations
		if a.signer, err = signing.New(cfg.SecretKey, nil, signing.Options{}); err != nil {
			return nil, err
		}
	}
	if a.m, err = session.New(cfg); err != nil {
		return nil, err
	}
	// "Remember me" is the session's permanence (31 days), not Flask-Login's
	// remember cookie: that cookie would log a device back in after "log
	// out other devices" revoked its session.
	if a.lm, err = flasklogin.New(flasklogin.Config{SecretKey: []byte(key), Logger: logger}); err != nil {
		return nil, err
	}
	if a.csrf, err = flaskwtf.New(flaskwtf.Config{SecretKey: []byte(key), Logger: logger, ErrorHandler: a.csrfError}); err != nil {
		return nil, err
	}
	return a, nil
}
