package flasklogin_test

import (
	"errors"
	"maps"
	"net/http"
	"sync"
)

// memSession is an in-memory flasklogin.Session; setErr and popErr make its
// writes fail, as a null or already-saved session's do.
type memSession struct {
	mu        sync.Mutex
	values    map[string]any
	permanent bool
	setErr    error
	popErr    error
}

func newMem(values map[string]any) *memSession {
	if values == nil {
		values = map[string]any{}
	}
	return &memSession{values: maps.Clone(values)}
}

func (s *memSession) Lookup(k string) (any, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	v, ok := s.values[k]
	return v, ok
}

func (s *memSession) Set(k string, v any) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.setErr != nil {
		return s.setErr
	}
	s.values[k] = v
	return nil
}

func (s *memSession) Pop(k string) (any, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.popErr != nil {
		return nil, false, s.popErr
	}
	v, ok := s.values[k]
	delete(s.values, k)
	return v, ok, nil
}

func (s *memSession) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.values)
}

func (s *memSession) Permanent() bool { return s.permanent }

func (s *memSession) snapshot() map[string]any {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.values)
}

var errStore = errors.New("store is down")

// latin1 turns a string of code points below 256 (the vectors' notation for
// header bytes) into those bytes.
func latin1(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		if r > 0xff {
			panic("latin1: code point above U+00FF")
		}
		b = append(b, byte(r))
	}
	return string(b)
}

func setCookies(h http.Header, name string) []string {
	var out []string
	for _, v := range h.Values("Set-Cookie") {
		if len(v) > len(name) && v[:len(name)+1] == name+"=" {
			out = append(out, v)
		}
	}
	return out
}
