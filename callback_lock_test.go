package session_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/sessionkit/session"
)

// failingSave is a SecureCookie whose Save calls session.From(r), as a
// Helpers override, a clock or a store callback may, and then fails.
type failingSave struct {
	session.SecureCookie
	sawFrom chan *session.Session
}

func (f *failingSave) Save(cfg *session.Config, s *session.Session, w http.ResponseWriter, r *http.Request) error {
	f.sawFrom <- session.From(r)
	return errors.New("store down")
}

// Callbacks that run while the middleware saves — the Interface's Save and
// the ErrorHandler — may reach the request's session through session.From
// without hanging the request (breaker finding 12, root part).
func TestCallbacksDuringSaveMayReadTheSession(t *testing.T) {
	iface := &failingSave{sawFrom: make(chan *session.Session, 1)}
	handled := make(chan string, 1)
	m, err := session.New(session.Config{
		SecretKey: []byte("k"),
		Interface: iface,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			handled <- session.From(r).Subject()
			http.Error(w, "down", http.StatusServiceUnavailable)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = session.From(r).Set("a", 1)
	}))
	done := make(chan int, 1)
	go func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil).WithContext(context.Background()))
		done <- rec.Code
	}()
	select {
	case code := <-done:
		if code != http.StatusServiceUnavailable {
			t.Fatalf("status %d, want the error handler's 503", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the request hangs: a callback during Save could not reach the session")
	}
	if s := <-iface.sawFrom; s == nil {
		t.Fatal("session.From in Save returned nil")
	}
	if sub := <-handled; sub != "" {
		t.Fatalf("Subject in the error handler = %q", sub)
	}
}

// openFails is an Interface whose Open fails.
type openFails struct{ session.SecureCookie }

func (*openFails) Open(*session.Config, *http.Request) (*session.Session, error) {
	return nil, errors.New("store down")
}

// The same when Open failed: the ErrorHandler reads the (null) session.
func TestErrorHandlerAfterFailedOpenMayReadTheSession(t *testing.T) {
	m, err := session.New(session.Config{
		SecretKey: []byte("k"),
		Interface: &openFails{},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			_ = session.From(r).Get("a")
			http.Error(w, "down", http.StatusServiceUnavailable)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = session.From(r).Get("a")
		w.WriteHeader(http.StatusOK)
	}))
	done := make(chan int, 1)
	go func() {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
		done <- rec.Code
	}()
	select {
	case code := <-done:
		if code != http.StatusServiceUnavailable {
			t.Fatalf("status %d, want the error handler's 503", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the request hangs")
	}
}
