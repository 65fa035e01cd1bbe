package tagjson_test

import (
	"encoding/json"
	"errors"
	"math"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session/tagjson"
)

// Every "want" below is what Python printed for the same value with
// Flask 2.2.2's TaggedJSONSerializer inside an app context (Python 3.11).

func TestMarshalStrings(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", `""`},
		{"plain", `"plain"`},
		{`"`, `"\""`},
		{`\`, `"\\"`},
		{"/", `"/"`},
		{"<>&'", `"<>&'"`},
		{"\n\r\t\b\f", `"\n\r\t\b\f"`},
		{"\x00\x01\x1f", `"\u0000\u0001\u001f"`},
		{"\x7f", `"\u007f"`},
		{"\u0080", `"\u0080"`},
		{"é", `"\u00e9"`},
		{"Zoë", `"Zo\u00eb"`},
		{"\u2028\u2029", `"\u2028\u2029"`},
		{"\ufeff", `"\ufeff"`},
		{"\uffff", `"\uffff"`},
		{"😀", `"\ud83d\ude00"`},
		{"\U00010000", `"\ud800\udc00"`},
		{"\U0010ffff", `"\udbff\udfff"`},
		{"a\x00b", `"a\u0000b"`},
		{"日本語", `"\u65e5\u672c\u8a9e"`},
		{" t", `" t"`},
		{"\ud7ff\ue000", `"\ud7ff\ue000"`},
	}
	for _, tt := range tests {
		got, err := tagjson.Marshal(tt.in)
		if err != nil {
			t.Errorf("Marshal(%q): %v", tt.in, err)
			continue
		}
		if string(got) != tt.want {
			t.Errorf("Marshal(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestMarshalFloats(t *testing.T) {
	tenth, sevenTenths := 0.1, 0.7 // variables: constant arithmetic is exact
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{1, "1.0"},
		{-1, "-1.0"},
		{0.1, "0.1"},
		{0.2, "0.2"},
		{tenth + 0.2, "0.30000000000000004"},
		{1.0 / 3, "0.3333333333333333"},
		{2.0 / 3, "0.6666666666666666"},
		{3.14159, "3.14159"},
		{1e16, "1e+16"},
		{1e15, "1000000000000000.0"},
		{9999999999999998.0, "9999999999999998.0"},
		{1234567890123456.0, "1234567890123456.0"},
		{12345678901234567.0, "1.2345678901234568e+16"},
		{123456789012345680.0, "1.2345678901234568e+17"},
		{1e17, "1e+17"},
		{1e21, "1e+21"},
		{1e22, "1e+22"},
		{1e23, "1e+23"},
		{1e-4, "0.0001"},
		{1e-05, "1e-05"},
		{0.00012345, "0.00012345"},
		{1.5e-5, "1.5e-05"},
		{1e-7, "1e-07"},
		{5e-324, "5e-324"},
		{2.2250738585072014e-308, "2.2250738585072014e-308"},
		{1.7976931348623157e+308, "1.7976931348623157e+308"},
		{1e100, "1e+100"},
		{1.2345e-100, "1.2345e-100"},
		{-1e-300, "-1e-300"},
		{100, "100.0"},
		{1e5, "100000.0"},
		{123456.789, "123456.789"},
		{0.5, "0.5"},
		{2.5, "2.5"},
		{1 << 53, "9007199254740992.0"},
		{1 << 63, "9.223372036854776e+18"},
		{1 << 64, "1.8446744073709552e+19"},
		{4.35, "4.35"},
		{tenth + sevenTenths, "0.7999999999999999"},
		{math.Inf(1), "Infinity"},
		{math.Inf(-1), "-Infinity"},
		{math.NaN(), "NaN"},
		{1.1, "1.1"},
		{100.5, "100.5"},
		{1e16 + 2, "1.0000000000000002e+16"},
		{0.001, "0.001"},
		{1234.5e-10, "1.2345e-07"},
		{7e22, "7e+22"},
		{6.02214076e23, "6.02214076e+23"},
		{1.602176634e-19, "1.602176634e-19"},
		{999999999999999.9, "999999999999999.9"},
		{9999999999999999.0, "1e+16"},
		{0.9999999999999999, "0.9999999999999999"},
	}
	for _, tt := range tests {
		got, err := tagjson.Marshal(tt.in)
		if err != nil {
			t.Errorf("Marshal(%v): %v", tt.in, err)
			continue
		}
		if string(got) != tt.want {
			t.Errorf("Marshal(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func bigInt(s string) *big.Int {
	b, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return b
}

func TestMarshalInts(t *testing.T) {
	tests := []struct {
		in   any
		want string
	}{
		{0, "0"},
		{-1, "-1"},
		{int64(math.MaxInt64), "9223372036854775807"},
		{int64(math.MinInt64), "-9223372036854775808"},
		{uint64(1 << 63), "9223372036854775808"},
		{uint64(math.MaxUint64), "18446744073709551615"},
		{bigInt("18446744073709551616"), "18446744073709551616"},
		{bigInt("-18446744073709551617"), "-18446744073709551617"},
		{new(big.Int).Lsh(big.NewInt(1), 70), "1180591620717411303424"},
		{bigInt("1" + strings.Repeat("0", 30)), "1" + strings.Repeat("0", 30)},
		{bigInt("-1" + strings.Repeat("0", 40)), "-1" + strings.Repeat("0", 40)},
		{*big.NewInt(5), "5"},
		{(*big.Int)(nil), "null"},
		{int8(-8), "-8"},
		{int16(-16), "-16"},
		{int32(-32), "-32"},
		{uint(7), "7"},
		{uint8(8), "8"},
		{uint16(16), "16"},
		{uint32(32), "32"},
	}
	for _, tt := range tests {
		got, err := tagjson.Marshal(tt.in)
		if err != nil {
			t.Errorf("Marshal(%v): %v", tt.in, err)
			continue
		}
		if string(got) != tt.want {
			t.Errorf("Marshal(%v) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

func TestMarshalIntDigitLimit(t *testing.T) {
	ok := bigInt(strings.Repeat("9", 4300))
	if _, err := tagjson.Marshal(ok); err != nil {
		t.Errorf("4300 digits: %v", err)
	}
	if _, err := tagjson.Marshal(new(big.Int).Neg(ok)); err != nil {
		t.Errorf("-4300 digits (the sign does not count): %v", err)
	}
	tooLong := new(big.Int).Add(ok, big.NewInt(1)) // 10**4300: 4301 digits
	if _, err := tagjson.Marshal(tooLong); !errors.Is(err, tagjson.ErrIntTooLarge) {
		t.Errorf("4301 digits: err = %v, want ErrIntTooLarge", err)
	}
	huge := new(big.Int).Lsh(big.NewInt(1), 1<<20)
	if _, err := tagjson.Marshal(huge); !errors.Is(err, tagjson.ErrIntTooLarge) {
		t.Errorf("2**(2**20): err = %v, want ErrIntTooLarge", err)
	}
	if _, err := tagjson.Marshal(json.Number(strings.Repeat("1", 4301))); !errors.Is(err, tagjson.ErrIntTooLarge) {
		t.Errorf("json.Number of 4301 digits: err = %v, want ErrIntTooLarge", err)
	}

	s := tagjson.NewSerializer()
	s.MaxIntDigits = 3
	if _, err := s.Marshal(1000); !errors.Is(err, tagjson.ErrIntTooLarge) {
		t.Errorf("MaxIntDigits 3, 1000: err = %v", err)
	}
	if got, err := s.Marshal(-999); err != nil || string(got) != "-999" {
		t.Errorf("MaxIntDigits 3, -999: %s, %v", got, err)
	}
	s.MaxIntDigits = -1
	if _, err := s.Marshal(tooLong); err != nil {
		t.Errorf("no limit: %v", err)
	}
}

func TestMarshalTags(t *testing.T) {
	u, _ := tagjson.ParseUUID("12345678-1234-5678-1234-567812345678")
	est := time.FixedZone("EST", -5*3600)
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"tuple", tagjson.Tuple{1, "two", 3.5, nil}, `{" t":[1,"two",3.5,null]}`},
		{"empty tuple", tagjson.Tuple{}, `{" t":[]}`},
		{"nested tuple", tagjson.Tuple{tagjson.Tuple{1}, []any{tagjson.Tuple{}}}, `{" t":[{" t":[1]},[{" t":[]}]]}`},
		{"bytes", []byte("\x00\xff binary"), `{" b":"AP8gYmluYXJ5"}`},
		{"bytes padding", []byte{0xfb}, `{" b":"+w=="}`},
		{"empty bytes", []byte{}, `{" b":""}`},
		{"nil bytes", []byte(nil), `{" b":""}`},
		{"markup", tagjson.Markup("<b>bold</b> &amp;"), `{" m":"<b>bold</b> &amp;"}`},
		{"uuid", u, `{" u":"12345678123456781234567812345678"}`},
		{"datetime", time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), `{" d":"Tue, 02 Jan 2024 03:04:05 GMT"}`},
		{"datetime truncated", time.Date(2024, 1, 2, 3, 4, 5, 999999999, time.UTC), `{" d":"Tue, 02 Jan 2024 03:04:05 GMT"}`},
		{"datetime zone", time.Date(2024, 1, 2, 3, 4, 5, 999999, est), `{" d":"Tue, 02 Jan 2024 08:04:05 GMT"}`},
		{"datetime year 100", time.Date(100, 1, 1, 0, 0, 0, 0, time.UTC), `{" d":"Fri, 01 Jan 0100 00:00:00 GMT"}`},
		{"datetime year 9999", time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), `{" d":"Fri, 31 Dec 9999 23:59:59 GMT"}`},
		// A dict whose only key is a tag key is escaped with " di".
		{"tag-like key", map[string]any{" t": 1}, `{" di":{" t__":1}}`},
		{"suffixed key", map[string]any{" t__": 1}, `{" t__":1}`},
		{"di key", map[string]any{" di": 1}, `{" di":{" di__":1}}`},
		{"di in di", map[string]any{" di": map[string]any{" t": 1}}, `{" di":{" di__":{" di":{" t__":1}}}}`},
		{"unknown tag key", map[string]any{" x": 1}, `{" x":1}`},
		{"tag-like key, tuple", map[string]any{" t": tagjson.Tuple{1}}, `{" di":{" t__":{" t":[1]}}}`},
		{"nested tag-like key", map[string]any{"a": map[string]any{" b": []byte("x")}}, `{"a":{" di":{" b__":{" b":"eA=="}}}}`},
		{"in a list", []any{map[string]any{" m": "x"}}, `[{" di":{" m__":"x"}}]`},
		{"map[string]string tag key", map[string]string{" u": "x"}, `{" di":{" u__":"x"}}`},
		{"two tag keys", map[string]any{" t": 1, " b": 2}, `{" b":2," t":1}`},
		// Keys sorted by code point.
		{"sorting", map[string]any{"b": 1, "a": 2, "é": 3, "z": 4, "😀": 5, "\uffff": 6}, `{"a":2,"b":1,"z":4,"\u00e9":3,"\uffff":6,"\ud83d\ude00":5}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tagjson.Marshal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

type role string

type profile struct {
	Name  string            `json:"name"`
	Age   int               `json:"age"`
	Score float64           `json:"score"`
	Tags  []string          `json:"tags,omitempty"`
	Extra map[string]string `json:"extra"`
}

type level int

func (l level) MarshalJSON() ([]byte, error) { return json.Marshal("level-" + string(rune('0'+l))) }

func TestMarshalGoTypes(t *testing.T) {
	d := time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)
	n := 5
	var nilPtr *int
	tests := []struct {
		name string
		in   any
		want string
	}{
		{"[]string", []string{"a", "é"}, `["a","\u00e9"]`},
		{"map[string]string", map[string]string{"b": "1", "a": "2"}, `{"a":"2","b":"1"}`},
		{"map[string]int", map[string]int{"b": 1, "a": 2}, `{"a":2,"b":1}`},
		{"map[string]int tag key", map[string]int{" t": 1}, `{" di":{" t__":1}}`},
		{"[]int", []int{3, 1, 2}, `[3,1,2]`},
		{"[2]int", [2]int{1, 2}, `[1,2]`},
		{"nil []any", []any(nil), `[]`},
		{"nil map", map[string]any(nil), `{}`},
		{"nil []int", []int(nil), `[]`},
		{"map of times keeps tags", map[string]time.Time{"t": d}, `{"t":{" d":"Tue, 02 Jan 2024 03:04:05 GMT"}}`},
		{"slice of tuples keeps tags", []tagjson.Tuple{{1}, {2}}, `[{" t":[1]},{" t":[2]}]`},
		{"[][]byte", [][]byte{[]byte("x")}, `[{" b":"eA=="}]`},
		{"named string", role("admin"), `"admin"`},
		{"named byte slice", json.RawMessage(`{"a":1}`), `{"a":1}`},
		{"pointer", &n, `5`},
		{"nil pointer", nilPtr, `null`},
		{"*time.Time", &d, `{" d":"Tue, 02 Jan 2024 03:04:05 GMT"}`},
		{"float32", float32(0.1), `0.1`},
		{"float32 whole", float32(3), `3.0`},
		{"float32 inf", float32(math.Inf(-1)), `-Infinity`},
		{"json.Number int", json.Number("42"), `42`},
		{"json.Number -0", json.Number("-0"), `0`},
		{"json.Number float", json.Number("1e16"), `1e+16`},
		{"json.Number big", json.Number("123456789012345678901234567890"), `123456789012345678901234567890`},
		{"json.Number overflow", json.Number("1e400"), `Infinity`},
		{"struct", profile{Name: "alice", Age: 30, Score: 1, Extra: map[string]string{"z": "<&>"}}, `{"age":30,"extra":{"z":"<&>"},"name":"alice","score":1}`},
		{"struct pointer", &profile{Name: "bob", Score: 0.5}, `{"age":0,"extra":null,"name":"bob","score":0.5}`},
		{"json.Marshaler", level(3), `"level-3"`},
		{"json.Marshaler in map", map[string]level{"l": 1}, `{"l":"level-1"}`},
		{"map with int keys", map[int]string{2: "b", 10: "a"}, `{"10":"a","2":"b"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tagjson.Marshal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestMarshalErrors(t *testing.T) {
	type withChan struct{ C chan int }
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	tests := []struct {
		name string
		in   any
		want error
	}{
		{"chan", make(chan int), tagjson.ErrUnsupportedType},
		{"func", func() {}, tagjson.ErrUnsupportedType},
		{"complex", complex(1, 2), tagjson.ErrUnsupportedType},
		{"chan in map", map[string]any{"c": make(chan int)}, tagjson.ErrUnsupportedType},
		{"chan in struct", withChan{}, tagjson.ErrUnsupportedType},
		{"bad json.Number", json.Number("1x"), tagjson.ErrUnsupportedType},
		{"year 1 (Flask reads 2001)", time.Time{}, tagjson.ErrUnsupportedType},
		{"year 99", time.Date(99, 1, 1, 0, 0, 0, 0, time.UTC), tagjson.ErrUnsupportedType},
		{"year 10000", time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), tagjson.ErrUnsupportedType},
		{"cycle", cyclic, tagjson.ErrDepth},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tagjson.Marshal(tt.in)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Marshal = %s, %v; want error %v", got, err, tt.want)
			}
			if !strings.HasPrefix(err.Error(), "tagjson: ") {
				t.Errorf("message %q lacks the tagjson: prefix", err)
			}
			// Append leaves dst alone on error.
			dst := []byte("keep")
			if out, _ := tagjson.Append(dst, tt.in); string(out) != "keep" {
				t.Errorf("Append on error returned %q", out)
			}
		})
	}
}

// nest builds n levels: lists, then a tuple, then maps.
func nest(n int) any {
	var v any = 1
	for range n {
		v = []any{v}
	}
	return v
}

func TestMarshalDepth(t *testing.T) {
	if _, err := tagjson.Marshal(nest(64)); err != nil {
		t.Errorf("64 levels: %v", err)
	}
	if _, err := tagjson.Marshal(nest(65)); !errors.Is(err, tagjson.ErrDepth) {
		t.Errorf("65 levels: err = %v, want ErrDepth", err)
	}
	// A tuple is two levels of JSON: {" t": [...]}.
	if _, err := tagjson.Marshal(tagjson.Tuple{nest(62)}); err != nil {
		t.Errorf("tuple around 62 levels: %v", err)
	}
	if _, err := tagjson.Marshal(tagjson.Tuple{nest(63)}); !errors.Is(err, tagjson.ErrDepth) {
		t.Errorf("tuple around 63 levels: err = %v, want ErrDepth", err)
	}
	s := tagjson.NewSerializer()
	s.MaxDepth = 2
	if _, err := s.Marshal(map[string]any{"a": []any{1}}); err != nil {
		t.Errorf("MaxDepth 2, two levels: %v", err)
	}
	if _, err := s.Marshal(map[string]any{"a": []byte("x")}); err != nil {
		t.Errorf("MaxDepth 2, bytes at level 2: %v", err)
	}
	if _, err := s.Marshal(map[string]any{"a": tagjson.Tuple{}}); !errors.Is(err, tagjson.ErrDepth) {
		t.Errorf("MaxDepth 2, tuple at level 2: err = %v, want ErrDepth", err)
	}
}

func TestAppendReusesBuffer(t *testing.T) {
	buf := make([]byte, 0, 256)
	buf = append(buf, "prefix:"...)
	out, err := tagjson.Append(buf, map[string]any{"a": 1})
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != `prefix:{"a":1}` || &out[0] != &buf[:1][0] {
		t.Errorf("Append = %q (same array: %v)", out, &out[0] == &buf[:1][0])
	}
}
