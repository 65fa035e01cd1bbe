package tagjson

import (
	"errors"
	"math"
	"math/big"
	"sort"
	"strconv"
	"time"
	"unicode"
	"unicode/utf8"
)

// Python's str() and repr() of decoded values, for Flask's TagMarkup,
// which reads a payload that is not a string as Markup(str(payload)).

// errNeedOrder: the result depends on the order of an object's members,
// which the decoder keeps only when asked (see decoder.order).
var errNeedOrder = errors.New("tagjson: member order needed")

// pyPrintable is Python 3.11's str.isprintable for one character.
func pyPrintable(r rune) bool {
	if r < utf8.RuneSelf {
		return r >= 0x20 && r < 0x7f
	}
	if !unicode.IsPrint(r) {
		return false
	}
	i := sort.Search(len(pyNotPrintable), func(i int) bool { return pyNotPrintable[i][1] >= r })
	return i == len(pyNotPrintable) || r < pyNotPrintable[i][0]
}

// pyDecimal returns the value of a decimal digit (str.isdecimal).
func pyDecimal(r rune) (int, bool) {
	if '0' <= r && r <= '9' {
		return int(r - '0'), true
	}
	i := sort.Search(len(pyDecimalZeros), func(i int) bool { return pyDecimalZeros[i] > r }) - 1
	if i >= 0 && r-pyDecimalZeros[i] < 10 {
		return int(r - pyDecimalZeros[i]), true
	}
	return 0, false
}

// pyIsDigit is str.isdigit for one character.
func pyIsDigit(r rune) bool {
	if _, ok := pyDecimal(r); ok {
		return true
	}
	i := sort.Search(len(pyDigitOnly), func(i int) bool { return pyDigitOnly[i][1] >= r })
	return i < len(pyDigitOnly) && r >= pyDigitOnly[i][0]
}

// pyIsSpace is Python's whitespace (str.split, str.strip, int()): Go's
// unicode.IsSpace and the separators U+001C to U+001F.
func pyIsSpace(r rune) bool { return unicode.IsSpace(r) || 0x1c <= r && r <= 0x1f }

// appendPyReprStr appends repr(s): single quotes unless s holds a single
// quote and no double quote; escapes for the backslash, the quote, \t \n
// \r, other control characters and characters Python does not print.
func appendPyReprStr(dst []byte, s string) []byte {
	q := byte('\'')
	if containsByte(s, '\'') && !containsByte(s, '"') {
		q = '"'
	}
	dst = append(dst, q)
	for _, r := range s {
		switch {
		case r == rune(q) || r == '\\':
			dst = append(dst, '\\', byte(r))
		case r == '\t':
			dst = append(dst, '\\', 't')
		case r == '\n':
			dst = append(dst, '\\', 'n')
		case r == '\r':
			dst = append(dst, '\\', 'r')
		case pyPrintable(r):
			dst = utf8.AppendRune(dst, r)
		case r <= 0xff:
			dst = append(dst, '\\', 'x', lowerHex[r>>4], lowerHex[r&0xf])
		case r <= 0xffff:
			dst = append(dst, '\\', 'u')
			dst = appendHexN(dst, uint32(r), 4)
		default:
			dst = append(dst, '\\', 'U')
			dst = appendHexN(dst, uint32(r), 8)
		}
	}
	return append(dst, q)
}

// appendPyReprBytes appends repr(b): b'...' with the same quote rule and
// \xhh for every byte outside printable ASCII.
func appendPyReprBytes(dst, b []byte) []byte {
	q := byte('\'')
	if containsByte(string(b), '\'') && !containsByte(string(b), '"') {
		q = '"'
	}
	dst = append(dst, 'b', q)
	for _, c := range b {
		switch {
		case c == q || c == '\\':
			dst = append(dst, '\\', c)
		case c == '\t':
			dst = append(dst, '\\', 't')
		case c == '\n':
			dst = append(dst, '\\', 'n')
		case c == '\r':
			dst = append(dst, '\\', 'r')
		case c < 0x20 || c >= 0x7f:
			dst = append(dst, '\\', 'x', lowerHex[c>>4], lowerHex[c&0xf])
		default:
			dst = append(dst, c)
		}
	}
	return append(dst, q)
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}

func appendHexN(dst []byte, v uint32, n int) []byte {
	for i := n - 1; i >= 0; i-- {
		dst = append(dst, lowerHex[v>>(4*uint(i))&0xf])
	}
	return dst
}

// pyStr is Python's str(v) of a decoded value. order gives the member
// order of objects with more than one member (nil: not known, and such an
// object yields errNeedOrder).
func pyStr(v any, order func(map[string]any) []string) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case Markup:
		return string(x), nil
	case UUID:
		return x.String(), nil
	case time.Time:
		return string(appendPyDatetimeStr(nil, x)), nil
	}
	b, err := appendPyRepr(nil, v, order)
	return string(b), err
}

