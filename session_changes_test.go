package session_test

import (
	"errors"
	"maps"
	"reflect"
	"slices"
	"testing"

	"github.com/sessionkit/session"
)

// The change set a tracking session records is what a server-side Interface
// merges key by key: every write kind, in order, ends as the right entry.
func TestChangesTracksEveryWrite(t *testing.T) {
	tests := []struct {
		name  string
		start map[string]any
		ops   func(s *session.Session)
		want  session.ChangeSet
	}{
		{"nothing", map[string]any{"a": 1}, func(s *session.Session) { s.Get("a") },
			session.ChangeSet{Set: map[string]any{}}},
		{"set", nil, func(s *session.Session) { _ = s.Set("a", "x") },
			session.ChangeSet{Set: map[string]any{"a": "x"}}},
		{"set twice keeps the last value", nil, func(s *session.Session) { _ = s.Set("a", "x"); _ = s.Set("a", "y") },
			session.ChangeSet{Set: map[string]any{"a": "y"}}},
		{"update", nil, func(s *session.Session) { _ = s.Update(map[string]any{"a": "x", "b": "y"}) },
			session.ChangeSet{Set: map[string]any{"a": "x", "b": "y"}}},
		{"delete present", map[string]any{"a": 1, "b": 2}, func(s *session.Session) { _ = s.Delete("b"); _ = s.Delete("a") },
			session.ChangeSet{Set: map[string]any{}, Deleted: []string{"a", "b"}}},
		{"delete missing records nothing", map[string]any{"a": 1}, func(s *session.Session) { _ = s.Delete("z") },
			session.ChangeSet{Set: map[string]any{}}},
		{"set then delete", nil, func(s *session.Session) { _ = s.Set("a", "x"); _ = s.Delete("a") },
			session.ChangeSet{Set: map[string]any{}, Deleted: []string{"a"}}},
		{"delete then set", map[string]any{"a": 1}, func(s *session.Session) { _ = s.Delete("a"); _ = s.Set("a", "x") },
			session.ChangeSet{Set: map[string]any{"a": "x"}}},
		{"pop present", map[string]any{"a": 1}, func(s *session.Session) { _, _, _ = s.Pop("a") },
			session.ChangeSet{Set: map[string]any{}, Deleted: []string{"a"}}},
		{"pop missing records nothing", nil, func(s *session.Session) { _, _, _ = s.Pop("a") },
			session.ChangeSet{Set: map[string]any{}}},
		{"setdefault missing", nil, func(s *session.Session) { _, _ = s.SetDefault("a", "d") },
			session.ChangeSet{Set: map[string]any{"a": "d"}}},
		{"setdefault present records nothing", map[string]any{"a": 1}, func(s *session.Session) { _, _ = s.SetDefault("a", "d") },
			session.ChangeSet{Set: map[string]any{}}},
		{"clear drops earlier changes", map[string]any{"a": 1}, func(s *session.Session) { _ = s.Set("b", "x"); _ = s.Clear() },
			session.ChangeSet{Cleared: true, Set: map[string]any{}}},
		{"set after clear", map[string]any{"a": 1}, func(s *session.Session) { _ = s.Clear(); _ = s.Set("b", "x") },
			session.ChangeSet{Cleared: true, Set: map[string]any{"b": "x"}}},
		{"mark modified counts every key", map[string]any{"a": "1", "b": "2"}, func(s *session.Session) { _ = s.MarkModified() },
			session.ChangeSet{Set: map[string]any{"a": "1", "b": "2"}}},
		{"mark changed counts the named present keys", map[string]any{"a": "1", "b": "2"}, func(s *session.Session) { _ = s.MarkChanged("b", "missing") },
			session.ChangeSet{Set: map[string]any{"b": "2"}}},
		{"mark changed without keys", map[string]any{"a": "1"}, func(s *session.Session) { _ = s.MarkChanged() },
			session.ChangeSet{Set: map[string]any{}}},
		{"set permanent", nil, func(s *session.Session) { _ = s.SetPermanent(true) },
			session.ChangeSet{Set: map[string]any{"_permanent": true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := session.NewSession(maps.Clone(tt.start))
			s.TrackChanges()
			tt.ops(s)
			if got := s.Changes(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Changes() = %#v, want %#v", got, tt.want)
			}
		})
	}
}

// Without TrackChanges a session records nothing (cookie sessions are saved
// whole).
func TestChangesUntracked(t *testing.T) {
	s := session.NewSession(map[string]any{"a": 1})
	_ = s.Set("b", 2)
	_ = s.Delete("a")
	_ = s.Clear()
	if got := s.Changes(); got.Cleared || len(got.Set) != 0 || len(got.Deleted) != 0 {
		t.Errorf("an untracked session recorded %#v", got)
	}
}

// MarkChanged marks the session modified even without keys (an Interface's
// own state changed), and fails on a null session like every write.
func TestMarkChanged(t *testing.T) {
	s := session.NewSession(map[string]any{"a": 1})
	if err := s.MarkChanged(); err != nil {
		t.Fatal(err)
	}
	if !s.Modified() || !s.Accessed() {
		t.Errorf("after MarkChanged(): modified=%v accessed=%v, want both", s.Modified(), s.Accessed())
	}
	null := session.NewNullSession(session.ErrNoSecretKey)
	if err := null.MarkChanged("a"); !errors.Is(err, session.ErrNoSecretKey) {
		t.Errorf("MarkChanged on a null session: %v, want ErrNoSecretKey", err)
	}
}

func TestChangeSetApply(t *testing.T) {
	tests := []struct {
		name   string
		cs     session.ChangeSet
		values map[string]any
		want   map[string]any
	}{
		{"set and delete", session.ChangeSet{Set: map[string]any{"a": 2, "c": 3}, Deleted: []string{"b"}},
			map[string]any{"a": 1, "b": 1, "d": 1}, map[string]any{"a": 2, "c": 3, "d": 1}},
		{"cleared drops what was stored", session.ChangeSet{Cleared: true, Set: map[string]any{"c": 3}},
			map[string]any{"a": 1, "b": 1}, map[string]any{"c": 3}},
		{"nil values", session.ChangeSet{Set: map[string]any{"a": 1}, Deleted: []string{"b"}},
			nil, map[string]any{"a": 1}},
		{"empty change set", session.ChangeSet{}, map[string]any{"a": 1}, map[string]any{"a": 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := maps.Clone(tt.values)
			got := tt.cs.Apply(in)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Apply = %v, want %v", got, tt.want)
			}
			if got == nil {
				t.Error("Apply returned nil")
			}
			if in != nil && !tt.cs.Cleared {
				// Apply modifies the map it is given.
				if !reflect.DeepEqual(in, tt.want) {
					t.Errorf("the map given to Apply = %v, want it modified to %v", in, tt.want)
				}
			}
			if tt.cs.Cleared && tt.values != nil && !reflect.DeepEqual(in, tt.values) {
				t.Errorf("a cleared change set modified the stored values: %v", in)
			}
		})
	}
}

