package tagjson_test

import (
	"errors"
	"math"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session/tagjson"
)

func TestUnmarshal(t *testing.T) {
	u, _ := tagjson.ParseUUID("0f8fad5b-d9cb-469f-a165-70867728950e")
	tests := []struct {
		in   string
		want any
	}{
		// What Python's json.loads accepts.
		{" {\"a\":1} \n", map[string]any{"a": int64(1)}},
		{"{ \"a\" :\t1 ,\r\n\"b\": [ ] }", map[string]any{"a": int64(1), "b": []any{}}},
		{`{"b":1,"a":2}`, map[string]any{"a": int64(2), "b": int64(1)}},
		{`{"a":1,"a":2}`, map[string]any{"a": int64(2)}},
		{`{}`, map[string]any{}},
		{"\"\x7f\"", "\x7f"},
		{`"é😀"`, "é😀"},
		{`"\u00E9\u00e9\/\"\\\b\f\n\r\t"`, "éé/\"\\\b\f\n\r\t"},
		{`"\ud83d\ude00"`, "😀"},
		{`"a\u0000b"`, "a\x00b"},
		{`true`, true},
		{`false`, false},
		{`null`, nil},
		{`0`, int64(0)},
		{`-0`, int64(0)},
		{`-0.0`, math.Copysign(0, -1)},
		{`1E5`, 1e5},
		{`1e+2`, 100.0},
		{`2.5e-3`, 0.0025},
		{`1.0`, 1.0},
		{`1e400`, math.Inf(1)},
		{`-1e400`, math.Inf(-1)},
		{`1e-400`, 0.0},
		{`NaN`, math.NaN()},
		{`Infinity`, math.Inf(1)},
		{`-Infinity`, math.Inf(-1)},
		{`[NaN,-Infinity]`, []any{math.NaN(), math.Inf(-1)}},
		{`9223372036854775807`, int64(math.MaxInt64)},
		{`-9223372036854775808`, int64(math.MinInt64)},
		{`9223372036854775808`, bigInt("9223372036854775808")},
		{`-9223372036854775809`, bigInt("-9223372036854775809")},
		{`123456789012345678`, int64(123456789012345678)},
		{strings.Repeat("9", 4300), bigInt(strings.Repeat("9", 4300))},
		{"-" + strings.Repeat("9", 4300), bigInt("-" + strings.Repeat("9", 4300))},
		// Tags, untagged bottom-up.
		{`{" t":[1,"two",3.5,null]}`, tagjson.Tuple{int64(1), "two", 3.5, nil}},
		{`{" t":[{" t":[1]},[{" t":[]}]]}`, tagjson.Tuple{tagjson.Tuple{int64(1)}, []any{tagjson.Tuple{}}}},
		{`{" b":"AP8gYmluYXJ5"}`, []byte("\x00\xff binary")},
		{`{" b":""}`, []byte{}},
		{`{" m":"<b>x</b>"}`, tagjson.Markup("<b>x</b>")},
		{`{" u":"0f8fad5bd9cb469fa16570867728950e"}`, u},
		{`{" u":"0f8fad5b-d9cb-469f-a165-70867728950e"}`, u}, // hyphens, as Python's UUID()
		{`{" u":"0F8FAD5BD9CB469FA16570867728950E"}`, u},
		{`{" d":"Tue, 02 Jan 2024 03:04:05 GMT"}`, time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)},
		{`{" d":"Fri, 31 Dec 9999 23:59:59 GMT"}`, time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC)},
		{`{" d":"Thu, 29 Feb 2024 00:00:00 GMT"}`, time.Date(2024, 2, 29, 0, 0, 0, 0, time.UTC)},
		// Python reads years 0001-0099 as two-digit years; so do we.
		{`{" d":"Sat, 01 Jan 0050 00:00:00 GMT"}`, time.Date(2050, 1, 1, 0, 0, 0, 0, time.UTC)},
		{`{" d":"Wed, 01 Jan 0070 00:00:00 GMT"}`, time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)},
		{`{" di":{" t__":[1,2]}}`, map[string]any{" t": []any{int64(1), int64(2)}}},
		{`{" di":{" t__":{" t":[1]}}}`, map[string]any{" t": tagjson.Tuple{int64(1)}}},
		{`{" di":{" di__":1}}`, map[string]any{" di": int64(1)}},
		{`{" t__":1}`, map[string]any{" t__": int64(1)}},
		{`{" x":1}`, map[string]any{" x": int64(1)}},
		{`{" t":[1],"x":2}`, map[string]any{" t": []any{int64(1)}, "x": int64(2)}},
		{`{" t":[1]," t":[2]}`, tagjson.Tuple{int64(2)}}, // one member after the last-wins rule
		{`{"a":{" m":"x"}}`, map[string]any{"a": tagjson.Markup("x")}},
	}
	for _, tt := range tests {
		got, err := tagjson.Unmarshal([]byte(tt.in))
		if err != nil {
			t.Errorf("Unmarshal(%.60q): %v", tt.in, err)
			continue
		}
		if !equal(got, tt.want) {
			t.Errorf("Unmarshal(%.60q) = %s, want %s", tt.in, show(got), show(tt.want))
		}
	}
}

