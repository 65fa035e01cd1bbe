// Package scaletest holds the tests that the distributed stores
// (store/redisstore, store/pgstore) share beyond storetest: reading the
// test servers' addresses from the environment, several app instances over
// one store (horizontal scale), and failing closed when the store fails.
package scaletest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/store"
)

// Env returns the environment variable name, or skips the test with a message
// saying how to set it — except under CI=true, where a missing server is a
// failure, never a skip.
func Env(t testing.TB, name, what string) string {
	t.Helper()
	v := os.Getenv(name)
	if v != "" {
		return v
	}
	msg := fmt.Sprintf("%s is not set: these tests need %s (.ci/run sets it and starts the server)", name, what)
	if os.Getenv("CI") == "true" {
		t.Fatal(msg + "; under CI=true that is a failure")
	}
	t.Skip(msg)
	return ""
}

// RandomName returns a random lowercase hex string of n bytes, for key
// prefixes and schema names that isolate a test.
func RandomName(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// App is one application instance: a Manager over a server-side Interface
// over its own store, behind an httptest server.
type App struct {
	Iface  *serverside.Backend
	M      *session.Manager
	Server *httptest.Server
	// Errors counts what the error handler saw.
	Errors atomic.Int32
}

// Routes every App serves.
//
//	/login?user=U   regenerate, set user and subject U
//	/get?k=K        the value of K ("<nil>" when absent)
//	/set?k=K        set K to true, after a 1 ms pause between load and save
//	/logout-all     Manager.Revoke(user of this session, nil): log out everywhere
func routes(a *App) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		u := r.URL.Query().Get("user")
		_ = s.Renew()
		_ = s.Set("user", u)
		_ = s.SetSubject(u)
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, session.From(r).Get(r.URL.Query().Get("k")))
	})
	mux.HandleFunc("/set", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		s.Get("user")
		time.Sleep(time.Millisecond) // keep requests overlapping between load and save
		if err := s.Set(r.URL.Query().Get("k"), true); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	mux.HandleFunc("/logout-all", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		infos, err := a.M.Sessions(r.Context(), s.Subject())
		if err == nil {
			err = a.M.Revoke(r.Context(), s.Subject(), nil)
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		fmt.Fprint(w, len(infos))
	})
	return a.M.Handler(mux)
}

