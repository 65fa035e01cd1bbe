package tagjson

import (
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"time"
)

// encoder writes one value. It lives on the caller's stack; buf is the only
// thing that may grow.
type encoder struct {
	buf       []byte
	t         *tagTable
	maxDepth  int
	maxDigits int
	members   *[]member // from memberPool, for maps of more than 16 members
}

// value writes v, tagged. depth is the number of objects and arrays already
// open around it.
func (e *encoder) value(v any, depth int) error {
	if !e.t.std {
		return e.generic(v, depth)
	}
	// Flask's default order, as a type switch. Only the dict cases depend
	// on the order (TagDict before PassDict); the other tags match
	// disjoint types.
	switch x := v.(type) {
	case string:
		return e.str(x)
	case map[string]any:
		if k, ok := singleKey(x); ok && e.t.isKey(k) {
			return e.tagDict(k, x[k], depth)
		}
		return e.dictAny(x, depth)
	case int:
		return e.int(int64(x))
	case int64:
		return e.int(x)
	case bool:
		e.bool(x)
		return nil
	case nil:
		e.buf = append(e.buf, "null"...)
		return nil
	case float64:
		e.buf = appendFloat(e.buf, x)
		return nil
	case []any:
		return e.listAny(x, depth)
	case Tuple:
		return e.tuple(x, depth)
	case map[string]string:
		if k, ok := singleKey(x); ok && e.t.isKey(k) {
			return e.tagDict(k, x[k], depth)
		}
		return e.dictString(x, depth)
	case []string:
		return e.listString(x, depth)
	case []byte:
		return e.bytes(x, depth)
	case Markup:
		return e.markup(x, depth)
	case UUID:
		return e.uuid(x, depth)
	case time.Time:
		return e.time(x, depth)
	}
	return e.plain(v, depth)
}

// generic writes v with a tag order that has custom tags: the tags are
// tried in order, like TaggedJSONSerializer.tag.
func (e *encoder) generic(v any, depth int) error {
	for _, tag := range e.t.order {
		if b, ok := tag.(*builtinTag); ok {
			if matchBuiltin(b.kind, v, e.t) {
				return e.builtin(b.kind, v, depth)
			}
			continue
		}
		if !tag.Check(v) {
			continue
		}
		key := tag.Key()
		j, err := tag.ToJSON(v)
		if err != nil {
			return fmt.Errorf("tagjson: tag %q: %w: %w", key, ErrBadTag, err)
		}
		if depth+1 > e.maxDepth {
			return e.errDepth()
		}
		if key == "" {
			// A keyless tag adds no JSON level, but counts as one so
			// that a tag that keeps matching its own output stops.
			return e.value(j, depth+1)
		}
		e.buf = append(e.buf, '{')
		if err := e.str(key); err != nil {
			return err
		}
		e.buf = append(e.buf, ':')
		if err := e.value(j, depth+1); err != nil {
			return err
		}
		e.buf = append(e.buf, '}')
		return nil
	}
	return e.plain(v, depth)
}

// builtin writes v, which matched the default tag of the given kind.
func (e *encoder) builtin(kind tagKind, v any, depth int) error {
	switch kind {
	case kindTagDict:
		switch m := v.(type) {
		case map[string]any:
			for k, x := range m {
				return e.tagDict(k, x, depth)
			}
		case map[string]string:
			for k, x := range m {
				return e.tagDict(k, x, depth)
			}
		}
	case kindPassDict:
		if m, ok := v.(map[string]string); ok {
			return e.dictString(m, depth)
		}
		return e.dictAny(v.(map[string]any), depth)
	case kindTuple:
		return e.tuple(v.(Tuple), depth)
	case kindPassList:
		if l, ok := v.([]string); ok {
			return e.listString(l, depth)
		}
		return e.listAny(v.([]any), depth)
	case kindBytes:
		return e.bytes(v.([]byte), depth)
	case kindMarkup:
		return e.markup(v.(Markup), depth)
	case kindUUID:
		return e.uuid(v.(UUID), depth)
	case kindDateTime:
		return e.time(v.(time.Time), depth)
	}
	panic("tagjson: unreachable")
}

