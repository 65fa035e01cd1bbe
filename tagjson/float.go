package tagjson

import (
	"math"
	"strconv"
)

// appendFloat appends f as Python's repr(float) writes it, with json.dumps'
// spelling of the non-finite values (NaN, Infinity, -Infinity).
//
// Python and strconv agree on the digits: both produce the shortest string
// that reads back as f (ties to the nearest). They differ in layout, which is
// what this function fixes: with decpt the position of the decimal point
// relative to the digits (0.001 has digits "1" and decpt -2),
//
//   - decpt <= -4 or decpt > 16: exponent form "d[.ddd]e±XX", at least two
//     exponent digits (1e-05, 1e+16, 5e-324);
//   - otherwise fixed form, with ".0" after whole numbers (100.0, -0.0).
func appendFloat(dst []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(dst, "NaN"...)
	case math.IsInf(f, 1):
		return append(dst, "Infinity"...)
	case math.IsInf(f, -1):
		return append(dst, "-Infinity"...)
	case f == 0:
		if math.Signbit(f) {
			return append(dst, "-0.0"...)
		}
		return append(dst, "0.0"...)
	}

	// "-d.ddde±XX": at most 1 + 17 + 1 + 1 + 4 bytes.
	var scratch [32]byte
	e := strconv.AppendFloat(scratch[:0], f, 'e', -1, 64)

	if e[0] == '-' {
		dst = append(dst, '-')
		e = e[1:]
	}
	mark := 0 // index of 'e'
	for e[mark] != 'e' {
		mark++
	}
	exp := 0
	for _, c := range e[mark+2:] { // skip 'e' and the sign
		exp = exp*10 + int(c-'0')
	}
	if e[mark+1] == '-' {
		exp = -exp
	}
	// Digits without the point: e[0] then e[2:mark] when there is a point.
	var digits [17]byte
	n := copy(digits[:], e[:1])
	if mark > 1 {
		n += copy(digits[n:], e[2:mark])
	}
	d := digits[:n]
	decpt := exp + 1

	switch {
	case decpt <= -4 || decpt > 16:
		dst = append(dst, d[0])
		if len(d) > 1 {
			dst = append(dst, '.')
			dst = append(dst, d[1:]...)
		}
		dst = append(dst, 'e')
		if exp < 0 {
			dst = append(dst, '-')
			exp = -exp
		} else {
			dst = append(dst, '+')
		}
		if exp < 10 {
			dst = append(dst, '0')
		}
		return strconv.AppendInt(dst, int64(exp), 10)
	case decpt <= 0:
		dst = append(dst, "0."...)
		for range -decpt {
			dst = append(dst, '0')
		}
		return append(dst, d...)
	case decpt >= len(d):
		dst = append(dst, d...)
		for range decpt - len(d) {
			dst = append(dst, '0')
		}
		return append(dst, ".0"...)
	default:
		dst = append(dst, d[:decpt]...)
		dst = append(dst, '.')
		return append(dst, d[decpt:]...)
	}
}
