package session

import (
	"fmt"
	"unicode/utf8"

	"github.com/sessionkit/session/tagjson"
)

// setSerializer sets the serializer values are checked against.
func (s *Session) setSerializer(enc *tagjson.Serializer) {
	s.mu.Lock()
	s.enc = enc
	s.mu.Unlock()
}

// checkValue returns an error wrapping ErrUnencodable (and the serializer's
// error) when the session's serializer cannot encode v stored under key. It
// runs the serializer itself, at the depth a session value has, so the two
// always agree; strings, booleans, floats and nil, which it always writes,
// skip it, and so do integers unless MaxIntDigits is below 20.
func (s *Session) checkValue(key string, v any) error {
	s.mu.Lock()
	enc := s.enc
	s.mu.Unlock()
	if enc == nil {
		enc = tagjson.Default
	}
	if utf8.ValidString(key) {
		switch x := v.(type) {
		case nil, bool, float64, float32:
			return nil
		case string:
			if utf8.ValidString(x) {
				return nil
			}
		case int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
			if enc.MaxIntDigits <= 0 || enc.MaxIntDigits >= 20 {
				return nil
			}
		}
	}
	bp := bufPool.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= 64<<10 {
			bufPool.Put(bp)
		}
	}()
	var err error
	if !utf8.ValidString(key) {
		if *bp, err = enc.Append((*bp)[:0], key); err != nil {
			return fmt.Errorf("%w: key %q: %w", ErrUnencodable, key, err)
		}
	}
	// In a one-element list the value sits one level deep, as in the
	// session's map.
	if *bp, err = enc.Append((*bp)[:0], []any{v}); err != nil {
		return fmt.Errorf("%w: key %q: %w", ErrUnencodable, key, err)
	}
	return nil
}
