package serverside_test

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/store"
)

// hangingStore blocks Delete, CompareAndDelete and DeleteSubject until their
// context ends, recording whether that context had a deadline.
type hangingStore struct {
	store.SubjectStore
	deadline chan bool
}

func (h *hangingStore) hang(ctx context.Context) error {
	_, ok := ctx.Deadline()
	select {
	case h.deadline <- ok:
	default:
	}
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(wait):
		return errors.New("the context of an ending never ended")
	}
}

func (h *hangingStore) Delete(ctx context.Context, key string) error { return h.hang(ctx) }
func (h *hangingStore) CompareAndDelete(ctx context.Context, key string, version uint64) error {
	return h.hang(ctx)
}
func (h *hangingStore) DeleteSubject(ctx context.Context, subject, keep string) (int, error) {
	return 0, h.hang(ctx)
}

// The detached context of an ending has a deadline of its own
// (Options.EndTimeout): a hanging store fails the request, reported.
func TestEndingIsBoundedByEndTimeout(t *testing.T) {
	for name, end := range endings {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t, serverside.Options{})
			id := e.login(t, "alice")
			hs := &hangingStore{SubjectStore: e.store, deadline: make(chan bool, 1)}
			iface, err := serverside.New(serverside.Options{Store: hs, EndTimeout: 50 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
			e.iface = iface
			m, _ := session.New(session.Config{Interface: iface, Logger: slogDiscard(),
				ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
					e.errs <- err
					http.Error(w, "session error", 500)
				}})
			start := time.Now()
			w := serve(m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				session.From(r).Get("user")
				end(e, r)
			})), nil, "/logout", id)
			if took := time.Since(start); took > wait/2 {
				t.Errorf("the ending took %v", took)
			}
			if _, _, ok := cookieOf(w); w.Code != 500 || ok {
				t.Errorf("status %d, Set-Cookie %v; want 500 and none", w.Code, w.Header().Values("Set-Cookie"))
			}
			if err := e.nextError(t); !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("error %v, want the end deadline", err)
			}
			select {
			case had := <-hs.deadline:
				if !had {
					t.Error("the ending ran without a deadline")
				}
			case <-time.After(wait):
				t.Fatal("the store was never asked to end the session")
			}
		})
	}
}
