package tagjson

import (
	"fmt"
	"maps"
	"math/big"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Default limits.
const (
	// DefaultMaxDepth is the default limit on nested objects and arrays.
	// Flask itself stops near 1000 (Python's recursion limit); sessions are
	// flat in practice, and every level costs stack on both sides.
	DefaultMaxDepth = 64
	// DefaultMaxIntDigits is Python 3.11's limit on integer string
	// conversion (sys.get_int_max_str_digits()): json.loads and json.dumps
	// refuse integers with more decimal digits, sign not counted.
	DefaultMaxIntDigits = 4300
)

// Serializer encodes and decodes Flask's tagged JSON with an ordered set of
// tags, like Flask's TaggedJSONSerializer. The zero value is ready to use
// and equivalent to NewSerializer().
//
// Marshal, Append, Unmarshal and UnmarshalMap may be called concurrently,
// also with Register. The limit fields must be set before first use.
type Serializer struct {
	// MaxDepth limits how deeply objects and arrays nest, counted on the
	// JSON (a tuple {" t": [...]} is two levels), when encoding and when
	// decoding. Zero or negative means DefaultMaxDepth.
	MaxDepth int

	// MaxIntDigits limits the decimal digits of an integer, when encoding
	// and when decoding. Zero means DefaultMaxIntDigits; negative means no
	// limit (like sys.set_int_max_str_digits(0)).
	MaxIntDigits int

	mu   sync.Mutex               // serializes Register
	tags atomic.Pointer[tagTable] // copy-on-write; nil until first use
}

// tagTable is an immutable snapshot of a serializer's tags.
type tagTable struct {
	order []Tag
	keys  map[string]Tag
	// std: exactly Flask's default tags in Flask's order, so the encoder
	// and decoder may use their type-switch fast paths.
	std bool
}

// NewSerializer returns a serializer with Flask's default tags, in Flask's
// order: TagDict (" di"), PassDict, TagTuple (" t"), PassList, TagBytes
// (" b"), TagMarkup (" m"), TagUUID (" u"), TagDateTime (" d").
func NewSerializer() *Serializer {
	s := new(Serializer)
	s.table()
	return s
}

// Default is the serializer behind the package-level functions. Registering
// a tag on it changes them for the whole program.
var Default = NewSerializer()

// Marshal encodes v with the Default serializer.
func Marshal(v any) ([]byte, error) { return Default.Marshal(v) }

// Append appends the encoding of v to dst with the Default serializer.
func Append(dst []byte, v any) ([]byte, error) { return Default.Append(dst, v) }

// Unmarshal decodes data with the Default serializer.
func Unmarshal(data []byte) (any, error) { return Default.Unmarshal(data) }

// UnmarshalMap decodes a session with the Default serializer.
func UnmarshalMap(data []byte) (map[string]any, error) { return Default.UnmarshalMap(data) }

func (s *Serializer) table() *tagTable {
	if t := s.tags.Load(); t != nil {
		return t
	}
	order := defaultTags(s)
	t := &tagTable{order: order, keys: make(map[string]Tag), std: true}
	for _, tag := range order {
		if k := tag.Key(); k != "" {
			t.keys[k] = tag
		}
	}
	if s.tags.CompareAndSwap(nil, t) {
		return t
	}
	return s.tags.Load()
}

// isKey reports whether k is a registered tag key.
func (t *tagTable) isKey(k string) bool {
	if t.std {
		switch k {
		case keyDict, keyTuple, keyBytes, keyMarkup, keyUUID, keyDateTime:
			return true
		}
		return false
	}
	_, ok := t.keys[k]
	return ok
}

// RegisterOption adjusts Register (Flask's force and index arguments).
type RegisterOption func(*registerOptions)

type registerOptions struct {
	force bool
	index int // -1: append
}

// Force makes Register replace a tag whose key is already registered
// (Flask: force=True): the new tag decodes that key, while the old one
// keeps its place in the order, as in Flask.
func Force() RegisterOption { return func(o *registerOptions) { o.force = true } }

// At makes Register insert the tag at index in the order in which tags are
// tried (Flask: index); an index past the end appends. Unlike Python's
// list.insert, a negative index is an error (ErrInvalidTag).
func At(index int) RegisterOption {
	return func(o *registerOptions) {
		if index < 0 {
			o.index = -2 // refused by Register
			return
		}
		o.index = index
	}
}

// Register adds a tag at the end of the order, like Flask's
// TaggedJSONSerializer.register; At and Force give Flask's index and
// force. A tag whose key is already registered is refused with
// ErrTagRegistered unless Force is given.
func (s *Serializer) Register(t Tag, opts ...RegisterOption) error {
	o := registerOptions{index: -1}
	for _, opt := range opts {
		opt(&o)
	}
	if t == nil {
		return fmt.Errorf("tagjson: register: nil tag: %w", ErrInvalidTag)
	}
	if o.index < -1 {
		return fmt.Errorf("tagjson: register: negative index: %w", ErrInvalidTag)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.table()
	key := t.Key()
	if _, dup := old.keys[key]; key != "" && dup && !o.force {
		return fmt.Errorf("tagjson: tag %q is already registered: %w", key, ErrTagRegistered)
	}
	nt := &tagTable{keys: maps.Clone(old.keys)}
	if key != "" {
		nt.keys[key] = t
	}
	index := o.index
	if index == -1 || index > len(old.order) {
		index = len(old.order)
	}
	nt.order = slices.Insert(slices.Clone(old.order), index, t)
	s.tags.Store(nt)
	return nil
}

// Tags returns the serializer's tags in order (a copy). The default tags
// are included; their Check, ToJSON and ToGo behave as Flask's.
func (s *Serializer) Tags() []Tag {
	return slices.Clone(s.table().order)
}

func (s *Serializer) maxDepth() int {
	if s.MaxDepth <= 0 {
		return DefaultMaxDepth
	}
	return s.MaxDepth
}

func (s *Serializer) maxIntDigits() int {
	switch {
	case s.MaxIntDigits == 0:
		return DefaultMaxIntDigits
	case s.MaxIntDigits < 0:
		return int(^uint(0) >> 1)
	}
	return s.MaxIntDigits
}

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, 512); return &b }}

