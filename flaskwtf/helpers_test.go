package flaskwtf_test

import (
	"errors"
	"maps"
	"sync"
)

// memSession is an in-memory flaskwtf.Session; setErr makes writes fail.
type memSession struct {
	mu     sync.Mutex
	values map[string]any
	setErr error
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

var errStore = errors.New("store is down")
