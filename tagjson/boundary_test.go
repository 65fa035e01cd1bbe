package tagjson_test

import (
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session/tagjson"
)

// Boundary tests: each limit at the limit and one over, and the edges of
// the decoder's byte classes, so that an off-by-one in a comparison fails.

func TestUnmarshalByteClassEdges(t *testing.T) {
	tests := []struct {
		in   string
		want error
	}{
		{"\x7f", tagjson.ErrSyntax},         // the last ASCII byte: a bad character
		{"\x80", tagjson.ErrInvalidUTF8},    // the first non-ASCII byte: invalid UTF-8
		{"\xef\xbf\xbd", tagjson.ErrSyntax}, // a real U+FFFD: valid UTF-8, not a value
		{"[1,\xc3\xa9]", tagjson.ErrSyntax},
		{"[1,\xc3]", tagjson.ErrInvalidUTF8},
	}
	for _, tt := range tests {
		_, err := tagjson.Unmarshal([]byte(tt.in))
		var de *tagjson.DecodeError
		if !errors.Is(err, tt.want) || !errors.As(err, &de) {
			t.Errorf("Unmarshal(%q) = %v, want %v", tt.in, err, tt.want)
		}
	}
}

func TestUnmarshalInt64Edges(t *testing.T) {
	tests := []struct {
		in    string
		isBig bool
	}{
		{"999999999999999999", false},   // 18 digits
		{"-999999999999999999", false},  // 18 digits
		{"1000000000000000000", false},  // 19 digits
		{"9223372036854775807", false},  // MaxInt64
		{"9223372036854775808", true},   // one over
		{"-9223372036854775808", false}, // MinInt64
		{"-9223372036854775809", true},  // one under
	}
	for _, tt := range tests {
		v, err := tagjson.Unmarshal([]byte(tt.in))
		if err != nil {
			t.Fatalf("Unmarshal(%s): %v", tt.in, err)
		}
		switch x := v.(type) {
		case int64:
			if tt.isBig || big.NewInt(x).String() != tt.in {
				t.Errorf("Unmarshal(%s) = int64 %d", tt.in, x)
			}
		case *big.Int:
			if !tt.isBig || x.String() != tt.in {
				t.Errorf("Unmarshal(%s) = big %s", tt.in, x)
			}
		default:
			t.Errorf("Unmarshal(%s) = %T", tt.in, v)
		}
	}
}

func TestCustomLimits(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	for _, tt := range []struct{ max, limit int }{{3, 3}, {1, 1}, {0, 64}, {-1, 64}} {
		s := tagjson.NewSerializer()
		s.MaxDepth = tt.max
		if _, err := s.Unmarshal([]byte(deep(tt.limit))); err != nil {
			t.Errorf("MaxDepth %d: %d levels: %v", tt.max, tt.limit, err)
		}
		if _, err := s.Unmarshal([]byte(deep(tt.limit + 1))); !errors.Is(err, tagjson.ErrDepth) {
			t.Errorf("MaxDepth %d: %d levels: %v, want ErrDepth", tt.max, tt.limit+1, err)
		}
		if _, err := s.Marshal(nest(tt.limit)); err != nil {
			t.Errorf("MaxDepth %d: Marshal %d levels: %v", tt.max, tt.limit, err)
		}
		if _, err := s.Marshal(nest(tt.limit + 1)); !errors.Is(err, tagjson.ErrDepth) {
			t.Errorf("MaxDepth %d: Marshal %d levels: %v, want ErrDepth", tt.max, tt.limit+1, err)
		}
	}
	// A tagged object is a level when decoding too.
	tagged := func(n int) string { return `{" t":` + deep(n-1) + `}` }
	if _, err := tagjson.Unmarshal([]byte(tagged(64))); err != nil {
		t.Errorf("tuple at 64 levels: %v", err)
	}
	if _, err := tagjson.Unmarshal([]byte(tagged(65))); !errors.Is(err, tagjson.ErrDepth) {
		t.Errorf("tuple at 65 levels: %v, want ErrDepth", err)
	}

	s := tagjson.NewSerializer()
	s.MaxIntDigits = 3
	for in, ok := range map[string]bool{"999": true, "-999": true, "1000": false, "-1000": false, "[0,1000]": false, "1000.5": true, "1e5": true} {
		_, err := s.Unmarshal([]byte(in))
		if ok && err != nil || !ok && !errors.Is(err, tagjson.ErrIntTooLarge) {
			t.Errorf("MaxIntDigits 3: Unmarshal(%s) = %v", in, err)
		}
	}
	s.MaxIntDigits = -1 // no limit
	if _, err := s.Unmarshal([]byte(strings.Repeat("7", 5000))); err != nil {
		t.Errorf("MaxIntDigits -1: %v", err)
	}
	s.MaxIntDigits = 0 // Python's 4300
	if _, err := s.Unmarshal([]byte(strings.Repeat("7", 4300))); err != nil {
		t.Errorf("MaxIntDigits 0, 4300 digits: %v", err)
	}
	if _, err := s.Unmarshal([]byte(strings.Repeat("7", 4301))); !errors.Is(err, tagjson.ErrIntTooLarge) {
		t.Errorf("MaxIntDigits 0, 4301 digits: %v", err)
	}
}

