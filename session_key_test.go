package session_test

import (
	"errors"
	"testing"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/tagjson"
)

// A key that is not valid UTF-8 cannot be written by Flask's serializer:
// every write refuses it with ErrUnencodable (wrapping the serializer's
// error) and stores nothing, instead of failing the save.
func TestSessionRefusesInvalidUTF8Key(t *testing.T) {
	const bad = "caf\xe9"
	s := session.NewSession(nil)
	writes := map[string]func() error{
		"Set":        func() error { return s.Set(bad, 1) },
		"Update":     func() error { return s.Update(map[string]any{"ok": 1, bad: 2}) },
		"SetDefault": func() error { _, err := s.SetDefault(bad, 1); return err },
	}
	for name, w := range writes {
		err := w()
		if !errors.Is(err, session.ErrUnencodable) || !errors.Is(err, tagjson.ErrInvalidUTF8) {
			t.Errorf("%s with key %q: %v, want ErrUnencodable wrapping tagjson.ErrInvalidUTF8", name, bad, err)
		}
	}
	if s.Len() != 0 || s.Modified() || s.Err() != nil {
		t.Errorf("after refused writes: Len=%d Modified=%v Err=%v", s.Len(), s.Modified(), s.Err())
	}
	if err := s.Set("café", 1); err != nil {
		t.Errorf("a valid UTF-8 key was refused: %v", err)
	}
}
