package tagjson_test

import (
	"crypto/rand"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/sessionkit/session/internal/testwait"
	"github.com/sessionkit/session/tagjson"
)

// The first four tests port Flask's tests/test_json_tag.py.

func TestDumpLoadUnchanged(t *testing.T) {
	var u tagjson.UUID
	rand.Read(u[:])
	for _, v := range []any{
		map[string]any{" t": tagjson.Tuple{int64(1), int64(2), int64(3)}},
		map[string]any{" t__": []byte("a")},
		map[string]any{" di": " di"},
		map[string]any{"x": tagjson.Tuple{int64(1), int64(2), int64(3)}, "y": int64(4)},
		tagjson.Tuple{int64(1), int64(2), int64(3)},
		[]any{tagjson.Tuple{int64(1), int64(2), int64(3)}},
		[]byte{0xff},
		tagjson.Markup("<html>"),
		u,
		time.Now().UTC().Truncate(time.Second),
	} {
		b, err := tagjson.Marshal(v)
		if err != nil {
			t.Fatalf("Marshal(%s): %v", show(v), err)
		}
		got, err := tagjson.Unmarshal(b)
		if err != nil {
			t.Fatalf("Unmarshal(%s): %v", b, err)
		}
		if !equal(got, v) {
			t.Errorf("%s: got %s, want %s", b, show(got), show(v))
		}
	}
}

// testTag is a configurable custom tag.
type testTag struct {
	key    string
	check  func(any) bool
	toJSON func(any) (any, error)
	toGo   func(any) (any, error)
}

func (t *testTag) Key() string               { return t.key }
func (t *testTag) Check(v any) bool          { return t.check != nil && t.check(v) }
func (t *testTag) ToJSON(v any) (any, error) { return t.toJSON(v) }
func (t *testTag) ToGo(v any) (any, error)   { return t.toGo(v) }
func (t *testTag) String() string            { return fmt.Sprintf("testTag(%q)", t.key) }
func identity(v any) (any, error)            { return v, nil }
func keyOnly(key string) *testTag            { return &testTag{key: key, toJSON: identity, toGo: identity} }
func keysOf(tags []tagjson.Tag) (keys []string) {
	for _, t := range tags {
		keys = append(keys, t.Key())
	}
	return keys
}

func TestDuplicateTag(t *testing.T) {
	s := tagjson.NewSerializer()
	mine := keyOnly(" d")
	err := s.Register(mine)
	if !errors.Is(err, tagjson.ErrTagRegistered) || err.Error() != `tagjson: tag " d" is already registered: tagjson: tag already registered` {
		t.Fatalf("Register duplicate: %v", err)
	}
	if n := len(s.Tags()); n != 8 {
		t.Fatalf("a refused Register changed the order: %d tags", n)
	}
	if err := s.Register(mine, tagjson.Force(), tagjson.At(0)); err != nil {
		t.Fatal(err)
	}
	if tags := s.Tags(); tags[0] != mine || len(tags) != 9 {
		t.Fatalf("order = %v", tags)
	}
	// The new tag decodes " d"; the old one keeps its place in the order
	// (as in Flask), so it still writes time.Time, which mine does not check.
	mine.toGo = func(v any) (any, error) { return "mine: " + v.(string), nil }
	got, err := s.Unmarshal([]byte(`{" d":"x"}`))
	if err != nil || got != "mine: x" {
		t.Errorf("Unmarshal with the forced tag = %v, %v", got, err)
	}
	b, err := s.Marshal(time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC))
	if err != nil || string(b) != `{" d":"Tue, 02 Jan 2024 03:04:05 GMT"}` {
		t.Errorf("Marshal time = %s, %v", b, err)
	}
	// The default serializer is untouched.
	if _, err := tagjson.Unmarshal([]byte(`{" d":5}`)); !errors.Is(err, tagjson.ErrBadTag) {
		t.Errorf("Default changed: %v", err)
	}
}

type foo struct{ data any }

