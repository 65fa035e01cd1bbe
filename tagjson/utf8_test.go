package tagjson_test

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/sessionkit/session/tagjson"
)

// valid is s as encoding/json writes it: each byte that does not start a
// valid UTF-8 sequence becomes U+FFFD (a []rune conversion does the same).
func valid(s string) string { return string([]rune(s)) }

var invalidUTF8 = []string{
	"caf\xe9",          // ?q=caf%E9: Latin-1 in a query string
	"\xff",             // never valid
	"\xc3",             // truncated two-byte sequence
	"a\xe2\x82b",       // truncated three-byte sequence, then ASCII
	"\xed\xa0\x80",     // an encoded surrogate: three invalid bytes
	"\xf4\x90\x80\x80", // above U+10FFFF: four invalid bytes
	"\xc0\xaf",         // overlong '/'
	"\x80\x80",         // lone continuation bytes
	"ok\xffé😀\xfe",     // mixed with valid multibyte runes
}

// TestMarshalInvalidUTF8 (issue 10): a Go string that is not UTF-8 is
// written as encoding/json writes it, each invalid byte as \ufffd, wherever
// it appears: values, map keys, tagged payloads, nested values, values
// that go through encoding/json.
func TestMarshalInvalidUTF8(t *testing.T) {
	type form struct {
		Q string `json:"q"`
	}
	for _, s := range invalidUTF8 {
		v := valid(s)
		tests := []struct {
			name     string
			in, want any
		}{
			{"string", s, v},
			{"value", map[string]any{"q": s}, map[string]any{"q": v}},
			{"key", map[string]any{s: 1}, map[string]any{v: 1}},
			{"nested", map[string]any{"a": []any{map[string]any{s: s}}}, map[string]any{"a": []any{map[string]any{v: v}}}},
			{"markup", tagjson.Markup(s), tagjson.Markup(v)},
			{"tuple", tagjson.Tuple{s}, tagjson.Tuple{v}},
			{"[]string", []string{s, "x"}, []string{v, "x"}},
			{"map[string]string", map[string]string{s: s}, map[string]string{v: v}},
			{"struct", form{s}, map[string]any{"q": v}},
			{"tag dict", map[string]any{" t": s}, map[string]any{" t": v}},
			{"named string", tagjson.Markup("m" + s), tagjson.Markup("m" + v)},
		}
		for _, tt := range tests {
			got, err := tagjson.Marshal(tt.in)
			if err != nil {
				t.Errorf("%s %q: Marshal: %v", tt.name, s, err)
				continue
			}
			want, err := tagjson.Marshal(tt.want)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s %q: Marshal = %s, want %s", tt.name, s, got, want)
			}
			back, err := tagjson.Unmarshal(got)
			if err != nil {
				t.Errorf("%s %q: Unmarshal(%s): %v", tt.name, s, got, err)
			}
			if _, err := json.Marshal(back); err != nil {
				t.Errorf("%s: %v", tt.name, err)
			}
		}
	}
	// The case of the issue, byte for byte.
	got, err := tagjson.Marshal(map[string]any{"q": "caf\xe9"})
	if err != nil || string(got) != `{"q":"caf\ufffd"}` {
		t.Errorf(`Marshal({"q": "caf\xe9"}) = %s, %v; want {"q":"caf\ufffd"}`, got, err)
	}
}

// TestMarshalInvalidUTF8KeyOrder: keys are sorted as written, so "\xff"
// (written \ufffd) sorts before U+10000 as Flask sorts "\ufffd", although
// its byte 0xff is above 0xf0; keys written alike come out in a fixed order.
func TestMarshalInvalidUTF8KeyOrder(t *testing.T) {
	m := map[string]any{"\xff": 1, "\U00010000": 2, "a": 3, "\uffff": 4, "\ufffc": 5}
	want := `{"a":3,"\ufffc":5,"\ufffd":1,"\uffff":4,"\ud800\udc00":2}`
	for range 20 { // map order is random
		got, err := tagjson.Marshal(m)
		if err != nil || string(got) != want {
			t.Fatalf("Marshal = %s, %v; want %s", got, err, want)
		}
	}
	dup := map[string]any{"\xff": 1, "\ufffd": 2, "\xfe": 3}
	first, err := tagjson.Marshal(dup)
	if err != nil {
		t.Fatal(err)
	}
	for range 20 {
		if got, _ := tagjson.Marshal(dup); !bytes.Equal(got, first) {
			t.Fatalf("Marshal of keys written alike is not stable: %s then %s", first, got)
		}
	}
	ms := map[string]string{"\xff": "x", "\U00010000": "y"}
	if got, err := tagjson.Marshal(ms); err != nil || string(got) != `{"\ufffd":"x","\ud800\udc00":"y"}` {
		t.Errorf("Marshal(map[string]string) = %s, %v", got, err)
	}
}

// TestPythonReadsInvalidUTF8: Flask reads what is written for invalid
// UTF-8 and writes it back byte for byte.
func TestPythonReadsInvalidUTF8(t *testing.T) {
	var in bytes.Buffer
	var sent []string
	for _, s := range invalidUTF8 {
		b, err := tagjson.Marshal(map[string]any{"q": s, s: []any{s, tagjson.Markup(s)}, "\U00010000": s})
		if err != nil {
			t.Fatal(err)
		}
		sent = append(sent, string(b))
		in.Write(b)
		in.WriteByte('\n')
	}
	got := python(t, in.Bytes(), "echo")
	if len(got) != len(sent) {
		t.Fatalf("python answered %d lines for %d", len(got), len(sent))
	}
	for i := range sent {
		if got[i] != sent[i] {
			t.Errorf("Flask re-encodes differently:\n  go %s\n  py %s", sent[i], got[i])
		}
	}
}
