//go:build !race

package tagjson_test

import (
	"testing"

	"github.com/sessionkit/session/tagjson"
)

const raceEnabled = false

// TestCheckAllocs: checking a scalar allocates nothing (the pool may drop
// items under the race detector).
func TestCheckAllocs(t *testing.T) {
	s := tagjson.NewSerializer()
	var v any = "alice"
	var n any = int64(42)
	if a := testing.AllocsPerRun(100, func() { _ = s.Check(v); _ = s.Check(n) }); a != 0 {
		t.Errorf("Check allocates %v times", a)
	}
}