// plain writes the values no tag matches: JSON scalars, and everything
// else after converting it to those (see normalize).
func (e *encoder) plain(v any, depth int) error {
	switch x := v.(type) {
	case nil:
		e.buf = append(e.buf, "null"...)
	case string:
		return e.str(x)
	case bool:
		e.bool(x)
	case int:
		return e.int(int64(x))
	case int8:
		return e.int(int64(x))
	case int16:
		return e.int(int64(x))
	case int32:
		return e.int(int64(x))
	case int64:
		return e.int(x)
	case uint:
		return e.uint(uint64(x))
	case uint8:
		return e.uint(uint64(x))
	case uint16:
		return e.uint(uint64(x))
	case uint32:
		return e.uint(uint64(x))
	case uint64:
		return e.uint(x)
	case float64:
		e.buf = appendFloat(e.buf, x)
	case float32:
		e.float32(x)
	case *big.Int:
		return e.bigInt(x)
	case big.Int:
		return e.bigInt(&x)
	case json.Number:
		return e.number(x)
	default:
		n, err := normalize(v, e.maxDepth)
		if err != nil {
			return err
		}
		return e.value(n, depth)
	}
	return nil
}

func (e *encoder) errDepth() error {
	return fmt.Errorf("tagjson: value nested deeper than %d levels: %w", e.maxDepth, ErrDepth)
}

func (e *encoder) bool(b bool) {
	if b {
		e.buf = append(e.buf, "true"...)
	} else {
		e.buf = append(e.buf, "false"...)
	}
}

func (e *encoder) listAny(l []any, depth int) error {
	depth++
	if depth > e.maxDepth {
		return e.errDepth()
	}
	e.buf = append(e.buf, '[')
	for i, v := range l {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		if err := e.value(v, depth); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, ']')
	return nil
}

func (e *encoder) listString(l []string, depth int) error {
	depth++
	if depth > e.maxDepth {
		return e.errDepth()
	}
	e.buf = append(e.buf, '[')
	for i, s := range l {
		if i > 0 {
			e.buf = append(e.buf, ',')
		}
		if err := e.str(s); err != nil {
			return err
		}
	}
	e.buf = append(e.buf, ']')
	return nil
}

// tuple writes {" t": [...]}.
func (e *encoder) tuple(t Tuple, depth int) error {
	if depth+1 > e.maxDepth {
		return e.errDepth()
	}
	e.buf = append(e.buf, `{" t":`...)
	if err := e.listAny(t, depth+1); err != nil {
		return err
	}
	e.buf = append(e.buf, '}')
	return nil
}

// bytes writes {" b": standard base64, padded}.
func (e *encoder) bytes(b []byte, depth int) error {
	if depth+1 > e.maxDepth {
		return e.errDepth()
	}
	e.buf = append(e.buf, `{" b":"`...)
	e.buf = base64.StdEncoding.AppendEncode(e.buf, b)
	e.buf = append(e.buf, `"}`...)
	return nil
}

// markup writes {" m": str}.
func (e *encoder) markup(m Markup, depth int) error {
	if depth+1 > e.maxDepth {
		return e.errDepth()
	}
	e.buf = append(e.buf, `{" m":`...)
	if err := e.str(string(m)); err != nil {
		return err
	}
	e.buf = append(e.buf, '}')
	return nil
}

// uuid writes {" u": 32 lowercase hex digits}.
func (e *encoder) uuid(u UUID, depth int) error {
	if depth+1 > e.maxDepth {
		return e.errDepth()
	}
	e.buf = append(e.buf, `{" u":"`...)
	e.buf = hex.AppendEncode(e.buf, u[:])
	e.buf = append(e.buf, `"}`...)
	return nil
}

// time writes {" d": "Tue, 02 Jan 2024 03:04:05 GMT"}.
func (e *encoder) time(t time.Time, depth int) error {
	if depth+1 > e.maxDepth {
		return e.errDepth()
	}
	start := len(e.buf)
	e.buf = append(e.buf, `{" d":"`...)
	var err error
	if e.buf, err = appendHTTPDate(e.buf, t); err != nil {
		e.buf = e.buf[:start]
		return err
	}
	e.buf = append(e.buf, `"}`...)
	return nil
}
