package tagjson

import (
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"time"
	"unicode/utf8"
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

// ToGo turns the untagged payload back into the Go value, as Flask's tag
// does (see untagBuiltin). Objects with more than one member have no order
// here: where Flask would use the first member, ToGo uses the smallest
// name.
func (t *builtinTag) ToGo(v any) (any, error) {
	return untagBuiltin(t.kind, v, t.s.table(), sortedKeys)
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

// untagBuiltin is what Flask's default tags make of a payload (to_python),
// whatever its type: a value where Flask yields one, nil where it yields
// None, an error where Python raises (Flask answers HTTP 500):
//
//	" di"  {k[:-2]: v} for the first member k of a non-empty object
//	" t"   tuple(payload): of a list or tuple, of the characters of a
//	       string, of the names of an object, of the byte values of bytes
//	" b"   b64decode(payload) of an ASCII string or bytes, lenient
//	       (characters outside the alphabet skipped, see pyB64Decode)
//	" m"   Markup(str(payload)): Python's str() of any value
//	" u"   UUID(payload) of a string (see ParseUUID)
//	" d"   parse_date(payload): None for None, for a value Python finds
//	       false, for bytes and for a string it cannot read as a date
//
// order gives the member order of an object with more than one member;
// it may return nil (unknown), and the result is then errNeedOrder.
func untagBuiltin(kind tagKind, v any, t *tagTable, order func(map[string]any) []string) (any, error) {
	switch kind {
	case kindTagDict:
		m, ok := v.(map[string]any)
		if !ok || len(m) == 0 {
			return nil, fmt.Errorf("payload is %s, not an object with members", pyTypeName(v))
		}
		keys, err := keysInOrder(m, order)
		if err != nil {
			return nil, err
		}
		k := keys[0]
		return map[string]any{dropLastRunes(k, 2): m[k]}, nil
	case kindTuple:
		switch x := v.(type) {
		case []any:
			return Tuple(x), nil
		case Tuple:
			return x, nil
		case string:
			return charTuple(x), nil
		case Markup:
			return charTuple(string(x)), nil
		case []byte:
			l := make(Tuple, len(x))
			for i, c := range x {
				l[i] = int64(c)
			}
			return l, nil
		case map[string]any:
			keys, err := keysInOrder(x, order)
			if err != nil {
				return nil, err
			}
			l := make(Tuple, len(keys))
			for i, k := range keys {
				l[i] = k
			}
			return l, nil
		}
		return nil, fmt.Errorf("payload is %s, which tuple() cannot iterate", pyTypeName(v))
	case kindBytes:
		var b []byte
		switch x := v.(type) {
		case string:
			b = []byte(x)
		case Markup:
			b = []byte(x)
		case []byte:
			b = x
		default:
			return nil, fmt.Errorf("payload is %s, not a string", pyTypeName(v))
		}
		if _, ok := v.([]byte); !ok && !isASCII(b) {
			return nil, errors.New("payload is not base64: a character outside ASCII")
		}
		return pyB64Decode(b)
	case kindMarkup:
		s, err := pyStr(v, order)
		if err != nil {
			return nil, err
		}
		return Markup(s), nil
	case kindUUID:
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case Markup:
			s = string(x)
		default:
			return nil, fmt.Errorf("payload is %s, not a string", pyTypeName(v))
		}
		u, err := ParseUUID(s)
		if err != nil {
			return nil, errors.New("payload is not a UUID")
		}
		return u, nil
	case kindDateTime:
		var s string
		switch x := v.(type) {
		case string:
			s = x
		case Markup:
			s = string(x)
		case []byte: // bytes.split() works, then str arguments fail: None
			return nil, nil
		default:
			if pyFalse(v) {
				return nil, nil
			}
			return nil, fmt.Errorf("payload is %s, which parse_date cannot read (Python raises AttributeError)", pyTypeName(v))
		}
		d, ok, err := pyParseDate(s)
		if err != nil || !ok {
			return nil, err
		}
		return d, nil
	}
	return v, nil
}

// pyFalse reports whether Python finds the decoded value false.
func pyFalse(v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case bool:
		return !x
	case int64:
		return x == 0
	case *big.Int:
		return x.Sign() == 0
	case float64:
		return x == 0
	case string:
		return x == ""
	case Markup:
		return x == ""
	case []any:
		return len(x) == 0
	case Tuple:
		return len(x) == 0
	case []byte:
		return len(x) == 0
	case map[string]any:
		return len(x) == 0
	}
	return false
}

// charTuple is tuple(s): one string per character.
func charTuple(s string) Tuple {
	l := make(Tuple, 0, utf8.RuneCountInString(s))
	for i, r := range s {
		l = append(l, s[i:i+utf8.RuneLen(r)])
	}
	return l
}

// dropLastRunes is Python's s[:-n].
func dropLastRunes(s string, n int) string {
	for ; n > 0 && s != ""; n-- {
		_, size := utf8.DecodeLastRuneInString(s)
		s = s[:len(s)-size]
	}
	return s
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// sortedKeys is the member order used where the input's is not known.
func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
