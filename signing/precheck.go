package signing

import (
	"encoding/binary"
	"math"
	"math/bits"
)

// This file holds the cheap test that lets Sign skip the compressor when
// compression provably cannot pay. Running a level-6 compress/flate writer
// over a small payload costs ~6.5 µs (Reset clears 640 KB of hash tables),
// about 25 times the rest of a small Sign; this test costs ~3.2 k instructions
// on the 44-byte 3-key session (BenchmarkPrecheck/44 under valgrind).
//
// The question it answers: would compress/flate (level 6, then our zlib
// framing) produce a stream shorter than len(p)-1 bytes? For len(p) < 16384,
// compress/flate writes exactly one data block (it splits blocks every 16384
// tokens), marks it non-final, and Close appends an empty final stored block.
// The zlib stream is therefore 2 + ceil((B+3)/8) + 4 + 4 bytes, where B is
// the bit size of the data block, and it is too long unless B <= 8n-99. The
// test computes a lower bound on B from the input alone and reports "no
// compression" only when that bound exceeds 8n-99. The bound:
//
//  1. Positions that no match can cover must be literals. compress/flate emits
//     matches of at least 4 bytes, so a byte can be inside a match only if one
//     of the 4-byte windows holding it occurred earlier in p. The others are
//     "forced literals" (U of them, byte histogram c, K distinct values + the
//     end-of-block symbol). Each maximal run of coverable positions (R of
//     them) costs at least 12 bits in a fixed block (7-bit length + 5-bit
//     distance code) and 2 bits in a dynamic one.
//  2. Fixed Huffman block: 3 + Σ 8|9 bits per forced literal + 7 (end of
//     block) + 12R.
//  3. Dynamic Huffman block: 17 header bits, 3 per code-length code
//     (HCLEN >= 4), the run-length coded code lengths, and the literals.
//     Literal bits are at least the Shannon bound Σ c·log2(N/c) over the
//     forced literals and the end-of-block symbol (N = U+1). Code lengths:
//     bytes absent from p get no code (compress/flate gives unused symbols
//     length 0), so every stretch of absent bytes between two forced literals
//     (or before the first, or before end-of-block, symbol 256) is a zero run
//     that needs at least one code-length symbol and its extra bits (a DP over
//     the cheapest 0/16/17/18 mix, each symbol >= 1 bit); each group of
//     literals between such runs needs one explicit length (>= 1 bit), and
//     every further forced literal >= 1/2 bit (a repeat code 16 covers <= 6
//     lengths for >= 3 bits). Then a case split on the literal code lengths:
//     all equal to L (L >= log2 K, literal bits >= L·N, and length L must be
//     among the transmitted code-length codes, so HCLEN >= 1+pos(L) in the
//     permuted order 16,17,18,0,8,7,...), or at least two distinct lengths
//     with the shortest ℓ (literal bits >= ℓ·N, HCLEN >= 1+pos(ℓ), and with
//     three or more code-length symbols in use only one can be 1 bit long,
//     which adds min(zero runs, groups) bits).
//  4. A stored block is never shorter than the input.
//
// The bound only counts costs every encoding must pay, so it never exceeds
// the real B. It relies on facts about compress/flate (4-byte minimum match,
// no code for unused symbols, one data block below 16384 tokens, the empty
// final stored block); if a future Go changed them, the cost of being wrong
// is a cookie a few bytes longer than necessary, never a broken one.
// TestPrecheckSound checks the implication against the real compressor.
//
// It is only attempted for payloads up to precheckMax bytes: longer JSON is
// almost always compressible and the bound is too weak there to help.

const precheckMax = 256

// cgPos is the position of each code-length code in the order deflate
// transmits their lengths (RFC 1951 §3.2.7).
var cgPos = [19]int{16: 0, 17: 1, 18: 2, 0: 3, 8: 4, 7: 5, 9: 6, 6: 7, 10: 8, 5: 9, 11: 10, 4: 11, 12: 12, 3: 13, 13: 14, 2: 15, 14: 16, 1: 17, 15: 18}

// headerBits[l] is the least HCLEN cost when code length l is in use:
// 3 bits for each code-length code up to l's position, at least 4 of them.
var headerBits = func() (h [16]int) {
	for l := 1; l < len(h); l++ {
		h[l] = 3 * max(4, 1+cgPos[l])
	}
	return h
}()

var (
	zeroRunBits [258]int8                // cheapest encoding of a zero run of each length, in bits
	xlog2x      [precheckMax + 2]float64 // x·log2(x)
)

func init() {
	// w[m]: cheapest way to continue a zero run by m zeros once one zero has
	// been written (so code 16 may repeat it); zeroRunBits[g]: a fresh run.
	// Code 0 is >= 1 bit, 16 (3-6 repeats) >= 1+2, 17 (3-10) >= 1+3,
	// 18 (11-138) >= 1+7.
	var w [len(zeroRunBits)]int
	for m := 1; m < len(w); m++ {
		best := w[m-1] + 1
		for k := 3; k <= 138 && k <= m; k++ {
			switch {
			case k <= 6:
				best = min(best, w[m-k]+3)
			case k <= 10:
				best = min(best, w[m-k]+4)
			default:
				best = min(best, w[m-k]+8)
			}
		}
		w[m] = best
	}
	for g := 1; g < len(zeroRunBits); g++ {
		best := 1 + w[g-1]
		for k := 3; k <= 138 && k <= g; k++ {
			if k <= 10 {
				best = min(best, 4+w[g-k])
			} else {
				best = min(best, 8+w[g-k])
			}
		}
		zeroRunBits[g] = int8(best)
	}
	for x := 1; x < len(xlog2x); x++ {
		xlog2x[x] = float64(x) * math.Log2(float64(x))
	}
}