func TestUnmarshalErrors(t *testing.T) {
	tests := []struct {
		in     string
		want   error
		offset int // -1: not checked
	}{
		// Python's json.loads rejects these too.
		{``, tagjson.ErrSyntax, 0},
		{`   `, tagjson.ErrSyntax, 3},
		{`{"a":1}x`, tagjson.ErrSyntax, 7},
		{"\ufeff{}", tagjson.ErrSyntax, 0},
		{`{"a":1,}`, tagjson.ErrSyntax, 7},
		{`[1,]`, tagjson.ErrSyntax, 3},
		{"\"\x1f\"", tagjson.ErrSyntax, 1},
		{"\"a\nb\"", tagjson.ErrSyntax, 2},
		{`-NaN`, tagjson.ErrSyntax, 0},
		{`nan`, tagjson.ErrSyntax, 0},
		{`+1`, tagjson.ErrSyntax, 0},
		{`.5`, tagjson.ErrSyntax, 0},
		{`0x10`, tagjson.ErrSyntax, 1},
		{`01`, tagjson.ErrSyntax, 1},
		{`1.`, tagjson.ErrSyntax, 1},
		{`1.e5`, tagjson.ErrSyntax, 1},
		{`1e`, tagjson.ErrSyntax, 1},
		{`-`, tagjson.ErrSyntax, 0},
		{"\v1", tagjson.ErrSyntax, 0},
		{"\f1", tagjson.ErrSyntax, 0},
		{`1 2`, tagjson.ErrSyntax, 2},
		{`True`, tagjson.ErrSyntax, 0},
		{`nul`, tagjson.ErrSyntax, 0},
		{`[1 2]`, tagjson.ErrSyntax, 3},
		{`{1:2}`, tagjson.ErrSyntax, 1},
		{`{"a"}`, tagjson.ErrSyntax, 4},
		{`{"a" 1}`, tagjson.ErrSyntax, 5},
		{`{"a":}`, tagjson.ErrSyntax, 5},
		{`{"a":1 "b":2}`, tagjson.ErrSyntax, 7},
		{`[`, tagjson.ErrSyntax, 1},
		{`{`, tagjson.ErrSyntax, 1},
		{`{"a":`, tagjson.ErrSyntax, 5},
		{`"abc`, tagjson.ErrSyntax, 0},
		{`"abc\`, tagjson.ErrSyntax, 0},
		{`"\x41"`, tagjson.ErrSyntax, 1},
		{`"\u12"`, tagjson.ErrSyntax, 1},
		{`"\u12g4"`, tagjson.ErrSyntax, 1},
		{`"\é"`, tagjson.ErrSyntax, 1},
		// Invalid UTF-8 (Python fails to decode the payload).
		{"\"\xff\"", tagjson.ErrInvalidUTF8, 1},
		{"\"\xc3\"", tagjson.ErrInvalidUTF8, 1},
		{"\"ok\xed\xa0\x80\"", tagjson.ErrInvalidUTF8, 3},   // an encoded surrogate
		{"\"\xf4\x90\x80\x80\"", tagjson.ErrInvalidUTF8, 1}, // above U+10FFFF
		{"\"\\n\xff\"", tagjson.ErrInvalidUTF8, 3},          // after an escape
		{"{\"a\":1}\xff", tagjson.ErrInvalidUTF8, 7},
		{"\xff", tagjson.ErrInvalidUTF8, 0},
		// Lone surrogates: Python accepts them, a Go string cannot hold them.
		{`"\ud800"`, tagjson.ErrInvalidUTF8, 1},
		{`"\udc00"`, tagjson.ErrInvalidUTF8, 1},
		{`"\ud800\u0041"`, tagjson.ErrInvalidUTF8, 1},
		{`"\ud800x"`, tagjson.ErrInvalidUTF8, 1},
		{`"\ud800\ud800"`, tagjson.ErrInvalidUTF8, 1},
		{`"a\ud83d"`, tagjson.ErrInvalidUTF8, 2},
		// Integers over Python's 4300 digits.
		{strings.Repeat("1", 4301), tagjson.ErrIntTooLarge, 0},
		{"[-" + strings.Repeat("1", 4301) + "]", tagjson.ErrIntTooLarge, 1},
		// Tagged values Flask fails on (HTTP 500); what it reads instead
		// of failing is in testdata/flask-malformed.json.
		{`{" b":5}`, tagjson.ErrBadTag, 0},
		{`{" b":"eA"}`, tagjson.ErrBadTag, 0},
		{`{" b":"eA-_"}`, tagjson.ErrBadTag, 0},
		{`[0,{" t":null}]`, tagjson.ErrBadTag, 3},
		{`{" u":"xyz"}`, tagjson.ErrBadTag, 0},
		{`{" u":5}`, tagjson.ErrBadTag, 0},
		{`{" u":"0f8fad5bd9cb469fa16570867728950"}`, tagjson.ErrBadTag, 0},
		{`{" di":5}`, tagjson.ErrBadTag, 0},
		{`{" di":{}}`, tagjson.ErrBadTag, 0},
		{`{" di":{" t":1}}`, tagjson.ErrBadTag, 7},   // the inner " t" fails first
		{`{" di":{" t":[1]}}`, tagjson.ErrBadTag, 0}, // the inner object is a tuple by then
	}
	for _, tt := range tests {
		got, err := tagjson.Unmarshal([]byte(tt.in))
		if !errors.Is(err, tt.want) {
			t.Errorf("Unmarshal(%.40q) = %s, %v; want %v", tt.in, show(got), err, tt.want)
			continue
		}
		var de *tagjson.DecodeError
		if !errors.As(err, &de) {
			t.Errorf("Unmarshal(%.40q): %T is not a *DecodeError", tt.in, err)
			continue
		}
		if tt.offset >= 0 && de.Offset != tt.offset {
			t.Errorf("Unmarshal(%.40q): offset %d, want %d (%v)", tt.in, de.Offset, tt.offset, err)
		}
		if !strings.HasPrefix(err.Error(), "tagjson: ") || !strings.Contains(err.Error(), "offset") {
			t.Errorf("Unmarshal(%.40q): message %q", tt.in, err)
		}
	}
}

func TestUnmarshalMap(t *testing.T) {
	for _, in := range []string{`[]`, `1`, `"s"`, `null`, `{" t":[1]}`, `{" b":""}`} {
		if m, err := tagjson.UnmarshalMap([]byte(in)); !errors.Is(err, tagjson.ErrNotObject) || m != nil {
			t.Errorf("UnmarshalMap(%s) = %v, %v; want ErrNotObject", in, m, err)
		}
	}
	// The whole session is tagged: a session {" t": [1, 2]} is an object.
	m, err := tagjson.UnmarshalMap([]byte(`{" di":{" t__":[1,2]}}`))
	if err != nil || len(m) != 1 {
		t.Fatalf("UnmarshalMap = %v, %v", m, err)
	}
	if _, err := tagjson.UnmarshalMap([]byte(`{"a":`)); !errors.Is(err, tagjson.ErrSyntax) {
		t.Errorf("syntax errors pass through: %v", err)
	}
}

func TestUnmarshalDepth(t *testing.T) {
	deep := func(n int) string { return strings.Repeat("[", n) + strings.Repeat("]", n) }
	if _, err := tagjson.Unmarshal([]byte(deep(64))); err != nil {
		t.Errorf("64 levels: %v", err)
	}
	_, err := tagjson.Unmarshal([]byte(deep(65)))
	var de *tagjson.DecodeError
	if !errors.Is(err, tagjson.ErrDepth) || !errors.As(err, &de) || de.Offset != 64 {
		t.Errorf("65 levels: %v", err)
	}
	objects := strings.Repeat(`{"a":`, 65) + "1" + strings.Repeat("}", 65)
	if _, err := tagjson.Unmarshal([]byte(objects)); !errors.Is(err, tagjson.ErrDepth) {
		t.Errorf("65 objects: %v", err)
	}
	s := tagjson.NewSerializer()
	s.MaxDepth = 1
	if _, err := s.Unmarshal([]byte(`{"a":[]}`)); !errors.Is(err, tagjson.ErrDepth) {
		t.Errorf("MaxDepth 1: %v", err)
	}
	if _, err := s.Unmarshal([]byte(`{"a":1}`)); err != nil {
		t.Errorf("MaxDepth 1, flat: %v", err)
	}
}

// TestUnmarshalLargeInputs: hostile inputs of 1 MiB are refused or read in
// bounded time and memory.
func TestUnmarshalLargeInputs(t *testing.T) {
	const mib = 1 << 20
	tests := []struct {
		name string
		in   string
		want error // nil: decodes
	}{
		{"open brackets", strings.Repeat("[", mib), tagjson.ErrDepth},
		{"open objects", strings.Repeat(`{"":`, mib/4), tagjson.ErrDepth},
		{"long integer", strings.Repeat("7", mib), tagjson.ErrIntTooLarge},
		{"long float", "0." + strings.Repeat("1", mib), nil},
		{"long string", `"` + strings.Repeat("a", mib) + `"`, nil},
		{"escaped string", `"` + strings.Repeat(`\u00e9`, mib/6) + `"`, nil},
		{"long array", "[" + strings.Repeat("1,", mib/2) + "1]", nil},
		{"many keys", "{" + manyKeys(mib/12) + "}", nil},
		{"unterminated string", `"` + strings.Repeat("a", mib), tagjson.ErrSyntax},
		{"whitespace", strings.Repeat(" ", mib), tagjson.ErrSyntax},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			_, err := tagjson.Unmarshal([]byte(tt.in))
			runtime.ReadMemStats(&after)
			if tt.want == nil && err != nil || tt.want != nil && !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			// The worst case is an array of small values: 2 input bytes
			// per 16-byte interface, plus the growth of the element stack.
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64*mib {
				t.Errorf("allocated %d MiB for a 1 MiB input", alloc/mib)
			}
		})
	}
}

func manyKeys(n int) string {
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(`"k`)
		for j := i; ; j /= 26 {
			b.WriteByte(byte('a' + j%26))
			if j < 26 {
				break
			}
		}
		b.WriteString(`":1`)
	}
	return b.String()
}

// TestTagLikeKeysRoundTrip: dicts whose only key looks like a tag survive,
// at the top level and nested (Flask's session_special_types).
func TestTagLikeKeysRoundTrip(t *testing.T) {
	for _, v := range []map[string]any{
		{" t": int64(1)},
		{" t__": int64(1)},
		{" di": int64(1)},
		{" di": map[string]any{" t": int64(1)}},
		{" b": "x"},
		{" m": map[string]any{" m": "x"}},
		{" d": []any{map[string]any{" u": "not a uuid"}}},
		{"outer": map[string]any{" t": tagjson.Tuple{int64(1), int64(2)}}},
	} {
		b, err := tagjson.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		got, err := tagjson.UnmarshalMap(b)
		if err != nil {
			t.Fatalf("UnmarshalMap(%s): %v", b, err)
		}
		if !equal(got, v) {
			t.Errorf("%s came back as %s", b, show(got))
		}
	}
}
