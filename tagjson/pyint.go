package tagjson

import (
	"math/big"
	"strings"
	"unicode/utf8"
)

// pyStrip removes Python whitespace (pyIsSpace) from both ends of s.
func pyStrip(s string) string {
	return strings.TrimFunc(s, pyIsSpace)
}

// pySplit is Python's str.split() without arguments: the words of s
// between runs of Python whitespace.
func pySplit(s string) []string {
	return strings.FieldsFunc(s, pyIsSpace)
}

// pyInt is Python's int(s) for base 10 or 16 (where a 0x prefix is also
// accepted): surrounding whitespace, a sign, any Unicode decimal digits
// (and ASCII letters a-f for base 16), single underscores between digits.
// ok is false where Python raises ValueError, including more than
// DefaultMaxIntDigits digits (Python 3.11's limit; base 10 only).
func pyInt(s string, base int) (n *big.Int, ok bool) {
	s = pyStrip(s)
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	afterPrefix := false
	if base == 16 && len(s) >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X') {
		s, afterPrefix = s[2:], true
	}
	digits := make([]byte, 0, len(s))
	prevDigit := afterPrefix // an underscore may follow the prefix
	for _, r := range s {
		if r == '_' {
			if !prevDigit {
				return nil, false
			}
			prevDigit = false
			continue
		}
		var c byte
		if d, isDec := pyDecimal(r); isDec {
			c = byte('0' + d)
		} else if base == 16 && r < utf8.RuneSelf && ('a' <= r|0x20 && r|0x20 <= 'f') {
			c = byte(r)
		} else {
			return nil, false
		}
		digits = append(digits, c)
		prevDigit = true
	}
	if len(digits) == 0 || !prevDigit {
		return nil, false
	}
	if base == 10 && len(digits) > DefaultMaxIntDigits {
		return nil, false
	}
	n, ok = new(big.Int).SetString(string(digits), base)
	if ok && neg {
		n.Neg(n)
	}
	return n, ok
}
