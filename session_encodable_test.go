package session_test

import (
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
	"unsafe"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/tagjson"
)

// nested returns a value of depth nested lists around "x".
func nested(depth int) any {
	var v any = "x"
	for range depth {
		v = []any{v}
	}
	return v
}

// unencodable are values the session's serializer (tagjson, Flask's tagged
// JSON) cannot write, each kind also nested in maps, slices and struct fields.
func unencodable() map[string]any {
	x := 1
	cyclicMap := map[string]any{}
	cyclicMap["self"] = cyclicMap
	cyclicList := []any{nil}
	cyclicList[0] = cyclicList
	type node struct {
		Next *node
	}
	cyclicPtr := &node{}
	cyclicPtr.Next = cyclicPtr
	return map[string]any{
		"func":                func() {},
		"nil func":            (func())(nil),
		"chan":                make(chan int),
		"complex128":          complex(1, 2),
		"complex64":           complex64(complex(1, 2)),
		"unsafe.Pointer":      unsafe.Pointer(&x),
		"map of func":         map[string]any{"f": func() {}},
		"map[string]func":     map[string]func(){"f": func() {}},
		"list of chan":        []any{make(chan int)},
		"[]func":              []func(){func() {}},
		"[2]complex128":       [2]complex128{},
		"map[int]complex":     map[int]complex128{1: 1},
		"struct func field":   struct{ F func() }{F: func() {}},
		"struct chan field":   struct{ C chan int }{C: make(chan int)},
		"*struct complex":     &struct{ C complex64 }{},
		"deep in a struct":    struct{ L []any }{L: []any{map[string]any{"c": complex(0, 1)}}},
		"tuple of func":       tagjson.Tuple{1, func() {}},
		"cyclic map":          cyclicMap,
		"cyclic list":         cyclicList,
		"cyclic pointer":      cyclicPtr,
		"too deep":            nested(tagjson.DefaultMaxDepth), // one level over, with the session's own
		"time before year 1":  time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		"big int 4301 digits": new(big.Int).Exp(big.NewInt(10), big.NewInt(4300), nil),
		"bad json.Number":     map[string]any{"n": json.Number("1x")},
	}
}

// Set, Update and SetDefault refuse what cannot be encoded, with an error
// wrapping ErrUnencodable, store nothing, and leave the session writable
// and saved: the page still answers 200 with the other values.
func TestSessionRefusesUnencodableValues(t *testing.T) {
	for name, bad := range unencodable() {
		t.Run(name, func(t *testing.T) {
			m := newManager(t, session.Config{})
			writes := map[string]func(s *session.Session) error{
				"Set":        func(s *session.Session) error { return s.Set("bad", bad) },
				"Update":     func(s *session.Session) error { return s.Update(map[string]any{"fine": 2, "bad": bad}) },
				"SetDefault": func(s *session.Session) error { _, err := s.SetDefault("bad", bad); return err },
			}
			for op, write := range writes {
				var writeErr error
				c := client(m, map[string]http.HandlerFunc{
					"/": func(w http.ResponseWriter, r *http.Request) {
						s := session.From(r)
						_ = s.Set("ok", 1)
						writeErr = write(s)
						if s.Has("bad") || s.Has("fine") {
							t.Errorf("%s: a refused write stored something: %v", op, s.Keys())
						}
						if err := s.Set("after", 3); err != nil {
							t.Errorf("%s: the session is no longer writable: %v", op, err)
						}
					},
					"/show": func(w http.ResponseWriter, r *http.Request) {
						w.Write([]byte(strings.Join(session.From(r).Keys(), ",")))
					},
				})
				res := c.Get("/")
				if !errors.Is(writeErr, session.ErrUnencodable) {
					t.Errorf("%s: err = %v, want ErrUnencodable", op, writeErr)
				}
				if res.StatusCode != 200 || len(setCookies(res)) != 1 {
					t.Errorf("%s: status %d, Set-Cookie %q: the page broke", op, res.StatusCode, setCookies(res))
				}
				if got := c.Get("/show").Body; got != "after,ok" {
					t.Errorf("%s: saved keys %q, want after,ok", op, got)
				}
			}
		})
	}
}

