package session_test

import (
	"fmt"
	"net/http"
	"reflect"
	"testing"
	"time"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/store/memstore"
)

type breakRich struct {
	When   time.Time
	Raw    []byte
	Big    uint64
	Ratio  float64
	Whole  float64
	Tags   map[string]int
	Next   *breakRich `json:",omitempty"`
	Tagged string     `json:"tagged_name"`
	Dur    time.Duration
	Any    any
}

// A struct with nested and non-JSON-native fields stored in one request
// comes back equal in the next, on the cookie and the server-side backend.
func TestBreakGetRichStructAcrossRequests(t *testing.T) {
	ss, err := serverside.New(serverside.Options{Store: memstore.New(memstore.Options{})})
	if err != nil {
		t.Fatal(err)
	}
	want := breakRich{When: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC), Raw: []byte{0, 1, 0xff},
		Big: 1<<64 - 1, Ratio: 0.1, Whole: 3, Tags: map[string]int{"a": 1}, Tagged: "t", Dur: 1500 * time.Millisecond,
		Any: "x", Next: &breakRich{Tagged: "inner", Tags: map[string]int{}}}
	for name, cfg := range map[string]session.Config{"cookie": {}, "serverside": {Interface: ss}} {
		t.Run(name, func(t *testing.T) {
			m := newManager(t, cfg)
			c := client(m, map[string]http.HandlerFunc{
				"/set": func(w http.ResponseWriter, r *http.Request) {
					if err := session.From(r).Set("v", want); err != nil {
						t.Errorf("Set: %v", err)
					}
				},
				"/get": func(w http.ResponseWriter, r *http.Request) {
					got, ok := session.Get[breakRich](session.From(r), "v")
					if !ok || !reflect.DeepEqual(got, want) {
						fmt.Fprintf(w, "ok=%t got %+v next %+v", ok, got, got.Next)
					}
				},
			})
			c.Get("/set")
			if body := c.Get("/get").Body; body != "" {
				t.Errorf("want %+v next %+v; %s", want, want.Next, body)
			}
		})
	}
}
