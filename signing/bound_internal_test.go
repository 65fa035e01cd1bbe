package signing

import (
	"bytes"
	"math"
	"math/bits"
	"math/rand/v2"
	"testing"
)

// refZeroRun is the cheapest encoding, in bits, of a run of g zero code
// lengths, by the costs the package documentation gives (code 0 >= 1 bit;
// 16, repeating the previous length 3-6 times, >= 3; 17, 3-10 zeros, >= 4;
// 18, 11-138 zeros, >= 8), computed by plain recursion. started: a zero was
// written just before, so code 16 may repeat it.
func refZeroRun(g int, started bool, memo map[[2]int]int) int {
	if g == 0 {
		return 0
	}
	key := [2]int{g, 0}
	if started {
		key[1] = 1
	}
	if v, ok := memo[key]; ok {
		return v
	}
	best := 1 + refZeroRun(g-1, true, memo)
	for k := 3; k <= g && k <= 138; k++ {
		if started && k <= 6 {
			best = min(best, 3+refZeroRun(g-k, true, memo))
		}
		if k <= 10 {
			best = min(best, 4+refZeroRun(g-k, true, memo))
		} else {
			best = min(best, 8+refZeroRun(g-k, true, memo))
		}
	}
	memo[key] = best
	return best
}

// refLowerBound computes the bound of precheck.go's documentation directly:
// forced literals by comparing every 4-byte window with every earlier one,
// code lengths by walking the 257 literal/end-of-block symbols.
func refLowerBound(p []byte, memo map[[2]int]int) float64 {
	n := len(p)
	repeated := make([]bool, n) // the window starting at s occurred earlier
	for s := 0; s+4 <= n; s++ {
		for e := 0; e < s; e++ {
			if bytes.Equal(p[e:e+4], p[s:s+4]) {
				repeated[s] = true
				break
			}
		}
	}
	var count [257]int
	var present, forced [257]bool
	u, runs, fixed := 0, 0, 3+7
	prevCovered := false
	for j, b := range p {
		present[b] = true
		covered := false
		for s := max(0, j-3); s <= j; s++ {
			covered = covered || repeated[s]
		}
		if covered {
			if !prevCovered {
				runs++
			}
			prevCovered = true
			continue
		}
		prevCovered = false
		u++
		count[b]++
		forced[b] = true
		if b < 144 {
			fixed += 8
		} else {
			fixed += 9
		}
	}
	fixed += 12 * runs
	present[256], forced[256], count[256] = true, true, 1

	nsym := float64(u + 1)
	shannon, k := 0.0, 0
	for sym := range count {
		if forced[sym] {
			c := float64(count[sym])
			shannon += c * math.Log2(nsym/c)
			k++
		}
	}
	// Code lengths: zero runs between forced literals, groups of them.
	cg, zeroRuns, groups, groupSize := 0, 0, 0, 0
	gap, prev := 0, -1
	for sym := range 257 {
		if !present[sym] {
			continue
		}
		gap = max(gap, sym-prev-1)
		prev = sym
		if !forced[sym] {
			continue
		}
		if gap > 0 {
			cg += refZeroRun(gap, false, memo)
			zeroRuns++
			if groupSize > 0 {
				cg += 1 + groupSize/2
				groups++
			}
			groupSize = 0
		}
		groupSize++
		gap = 0
	}
	cg += 1 + groupSize/2
	groups++

	order := []int{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}
	best := math.Inf(1)
	for l := 1; l <= 15; l++ {
		pos := 0
		for i, c := range order {
			if c == l {
				pos = i
			}
		}
		c := float64(3 * max(4, pos+1))
		if l < bits.Len(uint(k-1)) {
			c += float64(min(zeroRuns, groups))
		}
		c += math.Max(float64(l)*nsym, shannon)
		best = min(best, c)
	}
	return min(float64(fixed), 17+float64(cg+2*runs)+best)
}

// precheckPayloads are inputs for the bound: session-like JSON, runs of
// few symbols, and bytes above 127 and 143 (where fixed literal codes grow).
func precheckPayloads() [][]byte {
	ps := sessionLike(5, 1500)
	r := rand.New(rand.NewPCG(6, 6))
	for n := 0; n <= precheckMax; n += 3 {
		for _, span := range []int{1, 2, 5, 40, 256} {
			b := make([]byte, n)
			base := r.IntN(256)
			for i := range b {
				b[i] = byte(base + r.IntN(span))
			}
			ps = append(ps, b)
		}
	}
	return ps
}

// TestLowerBoundMatchesDefinition: deflateLowerBound computes exactly the
// bound its documentation defines (it must neither exceed the real block,
// which TestPrecheckSound checks, nor give away tightness, which decides
// how often Sign skips the compressor).
func TestLowerBoundMatchesDefinition(t *testing.T) {
	memo := map[[2]int]int{}
	for g := 1; g < len(zeroRunBits); g++ {
		if want := refZeroRun(g, false, memo); int(zeroRunBits[g]) != want {
			t.Errorf("zeroRunBits[%d] = %d, want %d", g, zeroRunBits[g], want)
		}
	}
	for _, p := range precheckPayloads() {
		if len(p) > precheckMax {
			continue
		}
		want := refLowerBound(p, memo)
		got := deflateLowerBound(p, math.Inf(-1))
		if math.Abs(got-want) > 1e-6 {
			t.Fatalf("bound of %q: %v, want %v", p, got, want)
		}
		// With a limit, the result is the bound when the bound exceeds
		// the limit, and otherwise some value not above the limit.
		for _, limit := range []float64{want - 1, want - 0.5, want, want + 0.5, float64(8*len(p) - 99)} {
			got := deflateLowerBound(p, limit)
			if want > limit && math.Abs(got-want) > 1e-6 || want <= limit && got > limit+1e-6 {
				t.Fatalf("bound of %q with limit %v: %v (full bound %v)", p, limit, got, want)
			}
		}
	}
}

// TestPrecheckSoundBeyondASCII: the bound stays below the real block for
// the payloads above too, bytes over 127 included, whenever that block is
// shorter than the input (a stored block is not bounded: it cannot pay),
// and mayCompress never skips a payload the compressor shrinks.
func TestPrecheckSoundBeyondASCII(t *testing.T) {
	c := compressors.Get().(*compressor)
	defer compressors.Put(c)
	for _, p := range precheckPayloads() {
		if len(p) >= 13 && len(p) <= precheckMax {
			maxB := 8*(len(rawDeflate(t, p))-4) - 3
			if lb := deflateLowerBound(p, math.Inf(-1)); maxB < 8*len(p) && lb > float64(maxB) {
				t.Fatalf("bound %.1f bits > block of at most %d bits for %q", lb, maxB, p)
			}
		}
		if !mayCompress(p) {
			if _, ok := c.zlib(p); ok {
				t.Fatalf("pre-check skipped a payload the compressor shrinks: %q", p)
			}
		}
	}
}

// TestMayCompressEdges: the pre-check is attempted up to precheckMax bytes
// (a 256-byte payload that cannot compress is skipped; from 257 bytes the
// compressor always runs).
func TestMayCompressEdges(t *testing.T) {
	r := rand.New(rand.NewPCG(7, 7))
	random := make([]byte, precheckMax+1)
	for i := range random {
		random[i] = byte(r.Uint32())
	}
	if mayCompress(random[:precheckMax]) {
		t.Errorf("a random %d-byte payload is not skipped", precheckMax)
	}
	if !mayCompress(random) {
		t.Errorf("a %d-byte payload is skipped: only payloads up to %d bytes are pre-checked", len(random), precheckMax)
	}
}
