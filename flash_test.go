package session_test

import (
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"testing"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/tagjson"
)

func TestFlask_Flashes(t *testing.T) {
	m := newManager(t, session.Config{})
	var got []session.Flash
	var modified bool
	c := client(m, map[string]http.HandlerFunc{
		"/flash": func(w http.ResponseWriter, r *http.Request) {
			s := session.From(r)
			_ = s.Flash("Zap", "")
			_ = s.Flash("Zip", "")
			modified = s.Modified()
		},
		"/show": func(w http.ResponseWriter, r *http.Request) { got = session.From(r).Flashes() },
	})
	c.Get("/flash")
	if !modified {
		t.Error("flash did not mark the session modified")
	}
	c.Get("/show")
	want := []session.Flash{{"message", "Zap", false}, {"message", "Zip", false}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("flashes = %+v, want %+v", got, want)
	}
	c.Get("/show")
	if len(got) != 0 {
		t.Errorf("flashes shown twice: %+v", got)
	}
}

func TestFlask_ExtendedFlashing(t *testing.T) {
	m := newManager(t, session.Config{})
	flash := func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		_ = s.Flash("Hello World", "")
		_ = s.Flash("Hello World", "error")
		_ = s.Flash(tagjson.Markup("<em>Testing</em>"), "warning")
	}
	var got, again []session.Flash
	c := client(m, map[string]http.HandlerFunc{
		"/flash": flash,
		"/all": func(w http.ResponseWriter, r *http.Request) {
			got = session.From(r).Flashes()
			again = session.From(r).Flashes()
		},
		"/filtered": func(w http.ResponseWriter, r *http.Request) { got = session.From(r).Flashes("message", "warning") },
		"/errors":   func(w http.ResponseWriter, r *http.Request) { got = session.From(r).Flashes("error") },
	})
	all := []session.Flash{
		{"message", "Hello World", false},
		{"error", "Hello World", false},
		{"warning", "<em>Testing</em>", true},
	}
	c.Get("/flash")
	c.Get("/all")
	if !reflect.DeepEqual(got, all) || !reflect.DeepEqual(again, all) {
		t.Errorf("all: %+v, second call %+v", got, again)
	}
	c.Get("/flash")
	c.Get("/filtered")
	if want := []session.Flash{all[0], all[2]}; !reflect.DeepEqual(got, want) {
		t.Errorf("filtered: %+v, want %+v", got, want)
	}
	// As in Flask, the filtered-out messages were popped too.
	c.Get("/errors")
	if len(got) != 0 {
		t.Errorf("filtered-out flashes survived: %+v", got)
	}
	c.Get("/flash")
	c.Get("/errors")
	if want := []session.Flash{all[1]}; !reflect.DeepEqual(got, want) {
		t.Errorf("errors only: %+v", got)
	}
}

// Flashes are stored as Flask stores them: a list of (category, message) tuples.
func TestFlashWireFormat(t *testing.T) {
	s := session.NewValues(nil)
	_ = s.Flash("hi", "info")
	_ = s.Flash(42, "")
	got := s.Get("_flashes")
	want := []any{tagjson.Tuple{"info", "hi"}, tagjson.Tuple{"message", "42"}}
	if fmt.Sprintf("%#v", got) != fmt.Sprintf("%#v", want) {
		t.Errorf("_flashes = %#v", got)
	}
}

// A nil message is refused, not stored as the text "<nil>"; nothing is
// written.
func TestFlashNilMessage(t *testing.T) {
	s := session.NewSession(session.State{})
	if err := s.Flash(nil, ""); !errors.Is(err, session.ErrUnencodable) {
		t.Fatalf("Flash(nil) = %v, want ErrUnencodable", err)
	}
	if got := s.Values(); len(got) != 0 {
		t.Fatalf("a refused Flash wrote %v", got)
	}
	if err := s.Flash(42, ""); err != nil {
		t.Fatal(err)
	}
	if got := s.Flashes(); len(got) != 1 || got[0].Message != "42" {
		t.Fatalf("Flash(42) = %v", got)
	}
}
