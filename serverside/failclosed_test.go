package serverside_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/memstore"
)

// failStore fails the one method named fail with errDown.
type failStore struct {
	*memstore.Store
	fail string
}

func (f *failStore) err(method string) error {
	if f.fail == method {
		return errDown
	}
	return nil
}

func (f *failStore) Load(ctx context.Context, key string) (store.Record, bool, error) {
	if err := f.err("Load"); err != nil {
		return store.Record{}, false, err
	}
	return f.Store.Load(ctx, key)
}

func (f *failStore) Save(ctx context.Context, key string, rec store.Record) (uint64, error) {
	if err := f.err("Save"); err != nil {
		return 0, err
	}
	return f.Store.Save(ctx, key, rec)
}

func (f *failStore) Delete(ctx context.Context, key string) error {
	if err := f.err("Delete"); err != nil {
		return err
	}
	return f.Store.Delete(ctx, key)
}

func (f *failStore) CompareAndDelete(ctx context.Context, key string, version uint64) error {
	if err := f.err("CompareAndDelete"); err != nil {
		return err
	}
	return f.Store.CompareAndDelete(ctx, key, version)
}

func (f *failStore) Touch(ctx context.Context, key string, seen, exp time.Time) error {
	if err := f.err("Touch"); err != nil {
		return err
	}
	return f.Store.Touch(ctx, key, seen, exp)
}

func (f *failStore) Sessions(ctx context.Context, subject string) ([]store.Info, error) {
	if err := f.err("Sessions"); err != nil {
		return nil, err
	}
	return f.Store.Sessions(ctx, subject)
}

func (f *failStore) DeleteSubject(ctx context.Context, subject, keep string) (int, error) {
	if err := f.err("DeleteSubject"); err != nil {
		return 0, err
	}
	return f.Store.DeleteSubject(ctx, subject, keep)
}

// Every store method failing in turn fails the request closed: 500, no
// Set-Cookie, the error handler called with the store's error — even when
// the handler ignores the error a package function returned.
func TestEachStoreFailureFailsClosed(t *testing.T) {
	cases := []struct {
		method string
		before func(e *env) // after the session exists, before the failing request
		h      func(e *env) http.HandlerFunc
	}{
		{"Load", nil, func(e *env) http.HandlerFunc { return routes["/get"] }},
		{"Save", nil, func(e *env) http.HandlerFunc { return routes["/set"] }},
		{"CompareAndDelete", nil, func(e *env) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) { _, _, _ = session.From(r).Pop("user") }
		}},
		{"Delete", nil, func(e *env) http.HandlerFunc { return routes["/logout"] }},
		{"Touch", func(e *env) { e.clock.Add(2 * time.Minute) }, func(e *env) http.HandlerFunc { return routes["/get"] }},
		{"Sessions", nil, func(e *env) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				_, _ = e.m.Sessions(r.Context(), session.From(r).Subject())
			}
		}},
		{"DeleteSubject", nil, func(e *env) http.HandlerFunc {
			return func(w http.ResponseWriter, r *http.Request) {
				_ = e.m.Revoke(r.Context(), session.From(r).Subject(), nil)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.method, func(t *testing.T) {
			e := newEnv(t, serverside.Options{})
			fs := &failStore{Store: e.store}
			iface, err := serverside.New(serverside.Options{Store: fs, TouchInterval: time.Minute})
			if err != nil {
				t.Fatal(err)
			}
			e.iface = iface
			e.m, _ = session.New(session.Config{Interface: iface, Now: e.clock.Now, Logger: slogDiscard(),
				ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
					e.errs <- err
					http.Error(w, "session error", http.StatusInternalServerError)
				}})
			id := e.login(t, "alice")
			if c.before != nil {
				c.before(e)
			}
			fs.fail = c.method
			w := serve(e.m.Handler(c.h(e)), nil, "/?k=user&b=2", id)
			if w.Code != 500 || len(w.Header().Values("Set-Cookie")) != 0 {
				t.Errorf("status %d, Set-Cookie %v; want 500 and none", w.Code, w.Header().Values("Set-Cookie"))
			}
			if err := e.nextError(t); !errors.Is(err, errDown) {
				t.Errorf("error handler got %v, want the store's error", err)
			}
		})
	}
}

