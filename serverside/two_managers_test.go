package serverside_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/store/memstore"
)

// Finding 13, the server-side half: a request holding two sessions of
// alice (two Managers, cookies "session" and "admin", over one Backend)
// logs her out everywhere. Backend.Revoke ends every session of the
// request it is given as current, so the flashes written afterwards land
// in fresh sessions instead of failing with ErrSessionGone. Giving it the
// request's other sessions is session.Manager.Revoke's part: until it does,
// the application (or this test) calls the Backend for the second one.
func TestRevokeEndsEachSessionOfTheRequestItIsGiven(t *testing.T) {
	st := memstore.New(memstore.Options{})
	t.Cleanup(func() { st.Close() })
	b, err := serverside.New(serverside.Options{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	var handled []error
	eh := func(w http.ResponseWriter, r *http.Request, err error) {
		handled = append(handled, err)
		http.Error(w, err.Error(), 500)
	}
	m1, err1 := session.New(session.Config{Interface: b, ErrorHandler: eh, Logger: slogDiscard()})
	m2, err2 := session.New(session.Config{Interface: b, CookieName: "admin", ErrorHandler: eh, Logger: slogDiscard()})
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	var next [2][]session.Flash
	var subjects [2]string
	h := m1.Handler(m2.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s1, s2 := m1.From(r), m2.From(r)
		switch r.URL.Path {
		case "/login":
			_ = errors.Join(s1.Renew(), s1.SetSubject("alice"), s1.Set("u", "alice"), s2.Renew(), s2.SetSubject("alice"), s2.Set("u", "alice"))
		case "/everywhere":
			if err := errors.Join(m1.Revoke(r.Context(), "alice", nil), b.Revoke(r.Context(), "alice", nil, s2)); err != nil {
				t.Errorf("Revoke: %v", err)
			}
			_ = errors.Join(s1.Flash("bye", ""), s2.Flash("bye", ""))
		default:
			next[0], next[1] = s1.Flashes(), s2.Flashes()
			subjects[0], subjects[1] = s1.Subject(), s2.Subject()
		}
	})))
	var cookies string
	do := func(path string) int {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest("GET", path, nil)
		req.Header.Set("Cookie", cookies)
		h.ServeHTTP(rec, req)
		var set []string
		for _, c := range rec.Result().Cookies() {
			if c.MaxAge >= 0 && c.Value != "" {
				set = append(set, c.Name+"="+c.Value)
			}
		}
		cookies = strings.Join(set, "; ")
		return rec.Code
	}
	if code := do("/login"); code != 200 || st.Len() != 2 {
		t.Fatalf("login: %d, %d records", code, st.Len())
	}
	if code := do("/everywhere"); code != 200 {
		t.Fatalf("log out everywhere then flash in both sessions: status %d (%v)", code, handled)
	}
	do("/")
	for n := range 2 {
		if len(next[n]) != 1 || subjects[n] != "" {
			t.Errorf("session %d on the next page: flashes %+v, subject %q", n+1, next[n], subjects[n])
		}
	}
	if len(handled) != 0 {
		t.Errorf("errors reported: %v", handled)
	}
}
