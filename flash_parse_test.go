package session_test

import (
	"errors"
	"net/http"
	"reflect"
	"testing"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/tagjson"
)

// Flashes reads every shape a "_flashes" list can take: Flask's tuples,
// plain two-element lists (a tuple that went through JSON elsewhere),
// non-string messages; malformed entries are skipped.
func TestFlashesParsesStoredShapes(t *testing.T) {
	s := session.NewValues(map[string]any{"_flashes": []any{
		tagjson.Tuple{"info", "tuple"},
		[]any{"warn", "list"},
		tagjson.Tuple{"short"},
		[]any{"a", "b", "c"},
		"not a pair",
		tagjson.Tuple{"num", int64(5)},
		tagjson.Tuple{"html", tagjson.Markup("<b>x</b>")},
	}})
	got := s.Flashes()
	want := []session.Flash{
		{Category: "info", Message: "tuple"},
		{Category: "warn", Message: "list"},
		{Category: "num", Message: "5"},
		{Category: "html", Message: "<b>x</b>", Markup: true},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Flashes() = %+v\nwant %+v", got, want)
	}
	if s.Has("_flashes") || !s.Modified() {
		t.Error("Flashes did not pop the messages")
	}

	odd := session.NewValues(map[string]any{"_flashes": "not a list"})
	if got := odd.Flashes(); len(got) != 0 {
		t.Errorf("Flashes() of a non-list = %+v", got)
	}
}

// Flashes read after the response header went out cannot be removed from
// the cookie: the session reports the failure (ErrHeaderWritten), so the
// messages are not silently shown twice, and the next request sees them.
func TestFlashesAfterHeaderWritten(t *testing.T) {
	m := newManager(t, session.Config{})
	var got []session.Flash
	var err error
	c := client(m, map[string]http.HandlerFunc{
		"/flash": func(w http.ResponseWriter, r *http.Request) { _ = session.From(r).Flash("hi", "") },
		"/late": func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusOK)
			s := session.From(r)
			got = s.Flashes()
			err = s.Err()
		},
		"/show": func(w http.ResponseWriter, r *http.Request) { got = session.From(r).Flashes() },
	})
	c.Get("/flash")
	c.Get("/late")
	want := []session.Flash{{Category: "message", Message: "hi"}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("late Flashes() = %+v, want %+v", got, want)
	}
	if !errors.Is(err, session.ErrHeaderWritten) {
		t.Errorf("late Flashes: Err() = %v, want ErrHeaderWritten", err)
	}
	got = nil
	c.Get("/show")
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the next request's Flashes() = %+v, want the messages still there %+v", got, want)
	}
}
