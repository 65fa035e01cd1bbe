package tagjson

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"
)

// member is one entry of a map being written, for sorting.
type member struct {
	k string
	v any
}

type stringMember struct {
	k, v string
}

var memberPool = sync.Pool{New: func() any { return new([]member) }}

// release returns what the encoder borrowed.
func (e *encoder) release() {
	if e.members != nil && cap(*e.members) <= 4096 {
		memberPool.Put(e.members)
	}
	e.members = nil
}

// compareWritten orders member names by code point as they are written:
// byte order for valid UTF-8, and with each invalid byte read as U+FFFD
// otherwise (so "\xff" sorts where "\ufffd" does, before U+10000). Names
// that are written alike ("\xff" and "\ufffd") are ordered by their bytes,
// so that the output does not depend on map order.
func compareWritten(a, b string) int {
	if utf8.ValidString(a) && utf8.ValidString(b) {
		return strings.Compare(a, b)
	}
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		ra, na := utf8.DecodeRuneInString(a[i:])
		rb, nb := utf8.DecodeRuneInString(b[j:])
		if ra != rb {
			return cmp.Compare(ra, rb)
		}
		i, j = i+na, j+nb
	}
	switch {
	case i < len(a):
		return 1
	case j < len(b):
		return -1
	}
	return strings.Compare(a, b)
}

// validKey is utf8.ValidString with the all-ASCII case (every session key
// Flask writes) decided inline.
func validKey(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return utf8.ValidString(s[i:])
		}
	}
	return true
}

// dictAny writes a map, keys sorted by code point (byte order of UTF-8).
// Up to 16 members are sorted in a stack array, more on a pooled stack
// shared by the nested maps.
func (e *encoder) dictAny(m map[string]any, depth int) error {
	depth++
	if depth > e.maxDepth {
		return e.errDepth()
	}
	var stack [16]member
	ms := stack[:0]
	if len(m) > len(stack) {
		if e.members == nil {
			e.members = memberPool.Get().(*[]member)
		}
		base := len(*e.members)
		defer func() {
			clear((*e.members)[base:])
			*e.members = (*e.members)[:base]
		}()
		for k, v := range m {
			*e.members = append(*e.members, member{k, v})
		}
		ms = (*e.members)[base:]
	} else {
		for k, v := range m {
			ms = append(ms, member{k, v})
		}
	}
	valid := true
	for _, m := range ms {
		valid = valid && validKey(m.k)
	}
	// Valid UTF-8 names sort by bytes (code point order); checking once
	// here spares compareWritten's check in every comparison.
	switch {
	case valid && len(ms) <= 8:
		// Insertion sort: a session's handful of keys, without the
		// generic sort's indirect calls.
		for i := 1; i < len(ms); i++ {
			for j := i; j > 0 && ms[j].k < ms[j-1].k; j-- {
				ms[j], ms[j-1] = ms[j-1], ms[j]
			}
		}
	case valid:
		slices.SortFunc(ms, func(a, b member) int { return strings.Compare(a.k, b.k) })
	default:
		slices.SortFunc(ms, func(a, b member) int { return compareWritten(a.k, b.k) })
	}
	e.buf = append(e.buf, '{')
	for i, m := range ms {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		if err := e.str(m.k); err != nil {
			return err
		}
		e.buf = append(e.buf, ':')
		if err := e.value(m.v, depth); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, '}')
	return nil
}

func (e *encoder) dictString(m map[string]string, depth int) error {
	depth++
	if depth > e.maxDepth {
		return e.errDepth()
	}
	var stack [16]stringMember
	ms := stack[:0]
	for k, v := range m {
		ms = append(ms, stringMember{k, v})
	}
	valid := true
	for _, m := range ms {
		valid = valid && validKey(m.k)
	}
	if valid {
		slices.SortFunc(ms, func(a, b stringMember) int { return strings.Compare(a.k, b.k) })
	} else {
		slices.SortFunc(ms, func(a, b stringMember) int { return compareWritten(a.k, b.k) })
	}
	e.buf = append(e.buf, '{')
	for i, m := range ms {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		if err := e.str(m.k); err != nil {
			return err
		}
		e.buf = append(e.buf, ':')
		if err := e.str(m.v); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, '}')
	return nil
}

// tagDict writes a one-member dict whose key is a tag key:
// {" di": {key + "__": value}}.
func (e *encoder) tagDict(key string, v any, depth int) error {
	depth += 2
	if depth > e.maxDepth {
		return e.errDepth()
	}
	e.buf = append(e.buf, `{" di":{`...)
	if err := e.strSuffix(key, "__"); err != nil {
		return err
	}
	e.buf = append(e.buf, ':')
	if err := e.value(v, depth); err != nil {
		return err
	}
	e.buf = append(e.buf, "}}"...)
	return nil
}
