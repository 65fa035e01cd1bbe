package session

import (
	"fmt"

	"github.com/sessionkit/session/tagjson"
)

// checkValue returns an error wrapping ErrUnencodable (and the serializer's
// error) when the session's serializer cannot encode v stored under key. It
// runs the serializer's Check, so the two agree, custom tags and limits
// included: a composite value inside a one-element list, so that it sits
// one level deep as in the session's map; a scalar as it is, which costs no
// allocation (and, with the default tags, no encoding for a string, bool,
// float64 or nil).
func (s *Session) checkValue(key string, v any) error {
	s.mu.Lock()
	enc := s.enc
	s.mu.Unlock()
	if enc == nil {
		enc = tagjson.Default
	}
	// Keys need no check: every string is writable (invalid UTF-8 as
	// U+FFFD, as encoding/json writes it).
	var err error
	switch v.(type) {
	case nil, bool, string, float64, float32,
		int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		err = enc.Check(v)
	default:
		err = enc.Check([]any{v})
	}
	if err != nil {
		return fmt.Errorf("%w: key %q: %w", ErrUnencodable, key, err)
	}
	return nil
}