// A store without subjects (finding 4): Sessions, Revoke and RevokeKey
// answer ErrNoSubjects, which matches session.ErrNotSupported, and a handler
// that ignores the error gets the same response as the same call on a
// backend that cannot do it at all (cookie sessions without Revocations):
// application code never branches on the backend.
func TestNoSubjectsIsReported(t *testing.T) {
	calls := map[string]func(m *session.Manager, r *http.Request) error{
		"Sessions": func(m *session.Manager, r *http.Request) error {
			_, err := m.Sessions(r.Context(), "alice")
			return err
		},
		"Revoke":    func(m *session.Manager, r *http.Request) error { return m.Revoke(r.Context(), "alice", nil) },
		"RevokeKey": func(m *session.Manager, r *http.Request) error { return m.RevokeKey(r.Context(), "alice", "k") },
	}
	for name, call := range calls {
		t.Run(name, func(t *testing.T) {
			st := memstore.New(memstore.Options{})
			t.Cleanup(func() { st.Close() })
			iface, err := serverside.New(serverside.Options{Store: plainStore{st}})
			if err != nil {
				t.Fatal(err)
			}
			status := func(cfg session.Config) (int, error) {
				cfg.Logger = slogDiscard()
				m, err := session.New(cfg)
				if err != nil {
					t.Fatal(err)
				}
				var got error
				w := serve(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					got = call(m, r)
				})), nil, "/", "")
				return w.Code, got
			}
			code, err := status(session.Config{Interface: iface})
			if !errors.Is(err, session.ErrNotSupported) || !errors.Is(err, serverside.ErrNoSubjects) {
				t.Errorf("error %v, want ErrNoSubjects matching session.ErrNotSupported", err)
			}
			cookieCode, cookieErr := status(session.Config{SecretKey: []byte("a secret key for the cookie backend")})
			if !errors.Is(cookieErr, session.ErrNotSupported) {
				t.Fatalf("the cookie backend answers %v: the comparison is void", cookieErr)
			}
			if code != cookieCode {
				t.Errorf("status %d over a store without subjects, %d for the same unsupported call on cookie sessions", code, cookieCode)
			}
		})
	}
}

// plainStore hides every optional capability of the store it wraps.
type plainStore struct{ store.Store }

// Read-only responses of server-side sessions vary by cookie.
func TestReadOnlyResponsesVaryByCookie(t *testing.T) {
	e := newEnv(t, serverside.Options{})
	id := e.login(t, "alice")
	for _, cookie := range []string{id, ""} {
		w := serve(e.m.Handler(http.HandlerFunc(routes["/get"])), nil, "/get?k=user", cookie)
		if !strings.Contains(strings.Join(w.Header().Values("Vary"), ","), "Cookie") {
			t.Errorf("cookie %t: Vary %q, want Cookie", cookie != "", w.Header().Values("Vary"))
		}
	}
	w := serve(e.m.Handler(http.HandlerFunc(routes["/nothing"])), nil, "/", id)
	if len(w.Header().Values("Vary")) != 0 {
		t.Errorf("a response that never used the session: Vary %q", w.Header().Values("Vary"))
	}
}

// shortReader gives fewer bytes than an ID needs, then EOF.
type shortReader struct{ given bool }

func (s *shortReader) Read(p []byte) (int, error) {
	if s.given {
		return 0, io.EOF
	}
	s.given = true
	n := min(len(p), 10)
	for i := range n {
		p[i] = 'x'
	}
	return n, nil
}

// A Rand source that falls short is an error, never a short ID.
func TestShortRandomnessIsAnError(t *testing.T) {
	e := newEnv(t, serverside.Options{Rand: &shortReader{}})
	w := serve(e.m.Handler(http.HandlerFunc(routes["/set"])), nil, "/set?a=1", "")
	if w.Code != 500 || len(w.Header().Values("Set-Cookie")) != 0 || e.store.Len() != 0 {
		t.Errorf("status %d, Set-Cookie %v, %d records", w.Code, w.Header().Values("Set-Cookie"), e.store.Len())
	}
	if err := e.nextError(t); !errors.Is(err, io.ErrUnexpectedEOF) {
		t.Errorf("error %v, want io.ErrUnexpectedEOF", err)
	}
}
