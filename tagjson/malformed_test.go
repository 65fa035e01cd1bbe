package tagjson_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"strings"
	"testing"

	"github.com/sessionkit/session/tagjson"
)

// malformedVector is one entry of testdata/flask-malformed.json, written by
// testdata/flask_malformed.py from real Flask (2.2.2, Python 3.11).
type malformedVector struct {
	In    string `json:"in"`
	Out   string `json:"out"`   // dumps(loads(in)) when Flask reads it
	Error string `json:"error"` // the exception loads raised (Flask: HTTP 500)
}

// TestFlaskMalformedVectors (issue 15): for every tag fed malformed content
// (wrong types, bad base64, UUID and date forms, nested tags, extra and
// duplicate members), Unmarshal yields what Flask's loads yields (the same
// value, written back to Flask's exact bytes; None where Werkzeug cannot
// parse a date) and fails with ErrBadTag exactly where Flask raises.
func TestFlaskMalformedVectors(t *testing.T) {
	b, err := os.ReadFile("testdata/flask-malformed.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct{ Vectors []malformedVector }
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Vectors) < 400 {
		t.Fatalf("only %d vectors", len(doc.Vectors))
	}
	for _, v := range doc.Vectors {
		checkLikeFlask(t, v.In, v.Out, v.Error)
	}
}

// checkLikeFlask checks Unmarshal(in) against Flask's outcome: out (its
// dumps of what it read) or errName (it raised).
func checkLikeFlask(t *testing.T, in, out, errName string) {
	t.Helper()
	got, err := tagjson.Unmarshal([]byte(in))
	if errName != "" {
		if !errors.Is(err, tagjson.ErrBadTag) {
			t.Errorf("%s: Flask raises %s; Unmarshal = %s, %v", in, errName, show(got), err)
		}
		return
	}
	if err != nil {
		t.Errorf("%s: Flask reads %s; Unmarshal: %v", in, out, err)
		return
	}
	back, err := tagjson.Marshal(got)
	if err != nil {
		t.Errorf("%s: Flask reads %s; Marshal(%s): %v", in, out, show(got), err)
		return
	}
	if string(back) != out {
		t.Errorf("%s:\n  Flask %s\n  Go    %s", in, out, back)
	}
}

// TestPythonReadsMalformedLikeGo (issue 15): random tagged objects with
// malformed payloads (every tag, random types, date, base64 and UUID
// look-alikes, nested tags) are read by real Flask and by Unmarshal; both
// yield the same value, or both fail.
func TestPythonReadsMalformedLikeGo(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 2))
	var in bytes.Buffer
	var sent []string
	for range 4000 {
		line := malformedInput(r)
		sent = append(sent, line)
		in.WriteString(line)
		in.WriteByte('\n')
	}
	got := python(t, in.Bytes(), "echo")
	if len(got) != len(sent) {
		t.Fatalf("python answered %d lines for %d", len(got), len(sent))
	}
	for i, line := range sent {
		if errName, failed := strings.CutPrefix(got[i], "ERROR "); failed {
			checkLikeFlask(t, line, "", errName)
		} else {
			checkLikeFlask(t, line, got[i], "")
		}
	}
}

var malformedTags = []string{" t", " b", " m", " u", " d", " di"}

// malformedInput is one line of tagged JSON with a malformed tag in it.
func malformedInput(r *rand.Rand) string {
	v := tagged(r, 0)
	switch r.IntN(4) {
	case 0:
		return `{"x":` + v + `}`
	case 1:
		return `[1,` + v + `]`
	case 2:
		return `{"a":` + v + `,` + jsonString(malformedTags[r.IntN(6)]) + `:` + payload(r, 1) + `}`
	}
	return v
}

func tagged(r *rand.Rand, depth int) string {
	tag := malformedTags[r.IntN(len(malformedTags))]
	var p string
	switch k := r.IntN(10); {
	case k < 4:
		p = payload(r, depth+1)
	case tag == " d" || k == 4:
		p = jsonString(dateLike(r))
	case tag == " b" || k == 5:
		p = jsonString(base64Like(r))
	case tag == " u" || k == 6:
		p = jsonString(uuidLike(r))
	default:
		p = payload(r, depth+1)
	}
	return `{` + jsonString(tag) + `:` + p + `}`
}

