package tagjson

import (
	"encoding/base64"
	"errors"
	"strings"
	"time"
)

// Tag is one entry of a Serializer's tag order, like a subclass of Flask's
// JSONTag.
//
// When encoding, the serializer tries its tags in order; the first whose
// Check returns true writes the value: a tag with a key writes
// {Key(): ToJSON(v)}, a tag without a key (Key() == "") writes ToJSON(v)
// itself. The result of ToJSON is encoded recursively, so it may hold
// values that are tagged in turn (a Python tag would call
// self.serializer.tag on them; here the serializer does it).
//
// When decoding, an object with exactly one member whose name is a
// registered key is replaced by ToGo(member value). Untagging is bottom-up:
// ToGo receives a value whose own tagged parts are already decoded.
type Tag interface {
	Key() string
	Check(v any) bool
	ToJSON(v any) (any, error)
	ToGo(v any) (any, error)
}

// tagKind identifies the eight tags of Flask's default order. The encoder
// and decoder run them as direct code instead of through the interface.
type tagKind uint8

const (
	kindTagDict tagKind = iota
	kindPassDict
	kindTuple
	kindPassList
	kindBytes
	kindMarkup
	kindUUID
	kindDateTime
)

// builtinTag is one of Flask's default tags.
type builtinTag struct {
	kind tagKind
	s    *Serializer // TagDict asks it which keys are registered
}

// Keys of the default tags.
const (
	keyDict     = " di"
	keyTuple    = " t"
	keyBytes    = " b"
	keyMarkup   = " m"
	keyUUID     = " u"
	keyDateTime = " d"
)

func defaultTags(s *Serializer) []Tag {
	kinds := []tagKind{kindTagDict, kindPassDict, kindTuple, kindPassList, kindBytes, kindMarkup, kindUUID, kindDateTime}
	tags := make([]Tag, len(kinds))
	for i, k := range kinds {
		tags[i] = &builtinTag{kind: k, s: s}
	}
	return tags
}

func (t *builtinTag) Key() string {
	switch t.kind {
	case kindTagDict:
		return keyDict
	case kindTuple:
		return keyTuple
	case kindBytes:
		return keyBytes
	case kindMarkup:
		return keyMarkup
	case kindUUID:
		return keyUUID
	case kindDateTime:
		return keyDateTime
	}
	return "" // PassDict, PassList
}

func (t *builtinTag) String() string {
	names := [...]string{"TagDict", "PassDict", "TagTuple", "PassList", "TagBytes", "TagMarkup", "TagUUID", "TagDateTime"}
	return names[t.kind]
}

// Check reports whether the tag writes v. Dicts are map[string]any and
// map[string]string, lists []any and []string; other maps and slices are
// first converted (see the package documentation).
func (t *builtinTag) Check(v any) bool {
	return matchBuiltin(t.kind, v, t.s.table())
}

// matchBuiltin is the check of a default tag, against the tags of t.
func matchBuiltin(kind tagKind, v any, t *tagTable) bool {
	switch kind {
	case kindTagDict:
		k, ok := singleKey(v)
		return ok && t.isKey(k)
	case kindPassDict:
		switch v.(type) {
		case map[string]any, map[string]string:
			return true
		}
	case kindTuple:
		_, ok := v.(Tuple)
		return ok
	case kindPassList:
		switch v.(type) {
		case []any, []string:
			return true
		}
	case kindBytes:
		_, ok := v.([]byte)
		return ok
	case kindMarkup:
		_, ok := v.(Markup)
		return ok
	case kindUUID:
		_, ok := v.(UUID)
		return ok
	case kindDateTime:
		_, ok := v.(time.Time)
		return ok
	}
	return false
}

// ToJSON returns what Flask's tag puts under its key. It is not used by the
// serializer itself, which writes these tags directly.
func (t *builtinTag) ToJSON(v any) (any, error) {
	if !t.Check(v) {
		return nil, errors.New("tagjson: " + t.String() + ": value does not match")
	}
	switch t.kind {
	case kindTagDict:
		switch m := v.(type) {
		case map[string]any:
			for k, x := range m {
				return map[string]any{k + "__": x}, nil
			}
		case map[string]string:
			for k, x := range m {
				return map[string]any{k + "__": x}, nil
			}
		}
	case kindTuple:
		return []any(v.(Tuple)), nil
	case kindBytes:
		return base64.StdEncoding.EncodeToString(v.([]byte)), nil
	case kindMarkup:
		return string(v.(Markup)), nil
	case kindUUID:
		return v.(UUID).Hex(), nil
	case kindDateTime:
		b, err := appendHTTPDate(nil, v.(time.Time))
		return string(b), err
	}
	return v, nil // PassDict, PassList
}

// ToGo turns the untagged payload back into the Go value. It accepts only
// what the encoder writes and otherwise returns an error.
func (t *builtinTag) ToGo(v any) (any, error) {
	return untagBuiltin(t.kind, v, t.s.table())
}

func singleKey(v any) (string, bool) {
	switch m := v.(type) {
	case map[string]any:
		if len(m) == 1 {
			for k := range m {
				return k, true
			}
		}
	case map[string]string:
		if len(m) == 1 {
			for k := range m {
				return k, true
			}
		}
	}
	return "", false
}

// untagBuiltin is the ToGo of the default tags.
func untagBuiltin(kind tagKind, v any, t *tagTable) (any, error) {
	switch kind {
	case kindTagDict:
		m, ok := v.(map[string]any)
		if !ok || len(m) != 1 {
			return nil, errors.New("payload is not an object with one member")
		}
		for k, x := range m {
			inner, ok := strings.CutSuffix(k, "__")
			if !ok || !t.isKey(inner) {
				return nil, errors.New("member name is not a registered tag followed by \"__\"")
			}
			return map[string]any{inner: x}, nil
		}
	case kindTuple:
		l, ok := v.([]any)
		if !ok {
			return nil, errors.New("payload is not an array")
		}
		return Tuple(l), nil
	case kindBytes:
		s, ok := v.(string)
		if !ok {
			return nil, errors.New("payload is not a string")
		}
		return decodeBase64(s)
	case kindMarkup:
		s, ok := v.(string)
		if !ok {
			return nil, errors.New("payload is not a string")
		}
		return Markup(s), nil
	case kindUUID:
		s, ok := v.(string)
		if !ok {
			return nil, errors.New("payload is not a string")
		}
		u, err := ParseUUID(s)
		if err != nil {
			return nil, errors.New("payload is not a UUID")
		}
		return u, nil
	case kindDateTime:
		s, ok := v.(string)
		if !ok {
			return nil, errors.New("payload is not a string")
		}
		return parseHTTPDate(s)
	}
	return v, nil
}

// decodeBase64 accepts only what Python's b64encode writes: the standard
// alphabet, padded, unused bits zero, no line breaks. (Python's b64decode
// would also skip characters outside the alphabet.)
func decodeBase64(s string) ([]byte, error) {
	if strings.ContainsAny(s, "\r\n") {
		return nil, errors.New("payload is not canonical base64")
	}
	b, err := base64.StdEncoding.Strict().DecodeString(s)
	if err != nil {
		return nil, errors.New("payload is not canonical base64")
	}
	return b, nil
}
