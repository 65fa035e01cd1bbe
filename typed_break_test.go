package session_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/sessionkit/session"
)

type breakUser struct {
	Name  string
	ID    int64
	Roles []string
	Addr  struct{ City string }
}

// A struct stored in one request comes back as that struct in the next
// (Get[T] through a JSON round trip), nested values included; a value of
// another shape reports false, never a zero value with true.
func TestBreakGetStructAcrossRequests(t *testing.T) {
	m := newManager(t, session.Config{})
	want := breakUser{Name: "ann", ID: 1 << 60, Roles: []string{"a", "b"}}
	want.Addr.City = "Oslo"
	c := client(m, map[string]http.HandlerFunc{
		"/set": func(w http.ResponseWriter, r *http.Request) {
			s := session.From(r)
			_ = s.Set("u", want)
			_ = s.Set("p", &want)
			_ = s.Set("n", 42)
			_ = s.Set("str", "hello")
			_ = s.Set("list", []int{1, 2})
		},
		"/get": func(w http.ResponseWriter, r *http.Request) {
			s := session.From(r)
			u, ok := session.Get[breakUser](s, "u")
			p, okp := session.Get[*breakUser](s, "p")
			_, okn := session.Get[breakUser](s, "n")
			_, oks := session.Get[breakUser](s, "str")
			_, okl := session.Get[map[string]int](s, "list")
			_, okls := session.Get[[]string](s, "list")
			fmt.Fprintf(w, "%t %t %t %t %t %t %t %t", ok && fmt.Sprint(u) == fmt.Sprint(want),
				okp && p != nil && fmt.Sprint(*p) == fmt.Sprint(want), okn, oks, okl, okls,
				session.GetOr(s, "n", breakUser{Name: "def"}).Name == "def", session.GetOr(s, "missing", 7) == 7)
		},
	})
	c.Get("/set")
	if got := c.Get("/get").Body; got != "true true false false false false true true" {
		t.Errorf("Get[struct] after a round trip: %s", got)
	}
}
