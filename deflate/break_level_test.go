package deflate_test

import (
	"encoding/hex"
	"testing"
)

// TestBreakFlaskDecisionAllLevels: deflate.New accepts levels 1 to 9, but
// the margin (signing's fastMargin) was measured only at 1, 2 and 4. A
// payload Flask leaves uncompressed must give Flask's exact cookie at every
// level New accepts.
func TestBreakFlaskDecisionAllLevels(t *testing.T) {
	n := 2000
	if raceEnabled {
		n = 300
	}
	payloads := nearBoundary(77, n)
	hexes := make([]string, len(payloads))
	for i, p := range payloads {
		hexes[i] = hex.EncodeToString(p)
	}
	var flask [][2]any
	runPython(t, flaskSide, map[string]any{"secret": testSecret, "payloads": hexes}, &flask)
	if len(flask) != len(payloads) {
		t.Fatalf("python answered %d of %d payloads", len(flask), len(payloads))
	}
	for _, level := range []int{3, 5, 6, 7, 8, 9} {
		c := newCompressor(t, level)
		s := fixedSigner(t, c)
		bad, worst := 0, -1<<30
		for i, p := range payloads {
			zlibLen, flaskCookie := int(flask[i][0].(float64)), flask[i][1].(string)
			if d := c.AppendDeflate(nil, p); len(d) > 0 {
				worst = max(worst, zlibLen-(2+len(d)+4))
			}
			if zlibLen >= len(p)-1 && s.Sign(p) != flaskCookie {
				bad++
				if bad <= 3 {
					t.Errorf("level %d: payload of %d bytes Flask leaves uncompressed: cookie differs from Flask's", level, len(p))
				}
			}
		}
		t.Logf("level %d: %d differ; the Compressor's zlib stream at most %d bytes shorter than zlib's", level, bad, worst)
	}
}
