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
		{"mark changed counts the named present keys", map[string]any{"a": "1", "b": "2"}, func(s *session.Session) { _ = s.MarkModified("b", "missing") },
			session.ChangeSet{Set: map[string]any{"b": "2"}}},
		{"mark changed without keys", map[string]any{"a": "1"}, func(s *session.Session) { _ = s.MarkChanged() },
			session.ChangeSet{Set: map[string]any{}}},
		{"set permanent", nil, func(s *session.Session) { _ = s.SetPermanent(true) },
			session.ChangeSet{Set: map[string]any{"_permanent": true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := session.NewValues(maps.Clone(tt.start))
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
	s := session.NewValues(map[string]any{"a": 1})
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
	s := session.NewValues(map[string]any{"a": 1})
	if err := s.MarkChanged(); err != nil {
		t.Fatal(err)
	}
	if !s.Modified() || !s.Accessed() {
		t.Errorf("after MarkChanged(): modified=%v accessed=%v, want both", s.Modified(), s.Accessed())
	}
	null := session.NewNullSession(session.ErrNoSecretKey)
	if err := null.MarkModified("a"); !errors.Is(err, session.ErrNoSecretKey) {
		t.Errorf("MarkChanged on a null session: %v, want ErrNoSecretKey", err)
	}
}

// NewSession and Inspect are an Interface's door: what Open builds a
// session from, and what Save reads, without marking the session.
func TestInterfaceDoor(t *testing.T) {
	type state struct{ id string }
	s := session.NewSession(session.State{Values: map[string]any{"a": 1}, New: true, Reissue: true, Backend: &state{"x"}})
	if !s.IsNew() {
		t.Error("State.New did not make IsNew true")
	}
	var got session.State
	session.Inspect(s, func(st session.State) { got = st })
	if b, ok := got.Backend.(*state); !ok || b.id != "x" || !got.Reissue || !got.New || got.Track || got.Null {
		t.Errorf("Inspect = %+v, want the state NewSession was given", got)
	}
	if got.Accessed || got.Modified || s.Accessed() {
		t.Errorf("Inspect marked the session (accessed=%v modified=%v Accessed()=%v)", got.Accessed, got.Modified, s.Accessed())
	}
	if !reflect.DeepEqual(got.Values, map[string]any{"a": 1}) || got.Set != nil || got.Deleted != nil {
		t.Errorf("Inspect values %v, set %v, deleted %v", got.Values, got.Set, got.Deleted)
	}
	_ = s.Set("c", 3)
	session.Inspect(s, func(st session.State) { got = st })
	if !got.Accessed || !got.Modified || !slices.Equal(slices.Sorted(maps.Keys(got.Values)), []string{"a", "c"}) {
		t.Errorf("Inspect after a write: %v accessed=%v modified=%v", got.Values, got.Accessed, got.Modified)
	}
	tracked := session.NewSession(session.State{Values: map[string]any{"a": 1, "b": 2}, Track: true})
	_ = tracked.Set("c", 3)
	_ = tracked.Delete("a")
	session.Inspect(tracked, func(st session.State) { got = st })
	if !reflect.DeepEqual(got.Set, map[string]any{"c": 3}) || !slices.Equal(got.Deleted, []string{"a"}) || got.Cleared {
		t.Errorf("tracked changes: set %v, deleted %v, cleared %v", got.Set, got.Deleted, got.Cleared)
	}
	_ = tracked.Clear()
	session.Inspect(tracked, func(st session.State) { got = st })
	if !got.Cleared || len(got.Set) != 0 || len(got.Deleted) != 0 {
		t.Errorf("after Clear: set %v, deleted %v, cleared %v", got.Set, got.Deleted, got.Cleared)
	}
}

// Fail records the first non-nil failure; a nil error is ignored.
func TestSessionFail(t *testing.T) {
	s := session.NewValues(nil)
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
