package session_test

import (
	"fmt"
	"math"
	"math/big"
	"net/http"
	"testing"

	"github.com/sessionkit/session"
)

// get runs Get[T] on a session holding v alone.
func get[T any](v any) (T, bool) {
	return session.Get[T](session.NewValues(map[string]any{"k": v}), "k")
}

// Get converts between every numeric type when the value fits, at exactly
// the bounds and one past them.
func TestGetNumberConversions(t *testing.T) {
	bigU64 := new(big.Int).SetUint64(math.MaxUint64)
	bigOver := new(big.Int).Lsh(big.NewInt(1), 64)
	check := func(name string, got any, ok bool, want any, wantOK bool) {
		t.Helper()
		if ok != wantOK || (wantOK && got != want) {
			t.Errorf("%s = %v (%T), %v; want %v, %v", name, got, got, ok, want, wantOK)
		}
	}

	// Every source type reaches an int.
	for _, v := range []any{int(7), int8(7), int16(7), int32(7), int64(7), uint(7), uint8(7), uint16(7),
		uint32(7), uint64(7), float32(7), float64(7), big.NewInt(7)} {
		got, ok := get[int](v)
		check("Get[int]", got, ok, 7, true)
		gotF, ok := get[float32](v)
		check("Get[float32]", gotF, ok, float32(7), true)
		gotU, ok := get[uint16](v)
		check("Get[uint16]", gotU, ok, uint16(7), true)
	}
	// Negative sources keep their sign.
	for _, v := range []any{int(-7), int8(-7), int16(-7), int32(-7), int64(-7), float32(-7), float64(-7), big.NewInt(-7)} {
		got, ok := get[int64](v)
		check("Get[int64] negative", got, ok, int64(-7), true)
		_, ok = get[uint64](v)
		check("Get[uint64] negative", nil, ok, nil, false)
	}

	// Unsigned to signed: MaxInt64 fits, one more does not.
	got, ok := get[int64](uint64(math.MaxInt64))
	check("Get[int64](uint64 MaxInt64)", got, ok, int64(math.MaxInt64), true)
	_, ok = get[int64](uint64(math.MaxInt64) + 1)
	check("Get[int64](uint64 MaxInt64+1)", nil, ok, nil, false)
	gotU, ok := get[uint64](uint64(math.MaxUint64))
	check("Get[uint64](MaxUint64)", gotU, ok, uint64(math.MaxUint64), true)
	gotU, ok = get[uint64](bigU64)
	check("Get[uint64](big MaxUint64)", gotU, ok, uint64(math.MaxUint64), true)
	_, ok = get[uint64](bigOver)
	check("Get[uint64](big 2**64)", nil, ok, nil, false)
	_, ok = get[float64](bigOver)
	check("Get[float64](big 2**64)", nil, ok, nil, false)

	// Signed to unsigned: zero converts, -1 does not.
	gotU, ok = get[uint64](int64(0))
	check("Get[uint64](0)", gotU, ok, uint64(0), true)
	gotU8, ok := get[uint8](int64(255))
	check("Get[uint8](255)", gotU8, ok, uint8(255), true)
	_, ok = get[uint8](int64(256))
	check("Get[uint8](256)", nil, ok, nil, false)
	_, ok = get[uint8](uint64(256))
	check("Get[uint8](uint64 256)", nil, ok, nil, false)
	got8, ok := get[int8](int64(-128))
	check("Get[int8](-128)", got8, ok, int8(-128), true)
	_, ok = get[int8](int64(-129))
	check("Get[int8](-129)", nil, ok, nil, false)

	// Floats: whole values in int64's range convert, at -2**63 and just
	// below 2**63; 2**63 itself does not.
	got, ok = get[int64](float64(-(1 << 63)))
	check("Get[int64](-2**63)", got, ok, int64(math.MinInt64), true)
	_, ok = get[int64](float64(1 << 63))
	check("Get[int64](2**63)", nil, ok, nil, false)
	got, ok = get[int64](math.Nextafter(1<<63, 0))
	check("Get[int64](largest float below 2**63)", got, ok, int64(math.Nextafter(1<<63, 0)), true)
	_, ok = get[int64](-0.5)
	check("Get[int64](-0.5)", nil, ok, nil, false)
	_, ok = get[uint64](float64(1 << 63))
	check("Get[uint64](float 2**63)", nil, ok, nil, false)

	// To floats: from large unsigned values, and overflow of float32.
	gotF, ok := get[float64](uint64(math.MaxUint64))
	check("Get[float64](MaxUint64)", gotF, ok, float64(math.MaxUint64), true)
	gotF, ok = get[float64](int64(-3))
	check("Get[float64](-3)", gotF, ok, float64(-3), true)
	gotF32, ok := get[float32](2.5)
	check("Get[float32](2.5)", gotF32, ok, float32(2.5), true)
	_, ok = get[float32](1e300)
	check("Get[float32](1e300)", nil, ok, nil, false)
	gotF32, ok = get[float32](float64(math.MaxFloat32))
	check("Get[float32](MaxFloat32)", gotF32, ok, float32(math.MaxFloat32), true)

	// Not numbers, or not numeric targets.
	_, ok = get[int]("7")
	check("Get[int](\"7\")", nil, ok, nil, false)
	_, ok = get[int](true)
	check("Get[int](true)", nil, ok, nil, false)
	_, ok = get[bool](int64(1))
	check("Get[bool](1)", nil, ok, nil, false)
	_, ok = get[string](float64(1))
	check("Get[string](1.0)", nil, ok, nil, false)
}

// GetOr gives the stored value when it converts, the default otherwise.
func TestGetOrConverts(t *testing.T) {
	s := session.NewValues(map[string]any{"n": int64(3), "s": "x"})
	if got := session.GetOr(s, "n", 9); got != 3 {
		t.Errorf("GetOr(n) = %v, want 3", got)
	}
	if got := session.GetOr(s, "s", 9); got != 9 {
		t.Errorf("GetOr(s) = %v, want the default", got)
	}
}

// Get[T] of a struct whose value JSON cannot encode reports false.
func TestGetUnencodable(t *testing.T) {
	s := session.NewValues(map[string]any{"f": func() {}})
	if _, ok := session.Get[struct{ A int }](s, "f"); ok {
		t.Error("Get[struct] of a func reported ok")
	}
}

type user struct {
	ID    int      `json:"id"`
	Name  string   `json:"name"`
	Roles []string `json:"roles"`
}

// Issue 12 item 8: a struct stored in one request comes back as that struct
// in the next, with cookie and server-side sessions (it is read back as a
// map: before, Get[T] returned the zero value and false, silently).
func TestGetStructOnTheNextRequest(t *testing.T) {
	for name, cfg := range lifecycleBackends(t) {
		t.Run(name, func(t *testing.T) {
			m := newManager(t, cfg)
			want := user{ID: 7, Name: "Ada", Roles: []string{"admin"}}
			c := client(m, map[string]http.HandlerFunc{
				"/set": func(w http.ResponseWriter, r *http.Request) { _ = session.From(r).Set("user", want) },
				"/get": func(w http.ResponseWriter, r *http.Request) {
					u, ok := session.Get[user](session.From(r), "user")
					p, pok := session.Get[*user](session.From(r), "user")
					fmt.Fprintf(w, "%v %+v %v %v", ok, u, pok, p != nil && p.Name == "Ada")
				},
			})
			c.Get("/set")
			if got, exp := c.Get("/get").Body, fmt.Sprintf("true %+v true true", want); got != exp {
				t.Errorf("next request: %q, want %q", got, exp)
			}
		})
	}
}