// appendPyRepr appends Python's repr(v).
func appendPyRepr(dst []byte, v any, order func(map[string]any) []string) ([]byte, error) {
	var err error
	switch x := v.(type) {
	case nil:
		return append(dst, "None"...), nil
	case bool:
		if x {
			return append(dst, "True"...), nil
		}
		return append(dst, "False"...), nil
	case int64:
		return strconv.AppendInt(dst, x, 10), nil
	case *big.Int:
		return x.Append(dst, 10), nil
	case float64:
		switch {
		case math.IsNaN(x):
			return append(dst, "nan"...), nil
		case math.IsInf(x, 1):
			return append(dst, "inf"...), nil
		case math.IsInf(x, -1):
			return append(dst, "-inf"...), nil
		}
		return appendFloat(dst, x), nil
	case string:
		return appendPyReprStr(dst, x), nil
	case Markup:
		dst = append(dst, "Markup("...)
		return append(appendPyReprStr(dst, string(x)), ')'), nil
	case []byte:
		return appendPyReprBytes(dst, x), nil
	case UUID:
		dst = append(dst, "UUID('"...)
		return append(append(dst, x.String()...), "')"...), nil
	case time.Time:
		return appendPyDatetimeRepr(dst, x), nil
	case []any:
		dst = append(dst, '[')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			if dst, err = appendPyRepr(dst, e, order); err != nil {
				return dst, err
			}
		}
		return append(dst, ']'), nil
	case Tuple:
		dst = append(dst, '(')
		for i, e := range x {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			if dst, err = appendPyRepr(dst, e, order); err != nil {
				return dst, err
			}
		}
		if len(x) == 1 {
			dst = append(dst, ',')
		}
		return append(dst, ')'), nil
	case map[string]any:
		keys, err := keysInOrder(x, order)
		if err != nil {
			return dst, err
		}
		dst = append(dst, '{')
		for i, k := range keys {
			if i > 0 {
				dst = append(dst, ", "...)
			}
			dst = appendPyReprStr(dst, k)
			dst = append(dst, ": "...)
			if dst, err = appendPyRepr(dst, x[k], order); err != nil {
				return dst, err
			}
		}
		return append(dst, '}'), nil
	}
	// Only a custom tag's ToGo can put other values in a decoded tree.
	return dst, errors.New("no Python form for a " + pyTypeName(v))
}

// keysInOrder returns the member names of m in the order of the input.
func keysInOrder(m map[string]any, order func(map[string]any) []string) ([]string, error) {
	if len(m) < 2 {
		for k := range m {
			return []string{k}, nil
		}
		return nil, nil
	}
	if order == nil {
		return nil, errNeedOrder
	}
	keys := order(m)
	if keys == nil {
		return nil, errNeedOrder
	}
	return keys, nil
}

// appendPyDatetimeStr appends str(datetime): "2024-01-02 03:04:05+02:00".
func appendPyDatetimeStr(dst []byte, t time.Time) []byte {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	dst = appendPad(dst, y, 4)
	dst = append(dst, '-')
	dst = appendPad(dst, int(mo), 2)
	dst = append(dst, '-')
	dst = appendPad(dst, d, 2)
	dst = append(dst, ' ')
	dst = appendPad(dst, h, 2)
	dst = append(dst, ':')
	dst = appendPad(dst, mi, 2)
	dst = append(dst, ':')
	dst = appendPad(dst, s, 2)
	_, off := t.Zone()
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	dst = append(dst, sign)
	dst = appendPad(dst, off/3600, 2)
	dst = append(dst, ':')
	dst = appendPad(dst, off/60%60, 2)
	if off%60 != 0 {
		dst = append(dst, ':')
		dst = appendPad(dst, off%60, 2)
	}
	return dst
}

// appendPyDatetimeRepr appends repr(datetime) of an aware datetime:
// datetime.datetime(2024, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
// the seconds left out when zero.
func appendPyDatetimeRepr(dst []byte, t time.Time) []byte {
	y, mo, d := t.Date()
	h, mi, s := t.Clock()
	dst = append(dst, "datetime.datetime("...)
	for i, n := range []int{y, int(mo), d, h, mi, s} {
		if i == 5 && s == 0 {
			break
		}
		if i > 0 {
			dst = append(dst, ", "...)
		}
		dst = strconv.AppendInt(dst, int64(n), 10)
	}
	_, off := t.Zone()
	if off == 0 {
		return append(dst, ", tzinfo=datetime.timezone.utc)"...)
	}
	dst = append(dst, ", tzinfo=datetime.timezone(datetime.timedelta("...)
	if off < 0 { // timedelta normalises to days=-1 and positive seconds
		dst = append(dst, "days=-1, "...)
		off += 86400
	}
	dst = append(dst, "seconds="...)
	dst = strconv.AppendInt(dst, int64(off), 10)
	return append(dst, ")))"...)
}

func appendPad(dst []byte, n, width int) []byte {
	s := strconv.Itoa(n)
	for i := len(s); i < width; i++ {
		dst = append(dst, '0')
	}
	return append(dst, s...)
}