// TestUUIDEdges pins ParseUUID's length rule (32 characters after the
// removals, as Python counts them) and the 128-bit bound.
func TestUUIDEdges(t *testing.T) {
	tests := []struct {
		in   string
		want string // "" for an error
	}{
		{strings.Repeat("f", 32), strings.Repeat("f", 32)},
		{strings.Repeat("f", 31), ""},
		{strings.Repeat("f", 33), ""},
		{"0x" + strings.Repeat("f", 30), "00" + strings.Repeat("f", 30)},
		{"+" + strings.Repeat("1", 31), "0" + strings.Repeat("1", 31)},
		{"{{" + strings.Repeat("a", 32) + "}}", strings.Repeat("a", 32)},
		{"urn:uuid:" + strings.Repeat("A", 32), strings.Repeat("a", 32)},
		{"٣" + strings.Repeat("0", 31), "3" + strings.Repeat("0", 31)}, // a Unicode digit counts as one character
		{"é" + strings.Repeat("0", 31), ""},
		{"1_" + strings.Repeat("0", 30), "01" + strings.Repeat("0", 30)},
		{"_" + strings.Repeat("0", 31), ""},
		{strings.Repeat("0", 31) + "_", ""},
		{"1__" + strings.Repeat("0", 29), ""},
		{" " + strings.Repeat("0", 31), strings.Repeat("0", 32)},
		{"-" + strings.Repeat("0", 32) + "-", strings.Repeat("0", 32)},
		{"++" + strings.Repeat("f", 30), ""},     // one sign only
		{"\u0161" + strings.Repeat("0", 31), ""}, // U+0161's low byte is 'a'
		{"0X" + strings.Repeat("F", 30), "00" + strings.Repeat("f", 30)},
	}
	for _, tt := range tests {
		u, err := tagjson.ParseUUID(tt.in)
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("ParseUUID(%q) = %s, want an error", tt.in, u.Hex())
		case tt.want != "" && (err != nil || u.Hex() != tt.want):
			t.Errorf("ParseUUID(%q) = %s, %v; want %s", tt.in, u.Hex(), err, tt.want)
		}
	}
}

// TestMarshalSingleMemberMaps: a one-member map is escaped with " di" only
// when its name is a tag key, for map[string]string as for map[string]any.
func TestMarshalSingleMemberMaps(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{map[string]string{"a": "b"}, `{"a":"b"}`},
		{map[string]string{" t": "b"}, `{" di":{" t__":"b"}}`},
		{map[string]string{" t": "b", "c": "d"}, `{" t":"b","c":"d"}`},
		{map[string]any{"a": 1}, `{"a":1}`},
		{map[string]any{" d": 1}, `{" di":{" d__":1}}`},
		{map[string]any{" x": 1}, `{" x":1}`},
	}
	for _, tt := range tests {
		if got, err := tagjson.Marshal(tt.in); err != nil || string(got) != tt.want {
			t.Errorf("Marshal(%v) = %s, %v; want %s", tt.in, got, err, tt.want)
		}
	}
}

