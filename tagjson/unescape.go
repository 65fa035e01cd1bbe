package tagjson

import (
	"fmt"
	"unicode/utf16"
	"unicode/utf8"
)

// str parses a string at d.pos (a '"'). Without escapes it returns a
// substring of the input.
func (d *decoder) str() (string, error) {
	s := d.s
	start := d.pos + 1
	for i := start; i < len(s); {
		i = skipDecode(s, i)
		if i == len(s) {
			break
		}
		c := s[i]
		switch {
		case c == '"':
			d.pos = i + 1
			return s[start:i], nil
		case c == '\\':
			return d.strEscaped(start, i)
		case c < 0x20:
			return "", d.fail(ErrSyntax, i, fmt.Sprintf("invalid control character %q in string", c))
		case c < utf8.RuneSelf:
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				return "", d.fail(ErrInvalidUTF8, i, fmt.Sprintf("invalid UTF-8 byte %#02x in string", c))
			}
			i += size
		}
	}
	return "", d.fail(ErrSyntax, d.pos, "unterminated string")
}

// strEscaped continues str from the first backslash at i.
func (d *decoder) strEscaped(start, i int) (string, error) {
	s := d.s
	buf := append(d.scratch[:0], s[start:i]...)
	defer func() { d.scratch = buf[:0] }()
	for i < len(s) {
		c := s[i]
		switch {
		case c == '"':
			d.pos = i + 1
			return string(buf), nil
		case c == '\\':
			if i+1 == len(s) {
				return "", d.fail(ErrSyntax, start-1, "unterminated string")
			}
			esc := s[i+1]
			switch esc {
			case '"', '\\', '/':
				buf = append(buf, esc)
			case 'b':
				buf = append(buf, '\b')
			case 'f':
				buf = append(buf, '\f')
			case 'n':
				buf = append(buf, '\n')
			case 'r':
				buf = append(buf, '\r')
			case 't':
				buf = append(buf, '\t')
			case 'u':
				r, ok := hex4(s, i+2)
				if !ok {
					return "", d.fail(ErrSyntax, i, "invalid \\uXXXX escape")
				}
				if utf16.IsSurrogate(r) {
					lo, ok := hex4(s, i+8)
					if r >= 0xdc00 || !ok || s[i+6] != '\\' || s[i+7] != 'u' || lo < 0xdc00 || lo > 0xdfff {
						return "", d.fail(ErrInvalidUTF8, i, fmt.Sprintf("lone surrogate \\u%04x (Python accepts it, UTF-8 cannot hold it)", r))
					}
					r = utf16.DecodeRune(r, lo)
					i += 6
				}
				buf = utf8.AppendRune(buf, r)
				i += 6
				continue
			default:
				return "", d.fail(ErrSyntax, i, fmt.Sprintf("invalid escape %q", "\\"+string(rune(esc))))
			}
			i += 2
		case c < 0x20:
			return "", d.fail(ErrSyntax, i, fmt.Sprintf("invalid control character %q in string", c))
		case c < utf8.RuneSelf:
			buf = append(buf, c)
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				return "", d.fail(ErrInvalidUTF8, i, fmt.Sprintf("invalid UTF-8 byte %#02x in string", c))
			}
			buf = append(buf, s[i:i+size]...)
			i += size
		}
	}
	return "", d.fail(ErrSyntax, start-1, "unterminated string")
}

// hex4 reads the four hex digits at s[i:i+4].
func hex4(s string, i int) (rune, bool) {
	if i < 0 || i+4 > len(s) {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[i : i+4]) {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		case 'A' <= c && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}
