package flasktest

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/sessionkit/session/tagjson"
)

// maxDepth bounds nesting, so a self-referencing Go value is an error rather
// than a stack overflow.
const maxDepth = 1000

// FromTyped parses typed JSON into Go values:
//
//	JSON object              map[string]any
//	JSON array               []any
//	JSON string, true/false  string, bool
//	null                     nil
//	JSON integer             int64, or *big.Int outside the int64 range
//	JSON number with . or e  float64 (typed JSON writes floats as $float)
//	{"$float": repr}         float64; "nan", "inf", "-inf", "-0.0" included
//	{"$tuple": [...]}        tagjson.Tuple
//	{"$bytes": base64}       []byte (standard alphabet, padded)
//	{"$markup": s}           tagjson.Markup
//	{"$uuid": s}             tagjson.UUID
//	{"$datetime": iso}       time.Time in UTC (a time without offset is UTC,
//	                         as Flask treats naive datetimes)
//	{"$dict": {...}}         map[string]any, keys taken literally
//
// Any other one-key object whose key starts with "$" is an error. JSON strings
// are decoded by encoding/json: a lone UTF-16 surrogate escape, which Python
// keeps, becomes U+FFFD.
func FromTyped(raw []byte) (any, error) {
	tree, err := decodeJSON(raw)
	if err != nil {
		return nil, err
	}
	return untree(tree, 0)
}