// NewApp starts an App over st. The server is closed in t.Cleanup.
func NewApp(t testing.TB, st store.Store) *App {
	t.Helper()
	iface, err := serverside.New(serverside.Options{Store: st, MaxRetries: 1000,
		Meta: func(r *http.Request) map[string]string { return map[string]string{"app": r.Host} }})
	if err != nil {
		t.Fatal(err)
	}
	a := &App{Iface: iface}
	a.M, err = session.New(session.Config{
		Interface: iface,
		Logger:    slog.New(slog.DiscardHandler),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			a.Errors.Add(1)
			http.Error(w, "session error", http.StatusInternalServerError)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	a.Server = httptest.NewServer(routes(a))
	t.Cleanup(a.Server.Close)
	return a
}

// Browser is a client with one cookie jar. Go's cookie jar, like browsers,
// does not separate cookies by port, so the Apps on 127.0.0.1 share one
// browser's cookies as if they stood behind one load balancer.
type Browser struct {
	c *http.Client
}

// NewBrowser returns a Browser with an empty jar.
func NewBrowser() *Browser {
	jar, _ := cookiejar.New(nil)
	return &Browser{c: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// Get sends GET path to app and returns the status and body.
func (b *Browser) Get(t testing.TB, app *App, path string) (int, string) {
	t.Helper()
	res, err := b.c.Get(app.Server.URL + path)
	if err != nil {
		t.Errorf("GET %s: %v", path, err)
		return 0, ""
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// Cookie returns the value of the cookie called name that the browser
// holds for app, or "".
func (b *Browser) Cookie(app *App, name string) string {
	u, err := url.Parse(app.Server.URL)
	if err != nil {
		return ""
	}
	for _, ck := range b.c.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// Horizontal runs the horizontal-scale checks: a login on one instance is
// seen on the other, and "log out everywhere" on one logs out on both. For
// each subtest, shared sets
// up isolated storage (a key prefix, a schema) and returns a function that
// makes one store instance over it, with its own client or pool, as another
// app process would.
func Horizontal(t *testing.T, shared func(t *testing.T) (newStore func() store.Store)) {
	t.Run("LoginSeenOnOtherInstance", func(t *testing.T) {
		newStore := shared(t)
		a, b := NewApp(t, newStore()), NewApp(t, newStore())
		br := NewBrowser()
		if code, _ := br.Get(t, a, "/login?user=alice"); code != 200 {
			t.Fatalf("login on A: %d", code)
		}
		if code, body := br.Get(t, b, "/get?k=user"); code != 200 || body != "alice" {
			t.Fatalf("B after login on A: %d %q, want alice", code, body)
		}
	})
	t.Run("LogoutEverywhere", func(t *testing.T) {
		newStore := shared(t)
		a, b := NewApp(t, newStore()), NewApp(t, newStore())
		laptop, phone, bob := NewBrowser(), NewBrowser(), NewBrowser()
		laptop.Get(t, a, "/login?user=alice")
		phone.Get(t, b, "/login?user=alice")
		bob.Get(t, a, "/login?user=bob")
		for _, app := range []*App{a, b} {
			infos, err := app.M.Sessions(context.Background(), "alice")
			if err != nil || len(infos) != 2 {
				t.Fatalf("Sessions(alice) on one instance = %d, %v; want 2", len(infos), err)
			}
		}
		if code, body := phone.Get(t, b, "/logout-all"); code != 200 || body != "2" {
			t.Fatalf("log out everywhere on B: %d %q, want 2 sessions revoked", code, body)
		}
		for name, br := range map[string]*Browser{"laptop": laptop, "phone": phone} {
			for _, app := range []*App{a, b} {
				if _, body := br.Get(t, app, "/get?k=user"); body != "<nil>" {
					t.Errorf("%s on %s after log out everywhere: user=%q", name, app.Server.URL, body)
				}
			}
		}
		if _, body := bob.Get(t, b, "/get?k=user"); body != "bob" {
			t.Errorf("bob was logged out too: %q", body)
		}
	})
}

// LostUpdateAcrossInstances runs the LostUpdate workload over two App
// instances with their own stores over the same storage (see Horizontal
// for shared).
func LostUpdateAcrossInstances(t *testing.T, shared func(t *testing.T) (newStore func() store.Store)) {
	newStore := shared(t)
	a, b := &conflictCounter{Store: newStore()}, &conflictCounter{Store: newStore()}
	LostUpdate(t, NewApp(t, a), NewApp(t, b))
	t.Logf("%d saves conflicted and were merged and retried", a.n.Load()+b.n.Load())
}

// conflictCounter counts the saves that returned store.ErrConflict, to show
// that the workload does race.
type conflictCounter struct {
	store.Store
	n atomic.Int64
}

func (c *conflictCounter) Save(ctx context.Context, key string, rec store.Record) (uint64, error) {
	v, err := c.Store.Save(ctx, key, rec)
	if errors.Is(err, store.ErrConflict) {
		c.n.Add(1)
	}
	return v, err
}

// LostUpdate is the LostUpdate workload spread over apps: n goroutines × m
// requests on one session, each writing its own key with a 1 ms pause
// between load and save, request i of goroutine g going to apps[(g+i)%len].
// Nothing may be lost and no request may fail.
func LostUpdate(t *testing.T, apps ...*App) {
	const n, m = 8, 25
	owner := NewBrowser()
	if code, _ := owner.Get(t, apps[0], "/login?user=lu"); code != 200 {
		t.Fatalf("login: %d", code)
	}
	var wg sync.WaitGroup
	var failed atomic.Int32
	for g := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range m {
				app := apps[(g+i)%len(apps)]
				if code, body := owner.Get(t, app, fmt.Sprintf("/set?k=g%d-%d", g, i)); code != 200 {
					failed.Add(1)
					t.Errorf("request g%d-%d: %d %s", g, i, code, strings.TrimSpace(body))
				}
			}
		}()
	}
	wg.Wait()
	lost := 0
	for g := range n {
		for i := range m {
			if _, body := owner.Get(t, apps[i%len(apps)], fmt.Sprintf("/get?k=g%d-%d", g, i)); body != "true" {
				lost++
			}
		}
	}
	t.Logf("%d goroutines × %d requests over %d instances: %d lost writes, %d failed requests", n, m, len(apps), lost, failed.Load())
	if lost != 0 || failed.Load() != 0 {
		t.Fatalf("lost %d writes, %d requests failed", lost, failed.Load())
	}
}

// FailClosed sends one request per path through h (in-process, so that a
// panic fails the test) with the cookie, and checks each failed closed: a
// 5xx status, no Set-Cookie, and an error the error handler saw. errs must
// be filled by the Manager's error handler.
func FailClosed(t *testing.T, h http.Handler, cookie string, errs *ErrorLog, wantErr func(error) bool, paths ...string) {
	t.Helper()
	for _, p := range paths {
		errs.Reset()
		r := httptest.NewRequest("GET", p, nil)
		if cookie != "" {
			r.Header.Set("Cookie", cookie)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		err := errs.Last()
		if rec.Code < 500 || len(rec.Result().Header.Values("Set-Cookie")) != 0 || err == nil || (wantErr != nil && !wantErr(err)) {
			t.Errorf("%s: status %d, Set-Cookie %v, error %v: want 5xx, no cookie, a matching error",
				p, rec.Code, rec.Result().Header.Values("Set-Cookie"), err)
		}
	}
}

// ErrorLog keeps the errors an error handler saw.
type ErrorLog struct {
	mu   sync.Mutex
	errs []error
}

// Handler is a session.Config.ErrorHandler that records err and answers 500.
func (l *ErrorLog) Handler(w http.ResponseWriter, r *http.Request, err error) {
	l.mu.Lock()
	l.errs = append(l.errs, err)
	l.mu.Unlock()
	http.Error(w, "session store unavailable", http.StatusInternalServerError)
}

// Last returns the last error recorded, or nil.
func (l *ErrorLog) Last() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.errs) == 0 {
		return nil
	}
	return l.errs[len(l.errs)-1]
}

// Reset forgets the errors recorded.
func (l *ErrorLog) Reset() {
	l.mu.Lock()
	l.errs = nil
	l.mu.Unlock()
}