func TestCustomTag(t *testing.T) {
	s := tagjson.NewSerializer()
	err := s.Register(&testTag{
		key:    " f",
		check:  func(v any) bool { _, ok := v.(foo); return ok },
		toJSON: func(v any) (any, error) { return v.(foo).data, nil },
		toGo:   func(v any) (any, error) { return foo{v}, nil },
	})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		in   any
		want string
	}{
		// Python: s.dumps(Foo("bar")) == '{" f":"bar"}'
		{foo{"bar"}, `{" f":"bar"}`},
		// ToJSON's result is tagged in turn, and untagged before ToGo.
		{foo{tagjson.Tuple{int64(1)}}, `{" f":{" t":[1]}}`},
		{map[string]any{"x": foo{foo{[]byte("a")}}}, `{"x":{" f":{" f":{" b":"YQ=="}}}}`},
		// " f" is now a tag key, so a dict with it alone is escaped.
		{map[string]any{" f": int64(1)}, `{" di":{" f__":1}}`},
	}
	for _, tt := range tests {
		b, err := s.Marshal(tt.in)
		if err != nil || string(b) != tt.want {
			t.Errorf("Marshal(%v) = %s, %v; want %s", tt.in, b, err, tt.want)
			continue
		}
		got, err := s.Unmarshal(b)
		if err != nil {
			t.Errorf("Unmarshal(%s): %v", b, err)
			continue
		}
		if fmt.Sprint(got) != fmt.Sprint(tt.in) {
			t.Errorf("Unmarshal(%s) = %v, want %v", b, got, tt.in)
		}
	}
}

func TestTagOrder(t *testing.T) {
	s := tagjson.NewSerializer()
	want := []string{" di", "", " t", "", " b", " m", " u", " d"}
	if got := keysOf(s.Tags()); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("default order %q, want %q", got, want)
	}
	if err := s.Register(keyOnly(" 1"), tagjson.At(7)); err != nil { // Python: index=-1
		t.Fatal(err)
	}
	if tags := s.Tags(); tags[len(tags)-2].Key() != " 1" {
		t.Errorf("index 7: order %q", keysOf(tags))
	}
	if err := s.Register(keyOnly(" 2")); err != nil { // Python: index=None
		t.Fatal(err)
	}
	if tags := s.Tags(); tags[len(tags)-1].Key() != " 2" {
		t.Errorf("index -1: order %q", keysOf(tags))
	}
	if err := s.Register(keyOnly(" 3"), tagjson.At(100)); err != nil {
		t.Fatal(err)
	}
	if tags := s.Tags(); tags[len(tags)-1].Key() != " 3" {
		t.Errorf("index past the end: order %q", keysOf(tags))
	}
	for _, i := range []int{-1, -2} { // no magic -1: appending is the default
		if err := s.Register(keyOnly(" 4"), tagjson.At(i)); !errors.Is(err, tagjson.ErrInvalidTag) {
			t.Errorf("index %d: %v", i, err)
		}
	}
	if err := s.Register(nil); !errors.Is(err, tagjson.ErrInvalidTag) {
		t.Errorf("nil tag: %v", err)
	}
}

// point is a dict that a custom tag writes specially; where that tag sits
// in the order decides whether it ever sees one.
func pointTag() *testTag {
	return &testTag{
		key: " p",
		check: func(v any) bool {
			m, ok := v.(map[string]any)
			return ok && m["kind"] == "point"
		},
		toJSON: func(v any) (any, error) { m := v.(map[string]any); return []any{m["x"], m["y"]}, nil },
		toGo: func(v any) (any, error) {
			l, ok := v.([]any)
			if !ok || len(l) != 2 {
				return nil, errors.New("want [x, y]")
			}
			return map[string]any{"kind": "point", "x": l[0], "y": l[1]}, nil
		},
	}
}

func TestTagOrderMatters(t *testing.T) {
	point := map[string]any{"kind": "point", "x": int64(1), "y": int64(2)}

	first := tagjson.NewSerializer()
	if err := first.Register(pointTag(), tagjson.At(0)); err != nil {
		t.Fatal(err)
	}
	b, err := first.Marshal(map[string]any{"p": point})
	if err != nil || string(b) != `{"p":{" p":[1,2]}}` {
		t.Errorf("tag before the dict tags: %s, %v", b, err)
	}
	got, err := first.Unmarshal(b)
	if err != nil || !equal(got, map[string]any{"p": point}) {
		t.Errorf("Unmarshal(%s) = %s, %v", b, show(got), err)
	}

	last := tagjson.NewSerializer()
	if err := last.Register(pointTag()); err != nil {
		t.Fatal(err)
	}
	b, err = last.Marshal(map[string]any{"p": point})
	if err != nil || string(b) != `{"p":{"kind":"point","x":1,"y":2}}` {
		t.Errorf("tag after PassDict never fires: %s, %v", b, err)
	}
}

type celsius float64

