package session_test

import (
	"errors"
	"math/big"
	"strings"
	"sync"
	"testing"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/internal/testwait"
)

// Werkzeug's CallbackDict and Flask 3.1.3's "any use counts as access".
func TestSessionFlags(t *testing.T) {
	tests := []struct {
		name             string
		start            map[string]any
		op               func(s *session.Session)
		accessed, modded bool
	}{
		{"untouched", map[string]any{"a": 1}, func(s *session.Session) {}, false, false},
		{"get", map[string]any{"a": 1}, func(s *session.Session) { s.Get("a") }, true, false},
		{"get missing", nil, func(s *session.Session) { s.Get("a") }, true, false},
		{"has", map[string]any{"a": 1}, func(s *session.Session) { s.Has("a") }, true, false},
		{"len", nil, func(s *session.Session) { s.Len() }, true, false},
		{"keys", nil, func(s *session.Session) { s.Keys() }, true, false},
		{"permanent read", nil, func(s *session.Session) { s.Permanent() }, true, false},
		{"set", nil, func(s *session.Session) { _ = s.Set("a", 1) }, true, true},
		{"set same value", map[string]any{"a": int64(1)}, func(s *session.Session) { _ = s.Set("a", int64(1)) }, true, true},
		{"update", nil, func(s *session.Session) { _ = s.Update(map[string]any{"a": 1}) }, true, true},
		{"delete present", map[string]any{"a": 1}, func(s *session.Session) { _ = s.Delete("a") }, true, true},
		{"delete missing", nil, func(s *session.Session) { _ = s.Delete("a") }, true, false},
		{"pop present", map[string]any{"a": 1}, func(s *session.Session) { _, _, _ = s.Pop("a") }, true, true},
		{"pop missing", nil, func(s *session.Session) { _, _, _ = s.Pop("a") }, true, false},
		{"setdefault missing", nil, func(s *session.Session) { _, _ = s.SetDefault("a", 1) }, true, true},
		{"setdefault existing", map[string]any{"a": 1}, func(s *session.Session) { _, _ = s.SetDefault("a", 2) }, true, false},
		{"clear empty", nil, func(s *session.Session) { _ = s.Clear() }, true, true},
		{"set permanent false", nil, func(s *session.Session) { _ = s.SetPermanent(false) }, true, true},
		{"mark modified", nil, func(s *session.Session) { _ = s.MarkModified() }, true, true},
		{"flash", nil, func(s *session.Session) { _ = s.Flash("hi", "") }, true, true},
		{"flashes none", nil, func(s *session.Session) { s.Flashes() }, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := session.NewValues(tt.start)
			tt.op(s)
			if s.Accessed() != tt.accessed || s.Modified() != tt.modded {
				t.Errorf("accessed=%v modified=%v, want %v %v", s.Accessed(), s.Modified(), tt.accessed, tt.modded)
			}
			if s.IsNew() {
				t.Error("a session made by NewSession reports New")
			}
		})
	}
}

func TestSessionOperations(t *testing.T) {
	s := session.NewValues(nil)
	if v, ok := s.Lookup("x"); ok || v != nil {
		t.Fatalf("Lookup on empty = %v, %v", v, ok)
	}
	must(t, s.Set("b", "two"))
	must(t, s.Set("a", 1))
	if got := s.Keys(); len(got) != 2 || got[0] != "a" || got[1] != "b" {
		t.Errorf("Keys = %v, want [a b]", got)
	}
	v, err := s.SetDefault("a", 99)
	must(t, err)
	if v != 1 {
		t.Errorf("SetDefault on existing key returned %v", v)
	}
	v, ok, err := s.Pop("b")
	must(t, err)
	if !ok || v != "two" {
		t.Errorf("Pop = %v, %v", v, ok)
	}
	if s.Has("b") || s.Len() != 1 {
		t.Errorf("after Pop: Has(b)=%v Len=%d", s.Has("b"), s.Len())
	}
	must(t, s.SetPermanent(true))
	if !s.Permanent() || s.Get("_permanent") != true {
		t.Errorf("SetPermanent(true) not stored as _permanent")
	}
	vals := s.Values()
	vals["a"] = "changed"
	if s.Get("a") != 1 {
		t.Error("Values returned the live map, not a copy")
	}
	must(t, s.Clear())
	if s.Len() != 0 {
		t.Errorf("Len after Clear = %d", s.Len())
	}
}