// The limits are the serializer's, checked at exactly the limit and one
// over: nesting (the session's map is the first level) and integer digits,
// with the Config's Serializer.
func TestSessionEncodableLimits(t *testing.T) {
	cases := []struct {
		name     string
		ser      *tagjson.Serializer
		ok, over any
	}{
		{"default depth", nil, nested(tagjson.DefaultMaxDepth - 1), nested(tagjson.DefaultMaxDepth)},
		{"MaxDepth 3", &tagjson.Serializer{MaxDepth: 3}, nested(2), nested(3)},
		{"MaxIntDigits 3", &tagjson.Serializer{MaxIntDigits: 3}, 999, 1000},
		{"MaxIntDigits 3, negative", &tagjson.Serializer{MaxIntDigits: 3}, int64(-999), int64(-1000)},
		{"default digits", nil, new(big.Int).Exp(big.NewInt(10), big.NewInt(4299), nil), new(big.Int).Exp(big.NewInt(10), big.NewInt(4300), nil)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := newManager(t, session.Config{Serializer: tc.ser})
			var okErr, overErr error
			c := client(m, map[string]http.HandlerFunc{"/": func(w http.ResponseWriter, r *http.Request) {
				s := session.From(r)
				okErr = s.Set("ok", tc.ok)
				overErr = s.Set("over", tc.over)
			}})
			res := c.Get("/")
			if okErr != nil {
				t.Errorf("at the limit: %v", okErr)
			}
			if !errors.Is(overErr, session.ErrUnencodable) {
				t.Errorf("one over: %v, want ErrUnencodable", overErr)
			}
			if res.StatusCode != 200 || len(setCookies(res)) != 1 {
				t.Errorf("status %d, Set-Cookie %q", res.StatusCode, setCookies(res))
			}
		})
	}
}

// A user typing one byte (?q=caf%E9, invalid UTF-8) never breaks the page:
// the value is stored as encoding/json would write it, or refused with
// ErrUnencodable for the handler to react to; never a 500 at save.
func TestSessionInvalidUTF8QueryValue(t *testing.T) {
	m := newManager(t, session.Config{})
	var setErr error
	c := client(m, map[string]http.HandlerFunc{
		"/search": func(w http.ResponseWriter, r *http.Request) {
			setErr = session.From(r).Set("q", r.URL.Query().Get("q"))
			w.Write([]byte("results"))
		},
		"/show": func(w http.ResponseWriter, r *http.Request) {
			w.Write([]byte(session.GetOr(session.From(r), "q", "<none>")))
		},
	})
	res := c.Get("/search?q=" + url.QueryEscape("caf\xe9"))
	if res.StatusCode != 200 || res.Body != "results" {
		t.Fatalf("status %d %q: one byte broke the page", res.StatusCode, res.Body)
	}
	got := c.Get("/show").Body
	switch {
	case setErr == nil && got != "caf\uFFFD":
		t.Errorf("stored %q, want caf\\uFFFD", got)
	case setErr != nil && (!errors.Is(setErr, session.ErrUnencodable) || got != "<none>"):
		t.Errorf("Set: %v, stored %q", setErr, got)
	}
}

// Writable values are not refused: the check is the encoder's, not a type list.
func TestSessionAcceptsEncodableValues(t *testing.T) {
	type profile struct {
		Name  string
		notes chan int // unexported: encoding/json skips it
	}
	values := map[string]any{
		"struct":       profile{Name: "alice", notes: make(chan int)},
		"pointer":      &profile{Name: "bob"},
		"nil map":      map[string]any(nil),
		"time":         time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC),
		"bytes":        []byte{1, 2},
		"tuple":        tagjson.Tuple{"a", 1},
		"map[int]int":  map[int]int{1: 2},
		"float NaN":    math.NaN(),
		"markup":       tagjson.Markup("<b>"),
		"nested lists": nested(10),
	}
	m := newManager(t, session.Config{})
	c := client(m, map[string]http.HandlerFunc{"/": func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		for k, v := range values {
			if err := s.Set(k, v); err != nil {
				t.Errorf("Set(%q): %v", k, err)
			}
		}
	}})
	if res := c.Get("/"); res.StatusCode != 200 || len(setCookies(res)) != 1 {
		t.Errorf("status %d, Set-Cookie %q", res.StatusCode, setCookies(res))
	}
}

// refusingTag is a custom tag whose ToJSON fails for one string.
type refusingTag struct{}

func (refusingTag) Key() string             { return " refuse" }
func (refusingTag) Check(v any) bool        { return v == "forbidden" }
func (refusingTag) ToJSON(any) (any, error) { return nil, errors.New("refused by the tag") }
func (refusingTag) ToGo(v any) (any, error) { return v, nil }

// The check is the Config's serializer's, custom tags included, even for
// a plain string.
func TestSessionEncodableCustomTag(t *testing.T) {
	ser := tagjson.NewSerializer()
	if err := ser.Register(refusingTag{}, tagjson.At(0)); err != nil {
		t.Fatal(err)
	}
	m := newManager(t, session.Config{Serializer: ser})
	var fine, forbidden, nestedErr error
	c := client(m, map[string]http.HandlerFunc{"/": func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		fine = s.Set("a", "fine")
		forbidden = s.Set("b", "forbidden")
		nestedErr = s.Set("c", map[string]any{"x": []any{"forbidden"}})
	}})
	res := c.Get("/")
	if fine != nil || !errors.Is(forbidden, session.ErrUnencodable) || !errors.Is(nestedErr, session.ErrUnencodable) {
		t.Errorf("fine: %v, forbidden: %v, nested: %v", fine, forbidden, nestedErr)
	}
	if res.StatusCode != 200 || len(setCookies(res)) != 1 {
		t.Errorf("status %d, Set-Cookie %q", res.StatusCode, setCookies(res))
	}
}
