package serverside_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/store/memstore"
)

// renamed names the session cookie through a Helpers override.
type renamed struct {
	session.Defaults
	name string
}

func (h renamed) CookieName(*session.Config, *http.Request) string { return h.name }

// Two server-side Managers whose cookies differ only through
// Options.Helpers each keep their own session in one request: Backend
// reports its Helpers (session.CookieHelpers), so the middleware does not
// take the second for the first.
func TestTwoServerSideManagersRenamedByHelpers(t *testing.T) {
	mk := func(h session.Helpers) *session.Manager {
		b, err := serverside.New(serverside.Options{Store: memstore.New(memstore.Options{}), Helpers: h})
		if err != nil {
			t.Fatal(err)
		}
		m, err := session.New(session.Config{Interface: b})
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	user, admin := mk(nil), mk(renamed{name: "admin"})
	var _ session.CookieHelpers = (*serverside.Backend)(nil)
	h := user.Handler(admin.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, a := user.From(r), admin.From(r)
		before := fmt.Sprintf("%v %v", u.Get("who"), a.Get("who"))
		_ = u.Set("who", "user")
		_ = a.Set("who", "admin")
		fmt.Fprint(w, before)
	})))
	req := httptest.NewRequest("GET", "/", nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var names, cookies []string
	for _, l := range rec.Result().Header.Values("Set-Cookie") {
		pair, _, _ := strings.Cut(l, ";")
		n, _, _ := strings.Cut(pair, "=")
		names, cookies = append(names, n), append(cookies, pair)
	}
	slices.Sort(names)
	if rec.Code != 200 || !slices.Equal(names, []string{"admin", "session"}) || rec.Body.String() != "<nil> <nil>" {
		t.Fatalf("status %d, body %q, cookies %q; want a session and an admin cookie", rec.Code, rec.Body, names)
	}
	req = httptest.NewRequest("GET", "/", nil)
	req.Header.Set("Cookie", strings.Join(cookies, "; "))
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Body.String() != "user admin" {
		t.Fatalf("next request reads %q, want each Manager's own value", rec.Body)
	}
}