// Marshal encodes v as Flask's tagged JSON, byte-identical to Python's
// output (see the package documentation for the Go to Python mapping).
func (s *Serializer) Marshal(v any) ([]byte, error) {
	bp := bufPool.Get().(*[]byte)
	b, err := s.Append((*bp)[:0], v)
	var out []byte
	if err == nil {
		out = slices.Clone(b)
	}
	if cap(b) <= 64<<10 {
		*bp = b
		bufPool.Put(bp)
	}
	return out, err
}

// Append appends the encoding of v to dst. On error it returns dst
// unchanged. Reusing dst makes encoding allocation-free for the common
// types.
func (s *Serializer) Append(dst []byte, v any) ([]byte, error) {
	e := encoder{buf: dst, t: s.table(), maxDepth: s.maxDepth(), maxDigits: s.maxIntDigits()}
	err := e.value(v, 0)
	e.release()
	if err != nil {
		return dst, err
	}
	return e.buf, nil
}

// Check returns the error Append would return for v: nil when v can be
// encoded. With Flask's default tags (no custom tag registered) a string,
// bool, float64 or nil is decided by its type alone, without encoding;
// other values are encoded into a scratch buffer.
func (s *Serializer) Check(v any) error {
	if s.table().std {
		switch v.(type) {
		case string, bool, float64, nil:
			return nil // str, bool, appendFloat and null never fail
		}
	}
	bp := bufPool.Get().(*[]byte)
	b, err := s.Append((*bp)[:0], v)
	if cap(b) <= 64<<10 {
		*bp = b[:0]
		bufPool.Put(bp)
	}
	return err
}

// Unmarshal parses tagged JSON and untags it bottom-up like Flask. Objects
// become map[string]any, arrays []any, strings string, integers int64 (or
// *big.Int beyond int64), other numbers float64; tagged objects become
// Tuple, []byte, Markup, UUID, time.Time (UTC) or what a custom tag returns.
func (s *Serializer) Unmarshal(data []byte) (any, error) {
	return s.decode(data)
}

// UnmarshalMap is Unmarshal for a session: the top level must be an object
// once untagged, or the error wraps ErrNotObject.
func (s *Serializer) UnmarshalMap(data []byte) (map[string]any, error) {
	v, err := s.decode(data)
	if err != nil {
		return nil, err
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("tagjson: top level is %s, not an object: %w", pyTypeName(v), ErrNotObject)
	}
	return m, nil
}

// pyTypeName names a decoded value by its Python type, for messages.
func pyTypeName(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a bool"
	case string:
		return "a string"
	case []any:
		return "a list"
	case Tuple:
		return "a tuple"
	case []byte:
		return "bytes"
	case Markup:
		return "Markup"
	case UUID:
		return "a UUID"
	case float64:
		return "a float"
	case map[string]any:
		return "an object"
	case int64, *big.Int:
		return "an int"
	case time.Time:
		return "a datetime"
	}
	return fmt.Sprintf("%T", v)
}
