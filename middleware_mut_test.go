package session_test

import (
	"errors"
	"net/http"
	"testing"

	"github.com/sessionkit/session"
)

// A Vary header that names other fields, or a field that only contains
// "Cookie", does not vary the response on Cookie: a session read after
// such a header went out is reported as a read after the header.
func TestMiddlewareReadAfterHeaderWithOtherVary(t *testing.T) {
	for _, vary := range []string{"Accept-Encoding", "Accept-Encoding, Accept-Language", "Cookies", "X-Cookie"} {
		t.Run(vary, func(t *testing.T) {
			reports := make(errReports, 4)
			m := newManager(t, session.Config{ErrorHandler: reports.handler})
			h := m.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Vary", vary)
				w.WriteHeader(http.StatusOK)
				session.From(r).Get("user")
				w.Write([]byte("hello"))
			}))
			res := loggedIn(t, m, h).Get("/")
			if res.StatusCode != 200 || res.Body != "hello" || res.Header.Get("Vary") != vary {
				t.Fatalf("response changed: %d %q %v", res.StatusCode, res.Body, res.Header)
			}
			if err := reports.next(t); !errors.Is(err, session.ErrReadAfterHeader) {
				t.Errorf("reported %v, want ErrReadAfterHeader", err)
			}
			reports.none(t)
		})
	}
}
