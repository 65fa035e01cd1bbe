package tagjson_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session/tagjson"
)

// fromTyped converts the vectors' "typed JSON" notation (decoded with
// UseNumber) into the Go values tagjson uses:
//
//	{"$float": repr}  {"$tuple": [...]}  {"$bytes": b64}  {"$markup": s}
//	{"$uuid": s}      {"$datetime": iso} {"$dict": {...}} (escape)
func fromTyped(t testing.TB, v any) any {
	t.Helper()
	switch x := v.(type) {
	case nil, bool, string:
		return x
	case json.Number:
		s := string(x)
		if strings.ContainsAny(s, ".eE") {
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatalf("bad float %q", s)
			}
			return f
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n
		}
		b, ok := new(big.Int).SetString(s, 10)
		if !ok {
			t.Fatalf("bad int %q", s)
		}
		return b
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = fromTyped(t, e)
		}
		return out
	case map[string]any:
		if len(x) == 1 {
			for k, e := range x {
				if w, ok := fromWrapper(t, k, e); ok {
					return w
				}
			}
		}
		out := make(map[string]any, len(x))
		for k, e := range x {
			out[k] = fromTyped(t, e)
		}
		return out
	}
	t.Fatalf("unexpected typed JSON %T", v)
	return nil
}

func fromWrapper(t testing.TB, k string, e any) (any, bool) {
	t.Helper()
	str := func() string {
		s, ok := e.(string)
		if !ok {
			t.Fatalf("%s: not a string: %v", k, e)
		}
		return s
	}
	switch k {
	case "$float":
		switch s := str(); s {
		case "nan":
			return math.NaN(), true
		case "inf":
			return math.Inf(1), true
		case "-inf":
			return math.Inf(-1), true
		default:
			f, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatalf("bad $float %q", s)
			}
			return f, true
		}
	case "$tuple":
		return tagjson.Tuple(fromTyped(t, e).([]any)), true
	case "$bytes":
		b, err := base64.StdEncoding.DecodeString(str())
		if err != nil {
			t.Fatal(err)
		}
		return b, true
	case "$markup":
		return tagjson.Markup(str()), true
	case "$uuid":
		u, err := tagjson.ParseUUID(str())
		if err != nil {
			t.Fatal(err)
		}
		return u, true
	case "$datetime":
		s := str()
		d, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			d, err = time.Parse("2006-01-02T15:04:05.999999999", s) // naive: Flask treats it as UTC
			if err != nil {
				t.Fatal(err)
			}
		}
		return d.UTC(), true
	case "$dict":
		return fromTyped(t, e), true
	case "$python":
		t.Skipf("value only Python can build: %v", e)
	}
	return nil, false
}

// equal compares decoded values exactly: same Go types, *big.Int by value,
// floats by bits (NaN equals NaN, -0.0 differs from 0.0), times by instant
// and location.
func equal(a, b any) bool {
	switch x := a.(type) {
	case float64:
		y, ok := b.(float64)
		return ok && (math.Float64bits(x) == math.Float64bits(y) || math.IsNaN(x) && math.IsNaN(y))
	case *big.Int:
		y, ok := b.(*big.Int)
		return ok && x.Cmp(y) == 0
	case time.Time:
		y, ok := b.(time.Time)
		return ok && x.Equal(y) && x.Location() == y.Location()
	case []byte:
		y, ok := b.([]byte)
		return ok && bytes.Equal(x, y)
	case []any:
		y, ok := b.([]any)
		return ok && equalList(x, y)
	case tagjson.Tuple:
		y, ok := b.(tagjson.Tuple)
		return ok && equalList(x, y)
	case map[string]any:
		y, ok := b.(map[string]any)
		if !ok || len(x) != len(y) {
			return false
		}
		for k, v := range x {
			w, ok := y[k]
			if !ok || !equal(v, w) {
				return false
			}
		}
		return true
	case nil, bool, string, int64, tagjson.Markup, tagjson.UUID:
		return a == b
	}
	panic(fmt.Sprintf("equal: unexpected %T", a))
}

func equalList(x, y []any) bool {
	if len(x) != len(y) {
		return false
	}
	for i := range x {
		if !equal(x[i], y[i]) {
			return false
		}
	}
	return true
}

// show prints a decoded value with its Go types, for failure messages.
func show(v any) string {
	switch x := v.(type) {
	case map[string]any:
		parts := make([]string, 0, len(x))
		for k, e := range x {
			parts = append(parts, fmt.Sprintf("%q: %s", k, show(e)))
		}
		return "map{" + strings.Join(parts, ", ") + "}"
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = show(e)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case tagjson.Tuple:
		return "Tuple" + show([]any(x))
	}
	return fmt.Sprintf("%T(%v)", v, v)
}
