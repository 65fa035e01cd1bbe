package tagjson_test

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/sessionkit/session/tagjson"
)

type breakNamed string

// breakValue builds a random value mixing encodable and unencodable parts.
func breakValue(r *rand.Rand, depth int) any {
	leaf := []func() any{
		func() any { return "ok" },
		func() any { return "caf\xe9" },
		func() any { return "\xed\xa0\x80" }, // surrogate in UTF-8
		func() any { return math.NaN() },
		func() any { return math.Inf(-1) },
		func() any { return float32(1.5) },
		func() any { return float32(math.NaN()) },
		func() any { return int8(-3) },
		func() any { return uint64(math.MaxUint64) },
		func() any { return new(big.Int).Lsh(big.NewInt(1), 20000) },
		func() any { return true },
		func() any { return nil },
		func() any { return breakNamed("x") },
		func() any { return make(chan int) },
		func() any { return func() {} },
		func() any { return struct{}{} },
		func() any { return []byte("\x00\xff") },
		func() any { return tagjson.Markup("<b>") },
		func() any { return time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC) },
		func() any { return time.Time{} },
		func() any { return time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC) },
		func() any { return []string{"a", "b\xff"} },
		func() any { return map[string]string{"a": "b"} },
		func() any { return map[int]any{1: 2} },
		func() any { var p *int; return p },
		func() any { return any(map[string]any(nil)) },
		func() any { return []any(nil) },
		func() any { return tagjson.Tuple{1, "a"} },
	}
	if depth > 3 || r.IntN(3) == 0 {
		return leaf[r.IntN(len(leaf))]()
	}
	switch r.IntN(3) {
	case 0:
		n := r.IntN(4)
		l := make([]any, n)
		for i := range l {
			l[i] = breakValue(r, depth+1)
		}
		return l
	case 1:
		keys := []string{"a", "b", " t", " di", "_permanent", "k\xff", "\xed\xa0\x80", " b", ""}
		m := map[string]any{}
		for range r.IntN(4) {
			m[keys[r.IntN(len(keys))]] = breakValue(r, depth+1)
		}
		return m
	default:
		return tagjson.Tuple{breakValue(r, depth+1)}
	}
}

// TestBreakCheckVsAppendRandom: Check's verdict equals Append's on random
// values, with default and limited serializers, including cycles.
func TestBreakCheckVsAppendRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(11, 12))
	sers := []*tagjson.Serializer{tagjson.NewSerializer(), {MaxDepth: 3, MaxIntDigits: 5}, {}}
	for i := range 20000 {
		v := breakValue(r, 0)
		if i%100 == 0 {
			m := map[string]any{"x": 1}
			m["self"] = m
			v = []any{v, m}
		}
		for _, s := range sers {
			_, want := s.Append(nil, v)
			got := s.Check(v)
			if (got == nil) != (want == nil) || (got != nil && got.Error() != want.Error()) {
				t.Fatalf("Check(%#.60v) = %v, Append: %v", v, got, want)
			}
		}
	}
}
