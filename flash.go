package session

import (
	"fmt"
	"slices"

	"github.com/sessionkit/session/tagjson"
)

// Flash is one flashed message, stored as Flask stores it: a (category,
// message) tuple in the session's "_flashes" list, so Flask reads messages
// flashed in Go and the reverse.
type Flash struct {
	Category string
	Message  string
	// Markup reports that Message is safe HTML (markupsafe.Markup in Flask).
	Markup bool
}

// defaultFlashCategory is Flask's default category.
const defaultFlashCategory = "message"

// Flash appends a message for the next request to show (flask.flash). An empty
// category means "message". Pass a tagjson.Markup to flash safe HTML; a value
// other than a string or Markup is stored as fmt.Sprint formats it, and a nil
// message is refused with an error wrapping ErrUnencodable.
func (s *Session) Flash(message any, category string) error {
	if category == "" {
		category = defaultFlashCategory
	}
	switch message.(type) {
	case string, tagjson.Markup:
	case nil:
		// Flask's flash takes a str; a nil message is a caller's bug, not
		// the text "<nil>".
		return fmt.Errorf("%w: nil flash message", ErrUnencodable)
	default:
		message = fmt.Sprint(message)
	}
	return s.write(func() {
		list, _ := s.values[flashesKey].([]any)
		list = append(slices.Clip(list), tagjson.Tuple{category, message})
		if s.values == nil {
			s.values = make(map[string]any, 2)
		}
		s.values[flashesKey] = list
		s.modified = true
		s.note(flashesKey, true)
	})
}

// Flashes removes the flashed messages from the session and returns those in
// one of categories (all when none are given), oldest first
// (flask.get_flashed_messages with with_categories and category_filter).
//
// As in Flask, the first call of a request pops every message, whatever the
// filter, and later calls in the same request see the same messages.
func (s *Session) Flashes(categories ...string) []Flash {
	s.mu.Lock()
	s.touch()
	if !s.popped {
		s.popped = true
		if raw, ok := s.values[flashesKey]; ok {
			s.flashes = parseFlashes(raw)
			if s.err == nil {
				delete(s.values, flashesKey)
				s.modified = true
				s.note(flashesKey, false)
			} else if s.failed == nil {
				s.failed = s.err // the messages could not be removed
			}
		}
	}
	all := s.flashes
	s.mu.Unlock()
	if len(categories) == 0 {
		return slices.Clone(all)
	}
	var out []Flash
	for _, f := range all {
		if slices.Contains(categories, f.Category) {
			out = append(out, f)
		}
	}
	return out
}

func parseFlashes(raw any) []Flash {
	list, _ := raw.([]any)
	out := make([]Flash, 0, len(list))
	for _, item := range list {
		var pair []any
		switch t := item.(type) {
		case tagjson.Tuple:
			pair = t
		case []any:
			pair = t
		}
		if len(pair) != 2 {
			continue
		}
		f := Flash{Category: fmt.Sprint(pair[0])}
		switch m := pair[1].(type) {
		case string:
			f.Message = m
		case tagjson.Markup:
			f.Message, f.Markup = string(m), true
		default:
			f.Message = fmt.Sprint(m)
		}
		out = append(out, f)
	}
	return out
}
