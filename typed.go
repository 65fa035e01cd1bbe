package session

import (
	"encoding/json"
	"math"
	"math/big"
	"reflect"
)

// Get returns the value under key as a T, and whether it was present and
// convertible. Besides an exact type match it converts between Go's numeric
// types when the value fits (a cookie decodes every integer as int64), so
// Get[int](s, "user_id") works for a value stored as int, int64 or float64
// 42.0; and it decodes a map, list or other value into a T that is a
// struct, map, slice, array or pointer through a JSON round trip (encoding/json, as
// the session encoded a struct), so a struct stored in one request comes
// back as that struct in the next, where it was read back as a map. A
// value that does not convert reports false, never a silent zero with true.
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
		if err := json.Unmarshal(b, &t); err != nil {
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
