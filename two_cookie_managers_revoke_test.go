package session_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/store/memstore"
)

// Two cookie Managers (cookies "session" and "admin") sharing one
// revocation list, both logged in as alice: "log out everywhere" through
// one of them ends both sessions the request holds, and a flash written to
// each afterwards reaches the next page, no 500 (breaker finding 13, the
// cookie half). A Manager with another revocation list is left alone.
func TestTwoCookieManagersRevokeThenFlash(t *testing.T) {
	clk := &testClock{t: time.Unix(1800000000, 0)}
	rv, other := &testRevocations{}, &testRevocations{}
	var handled error
	eh := func(w http.ResponseWriter, r *http.Request, err error) {
		handled = err
		http.Error(w, err.Error(), 500)
	}
	m1 := newManager(t, session.Config{Revocations: rv, ErrorHandler: eh, Now: clk.Now})
	m2 := newManager(t, session.Config{Revocations: rv, CookieName: "admin", ErrorHandler: eh, Now: clk.Now})
	m3 := newManager(t, session.Config{Revocations: other, CookieName: "third", ErrorHandler: eh, Now: clk.Now})
	h := m1.Handler(m2.Handler(m3.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s1, s2, s3 := m1.From(r), m2.From(r), m3.From(r)
		switch r.URL.Path {
		case "/login":
			_ = errors.Join(s1.SetSubject("alice"), s1.Set("u", "alice"), s2.SetSubject("alice"), s2.Set("u", "alice"),
				s3.SetSubject("alice"), s3.Set("u", "alice"))
		case "/everywhere":
			_, _ = s2.Get("u"), s3.Get("u") // opened before the revocation
			if err := m1.Revoke(r.Context(), "alice", nil); err != nil {
				t.Error(err)
			}
			_ = errors.Join(s1.Set("flash", "bye"), s2.Set("flash", "bye"), s3.Set("flash", "bye"))
		default:
			w.Write([]byte(strings.Join([]string{
				session.GetOr(s1, "u", "-"), session.GetOr(s1, "flash", "-"),
				session.GetOr(s2, "u", "-"), session.GetOr(s2, "flash", "-"),
				session.GetOr(s3, "u", "-"), session.GetOr(s3, "flash", "-")}, " ")))
		}
	}))))
	do := func(path string, cookies []string) ([]string, *httptest.ResponseRecorder) {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Cookie", strings.Join(cookies, "; "))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var set []string
		for _, l := range rec.Result().Header.Values("Set-Cookie") {
			set = append(set, strings.SplitN(l, ";", 2)[0])
		}
		return set, rec
	}
	cookies, _ := do("/login", nil)
	clk.Set(clk.Now().Add(time.Second))
	next, rec := do("/everywhere", cookies)
	if rec.Code != 200 || len(next) != 3 {
		t.Fatalf("log out everywhere then flash with two cookie managers: status %d (%v), cookies %q", rec.Code, handled, next)
	}
	if _, rec := do("/page", next); rec.Body.String() != "- bye - bye alice bye" {
		t.Errorf("next page: %q, want both revoked sessions with the flash only, the third untouched", rec.Body.String())
	}
}

// The same with two server-side Managers over one Interface (and store):
// "log out everywhere" through one ends both sessions the request holds,
// and the flash written to each afterwards lands (finding 13, server-side
// half, handled by the root's Manager.Revoke).
func TestTwoServerSideManagersRevokeThenFlash(t *testing.T) {
	b, err := serverside.New(serverside.Options{Store: memstore.New(memstore.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	var handled error
	eh := func(w http.ResponseWriter, r *http.Request, err error) {
		handled = err
		http.Error(w, err.Error(), 500)
	}
	m1 := newManager(t, session.Config{Interface: b, ErrorHandler: eh})
	m2 := newManager(t, session.Config{Interface: b, CookieName: "admin", ErrorHandler: eh})
	h := m1.Handler(m2.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s1, s2 := m1.From(r), m2.From(r)
		switch r.URL.Path {
		case "/login":
			_ = errors.Join(s1.Renew(), s1.SetSubject("alice"), s1.Set("u", "alice"), s2.Renew(), s2.SetSubject("alice"), s2.Set("u", "alice"))
		case "/everywhere":
			_ = s2.Get("u")
			if err := m1.Revoke(r.Context(), "alice", nil); err != nil {
				t.Error(err)
			}
			_ = errors.Join(s1.Set("flash", "bye"), s2.Set("flash", "bye"))
		default:
			w.Write([]byte(strings.Join([]string{
				session.GetOr(s1, "u", "-"), session.GetOr(s1, "flash", "-"),
				session.GetOr(s2, "u", "-"), session.GetOr(s2, "flash", "-")}, " ")))
		}
	})))
	do := func(path string, cookies []string) ([]string, *httptest.ResponseRecorder) {
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Cookie", strings.Join(cookies, "; "))
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		var set []string
		for _, l := range rec.Result().Header.Values("Set-Cookie") {
			set = append(set, strings.SplitN(l, ";", 2)[0])
		}
		return set, rec
	}
	cookies, _ := do("/login", nil)
	next, rec := do("/everywhere", cookies)
	if rec.Code != 200 || len(next) != 2 {
		t.Fatalf("log out everywhere then flash with two server-side managers: status %d (%v), cookies %q", rec.Code, handled, next)
	}
	if _, rec := do("/page", next); rec.Body.String() != "- bye - bye" {
		t.Errorf("next page: %q, want both sessions logged out with the flash", rec.Body.String())
	}
	if _, rec := do("/page", cookies); rec.Body.String() != "- - - -" {
		t.Errorf("the pre-logout cookies: %q, want both logged out", rec.Body.String())
	}
}

// failingLifecycle is a third-party Interface with a Lifecycle whose every
// session belongs to alice, and whose Revoke fails from the second call.
type failingLifecycle struct {
	bareInterface
	calls int
}

func (f *failingLifecycle) Renew(*session.Session) error              { return nil }
func (f *failingLifecycle) SetSubject(*session.Session, string) error { return nil }
func (f *failingLifecycle) Subject(*session.Session) string           { return "alice" }
func (f *failingLifecycle) Destroy(*session.Session) error            { return nil }
func (f *failingLifecycle) RevokeKey(context.Context, string, string, *session.Session) error {
	return nil
}
func (f *failingLifecycle) Sessions(context.Context, string, *session.Session) ([]session.Info, error) {
	return nil, nil
}

func (f *failingLifecycle) Revoke(context.Context, string, *session.Session, *session.Session) error {
	f.calls++
	if f.calls > 1 {
		return errors.New("store down")
	}
	return nil
}

// Ending the request's session of another Manager over the same backend
// fails closed: the error is returned and answers the request.
func TestRevokeOtherManagersFailureIsReported(t *testing.T) {
	b := &failingLifecycle{}
	var handled error
	eh := func(w http.ResponseWriter, r *http.Request, err error) {
		handled = err
		http.Error(w, err.Error(), 500)
	}
	m1 := newManager(t, session.Config{Interface: b, ErrorHandler: eh})
	m2 := newManager(t, session.Config{Interface: b, CookieName: "admin", ErrorHandler: eh})
	var got error
	h := m1.Handler(m2.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = m2.From(r).Get("u")
		got = m1.Revoke(r.Context(), "alice", nil)
	})))
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/", nil))
	if b.calls != 2 || got == nil || handled == nil || rec.Code != 500 {
		t.Errorf("Revoke calls %d, returned %v, handled %v, status %d; want the second call's failure reported", b.calls, got, handled, rec.Code)
	}
}