func decodeJSON(raw []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var tree any
	if err := dec.Decode(&tree); err != nil {
		return nil, fmt.Errorf("flasktest: typed JSON: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("flasktest: typed JSON: data after the value")
	}
	return tree, nil
}

func untree(tree any, depth int) (any, error) {
	if depth > maxDepth {
		return nil, errors.New("flasktest: typed JSON nested too deeply")
	}
	switch x := tree.(type) {
	case json.Number:
		return number(x)
	case []any:
		out := make([]any, len(x))
		for i, item := range x {
			v, err := untree(item, depth+1)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case map[string]any:
		if len(x) == 1 {
			for tag, arg := range x {
				if strings.HasPrefix(tag, "$") {
					return untag(tag, arg, depth)
				}
			}
		}
		return untreeMap(x, depth)
	}
	return tree, nil // string, bool, nil
}

func untreeMap(m map[string]any, depth int) (map[string]any, error) {
	out := make(map[string]any, len(m))
	for k, item := range m {
		v, err := untree(item, depth+1)
		if err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, nil
}

func number(n json.Number) (any, error) {
	s := n.String()
	if !strings.ContainsAny(s, ".eE") {
		i, ok := new(big.Int).SetString(s, 10)
		if !ok {
			return nil, fmt.Errorf("flasktest: typed JSON: bad integer %q", s)
		}
		if i.IsInt64() {
			return i.Int64(), nil
		}
		return i, nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !errors.Is(err, strconv.ErrRange) { // out of range: ±Inf, as Python
		return nil, fmt.Errorf("flasktest: typed JSON: bad number %q", s)
	}
	return f, nil
}

func untag(tag string, arg any, depth int) (any, error) {
	str, isStr := arg.(string)
	needString := func() error {
		return fmt.Errorf("flasktest: typed JSON: %s takes a string, not %s", tag, jsonKind(arg))
	}
	switch tag {
	case "$float":
		if !isStr {
			return nil, needString()
		}
		f, err := strconv.ParseFloat(str, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, fmt.Errorf("flasktest: typed JSON: $float %q is not a float", str)
		}
		return f, nil
	case "$tuple":
		list, ok := arg.([]any)
		if !ok {
			return nil, fmt.Errorf("flasktest: typed JSON: $tuple takes an array, not %s", jsonKind(arg))
		}
		items, err := untree(list, depth)
		if err != nil {
			return nil, err
		}
		return tagjson.Tuple(items.([]any)), nil
	case "$bytes":
		if !isStr {
			return nil, needString()
		}
		b, err := base64.StdEncoding.DecodeString(str)
		if err != nil {
			return nil, fmt.Errorf("flasktest: typed JSON: $bytes: %w", err)
		}
		return b, nil
	case "$markup":
		if !isStr {
			return nil, needString()
		}
		return tagjson.Markup(str), nil
	case "$uuid":
		if !isStr {
			return nil, needString()
		}
		u, err := tagjson.ParseUUID(str)
		if err != nil {
			return nil, fmt.Errorf("flasktest: typed JSON: $uuid %q: %w", str, err)
		}
		return u, nil
	case "$datetime":
		if !isStr {
			return nil, needString()
		}
		return parseISO(str)
	case "$dict":
		m, ok := arg.(map[string]any)
		if !ok {
			return nil, fmt.Errorf("flasktest: typed JSON: $dict takes an object, not %s", jsonKind(arg))
		}
		return untreeMap(m, depth)
	}
	return nil, fmt.Errorf("flasktest: typed JSON: unknown tag %q (a dict whose only key starts with \"$\" is written {\"$dict\": {...}})", tag)
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	case json.Number:
		return "a number"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("%T", v)
}

// parseISO parses what Python's datetime.fromisoformat commonly gets: a date,
// optionally with a time ('T' or ' '), fraction and offset ("Z", "+HH:MM" or
// "+HHMM"). The result is in UTC; no offset means UTC.
func parseISO(s string) (time.Time, error) {
	var layouts []string
	for _, sep := range []string{"T", " "} {
		for _, zone := range []string{"Z07:00", "-0700", ""} {
			layouts = append(layouts,
				"2006-01-02"+sep+"15:04:05.999999999"+zone,
				"2006-01-02"+sep+"15:04"+zone)
		}
	}
	layouts = append(layouts, "2006-01-02")
	for _, layout := range layouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("flasktest: typed JSON: $datetime %q is not ISO 8601", s)
}

// ToTyped writes v as canonical typed JSON, byte for byte what flaskpeer.py
// prints for the same Python value: object keys sorted by code point, no
// spaces, every character outside printable ASCII escaped as \uXXXX (lowercase
// hex; surrogate pairs above U+FFFF), floats as {"$float": Python repr}.
//
// It accepts the values FromTyped produces (map[string]any, []any, string,
// bool, nil, int64, *big.Int, float64, tagjson.Tuple, []byte, tagjson.Markup,
// tagjson.UUID, time.Time) and, for convenience, other integer and float
// types, big.Int, json.Number, and any slice, array, map with string keys or
// pointer built from them (nil slices and maps are written empty, [] and {};
// a nil pointer is null). A time.Time is written in UTC as Python's
// isoformat() does ("2024-01-02T03:04:05+00:00", microseconds only when
// non-zero, nanoseconds truncated). Invalid UTF-8 in a string is written as
// U+FFFD.
func ToTyped(v any) ([]byte, error) {
	var w writer
	if err := w.typed(v, 0); err != nil {
		return nil, err
	}
	return w.Bytes(), nil
}

// Typed is ToTyped for tests: it returns the text and fails the test on error.
func Typed(t testing.TB, v any) string {
	t.Helper()
	b, err := ToTyped(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Canonical rewrites a typed-JSON text in canonical form without interpreting
// the tags, as Python's json.dumps(json.loads(raw), sort_keys=True,
// separators=(",", ":")) would: keys sorted, no spaces, ASCII escapes,
// integers in plain decimal, bare floats as Python writes them. For the typed
// JSON Flask decodes (e.g. the vectors' session_out), it equals
// ToTyped(FromTyped(raw)).
func Canonical(raw []byte) ([]byte, error) {
	tree, err := decodeJSON(raw)
	if err != nil {
		return nil, err
	}
	var w writer
	if err := w.plain(tree, 0); err != nil {
		return nil, err
	}
	return w.Bytes(), nil
}

type writer struct{ bytes.Buffer }

func (w *writer) typed(v any, depth int) error {
	if depth > maxDepth {
		return errors.New("flasktest: ToTyped: value nested too deeply (a cycle?)")
	}
	switch x := v.(type) {
	case nil:
		w.WriteString("null")
	case bool:
		w.WriteString(strconv.FormatBool(x))
	case string:
		w.str(x)
	case tagjson.Markup:
		return w.tagged("$markup", func() error { w.str(string(x)); return nil })
	case int64:
		w.WriteString(strconv.FormatInt(x, 10))
	case int:
		w.WriteString(strconv.Itoa(x))
	case big.Int:
		w.WriteString(x.String())
	case *big.Int:
		if x == nil {
			w.WriteString("null")
		} else {
			w.WriteString(x.String())
		}
	case float64:
		w.float(x)
	case float32:
		w.float(float64(x))
	case json.Number:
		n, err := number(x)
		if err != nil {
			return err
		}
		return w.typed(n, depth)
	case []byte:
		return w.tagged("$bytes", func() error { w.str(base64.StdEncoding.EncodeToString(x)); return nil })
	case tagjson.UUID:
		return w.tagged("$uuid", func() error { w.str(x.String()); return nil })
	case time.Time:
		s, err := isoformat(x)
		if err != nil {
			return err
		}
		return w.tagged("$datetime", func() error { w.str(s); return nil })
	case tagjson.Tuple:
		return w.tagged("$tuple", func() error { return w.list([]any(x), depth) })
	case []any:
		return w.list(x, depth)
	case map[string]any:
		return w.dict(x, depth)
	default:
		return w.reflected(reflect.ValueOf(v), depth)
	}
	return nil
}

func (w *writer) reflected(rv reflect.Value, depth int) error {
	switch rv.Kind() {
	case reflect.Bool:
		return w.typed(rv.Bool(), depth)
	case reflect.String:
		return w.typed(rv.String(), depth)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return w.typed(rv.Int(), depth)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		w.WriteString(strconv.FormatUint(rv.Uint(), 10))
		return nil
	case reflect.Float32, reflect.Float64:
		return w.typed(rv.Float(), depth)
	case reflect.Pointer, reflect.Interface:
		if rv.IsNil() {
			w.WriteString("null")
			return nil
		}
		return w.typed(rv.Elem().Interface(), depth+1)
	case reflect.Slice, reflect.Array:
		items := make([]any, rv.Len())
		for i := range items {
			items[i] = rv.Index(i).Interface()
		}
		return w.list(items, depth)
	case reflect.Map:
		if rv.Type().Key().Kind() != reflect.String {
			return fmt.Errorf("flasktest: ToTyped: map key type %s is not a string type", rv.Type().Key())
		}
		m := make(map[string]any, rv.Len())
		for it := rv.MapRange(); it.Next(); {
			m[it.Key().String()] = it.Value().Interface()
		}
		return w.dict(m, depth)
	}
	return fmt.Errorf("flasktest: ToTyped: no typed-JSON form for %s", rv.Type())
}

func (w *writer) tagged(tag string, arg func() error) error {
	w.WriteByte('{')
	w.str(tag)
	w.WriteByte(':')
	if err := arg(); err != nil {
		return err
	}
	w.WriteByte('}')
	return nil
}

func (w *writer) float(f float64) {
	_ = w.tagged("$float", func() error { w.str(pyFloatRepr(f)); return nil })
}

func (w *writer) list(items []any, depth int) error {
	w.WriteByte('[')
	for i, item := range items {
		if i > 0 {
			w.WriteByte(',')
		}
		if err := w.typed(item, depth+1); err != nil {
			return err
		}
	}
	w.WriteByte(']')
	return nil
}

func (w *writer) dict(m map[string]any, depth int) error {
	if len(m) == 1 {
		for k := range m {
			if strings.HasPrefix(k, "$") {
				return w.tagged("$dict", func() error { return w.members(m, depth+1, w.typed) })
			}
		}
	}
	return w.members(m, depth, w.typed)
}

func (w *writer) members(m map[string]any, depth int, value func(any, int) error) error {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return lessCodePoint(keys[i], keys[j]) })
	w.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			w.WriteByte(',')
		}
		w.str(k)
		w.WriteByte(':')
		if err := value(m[k], depth+1); err != nil {
			return err
		}
	}
	w.WriteByte('}')
	return nil
}

// lessCodePoint orders strings by code point, as Python sorts str. For valid
// UTF-8 that is byte order; invalid bytes compare as U+FFFD, as they are
// written.
func lessCodePoint(a, b string) bool {
	ra, rb := []rune(a), []rune(b)
	for i := 0; i < len(ra) && i < len(rb); i++ {
		if ra[i] != rb[i] {
			return ra[i] < rb[i]
		}
	}
	return len(ra) < len(rb)
}

// plain writes a tree from decodeJSON without interpreting tags.
func (w *writer) plain(tree any, depth int) error {
	if depth > maxDepth {
		return errors.New("flasktest: Canonical: nested too deeply")
	}
	switch x := tree.(type) {
	case json.Number:
		n, err := number(x)
		if err != nil {
			return err
		}
		switch n := n.(type) {
		case float64:
			w.WriteString(pyJSONFloat(n))
		case int64:
			w.WriteString(strconv.FormatInt(n, 10))
		case *big.Int:
			w.WriteString(n.String())
		}
		return nil
	case []any:
		w.WriteByte('[')
		for i, item := range x {
			if i > 0 {
				w.WriteByte(',')
			}
			if err := w.plain(item, depth+1); err != nil {
				return err
			}
		}
		w.WriteByte(']')
		return nil
	case map[string]any:
		return w.members(x, depth, w.plain)
	}
	return w.typed(tree, depth) // string, bool, nil
}

// str writes s as Python's json.dumps(ensure_ascii=True) does.
func (w *writer) str(s string) {
	const hexDigits = "0123456789abcdef"
	u4 := func(r rune) {
		w.WriteString(`\u`)
		w.WriteByte(hexDigits[r>>12&0xf])
		w.WriteByte(hexDigits[r>>8&0xf])
		w.WriteByte(hexDigits[r>>4&0xf])
		w.WriteByte(hexDigits[r&0xf])
	}
	w.WriteByte('"')
	for _, r := range s { // invalid UTF-8 yields U+FFFD
		switch r {
		case '"':
			w.WriteString(`\"`)
		case '\\':
			w.WriteString(`\\`)
		case '\n':
			w.WriteString(`\n`)
		case '\r':
			w.WriteString(`\r`)
		case '\t':
			w.WriteString(`\t`)
		case '\b':
			w.WriteString(`\b`)
		case '\f':
			w.WriteString(`\f`)
		default:
			switch {
			case r >= 0x20 && r < 0x7f:
				w.WriteByte(byte(r))
			case r <= 0xffff:
				u4(r)
			default:
				hi, lo := utf16.EncodeRune(r)
				u4(hi)
				u4(lo)
			}
		}
	}
	w.WriteByte('"')
}

// isoformat is Python's datetime.isoformat() of t as an aware UTC datetime.
func isoformat(t time.Time) (string, error) {
	t = t.UTC()
	if y := t.Year(); y < 1 || y > 9999 {
		return "", fmt.Errorf("flasktest: ToTyped: year %d is outside Python's datetime range 1..9999", y)
	}
	s := t.Format("2006-01-02T15:04:05")
	if us := t.Nanosecond() / 1000; us != 0 {
		s += fmt.Sprintf(".%06d", us)
	}
	return s + "+00:00", nil
}
