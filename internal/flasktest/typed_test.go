package flasktest_test

import (
	"encoding/json"
	"math"
	"math/big"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sessionkit/session/internal/flasktest"
	"github.com/sessionkit/session/tagjson"
)

type vector struct {
	ID                string          `json:"id"`
	Kind              string          `json:"kind"`
	SecretKey         *key            `json:"secret_key"`
	Fallbacks         []key           `json:"secret_key_fallbacks"`
	Config            map[string]any  `json:"config"`
	Timestamp         int64           `json:"timestamp"`
	ViewAction        string          `json:"view_action"`
	SessionIn         json.RawMessage `json:"session_in"`
	SessionOut        json.RawMessage `json:"session_out"`
	SetCookie         string          `json:"set_cookie"`
	CookieValue       string          `json:"cookie_value"`
	ReencodeIdentical bool            `json:"reencode_identical"`
	Differs           map[string]any  `json:"flask_3_1_3_differs"`
	Wire              *struct {
		Compressed bool `json:"compressed"`
	} `json:"wire"`
	Verify *struct {
		Now    int64 `json:"now"`
		MaxAge int64 `json:"max_age"`
	} `json:"verify"`
}

type key struct {
	Str string `json:"str"`
	Hex string `json:"hex"`
}

func loadVectors(t *testing.T) []vector {
	t.Helper()
	data, err := os.ReadFile("../../testdata/flask-vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Vectors []vector `json:"vectors"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		t.Fatal(err)
	}
	return file.Vectors
}

// Every session Flask decoded in the vectors survives FromTyped then ToTyped
// unchanged (in canonical form).
func TestVectorsRoundTrip(t *testing.T) {
	n := 0
	for _, v := range loadVectors(t) {
		if len(v.SessionOut) == 0 || string(v.SessionOut) == "null" {
			continue
		}
		n++
		want, err := flasktest.Canonical(v.SessionOut)
		if err != nil {
			t.Fatalf("%s: Canonical: %v", v.ID, err)
		}
		val, err := flasktest.FromTyped(v.SessionOut)
		if err != nil {
			t.Errorf("%s: FromTyped: %v", v.ID, err)
			continue
		}
		got, err := flasktest.ToTyped(val)
		if err != nil {
			t.Errorf("%s: ToTyped: %v", v.ID, err)
			continue
		}
		if string(got) != string(want) {
			t.Errorf("%s:\n got %s\nwant %s", v.ID, got, want)
		}
	}
	if n < 40 {
		t.Fatalf("only %d vectors have session_out", n)
	}
}

func mustBig(s string) *big.Int {
	b, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic(s)
	}
	return b
}

