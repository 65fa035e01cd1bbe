package session

import (
	"bytes"
	"encoding"
	"encoding/json"
	"math"
	"math/big"
	"reflect"
	"strings"
)

// Get returns the value under key as a T, and whether it was present and
// convertible. Besides an exact type match it converts between Go's numeric
// types when the value fits (a cookie decodes every integer as int64), so
// Get[int](s, "user_id") works for a value stored as int, int64 or float64
// 42.0; and it decodes a map, list or other value into a T that is a
// struct, map, slice, array or pointer through a JSON round trip (encoding/json, as
// the session encoded a struct), so a struct stored in one request comes
// back as that struct in the next, where it was read back as a map. A
// value that does not convert reports false, never a silent zero with true:
// a map with a key that names no field of the struct (at any depth: a map
// of another shape, written by a Flask app or an earlier version of the
// struct) and a list whose length is not the array's (Go arrays, at any
// depth) report false. A struct field missing from the stored map stays
// zero (an empty map is a zero struct).
func Get[T any](s *Session, key string) (T, bool) {
	var zero T
	v, ok := s.lookup(key)
	if !ok {
		return zero, false
	}
	if t, ok := v.(T); ok {
		return t, true
	}
	out := reflect.ValueOf(&zero).Elem()
	if convertNumber(out, v) {
		return zero, true
	}
	switch out.Kind() {
	case reflect.Struct, reflect.Map, reflect.Slice, reflect.Array, reflect.Pointer:
		if v == nil {
			return zero, false
		}
		b, err := json.Marshal(v)
		if err != nil {
			return zero, false
		}
		var t T
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&t); err != nil || !arraysFit(out.Type(), b) {
			return zero, false
		}
		return t, true
	}
	return zero, false
}

// GetOr returns Get's value, or def when the key is missing or not a T.
func GetOr[T any](s *Session, key string, def T) T {
	if v, ok := Get[T](s, key); ok {
		return v
	}
	return def
}

// convertNumber stores the number v into out when out is numeric and the value fits.
func convertNumber(out reflect.Value, v any) bool {
	var (
		i       int64
		u       uint64
		f       float64
		isInt   bool
		isUint  bool
		isFloat bool
	)
	switch n := v.(type) {
	case int:
		i, isInt = int64(n), true
	case int8:
		i, isInt = int64(n), true
	case int16:
		i, isInt = int64(n), true
	case int32:
		i, isInt = int64(n), true
	case int64:
		i, isInt = n, true
	case uint:
		u, isUint = uint64(n), true
	case uint8:
		u, isUint = uint64(n), true
	case uint16:
		u, isUint = uint64(n), true
	case uint32:
		u, isUint = uint64(n), true
	case uint64:
		u, isUint = n, true
	case float32:
		f, isFloat = float64(n), true
	case float64:
		f, isFloat = n, true
	case *big.Int:
		if n.IsInt64() {
			i, isInt = n.Int64(), true
		} else if n.IsUint64() {
			u, isUint = n.Uint64(), true
		} else {
			return false
		}
	default:
		return false
	}
	if isUint && u <= math.MaxInt64 {
		i, isInt, isUint = int64(u), true, false
	}
	if isFloat && f == math.Trunc(f) && f >= -(1<<63) && f < 1<<63 {
		i, isInt = int64(f), true
	}
	switch out.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		if !isInt || out.OverflowInt(i) {
			return false
		}
		out.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		if !isUint {
			if !isInt || i < 0 {
				return false
			}
			u = uint64(i)
		}
		if out.OverflowUint(u) {
			return false
		}
		out.SetUint(u)
	case reflect.Float32, reflect.Float64:
		switch {
		case isFloat:
		case isInt:
			f = float64(i)
		case isUint:
			f = float64(u)
		}
		if out.OverflowFloat(f) {
			return false
		}
		out.SetFloat(f)
	default:
		return false
	}
	return true
}

var (
	jsonUnmarshaler = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshaler = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// arraysFit reports whether every JSON array in raw that encoding/json
// would decode into a Go array of t has exactly the array's length
// (encoding/json drops extra elements and zero-fills missing ones). Types
// that decode themselves are not looked into.
func arraysFit(t reflect.Type, raw []byte) bool {
	if raw = bytes.TrimSpace(raw); len(raw) == 0 || string(raw) == "null" {
		return true
	}
	if t.Implements(jsonUnmarshaler) || reflect.PointerTo(t).Implements(jsonUnmarshaler) ||
		t.Implements(textUnmarshaler) || reflect.PointerTo(t).Implements(textUnmarshaler) {
		return true
	}
	switch t.Kind() {
	case reflect.Pointer:
		return arraysFit(t.Elem(), raw)
	case reflect.Array, reflect.Slice:
		if t.Kind() == reflect.Slice && t.Elem().Kind() == reflect.Uint8 {
			return true // []byte is a base64 string
		}
		var elems []json.RawMessage
		if json.Unmarshal(raw, &elems) != nil {
			return true // not a list: Decode judged it
		}
		if t.Kind() == reflect.Array && len(elems) != t.Len() {
			return false
		}
		for _, e := range elems {
			if !arraysFit(t.Elem(), e) {
				return false
			}
		}
	case reflect.Map:
		var elems map[string]json.RawMessage
		if json.Unmarshal(raw, &elems) != nil {
			return true
		}
		for _, e := range elems {
			if !arraysFit(t.Elem(), e) {
				return false
			}
		}
	case reflect.Struct:
		var fields map[string]json.RawMessage
		if json.Unmarshal(raw, &fields) != nil {
			return true
		}
		return structArraysFit(t, fields)
	}
	return true
}

// structArraysFit applies arraysFit to the fields of struct type t found in
// fields, matched by JSON name as encoding/json does (case-insensitively),
// embedded structs included.
func structArraysFit(t reflect.Type, fields map[string]json.RawMessage) bool {
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		ft := f.Type
		if f.Anonymous && name == "" {
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				if !structArraysFit(ft, fields) {
					return false
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		for k, v := range fields {
			if strings.EqualFold(k, name) && !arraysFit(ft, v) {
				return false
			}
		}
	}
	return true
}
