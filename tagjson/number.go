package tagjson

import (
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
)

// Integers are written in full, up to MaxIntDigits digits; floats as
// Python's repr (see appendFloat).

func (e *encoder) int(n int64) error {
	start := len(e.buf)
	e.buf = strconv.AppendInt(e.buf, n, 10)
	return e.checkDigits(start, n < 0)
}

func (e *encoder) uint(n uint64) error {
	start := len(e.buf)
	e.buf = strconv.AppendUint(e.buf, n, 10)
	return e.checkDigits(start, false)
}

// checkDigits enforces MaxIntDigits on the integer written from start.
func (e *encoder) checkDigits(start int, neg bool) error {
	n := len(e.buf) - start
	if neg {
		n--
	}
	if n > e.maxDigits {
		e.buf = e.buf[:start]
		return e.errDigits()
	}
	return nil
}

func (e *encoder) errDigits() error {
	return fmt.Errorf("tagjson: integer has more than %d digits: %w", e.maxDigits, ErrIntTooLarge)
}

func (e *encoder) bigInt(x *big.Int) error {
	if x == nil {
		e.buf = append(e.buf, "null"...)
		return nil
	}
	if x.IsInt64() {
		return e.int(x.Int64())
	}
	if x.IsUint64() {
		return e.uint(x.Uint64())
	}
	// x >= 2**(BitLen-1), so it has more than (BitLen-1)*log10(2) digits:
	// refuse what is certainly too long before the costly conversion.
	if float64(x.BitLen()-1)*math.Log10(2) >= float64(e.maxDigits) {
		return e.errDigits()
	}
	start := len(e.buf)
	e.buf = x.Append(e.buf, 10)
	return e.checkDigits(start, x.Sign() < 0)
}

// float32 writes the float64 nearest to f's shortest decimal form, so that
// float32(0.1) is written 0.1 (as encoding/json does), not
// 0.10000000149011612.
func (e *encoder) float32(f float32) {
	var scratch [32]byte
	s := strconv.AppendFloat(scratch[:0], float64(f), 'g', -1, 32)
	g, err := strconv.ParseFloat(string(s), 64)
	if err != nil { // ±Inf, NaN: their float64 spelling
		g = float64(f)
	}
	e.buf = appendFloat(e.buf, g)
}

// number writes a json.Number as Python would after reading it: integers
// (without fraction or exponent) as ints, the rest as floats.
func (e *encoder) number(n json.Number) error {
	s := string(n)
	if !isJSONNumber(s) {
		return fmt.Errorf("tagjson: json.Number %q is not a JSON number: %w", s, ErrUnsupportedType)
	}
	if !strings.ContainsAny(s, ".eE") {
		if s == "-0" {
			s = "0"
		}
		start := len(e.buf)
		e.buf = append(e.buf, s...)
		return e.checkDigits(start, s[0] == '-')
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil && !math.IsInf(f, 0) {
		return fmt.Errorf("tagjson: json.Number %q: %w", s, ErrUnsupportedType)
	}
	e.buf = appendFloat(e.buf, f) // out of range: ±Inf, like Python's float()
	return nil
}

// isJSONNumber reports whether s is exactly a JSON number.
func isJSONNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i == len(s) || !isDigit(s[i]) {
			return false
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i == len(s) || !isDigit(s[i]) {
			return false
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	return i == len(s)
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }
