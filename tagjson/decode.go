package tagjson

import (
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"
)

// decoder parses JSON as Python's json.loads does in strict mode and untags
// objects as it closes them, which is the bottom-up order of Flask's
// _untag_scan.
//
// The input is converted to a string once; strings without escapes are
// substrings of it (no further allocation), so a decoded value keeps the
// whole input alive while any of those strings lives. Members of objects
// and elements of arrays are collected on shared stacks first, so that each
// map and slice is allocated once at its final size and tagged objects
// allocate no map at all.
type decoder struct {
	s         string
	pos       int
	t         *tagTable
	maxDepth  int
	maxDigits int

	members []member // objects being parsed, innermost last
	items   []any    // arrays being parsed, innermost last
	scratch []byte   // unescaping

	// order holds the member order of the objects with more than one
	// member, in the second pass of an input where a tag's result depends
	// on it (tuple() of an object, the first member of a " di" payload,
	// str() of an object); nil in the first pass, which then ends with
	// errNeedOrder.
	order map[unsafe.Pointer][]string
}

var decoderPool = sync.Pool{New: func() any { return new(decoder) }}

func (s *Serializer) decode(data []byte) (any, error) {
	d := decoderPool.Get().(*decoder)
	d.s, d.pos, d.t = string(data), 0, s.table()
	d.maxDepth, d.maxDigits = s.maxDepth(), s.maxIntDigits()

	v, err := d.run()
	if err == errNeedOrder {
		d.order = make(map[unsafe.Pointer][]string)
		v, err = d.run()
		d.order = nil
	}

	// Drop every reference before pooling.
	d.s, d.t = "", nil
	d.clearStacks()
	if cap(d.members) <= 1024 && cap(d.items) <= 1024 && cap(d.scratch) <= 64<<10 {
		decoderPool.Put(d)
	}
	return v, err
}

// run parses the whole input from the start.
func (d *decoder) run() (any, error) {
	d.pos = 0
	d.clearStacks()
	v, err := d.value(0)
	if err == nil {
		d.skipSpace()
		if d.pos < len(d.s) {
			v, err = nil, d.unexpected("end of input after the value")
		}
	}
	return v, err
}

// clearStacks empties the stacks (an error leaves them filled).
func (d *decoder) clearStacks() {
	clear(d.members)
	clear(d.items)
	d.members, d.items = d.members[:0], d.items[:0]
}

// orderOf returns the member order of m, recorded in the second pass;
// maps the decoder did not build (a custom tag's) get their sorted names.
func (d *decoder) orderOf(m map[string]any) []string {
	if keys, ok := d.order[reflect.ValueOf(m).UnsafePointer()]; ok {
		return keys
	}
	return sortedKeys(m)
}

func (d *decoder) fail(kind error, off int, msg string) error {
	return &DecodeError{Offset: off, Err: kind, Msg: msg}
}

// unexpected reports the byte at d.pos (or the end of input).
func (d *decoder) unexpected(expecting string) error {
	if d.pos >= len(d.s) {
		return d.fail(ErrSyntax, d.pos, "unexpected end of input, expecting "+expecting)
	}
	c := d.s[d.pos]
	if c >= utf8.RuneSelf {
		r, size := utf8.DecodeRuneInString(d.s[d.pos:])
		if r == utf8.RuneError && size == 1 {
			return d.fail(ErrInvalidUTF8, d.pos, fmt.Sprintf("invalid UTF-8 byte %#02x", c))
		}
		return d.fail(ErrSyntax, d.pos, fmt.Sprintf("unexpected character %U, expecting %s", r, expecting))
	}
	return d.fail(ErrSyntax, d.pos, fmt.Sprintf("unexpected %q, expecting %s", c, expecting))
}

// jsonSpace marks JSON whitespace: space, tab, newline, carriage return.
var jsonSpace = [256]bool{' ': true, '\t': true, '\n': true, '\r': true}

// skipSpace skips JSON whitespace.
func (d *decoder) skipSpace() {
	for d.pos < len(d.s) && jsonSpace[d.s[d.pos]] {
		d.pos++
	}
}

// value parses one value; depth is the number of enclosing containers.
func (d *decoder) value(depth int) (any, error) {
	d.skipSpace()
	if d.pos >= len(d.s) {
		return nil, d.unexpected("a value")
	}
	switch c := d.s[d.pos]; c {
	case '"':
		s, err := d.str()
		if err != nil {
			return nil, err
		}
		return s, nil
	case '{':
		return d.object(depth + 1)
	case '[':
		return d.array(depth + 1)
	case 't':
		return d.literal("true", true)
	case 'f':
		return d.literal("false", false)
	case 'n':
		return d.literal("null", nil)
	case 'N':
		return d.literal("NaN", math.NaN())
	case 'I':
		return d.literal("Infinity", math.Inf(1))
	default:
		if c == '-' || isDigit(c) {
			return d.number()
		}
	}
	return nil, d.unexpected("a value")
}

func (d *decoder) literal(word string, v any) (any, error) {
	if !strings.HasPrefix(d.s[d.pos:], word) {
		return nil, d.unexpected("a value")
	}
	d.pos += len(word)
	return v, nil
}

func (d *decoder) object(depth int) (any, error) {
	start := d.pos
	if depth > d.maxDepth {
		return nil, d.fail(ErrDepth, start, fmt.Sprintf("nesting deeper than %d levels", d.maxDepth))
	}
	d.pos++ // '{'
	d.skipSpace()
	if d.pos < len(d.s) && d.s[d.pos] == '}' {
		d.pos++
		return map[string]any{}, nil
	}
	base := len(d.members)
	for {
		if d.pos >= len(d.s) || d.s[d.pos] != '"' {
			return nil, d.unexpected("a member name in double quotes")
		}
		k, err := d.str()
		if err != nil {
			return nil, err
		}
		d.skipSpace()
		if d.pos >= len(d.s) || d.s[d.pos] != ':' {
			return nil, d.unexpected("':'")
		}
		d.pos++
		v, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		d.members = append(d.members, member{k, v})
		d.skipSpace()
		if d.pos < len(d.s) && d.s[d.pos] == ',' {
			d.pos++
			d.skipSpace()
			continue
		}
		if d.pos < len(d.s) && d.s[d.pos] == '}' {
			d.pos++
			break
		}
		return nil, d.unexpected("',' or '}'")
	}
	ms := d.members[base:]
	v, err := d.finishObject(ms, start)
	clear(ms)
	d.members = d.members[:base]
	return v, err
}

// finishObject builds the object from its members (duplicate names: the
// last wins) and untags it if it has exactly one member named like a
// registered tag, as Flask's untag does.
func (d *decoder) finishObject(ms []member, start int) (any, error) {
	key := ms[0].k
	single := true
	for _, m := range ms[1:] {
		if m.k != key {
			single = false
			break
		}
	}
	if !single {
		m := make(map[string]any, len(ms))
		var keys []string
		for _, x := range ms {
			if d.order != nil {
				if _, dup := m[x.k]; !dup {
					keys = append(keys, x.k)
				}
			}
			m[x.k] = x.v
		}
		if d.order != nil {
			d.order[reflect.ValueOf(m).UnsafePointer()] = keys
		}
		return m, nil
	}
	v := ms[len(ms)-1].v
	if d.t.isKey(key) {
		return d.untag(key, v, start)
	}
	return map[string]any{key: v}, nil
}

func (d *decoder) untag(key string, v any, start int) (any, error) {
	tag := d.t.keys[key]
	var (
		out   any
		err   error
		cause error
	)
	if b, ok := tag.(*builtinTag); ok {
		var order func(map[string]any) []string
		if d.order != nil {
			order = d.orderOf
		}
		out, err = untagBuiltin(b.kind, v, d.t, order)
		if err == errNeedOrder {
			return nil, err
		}
	} else {
		out, err = tag.ToGo(v)
		cause = err
	}
	if err != nil {
		return nil, &DecodeError{Offset: start, Err: ErrBadTag, Msg: fmt.Sprintf("tagged value %q: %v", key, err), cause: cause}
	}
	return out, nil
}

func (d *decoder) array(depth int) (any, error) {
	if depth > d.maxDepth {
		return nil, d.fail(ErrDepth, d.pos, fmt.Sprintf("nesting deeper than %d levels", d.maxDepth))
	}
	d.pos++ // '['
	d.skipSpace()
	if d.pos < len(d.s) && d.s[d.pos] == ']' {
		d.pos++
		return []any{}, nil
	}
	base := len(d.items)
	for {
		v, err := d.value(depth)
		if err != nil {
			return nil, err
		}
		d.items = append(d.items, v)
		d.skipSpace()
		if d.pos < len(d.s) && d.s[d.pos] == ',' {
			d.pos++
			continue
		}
		if d.pos < len(d.s) && d.s[d.pos] == ']' {
			d.pos++
			break
		}
		return nil, d.unexpected("',' or ']'")
	}
	l := make([]any, len(d.items)-base)
	copy(l, d.items[base:])
	clear(d.items[base:])
	d.items = d.items[:base]
	return l, nil
}

// number parses what Python's json number pattern matches,
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?, or -Infinity. Integers
// become int64, or *big.Int beyond; the rest float64 (±Inf when out of
// range, as Python's float() does).
func (d *decoder) number() (any, error) {
	s, start, i := d.s, d.pos, d.pos
	neg := s[i] == '-'
	if neg {
		i++
		if strings.HasPrefix(s[i:], "Infinity") {
			d.pos = i + len("Infinity")
			return math.Inf(-1), nil
		}
		if i == len(s) || !isDigit(s[i]) {
			return nil, d.unexpected("a value")
		}
	}
	if s[i] == '0' {
		i++
	} else {
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	intEnd := i
	isFloat := false
	if i+1 < len(s) && s[i] == '.' && isDigit(s[i+1]) {
		isFloat = true
		for i += 2; i < len(s) && isDigit(s[i]); i++ {
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		j := i + 1
		if j < len(s) && (s[j] == '+' || s[j] == '-') {
			j++
		}
		if j < len(s) && isDigit(s[j]) { // else the 'e' is not part of the number
			isFloat = true
			for i = j + 1; i < len(s) && isDigit(s[i]); i++ {
			}
		}
	}
	d.pos = i
	lit := s[start:i]

	if isFloat {
		f, err := strconv.ParseFloat(lit, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) {
			return nil, d.fail(ErrSyntax, start, "bad number "+strconv.Quote(lit))
		}
		return f, nil
	}

	digits := intEnd - start
	if neg {
		digits--
	}
	if digits > d.maxDigits {
		return nil, d.fail(ErrIntTooLarge, start, fmt.Sprintf("integer with %d digits, more than the %d allowed", digits, d.maxDigits))
	}
	if digits <= 18 { // fits in int64
		var n int64
		for j := start + boolInt(neg); j < intEnd; j++ {
			n = n*10 + int64(s[j]-'0')
		}
		if neg {
			n = -n
		}
		return n, nil
	}
	if n, err := strconv.ParseInt(lit, 10, 64); err == nil {
		return n, nil
	}
	b, ok := new(big.Int).SetString(lit, 10)
	if !ok {
		return nil, d.fail(ErrSyntax, start, "bad number "+strconv.Quote(lit))
	}
	return b, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