func TestFromTyped(t *testing.T) {
	u, _ := tagjson.ParseUUID("12345678-1234-5678-1234-567812345678")
	tests := []struct {
		in   string
		want any
	}{
		{`"x"`, "x"},
		{`null`, nil},
		{`true`, true},
		{`9223372036854775807`, int64(math.MaxInt64)},
		{`-9223372036854775808`, int64(math.MinInt64)},
		{`9223372036854775808`, mustBig("9223372036854775808")},
		{`-9223372036854775809`, mustBig("-9223372036854775809")},
		{`1180591620717411303424`, mustBig("1180591620717411303424")},
		{`1.5`, 1.5},
		{`{"$float":"1e+16"}`, 1e16},
		{`{"$float":"inf"}`, math.Inf(1)},
		{`{"$float":"-inf"}`, math.Inf(-1)},
		{`{"$tuple":[]}`, tagjson.Tuple{}},
		{`{"$tuple":[1,[{"$tuple":["a"]}]]}`, tagjson.Tuple{int64(1), []any{tagjson.Tuple{"a"}}}},
		{`{"$bytes":"AAH/"}`, []byte{0, 1, 0xff}},
		{`{"$bytes":""}`, []byte{}},
		{`{"$markup":"<b>x</b>"}`, tagjson.Markup("<b>x</b>")},
		{`{"$uuid":"12345678-1234-5678-1234-567812345678"}`, u},
		{`{"$uuid":"12345678123456781234567812345678"}`, u},
		{`{"$datetime":"2024-01-02T03:04:05+00:00"}`, time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)},
		{`{"$datetime":"2024-01-02T05:04:05.25+02:00"}`, time.Date(2024, 1, 2, 3, 4, 5, 250000000, time.UTC)},
		{`{"$datetime":"1999-12-31T23:59:59"}`, time.Date(1999, 12, 31, 23, 59, 59, 0, time.UTC)},
		{`{"$datetime":"2024-01-02 03:04:05Z"}`, time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)},
		{`{"$datetime":"2024-01-02"}`, time.Date(2024, 1, 2, 0, 0, 0, 0, time.UTC)},
		{`{"$dict":{"$x":{"$tuple":[1]}}}`, map[string]any{"$x": tagjson.Tuple{int64(1)}}},
		{`{"$dict":{" t":[1]}}`, map[string]any{" t": []any{int64(1)}}},
		{`{" t":[1]}`, map[string]any{" t": []any{int64(1)}}},
		{`{"a":{"b":[null,false]},"$c":1}`, map[string]any{"a": map[string]any{"b": []any{nil, false}}, "$c": int64(1)}},
	}
	for _, tt := range tests {
		got, err := flasktest.FromTyped([]byte(tt.in))
		if err != nil {
			t.Errorf("FromTyped(%s): %v", tt.in, err)
			continue
		}
		if tm, ok := got.(time.Time); ok && tm.Location() != time.UTC {
			t.Errorf("FromTyped(%s): location %v, want UTC", tt.in, tm.Location())
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("FromTyped(%s) = %#v, want %#v", tt.in, got, tt.want)
		}
	}

	got, err := flasktest.FromTyped([]byte(`[{"$float":"nan"},{"$float":"-0.0"}]`))
	if err != nil {
		t.Fatal(err)
	}
	fs := got.([]any)
	if f := fs[0].(float64); !math.IsNaN(f) {
		t.Errorf("nan: got %v", f)
	}
	if f := fs[1].(float64); f != 0 || !math.Signbit(f) {
		t.Errorf("-0.0: got %v (signbit %v)", f, math.Signbit(f))
	}
}

func TestFromTypedErrors(t *testing.T) {
	for _, in := range []string{
		``,
		`{`,
		`{} {}`,
		`{"$nope":1}`,
		`{"$python":"Decimal('1')"}`,
		`{"$float":1.5}`,
		`{"$float":"one"}`,
		`{"$tuple":{}}`,
		`{"$bytes":"!!"}`,
		`{"$bytes":"AAE"}`,
		`{"$uuid":"1234"}`,
		`{"$datetime":"yesterday"}`,
		`{"$dict":[]}`,
		`{"$markup":null}`,
		`[{"$tuple":[{"$bad":0}]}]`,
	} {
		if v, err := flasktest.FromTyped([]byte(in)); err == nil {
			t.Errorf("FromTyped(%s) = %#v, want an error", in, v)
		}
	}
}

type named string

func TestToTyped(t *testing.T) {
	u, _ := tagjson.ParseUUID("0123456789abcdef0123456789ABCDEF")
	paris := time.FixedZone("CET", 3600)
	tests := []struct {
		in   any
		want string
	}{
		{nil, `null`},
		{map[string]any{}, `{}`},
		{[]any{}, `[]`},
		{true, `true`},
		{"plain </script> & 'q'", `"plain </script> & 'q'"`},
		{"é😀\x7f\x01\"\\\n\r\t\b\f/", `"\u00e9\ud83d\ude00\u007f\u0001\"\\\n\r\t\b\f/"`},
		{"\u2028\uffff", `"\u2028\uffff"`},
		{"bad\xffutf8", `"bad\ufffdutf8"`},
		{map[string]any{"b": 1, "a": 2, "é": 3, "Z": 4, "ab": 5, "😀": 6, "\uffff": 7}, `{"Z":4,"a":2,"ab":5,"b":1,"\u00e9":3,"\uffff":7,"\ud83d\ude00":6}`},
		{map[string]any{"$x": 1}, `{"$dict":{"$x":1}}`},
		{map[string]any{"$x": map[string]any{"$y": []any{}}}, `{"$dict":{"$x":{"$dict":{"$y":[]}}}}`},
		{map[string]any{"$x": 1, "y": 2}, `{"$x":1,"y":2}`},
		{map[string]any{" t": []any{1}}, `{" t":[1]}`},
		{int64(math.MinInt64), `-9223372036854775808`},
		{uint64(math.MaxUint64), `18446744073709551615`},
		{int8(-3), `-3`},
		{mustBig("-1180591620717411303424"), `-1180591620717411303424`},
		{*mustBig("1180591620717411303424"), `1180591620717411303424`},
		{json.Number("12"), `12`},
		{json.Number("1.50"), `{"$float":"1.5"}`},
		{1.0, `{"$float":"1.0"}`},
		{float32(0.5), `{"$float":"0.5"}`},
		{math.Copysign(0, -1), `{"$float":"-0.0"}`},
		{math.NaN(), `{"$float":"nan"}`},
		{math.Inf(-1), `{"$float":"-inf"}`},
		{1e16, `{"$float":"1e+16"}`},
		{tagjson.Tuple{1, "a", tagjson.Tuple{}}, `{"$tuple":[1,"a",{"$tuple":[]}]}`},
		{[]byte("\x00\x01\xff"), `{"$bytes":"AAH/"}`},
		{[]byte{}, `{"$bytes":""}`},
		{tagjson.Markup("<em>é</em>"), `{"$markup":"<em>\u00e9</em>"}`},
		{u, `{"$uuid":"01234567-89ab-cdef-0123-456789abcdef"}`},
		{time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC), `{"$datetime":"2024-01-02T03:04:05+00:00"}`},
		{time.Date(2024, 1, 2, 4, 4, 5, 123456789, paris), `{"$datetime":"2024-01-02T03:04:05.123456+00:00"}`},
		{time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC), `{"$datetime":"0001-01-01T00:00:00+00:00"}`},
		{[]string{"a", "b"}, `["a","b"]`},
		{[2]int{1, 2}, `[1,2]`},
		{map[string]string{"k": "v"}, `{"k":"v"}`},
		{map[named]named{"$k": "v"}, `{"$dict":{"$k":"v"}}`},
		{&[]any{1}, `[1]`},
		{(*int)(nil), `null`},
		{[]any(nil), `[]`},
		{[]string(nil), `[]`},
		{map[string]int(nil), `{}`},
	}
	for _, tt := range tests {
		got, err := flasktest.ToTyped(tt.in)
		if err != nil {
			t.Errorf("ToTyped(%#v): %v", tt.in, err)
			continue
		}
		if string(got) != tt.want {
			t.Errorf("ToTyped(%#v)\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
}

func TestToTypedErrors(t *testing.T) {
	cyclic := map[string]any{}
	cyclic["self"] = cyclic
	for _, in := range []any{
		make(chan int),
		map[int]string{1: "a"},
		struct{}{},
		time.Date(0, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC),
		[]any{func() {}},
		cyclic,
	} {
		if got, err := flasktest.ToTyped(in); err == nil {
			t.Errorf("ToTyped(%T) = %s, want an error", in, got)
		}
	}
}

func TestCanonical(t *testing.T) {
	tests := []struct{ in, want string }{
		{` { "b" : [ 1 , 2.50, -0, 1E2, 1e400 ], "a":"\u00E9\/" } `, `{"a":"\u00e9/","b":[1,2.5,0,100.0,Infinity]}`},
		{`{"$float":"1.0","x":{"$tuple":[]}}`, `{"$float":"1.0","x":{"$tuple":[]}}`},
		{`"😀"`, `"\ud83d\ude00"`},
		{`123456789012345678901234567890`, `123456789012345678901234567890`},
	}
	for _, tt := range tests {
		got, err := flasktest.Canonical([]byte(tt.in))
		if err != nil {
			t.Errorf("Canonical(%s): %v", tt.in, err)
			continue
		}
		if string(got) != tt.want {
			t.Errorf("Canonical(%s)\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
	if _, err := flasktest.Canonical([]byte(`[1,]`)); err == nil {
		t.Error("Canonical accepted invalid JSON")
	}
}

func TestTyped(t *testing.T) {
	if got := flasktest.Typed(t, map[string]any{"user": "alice"}); got != `{"user":"alice"}` {
		t.Errorf("Typed = %s", got)
	}
	if !strings.Contains(flasktest.Typed(t, []any{1.0}), "$float") {
		t.Error("Typed: float not tagged")
	}
}
