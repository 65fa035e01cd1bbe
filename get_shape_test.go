package session_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/sessionkit/session"
)

type shapeProfile struct {
	Name string
	Age  int
}

type shapeNested struct {
	Pairs []([2]int) `json:"pairs"`
	Inner struct {
		Triple [3]string
	}
}

// Get[T] of a value of another shape reports false, never a zero or
// truncated value with true (breaker finding 2): a map whose keys name no
// field, a list longer or shorter than an array (also nested). A list of
// exactly the array's length, and a map with a subset of the fields, fit.
func TestGetValueOfAnotherShape(t *testing.T) {
	m := newManager(t, session.Config{})
	c := client(m, map[string]http.HandlerFunc{
		"/set": func(w http.ResponseWriter, r *http.Request) {
			s := session.From(r)
			_ = s.Update(map[string]any{
				"profile": map[string]any{"login": "ann", "years": 30},
				"partial": map[string]any{"Name": "ann"},
				"long":    []int{1, 2, 3},
				"exact":   []int{1, 2},
				"short":   []int{1},
				"nested":  map[string]any{"pairs": []any{[]int{1, 2}, []int{3, 4, 5}}},
				"nested2": map[string]any{"Inner": map[string]any{"triple": []string{"a", "b"}}},
				"nestok":  map[string]any{"pairs": []any{[]int{1, 2}}, "Inner": map[string]any{"Triple": []string{"a", "b", "c"}}},
			})
		},
		"/get": func(w http.ResponseWriter, r *http.Request) {
			s := session.From(r)
			p, ok := session.Get[shapeProfile](s, "profile")
			fmt.Fprintf(w, "%v %t|", p, ok)
			p, ok = session.Get[shapeProfile](s, "partial")
			fmt.Fprintf(w, "%v %t|", p, ok)
			for _, k := range []string{"long", "exact", "short"} {
				a, ok := session.Get[[2]int](s, k)
				fmt.Fprintf(w, "%v %t|", a, ok)
			}
			for _, k := range []string{"nested", "nested2", "nestok"} {
				_, ok := session.Get[shapeNested](s, k)
				fmt.Fprintf(w, "%t|", ok)
			}
		},
	})
	c.Get("/set")
	want := "{ 0} false|{ann 0} true|[0 0] false|[1 2] true|[0 0] false|false|false|true|"
	if got := c.Get("/get").Body; got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}