func payload(r *rand.Rand, depth int) string {
	n := 14
	if depth > 3 {
		n = 9
	}
	switch r.IntN(n) {
	case 0:
		return pick(r, "null", "true", "false")
	case 1:
		return pick(r, "0", "1", "-7", "12345678901234567890", "0.0", "-0.0", "1.5", "1e16", "1e-05", "NaN", "-Infinity")
	case 2:
		return jsonString(randomString(r))
	case 3:
		return jsonString(dateLike(r))
	case 4:
		return jsonString(base64Like(r))
	case 5:
		return jsonString(uuidLike(r))
	case 6:
		return jsonString(pick(r, "", "a", "ab", "'", `"'`, "\\", "\x00\n", "é😀"))
	case 7, 8:
		return `""`
	case 9, 10:
		return tagged(r, depth)
	case 11:
		parts := make([]string, r.IntN(4))
		for i := range parts {
			parts[i] = payload(r, depth+1)
		}
		return "[" + strings.Join(parts, ",") + "]"
	default:
		// Distinct names: Flask 2.2.2 untags a duplicate's earlier value
		// too (object_hook), Flask 3 only the last (see the package doc).
		keys := []string{"a", "b", "a__", " t__", " d", "z", "é", ""}
		r.Shuffle(len(keys), func(i, j int) { keys[i], keys[j] = keys[j], keys[i] })
		parts := make([]string, r.IntN(4))
		for i := range parts {
			parts[i] = jsonString(keys[i]) + ":" + payload(r, depth+1)
		}
		return "{" + strings.Join(parts, ",") + "}"
	}
}

func jsonString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func pick(r *rand.Rand, options ...string) string { return options[r.IntN(len(options))] }

// dateLike assembles a date from right and wrong parts, in any order.
func dateLike(r *rand.Rand) string {
	var parts []string
	if r.IntN(3) > 0 {
		parts = append(parts, pick(r, "Tue,", "Mon,", "tue", "TUE,", "Tuesday,", "Xyz,", "Tue", ",", "a,b"))
	}
	day := pick(r, "02", "2", "31", "0", "-1", "32", "99999999999", "1_0", "٠٢", "²", "+5")
	mon := pick(r, "Jan", "jan", "JANUARY", "Feb", "Xyz", "Dec", "")
	year := pick(r, "2024", "24", "69", "68", "0", "-5", "-1950", "0050", "10000", "2147483648", "99999999999999999999", "2024,", "x")
	tm := pick(r, "03:04:05", "03:04", "3:4:5", "24:00:00", "23:60:00", "23:59:60", "03.04.05", "03.04", "03:04:05,", "1:2:3:4", "", "03:04:-5")
	zone := pick(r, "GMT", "UTC", "gmt", "EST", "pdt", "XYZ", "+0200", "-0130", "-0000", "+0000", "-0", "+2400", "+2359", "+99999999999999", "+999999999999999999999", "", "Z", "EſT")
	if r.IntN(2) == 0 {
		parts = append(parts, day, mon)
	} else {
		parts = append(parts, mon, day)
	}
	if r.IntN(4) == 0 {
		parts = append(parts, tm, year)
	} else {
		parts = append(parts, year, tm)
	}
	if r.IntN(5) == 0 {
		parts[len(parts)-1] += zone // glued, as in 03:04:05+0200
	} else {
		parts = append(parts, zone)
	}
	if r.IntN(8) == 0 {
		parts = append(parts, "extra")
	}
	return strings.Join(parts, pick(r, " ", " ", " ", "  ", "\t", "\u00a0", "-"))
}

// base64Like mixes the alphabet, padding and foreign characters.
func base64Like(r *rand.Rand) string {
	const chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var b strings.Builder
	for range r.IntN(12) {
		switch k := r.IntN(12); {
		case k < 8:
			b.WriteByte(chars[r.IntN(len(chars))])
		case k < 10:
			b.WriteByte('=')
		default:
			b.WriteString(pick(r, " ", "\n", "-", "_", "!", "é", "\x00"))
		}
	}
	return b.String()
}

// uuidLike is about 32 hex digits with hyphens, braces, prefixes, signs,
// underscores, blanks and non-ASCII digits here and there.
func uuidLike(r *rand.Rand) string {
	const hexDigits = "0123456789abcdefABCDEF"
	var b strings.Builder
	n := 32 + r.IntN(3) - 1
	for i := range n {
		switch k := r.IntN(40); {
		case k == 0:
			b.WriteString(pick(r, "-", "_", " ", "{", "}", "g", "x", "+", "٣", "urn:", "uuid:"))
		case i == 0 && k == 1:
			b.WriteString(pick(r, "0x", "{", "urn:uuid:", " ", "+"))
		default:
			b.WriteByte(hexDigits[r.IntN(len(hexDigits))])
		}
	}
	return b.String()
}