// TestCustomTagDepth: a custom tag's object counts as one level, at the
// limit and one over.
func TestCustomTagDepth(t *testing.T) {
	type point struct{ X int }
	s := tagjson.NewSerializer()
	s.MaxDepth = 1
	tag := &testTag{key: " p",
		check:  func(v any) bool { _, ok := v.(point); return ok },
		toJSON: func(v any) (any, error) { return v.(point).X, nil },
		toGo:   identity}
	if err := s.Register(tag, tagjson.At(0)); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Marshal(point{7}); err != nil || string(got) != `{" p":7}` {
		t.Errorf("one level: %s, %v", got, err)
	}
	if _, err := s.Marshal([]any{point{7}}); !errors.Is(err, tagjson.ErrDepth) {
		t.Errorf("two levels with MaxDepth 1: %v, want ErrDepth", err)
	}
}

// TestMarshalTypedListDepth: []string and map[string]string count as a
// level like []any, at the limit and one over.
func TestMarshalTypedListDepth(t *testing.T) {
	wrap := func(v any, n int) any {
		for range n {
			v = []any{v}
		}
		return v
	}
	// Tagged scalars are one level: {" b": "..."}.
	date := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	for _, inner := range []any{[]string{"a"}, map[string]string{"a": "b"}, []any{"a"}, map[string]any{"a": "b"},
		[]byte("x"), tagjson.Markup("x"), tagjson.UUID{}, date} {
		if _, err := tagjson.Marshal(wrap(inner, 63)); err != nil {
			t.Errorf("%T at level 64: %v", inner, err)
		}
		if _, err := tagjson.Marshal(wrap(inner, 64)); !errors.Is(err, tagjson.ErrDepth) {
			t.Errorf("%T at level 65: %v, want ErrDepth", inner, err)
		}
	}
}

// TestMarshalTagDictDepth: {" di": {" t__": v}} is two levels.
func TestMarshalTagDictDepth(t *testing.T) {
	for _, inner := range []any{map[string]any{" t": 1}, map[string]string{" t": "x"}} {
		v, w := any(inner), any(inner)
		for range 62 {
			v = []any{v}
		}
		for range 63 {
			w = []any{w}
		}
		if _, err := tagjson.Marshal(v); err != nil {
			t.Errorf("%T escaped at level 63-64: %v", inner, err)
		}
		if _, err := tagjson.Marshal(w); !errors.Is(err, tagjson.ErrDepth) {
			t.Errorf("%T escaped at level 64-65: %v, want ErrDepth", inner, err)
		}
	}
}

// TestMarshalInvalidUTF8KeyPrefixes: a name that is a prefix of another
// sorts first, also when the shared part holds invalid bytes.
func TestMarshalInvalidUTF8KeyPrefixes(t *testing.T) {
	tests := []struct {
		in   map[string]any
		want string
	}{
		{map[string]any{"\xffa": 2, "\xff": 1}, `{"\ufffd":1,"\ufffda":2}`},
		{map[string]any{"a\xff": 1, "a": 0, "a\xffb": 2}, `{"a":0,"a\ufffd":1,"a\ufffdb":2}`},
		{map[string]any{"\xff\xff": 2, "\xff": 1, "\xffé": 3}, `{"\ufffd":1,"\ufffd\u00e9":3,"\ufffd\ufffd":2}`},
	}
	for _, tt := range tests {
		for range 10 { // map order is random
			if got, err := tagjson.Marshal(tt.in); err != nil || string(got) != tt.want {
				t.Fatalf("Marshal = %s, %v; want %s", got, err, tt.want)
			}
		}
	}
}
