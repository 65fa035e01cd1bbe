package tagjson

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"
	"time"
)

// normalize converts a value of a type the encoder does not know into the
// types it does (core types), one level deep; the encoder then tags the
// result as usual, so elements keep their tags (a map[string]time.Time
// still writes {" d": ...} values).
//
//   - json.Marshaler and encoding.TextMarshaler implementations, structs,
//     and maps whose keys are not strings go through encoding/json: marshal,
//     then decode generically with UseNumber. Inside them, Go types that
//     Flask tags lose their tag (a Tuple field becomes a list).
//   - pointers are followed (nil is null);
//   - named bool, integer, float and string types become the basic type;
//   - slices and arrays become []any, except byte slices, which are bytes;
//     nil slices are empty lists and nil maps empty dicts, as Python has no
//     nil list;
//   - maps with string keys become map[string]any.
//
// limit bounds the number of pointers followed (a cyclic pointer type).
func normalize(v any, limit int) (any, error) {
	for range limit {
		rv := reflect.ValueOf(v)
		if rv.Kind() == reflect.Pointer {
			if rv.IsNil() {
				return nil, nil
			}
			// *time.Time is a json.Marshaler too: prefer the tag.
			if elem := rv.Elem().Interface(); isCore(elem) {
				return elem, nil
			}
		}
		switch v.(type) {
		case json.Marshaler, encoding.TextMarshaler:
			return viaJSON(v)
		}
		switch rv.Kind() {
		case reflect.Invalid:
			return nil, nil
		case reflect.Pointer:
			v = rv.Elem().Interface()
			continue
		case reflect.Bool:
			return rv.Bool(), nil
		case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			return rv.Int(), nil
		case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
			return rv.Uint(), nil
		case reflect.Float32:
			return float32(rv.Float()), nil
		case reflect.Float64:
			return rv.Float(), nil
		case reflect.String:
			return rv.String(), nil
		case reflect.Slice:
			if rv.Type().Elem().Kind() == reflect.Uint8 {
				b := rv.Bytes()
				if b == nil {
					b = []byte{}
				}
				return b, nil
			}
			return listOf(rv), nil
		case reflect.Array:
			return listOf(rv), nil
		case reflect.Map:
			if rv.Type().Key().Kind() != reflect.String {
				return viaJSON(v)
			}
			m := make(map[string]any, rv.Len())
			for it := rv.MapRange(); it.Next(); {
				m[it.Key().String()] = it.Value().Interface()
			}
			return m, nil
		case reflect.Struct:
			return viaJSON(v)
		}
		return nil, fmt.Errorf("tagjson: cannot encode a value of type %T: %w", v, ErrUnsupportedType)
	}
	return nil, fmt.Errorf("tagjson: more than %d pointers to follow: %w", limit, ErrDepth)
}

func listOf(rv reflect.Value) []any {
	l := make([]any, rv.Len())
	for i := range l {
		l[i] = rv.Index(i).Interface()
	}
	return l
}

// isCore reports whether the encoder writes v without normalize.
func isCore(v any) bool {
	switch v.(type) {
	case nil, string, bool, float64, float32,
		int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64,
		*big.Int, big.Int, json.Number,
		map[string]any, map[string]string, []any, []string,
		Tuple, []byte, Markup, UUID, time.Time:
		return true
	}
	return false
}

// viaJSON runs v through encoding/json, for structs and custom marshalers.
func viaJSON(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("tagjson: encoding %T with encoding/json: %w: %w", v, ErrUnsupportedType, err)
	}
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	var out any
	if err := d.Decode(&out); err != nil {
		return nil, fmt.Errorf("tagjson: encoding %T with encoding/json: %w: %w", v, ErrUnsupportedType, err)
	}
	return out, nil
}
