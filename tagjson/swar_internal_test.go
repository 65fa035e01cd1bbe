package tagjson

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

// TestSWARMatchesBytewise: the word tests agree with the byte-by-byte rules
// for every byte value at every position of a word, among fillers of every
// kind (plain, special, non-ASCII), and for random words.
func TestSWARMatchesBytewise(t *testing.T) {
	plainDec := func(c byte) bool { return c >= 0x20 && c < utf8.RuneSelf && c != '"' && c != '\\' }
	plainEnc := func(c byte) bool { return c < utf8.RuneSelf && asciiSafe[c] }
	check := func(w [8]byte) {
		t.Helper()
		s := string(w[:])
		firstDec, firstEnc := 8, 8
		for k := 7; k >= 0; k-- {
			if !plainDec(w[k]) {
				firstDec = k
			}
			if !plainEnc(w[k]) {
				firstEnc = k
			}
		}
		if got := skipDecode(s, 0); got != firstDec {
			t.Fatalf("decode stop in %q at %d, want %d", s, got, firstDec)
		}
		if got := skipEncode(s, 0); got != firstEnc {
			t.Fatalf("encode stop in %q at %d, want %d", s, got, firstEnc)
		}
	}
	for _, filler := range []byte{'a', ' ', '~', 0x7f, 0x80, 0xff, 0, 0x1f, '"', '\\', 0x21, 0x5b, 0x5d} {
		for pos := range 8 {
			for c := range 256 {
				var w [8]byte
				for k := range w {
					w[k] = filler
				}
				w[pos] = byte(c)
				check(w)
			}
		}
	}
	r := rand.New(rand.NewPCG(7, 7))
	for range 200000 {
		var w [8]byte
		for k := range w {
			switch r.IntN(4) {
			case 0:
				w[k] = byte(r.IntN(256))
			default:
				w[k] = byte(0x20 + r.IntN(0x5f))
			}
		}
		check(w)
	}
}

// TestLoad8 reads little-endian at any offset.
func TestLoad8(t *testing.T) {
	s := "\x01\x02\x03\x04\x05\x06\x07\x08\x09"
	if got := load8(s, 1); got != 0x0908070605040302 {
		t.Fatalf("load8 = %#x", got)
	}
}

// refEscape is Python's json.dumps(s) with ensure_ascii (Flask's session
// serializer), byte by byte: the reference for the word-at-a-time encoder.
func refEscape(s string) string {
	out := []byte{'"'}
	for _, r := range s { // an invalid byte reads as U+FFFD
		switch {
		case r == '"' || r == '\\':
			out = append(out, '\\', byte(r))
		case r == '\n':
			out = append(out, `\n`...)
		case r == '\r':
			out = append(out, `\r`...)
		case r == '\t':
			out = append(out, `\t`...)
		case r == '\b':
			out = append(out, `\b`...)
		case r == '\f':
			out = append(out, `\f`...)
		case r >= 0x20 && r < 0x7f:
			out = append(out, byte(r))
		case r > 0xffff:
			r -= 0x10000
			out = appendU(appendU(out, 0xd800+(r>>10)), 0xdc00+(r&0x3ff))
		default:
			out = appendU(out, r)
		}
	}
	return string(append(out, '"'))
}

// TestStringsAroundWords: every special byte or rune at every offset of
// strings up to three words long is written as Python writes it, and read
// back (plain and escaped forms) as the original, so the word-at-a-time
// paths cannot skip one.
func TestStringsAroundWords(t *testing.T) {
	specials := []string{`"`, `\`, "\n", "\x00", "\x1f", "\x7f", "é", "€", "😀", "\xff", "\xc3"}
	for n := 0; n <= 24; n++ {
		for pos := 0; pos <= n; pos++ {
			for _, sp := range specials {
				s := strings.Repeat("a", pos) + sp + strings.Repeat("b", n-pos)
				var e encoder
				if err := e.str(s); err != nil {
					t.Fatal(err)
				}
				want := refEscape(s)
				if string(e.buf) != want {
					t.Fatalf("encode %q = %s, want %s", s, e.buf, want)
				}
				// The escaped form reads back as written (invalid bytes as U+FFFD).
				d := decoder{s: want}
				if got, err := d.str(); err != nil || got != strings.ToValidUTF8(s, "\ufffd") {
					t.Fatalf("decode %s = %q, %v", want, got, err)
				}
				// The raw form: read as is when it is plain, refused when it
				// holds a control character or invalid UTF-8.
				if strings.ContainsAny(s, `"\`) {
					continue
				}
				d = decoder{s: `"` + s + `"`}
				got, err := d.str()
				bad := !utf8.ValidString(s) || strings.ContainsAny(s, "\n\x00\x1f")
				if bad != (err != nil) || (!bad && got != s) {
					t.Fatalf("decode raw %q = %q, %v", s, got, err)
				}
			}
		}
	}
}
