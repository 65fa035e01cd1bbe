package redisstore

import (
	"errors"
	"maps"
	"strings"
	"testing"
	"time"
)

// Times are stored as "<unix seconds>.<nine digits of nanoseconds>", exact
// for every time, the zero Time as "".
func TestTimeFormat(t *testing.T) {
	for _, c := range []struct {
		t    time.Time
		text string
	}{
		{time.Time{}, ""},
		{time.Unix(0, 0), "0.000000000"},
		{time.Unix(1, 1), "1.000000001"},
		{time.Unix(5, 123456789), "5.123456789"},
		{time.Unix(-1, 999999999), "-1.999999999"},
		{time.Unix(1<<40, 999999999), "1099511627776.999999999"},
	} {
		if got := formatTime(c.t); got != c.text {
			t.Errorf("formatTime(%v) = %q, want %q", c.t, got, c.text)
		}
		got, err := parseTime(c.text)
		if err != nil || !got.Equal(c.t) || got.IsZero() != c.t.IsZero() {
			t.Errorf("parseTime(%q) = %v, %v; want %v", c.text, got, err, c.t)
		}
	}
	for _, bad := range []string{"1", "1.5", "1.0000000001", "x.000000000", "1.00000000x", ".000000000", "1.-00000001", "1.+00000001", "+1.000000000", " 1.000000000"} {
		if got, err := parseTime(bad); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), bad) {
			t.Errorf("parseTime(%q) = %v, %v; want ErrCorrupt naming it", bad, got, err)
		}
	}
}

// A hash this package did not write is ErrCorrupt, whichever field is
// wrong, never a record with a zero field.
func TestDecodeRecordCorrupt(t *testing.T) {
	good := []any{"3", "data", "alice", "1.000000000", "2.000000000", "3.000000000", `{"ua":"x"}`}
	rec, err := decodeRecord(good)
	if err != nil || rec.Version != 3 || string(rec.Data) != "data" || rec.Subject != "alice" ||
		!rec.Created.Equal(time.Unix(1, 0)) || !rec.LastSeen.Equal(time.Unix(2, 0)) || !rec.Expires.Equal(time.Unix(3, 0)) ||
		!maps.Equal(rec.Meta, map[string]string{"ua": "x"}) {
		t.Fatalf("decodeRecord(%q) = %+v, %v", good, rec, err)
	}
	with := func(i int, v any) []any {
		f := append([]any(nil), good...)
		f[i] = v
		return f
	}
	for name, f := range map[string][]any{
		"6 fields":      good[:6],
		"8 fields":      append(append([]any(nil), good...), "x"),
		"missing field": with(2, nil),
		"version":       with(0, "three"),
		"created":       with(3, "1"),
		"last seen":     with(4, "2.5"),
		"expires":       with(5, "x.000000000"),
		"meta":          with(6, "[1]"),
	} {
		if rec, err := decodeRecord(f); !errors.Is(err, ErrCorrupt) {
			t.Errorf("%s: decodeRecord = %+v, %v; want ErrCorrupt", name, rec, err)
		}
	}
}

// No metadata is stored as "" and read back as nil; an empty map is "{}".
func TestMetaFormat(t *testing.T) {
	if s, err := encodeMeta(nil); s != "" || err != nil {
		t.Errorf("encodeMeta(nil) = %q, %v", s, err)
	}
	if m, err := decodeMeta(""); m != nil || err != nil {
		t.Errorf("decodeMeta(\"\") = %v, %v", m, err)
	}
	if m, err := decodeMeta("{}"); m == nil || len(m) != 0 || err != nil {
		t.Errorf("decodeMeta(\"{}\") = %#v, %v", m, err)
	}
}
