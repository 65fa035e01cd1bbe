package tagjson

import (
	"unicode/utf16"
	"unicode/utf8"
)

// Strings are written as Python's json.dumps(ensure_ascii=True) writes
// them: \" \\ \n \r \t \b \f, every other byte below 0x20 and 0x7F as
// \u00xx, every non-ASCII character as \uxxxx (lowercase hex), above U+FFFF
// as a surrogate pair. '/', '<', '>', '&' and '\'' are written as is.
//
// A Go string that is not valid UTF-8 is written as encoding/json writes
// it: each byte that does not start a valid UTF-8 sequence becomes U+FFFD
// (\ufffd), so a value taken from a request ("caf\xe9") can be saved and
// Flask reads it as "caf\ufffd".

// asciiSafe[c] is true for the bytes written unescaped: ASCII from 0x20 to
// 0x7e but '"' and '\\' (false for every byte from 0x80).
var asciiSafe = func() (t [256]bool) {
	for c := 0x20; c < 0x7f; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

const lowerHex = "0123456789abcdef"

func (e *encoder) str(s string) error {
	return e.strSuffix(s, "")
}

// strSuffix writes the string s+suffix (suffix is plain ASCII) without
// building it.
func (e *encoder) strSuffix(s, suffix string) error {
	e.buf = append(e.buf, '"')
	start := 0
	for i := 0; ; {
		// Skip what is written as it is: eight bytes at a time, then the
		// fewer than eight left (or none, at a byte to look at).
		i = skipEncode(s, i)
		for i < len(s) && asciiSafe[s[i]] {
			i++
		}
		if i == len(s) {
			break
		}
		c := s[i]
		e.buf = append(e.buf, s[start:i]...)
		if c < utf8.RuneSelf {
			switch c {
			case '"', '\\':
				e.buf = append(e.buf, '\\', c)
			case '\n':
				e.buf = append(e.buf, '\\', 'n')
			case '\r':
				e.buf = append(e.buf, '\\', 'r')
			case '\t':
				e.buf = append(e.buf, '\\', 't')
			case '\b':
				e.buf = append(e.buf, '\\', 'b')
			case '\f':
				e.buf = append(e.buf, '\\', 'f')
			default:
				e.buf = appendU(e.buf, rune(c))
			}
			i++
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			// An invalid byte (size 1) decodes as utf8.RuneError, U+FFFD,
			// which is what is written for it.
			if r > 0xffff {
				hi, lo := utf16.EncodeRune(r)
				e.buf = appendU(appendU(e.buf, hi), lo)
			} else {
				e.buf = appendU(e.buf, r)
			}
			i += size
		}
		start = i
	}
	e.buf = append(e.buf, s[start:]...)
	if suffix != "" {
		e.buf = append(e.buf, suffix...)
	}
	e.buf = append(e.buf, '"')
	return nil
}

// appendU appends \uxxxx for a rune at most 0xFFFF.
func appendU(dst []byte, r rune) []byte {
	return append(dst, '\\', 'u', lowerHex[r>>12&0xf], lowerHex[r>>8&0xf], lowerHex[r>>4&0xf], lowerHex[r&0xf])
}