// mayCompress reports whether compressing p could meet Flask's rule (save at
// least 2 bytes). false is a proof that it cannot; true means "run the
// compressor".
func mayCompress(p []byte) bool {
	n := len(p)
	if n <= 12 {
		return false // 8n-99 < 0
	}
	if n > precheckMax {
		return true
	}
	limit := float64(8*n - 99)
	return deflateLowerBound(p, limit) <= limit
}

// deflateLowerBound returns a lower bound, in bits, on the single data block
// compress/flate writes for p (len(p) <= precheckMax), or, as soon as the
// bound cannot exceed limit, some value <= limit.
func deflateLowerBound(p []byte, limit float64) float64 {
	n := len(p)

	// Pass 1: which positions a match could cover. A position is coverable
	// when one of the 4-byte windows holding it occurred earlier; windows
	// are looked up, in order, in an exact hash set of their start
	// positions, and a repeated window starting at j marks j..j+3 in the
	// bitmap cov (bit j of word j/64). Repeats are rare in the small
	// payloads this runs on, so this pass is mostly the lookups.
	var table [2 * precheckMax]uint16 // window start+1; 0 is empty
	var cov [precheckMax/64 + 1]uint64
	for j := 0; j+4 <= n; j++ {
		v := binary.LittleEndian.Uint32(p[j : j+4]) // the window starting at j
		for h := (v * 0x9E3779B1) >> 23; ; h = (h + 1) % uint32(len(table)) {
			e := table[h]
			if e == 0 {
				table[h] = uint16(j + 1)
				break
			}
			if binary.LittleEndian.Uint32(p[e-1:e+3]) == v {
				w, s := j>>6, uint(j&63)
				cov[w] |= 0xf << s
				cov[w+1] |= 0xf >> (64 - s) // 0 for s <= 60
				break
			}
		}
	}

	// Pass 2: every byte into the histogram and the set of present bytes,
	// without branches; then the covered positions taken back out of the
	// histogram. What is left counts the forced literals.
	var hist [256]uint16
	var present [4]uint64
	for _, b := range p {
		hist[b]++
		present[b>>6] |= 1 << (b & 63)
	}
	covered, runs := 0, 0
	var carry uint64 // is the last position of the previous word covered?
	for w, c := range cov {
		covered += bits.OnesCount64(c)
		runs += bits.OnesCount64(c &^ (c<<1 | carry)) // first positions of runs
		carry = c >> 63
		for ; c != 0; c &= c - 1 {
			hist[p[w<<6|bits.TrailingZeros64(c)]]--
		}
	}
	u := n - covered
	fixedBits := 10 + 8*u + 12*runs     // 3 header bits + 7-bit end of block
	for w := 2; w < len(present); w++ { // bytes from 128: 9-bit fixed codes from 144
		for m := present[w]; m != 0; m &= m - 1 {
			if b := w<<6 | bits.TrailingZeros64(m); b >= 144 {
				fixedBits += int(hist[b])
			}
		}
	}
	if float64(fixedBits) <= limit {
		return float64(fixedBits)
	}

	// 3. Dynamic block. Literal bits: the Shannon bound over the forced
	// literals and the end of block, N·log2 N - Σ c·log2 c (the end of
	// block's count 1 adds 0), summed in the walk below.
	total := u + 1
	shannon := xlog2x[total]
	k := 1 // distinct forced symbols, end of block included

	// Code lengths: walk the present bytes and the end-of-block symbol in
	// order, tracking the longest stretch of absent bytes since the last
	// forced literal (a present byte with a count left in hist).
	cg, zeroRuns, groups, groupSize := 0, 0, 0, 0
	prev, gap := -1, 0
	for w := 0; w <= len(present); w++ {
		m := uint64(1) // w == 4: the end-of-block symbol, 256
		if w < len(present) {
			m = present[w]
		}
		for ; m != 0; m &= m - 1 {
			sym := w<<6 | bits.TrailingZeros64(m)
			gap = max(gap, sym-prev-1)
			prev = sym
			if sym < 256 {
				c := hist[sym]
				if c == 0 {
					continue // covered wherever it occurs
				}
				shannon -= xlog2x[c]
				k++
			}
			if gap > 0 {
				cg += int(zeroRunBits[gap])
				zeroRuns++
				if groupSize > 0 {
					cg += 1 + groupSize/2 // head + ceil((size-1)/2)
					groups++
				}
				groupSize = 0
			}
			groupSize++
			gap = 0
		}
	}
	cg += 1 + groupSize/2
	groups++

	// Case split on the forced literals' code lengths. With shortest length
	// l: literal bits >= max(l·N, Shannon) and HCLEN >= 1+pos(l). All equal
	// (only for l >= log2 K) or, with at least two lengths, min(zeroRuns,
	// groups) more code-length bits.
	l0 := max(1, bits.Len(uint(k-1)))
	extra := min(zeroRuns, groups)
	best := math.Inf(1)
	for l := 1; l <= 15; l++ {
		if float64(12+l*total) >= best {
			// Every later length costs at least 12 header bits and l·N
			// literal bits: none can do better.
			break
		}
		c := float64(headerBits[l])
		if l < l0 {
			c += float64(extra)
		}
		if lb := float64(l * total); lb > shannon {
			c += lb
		} else {
			c += shannon
		}
		if c < best {
			best = c
		}
	}
	return min(float64(fixedBits), 17+float64(cg+2*runs)+best)
}
