package tagjson_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/sessionkit/session/tagjson"
)

// failingStrings is a tag that claims every string and cannot encode it.
type failingStrings struct{}

var errNoStrings = errors.New("no strings here")

func (failingStrings) Key() string               { return " fs" }
func (failingStrings) Check(v any) bool          { _, ok := v.(string); return ok }
func (failingStrings) ToJSON(v any) (any, error) { return nil, errNoStrings }
func (failingStrings) ToGo(v any) (any, error)   { return v, nil }

// TestCheckAgreesWithAppend: Check returns exactly what Append returns,
// with the default tags (where strings, bools, floats and nil are decided
// by type), with a digit limit, and with a custom tag that claims strings.
func TestCheckAgreesWithAppend(t *testing.T) {
	limited := &tagjson.Serializer{MaxIntDigits: 3}
	custom := tagjson.NewSerializer()
	if err := custom.Register(failingStrings{}, tagjson.At(0)); err != nil {
		t.Fatal(err)
	}
	values := []any{"", "alice", "caf\xe9", strings.Repeat("x", 70000), true, nil, math.NaN(), 1.5,
		42, int64(12345), []any{1, "a"}, map[string]any{"k": 1000}, map[string]any{" t": 1}, struct{}{}}
	for _, s := range []*tagjson.Serializer{tagjson.NewSerializer(), limited, custom} {
		for _, v := range values {
			_, want := s.Append(nil, v)
			got := s.Check(v)
			if (got == nil) != (want == nil) || (got != nil && got.Error() != want.Error()) {
				t.Errorf("Check(%.20v) = %v, Append's error %v", v, got, want)
			}
		}
	}
	if err := custom.Check("x"); !errors.Is(err, errNoStrings) {
		t.Errorf("a custom tag that fails on strings: Check = %v, want %v", err, errNoStrings)
	}
	if err := limited.Check(1234); !errors.Is(err, tagjson.ErrIntTooLarge) {
		t.Errorf("1234 with MaxIntDigits 3: Check = %v, want ErrIntTooLarge", err)
	}
}