// SetNew, SetBackend/Backend and Peek are what an Interface uses to open
// and save its sessions.
func TestInterfaceAccessors(t *testing.T) {
	s := session.NewSession(map[string]any{"a": 1})
	if s.New() {
		t.Fatal("NewSession is new")
	}
	s.SetNew(true)
	if !s.New() {
		t.Error("SetNew(true) did not stick")
	}
	s.SetNew(false)
	if s.New() {
		t.Error("SetNew(false) did not stick")
	}
	if s.Backend() != nil {
		t.Errorf("Backend() = %v before SetBackend", s.Backend())
	}
	type state struct{ id string }
	s.SetBackend(&state{"x"})
	if b, ok := s.Backend().(*state); !ok || b.id != "x" {
		t.Errorf("Backend() = %#v, want the state set", s.Backend())
	}

	values, accessed, modified := s.Peek()
	if accessed || modified || s.Accessed() {
		t.Errorf("Peek marked the session (accessed=%v modified=%v Accessed()=%v)", accessed, modified, s.Accessed())
	}
	if !reflect.DeepEqual(values, map[string]any{"a": 1}) {
		t.Errorf("Peek values = %v", values)
	}
	values["b"] = 2 // a copy: the session does not see it
	if s.Has("b") {
		t.Error("Peek returned the session's own map")
	}
	_ = s.Set("c", 3)
	values, accessed, modified = s.Peek()
	if !accessed || !modified || !slices.Equal(slices.Sorted(maps.Keys(values)), []string{"a", "c"}) {
		t.Errorf("Peek after a write: %v accessed=%v modified=%v", values, accessed, modified)
	}
}

// Fail records the first non-nil failure; a nil error is ignored.
func TestSessionFail(t *testing.T) {
	s := session.NewSession(nil)
	s.Fail(nil)
	if s.Err() != nil {
		t.Fatalf("Fail(nil) recorded %v", s.Err())
	}
	first, second := errors.New("first"), errors.New("second")
	s.Fail(first)
	s.Fail(second)
	if s.Err() != first {
		t.Errorf("Err() = %v, want the first failure", s.Err())
	}
	if err := s.Set("a", 1); err != nil {
		t.Errorf("Fail made the session refuse writes: %v", err)
	}
}