func TestTypedGet(t *testing.T) {
	s := session.NewValues(map[string]any{
		"i64": int64(42), "f": 42.0, "half": 2.5, "s": "x", "big": new(big.Int).Lsh(big.NewInt(1), 70), "neg": int64(-1),
	})
	if v, ok := session.Get[int](s, "i64"); !ok || v != 42 {
		t.Errorf("Get[int](int64 42) = %v, %v", v, ok)
	}
	if v, ok := session.Get[int](s, "f"); !ok || v != 42 {
		t.Errorf("Get[int](42.0) = %v, %v", v, ok)
	}
	if _, ok := session.Get[int](s, "half"); ok {
		t.Error("Get[int](2.5) converted a fraction")
	}
	if v, ok := session.Get[float64](s, "i64"); !ok || v != 42 {
		t.Errorf("Get[float64](int64 42) = %v, %v", v, ok)
	}
	if _, ok := session.Get[int64](s, "big"); ok {
		t.Error("Get[int64](2**70) did not report overflow")
	}
	if _, ok := session.Get[uint8](s, "neg"); ok {
		t.Error("Get[uint8](-1) converted a negative number")
	}
	if v, ok := session.Get[string](s, "s"); !ok || v != "x" {
		t.Errorf("Get[string] = %q, %v", v, ok)
	}
	if _, ok := session.Get[string](s, "i64"); ok {
		t.Error("Get[string] of a number succeeded")
	}
	if _, ok := session.Get[string](s, "missing"); ok {
		t.Error("Get of a missing key reported ok")
	}
	if got := session.GetOr(s, "missing", 7); got != 7 {
		t.Errorf("GetOr default = %v", got)
	}
}

// Get[T] decodes a map into a struct through a JSON round trip; a value
// that does not convert reports false.
func TestGetIntoStruct(t *testing.T) {
	type prefs struct {
		Theme string `json:"theme"`
		Size  int    `json:"size"`
	}
	s := session.NewValues(map[string]any{"prefs": map[string]any{"theme": "dark", "size": int64(3)}, "n": int64(1)})
	if p, ok := session.Get[prefs](s, "prefs"); !ok || p != (prefs{"dark", 3}) {
		t.Errorf("Get[prefs] = %+v, %v", p, ok)
	}
	if _, ok := session.Get[prefs](s, "nope"); ok {
		t.Error("Get[prefs] of a missing key reported ok")
	}
	if p, ok := session.Get[prefs](s, "n"); ok {
		t.Errorf("Get[prefs] of a number = %+v, true; want false", p)
	}
	if m, ok := session.Get[map[string]string](s, "prefs"); ok {
		t.Errorf("Get[map[string]string] of a map holding a number = %v, true; want false", m)
	}
}

func TestNullSession(t *testing.T) {
	s := session.NewNullSession(session.ErrNoSecretKey)
	if !s.IsNull() || s.Len() != 0 || s.Get("x") != nil || s.Permanent() {
		t.Fatal("null session does not read as empty")
	}
	if s.Err() != nil {
		t.Fatal("a null session that was only read reports an error")
	}
	writes := map[string]func() error{
		"Set":          func() error { return s.Set("a", 1) },
		"Delete":       func() error { return s.Delete("a") },
		"Clear":        func() error { return s.Clear() },
		"Update":       func() error { return s.Update(map[string]any{"a": 1}) },
		"SetPermanent": func() error { return s.SetPermanent(true) },
		"MarkModified": func() error { return s.MarkModified() },
		"Flash":        func() error { return s.Flash("x", "") },
		"Pop":          func() error { _, _, err := s.Pop("a"); return err },
		"SetDefault":   func() error { _, err := s.SetDefault("a", 1); return err },
	}
	for name, w := range writes {
		if err := w(); !errors.Is(err, session.ErrNoSecretKey) {
			t.Errorf("%s on a null session: err = %v, want ErrNoSecretKey", name, err)
		}
	}
	if !errors.Is(s.Err(), session.ErrNoSecretKey) || s.Len() != 0 {
		t.Errorf("after failed writes: Err=%v Len=%d", s.Err(), s.Len())
	}
	if msg := session.ErrNoSecretKey.Error(); !contains(msg, "no secret key") {
		t.Errorf("the error does not name the cause: %q", msg)
	}
}

// One request's goroutines may share its session.
func TestSessionConcurrentUse(t *testing.T) {
	s := session.NewValues(nil)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 200 {
				_ = s.Set(string(rune('a'+g)), i)
				s.Get("a")
				s.Keys()
				_ = s.Flash("m", "")
				s.Flashes()
			}
		}()
	}
	testwait.Wait(t, &wg, 0, "the goroutines sharing one session")
	if s.Len() < 8 {
		t.Errorf("Len = %d, want at least 8 keys", s.Len())
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