func TestKeylessTag(t *testing.T) {
	s := tagjson.NewSerializer()
	err := s.Register(&testTag{
		check:  func(v any) bool { _, ok := v.(celsius); return ok },
		toJSON: func(v any) (any, error) { return fmt.Sprintf("%.1f°C", float64(v.(celsius))), nil },
	}, tagjson.At(0))
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Marshal(map[string]any{"t": celsius(21.5)})
	if err != nil || string(b) != `{"t":"21.5\u00b0C"}` {
		t.Errorf("Marshal = %s, %v", b, err)
	}
	// A keyless tag that keeps matching its own output ends in ErrDepth,
	// not in a stack overflow.
	loop := tagjson.NewSerializer()
	loop.Register(&testTag{check: func(any) bool { return true }, toJSON: identity}, tagjson.At(0))
	if _, err := loop.Marshal(1); !errors.Is(err, tagjson.ErrDepth) {
		t.Errorf("self-matching keyless tag: %v", err)
	}
}

func TestCustomTagErrors(t *testing.T) {
	errBoom := errors.New("boom")
	s := tagjson.NewSerializer()
	s.Register(&testTag{
		key:    " x",
		check:  func(v any) bool { return v == "explode" },
		toJSON: func(any) (any, error) { return nil, errBoom },
		toGo:   func(any) (any, error) { return nil, errBoom },
	}, tagjson.At(0))

	_, err := s.Marshal([]any{"explode"})
	if !errors.Is(err, tagjson.ErrBadTag) || !errors.Is(err, errBoom) {
		t.Errorf("Marshal: %v", err)
	}
	_, err = s.Unmarshal([]byte(`[1, {" x": 2}]`))
	var de *tagjson.DecodeError
	if !errors.Is(err, tagjson.ErrBadTag) || !errors.Is(err, errBoom) || !errors.As(err, &de) || de.Offset != 4 {
		t.Errorf("Unmarshal: %v", err)
	}
}

func TestBuiltinTags(t *testing.T) {
	tags := tagjson.NewSerializer().Tags()
	names := []string{"TagDict", "PassDict", "TagTuple", "PassList", "TagBytes", "TagMarkup", "TagUUID", "TagDateTime"}
	for i, tag := range tags {
		if got := fmt.Sprint(tag); got != names[i] {
			t.Errorf("tag %d is %s, want %s", i, got, names[i])
		}
	}
	tagDict, tuple, bytesTag := tags[0], tags[2], tags[4]
	if !tagDict.Check(map[string]any{" t": 1}) || tagDict.Check(map[string]any{"t": 1}) || tagDict.Check(map[string]any{" t": 1, " b": 2}) {
		t.Error("TagDict.Check")
	}
	if j, err := tagDict.ToJSON(map[string]any{" t": 1}); err != nil || fmt.Sprint(j) != "map[ t__:1]" {
		t.Errorf("TagDict.ToJSON = %v, %v", j, err)
	}
	if v, err := tagDict.ToGo(map[string]any{" t__": 1}); err != nil || fmt.Sprint(v) != "map[ t:1]" {
		t.Errorf("TagDict.ToGo = %v, %v", v, err)
	}
	if v, err := tuple.ToGo([]any{int64(1)}); err != nil || !equal(v, tagjson.Tuple{int64(1)}) {
		t.Errorf("TagTuple.ToGo = %v, %v", v, err)
	}
	if _, err := tuple.ToJSON("not a tuple"); err == nil {
		t.Error("TagTuple.ToJSON accepted a string")
	}
	if j, err := bytesTag.ToJSON([]byte("x")); err != nil || j != "eA==" {
		t.Errorf("TagBytes.ToJSON = %v, %v", j, err)
	}
	if _, err := bytesTag.ToGo("eA"); err == nil {
		t.Error("TagBytes.ToGo accepted unpadded base64")
	}
}

func TestZeroSerializer(t *testing.T) {
	var s tagjson.Serializer
	b, err := s.Marshal(map[string]any{" t": tagjson.Tuple{}})
	if err != nil || string(b) != `{" di":{" t__":{" t":[]}}}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	if _, err := s.UnmarshalMap(b); err != nil {
		t.Fatal(err)
	}
}

// TestRegisterWhileEncoding runs Register concurrently with use (run the
// tests with -race).
func TestRegisterWhileEncoding(t *testing.T) {
	s := tagjson.NewSerializer()
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 200 {
				v := map[string]any{"g": g, "i": i, "t": tagjson.Tuple{i}}
				b, err := s.Marshal(v)
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := s.Unmarshal(b); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	for i := range 20 {
		if err := s.Register(keyOnly(fmt.Sprintf(" k%d", i))); err != nil {
			t.Error(err)
		}
	}
	testwait.Wait(t, &wg, 0, "the concurrent Register calls")
	if n := len(s.Tags()); n != 28 {
		t.Errorf("%d tags, want 28", n)
	}
}
