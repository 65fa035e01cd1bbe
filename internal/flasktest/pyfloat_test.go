package flasktest

import (
	"math"
	"testing"
)

func TestPyFloatRepr(t *testing.T) {
	// Expected values are Python 3.11's repr() of the same float64.
	tests := []struct {
		f    float64
		want string
	}{
		{0, "0.0"},
		{math.Copysign(0, -1), "-0.0"},
		{1, "1.0"},
		{-2.5, "-2.5"},
		{0.5, "0.5"},
		{3.14159, "3.14159"},
		{math.Float64frombits(0x3fd3333333333334), "0.30000000000000004"}, // 0.1 + 0.2 at run time
		{1e16, "1e+16"},
		{1e15, "1000000000000000.0"},
		{1234567890123456, "1234567890123456.0"},
		{12345678901234567, "1.2345678901234568e+16"},
		{1 << 53, "9007199254740992.0"},
		{0.001, "0.001"},
		{1e-4, "0.0001"},
		{0.00012345, "0.00012345"},
		{1e-5, "1e-05"},
		{1e-7, "1e-07"},
		{1.5e300, "1.5e+300"},
		{5e-324, "5e-324"},
		{1e22, "1e+22"},
		{1e23, "1e+23"},
		{1e100, "1e+100"},
		{123.456, "123.456"},
		{-1e-300, "-1e-300"},
		{math.NaN(), "nan"},
		{math.Inf(1), "inf"},
		{math.Inf(-1), "-inf"},
	}
	for _, tt := range tests {
		if got := pyFloatRepr(tt.f); got != tt.want {
			t.Errorf("pyFloatRepr(%v) = %q, want %q", tt.f, got, tt.want)
		}
	}
	for f, want := range map[float64]string{math.NaN(): "NaN", math.Inf(1): "Infinity", math.Inf(-1): "-Infinity", 2: "2.0"} {
		if got := pyJSONFloat(f); got != want {
			t.Errorf("pyJSONFloat(%v) = %q, want %q", f, got, want)
		}
	}
}
