package session_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/sessionkit/session"
)

// namedHelpers is a custom set of the seed's helpers built on Defaults,
// get_cookie_name overridden.
type namedHelpers struct {
	session.Defaults
	name string
}

func (h namedHelpers) CookieName(*session.Config, *http.Request) string { return h.name }

// setCookieNames serves one request through h and returns the names of the
// cookies it sets, sorted, and the body.
func setCookieNames(h http.Handler, cookie string) ([]string, string, int) {
	req := httptest.NewRequest("GET", "/", nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	var names []string
	for _, l := range rec.Result().Header.Values("Set-Cookie") {
		n, _, _ := strings.Cut(l, "=")
		names = append(names, n)
	}
	slices.Sort(names)
	return names, rec.Body.String(), rec.Code
}

// Two Managers whose cookies differ only through an overridden CookieName
// helper each keep their own session in one request (breaker finding 5);
// two whose helper names the same cookie share one, with one Set-Cookie,
// and a Manager nested in itself passes the request through.
func TestHelperCookieNameTwoManagers(t *testing.T) {
	user := newManager(t, session.Config{})
	admin := newManager(t, session.Config{Interface: &session.SecureCookie{Helpers: namedHelpers{name: "admin"}}})
	h := user.Handler(admin.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, a := user.From(r), admin.From(r)
		before := fmt.Sprintf("%v %v", u.Get("who"), a.Get("who"))
		_ = u.Set("who", "user")
		_ = a.Set("who", "admin")
		fmt.Fprint(w, before)
	})))
	names, body, code := setCookieNames(h, "")
	if code != 200 || !slices.Equal(names, []string{"admin", "session"}) || body != "<nil> <nil>" {
		t.Fatalf("status %d, body %q, cookies set %q; want one session and one admin cookie", code, body, names)
	}

	// A helper naming the Config's cookie: the same cookie, one session.
	same := newManager(t, session.Config{Interface: &session.SecureCookie{Helpers: namedHelpers{name: "session"}}})
	for name, h := range map[string]http.Handler{
		"static outside": user.Handler(same.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = same.From(r).Set("a", 1)
			fmt.Fprint(w, user.From(r).Get("a"))
		}))),
		"helper outside": same.Handler(user.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = user.From(r).Set("a", 1)
			fmt.Fprint(w, same.From(r).Get("a"))
		}))),
		"itself": admin.Handler(admin.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_ = admin.From(r).Set("a", 1)
			fmt.Fprint(w, session.From(r).Get("a"))
		}))),
	} {
		names, body, code := setCookieNames(h, "")
		if code != 200 || len(names) != 1 || body != "1" {
			t.Errorf("%s: status %d, body %q, cookies %q; want one cookie, one session", name, code, body, names)
		}
	}
}
