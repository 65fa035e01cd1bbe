// Command ratio reads the raw output of the bench module's benchmarks (as
// written by run.sh) and prints, per case, each implementation's net overhead
// over baseline, sessionkit's overhead as a fraction of gorilla's and scs's,
// the crypto floor comparison, the targets, and the lost-update
// counts. Every figure is the median over the runs in the file(s).
//
//	go run ./cmd/ratio results/latest.txt
//
// It only reports: it exits 0 whether the targets hold or not (CI never gates
// on a time), and non-zero only when the input cannot be used.
package main

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/tabwriter"
)

var (
	cases = []string{"untouched", "readonly", "readwrite", "readwrite-2KB"}
	impls = []string{"baseline", "sessionkit", "sessionkit-deflate", "gorilla", "gorilla-aes", "scs"}
	peers = []string{"gorilla", "gorilla-aes", "scs"}
)

// The targets.
const (
	maxPeerFraction = 1.0 / 8 // sessionkit net ≤ 1/8 of gorilla's and scs's (readonly, readwrite)
	max2KBFraction  = 1.0 / 2 // readwrite-2KB: net ≤ 1/2 of scs's (issue 15)
	maxRWAllocs     = 20      // readwrite adds at most 20 allocations
	maxFloorRatio   = 3       // within 3× of the crypto floor (issue 15's moonshot)
	// untouchedAllocFloor is what an untouched request may add: the
	// request copy that carries the session state, and the state.
	untouchedAllocFloor = 2
)

// samples maps benchmark name (without the -GOMAXPROCS suffix) to unit to values.
type samples map[string]map[string][]float64

var procSuffix = regexp.MustCompile(`-\d+$`)

func parse(r io.Reader, s samples) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 4 || !strings.HasPrefix(f[0], "Benchmark") {
			continue
		}
		if _, err := strconv.Atoi(f[1]); err != nil {
			continue // not a result line
		}
		name := procSuffix.ReplaceAllString(f[0], "")
		if s[name] == nil {
			s[name] = map[string][]float64{}
		}
		for i := 2; i+1 < len(f); i += 2 {
			v, err := strconv.ParseFloat(f[i], 64)
			if err != nil {
				break
			}
			s[name][f[i+1]] = append(s[name][f[i+1]], v)
		}
	}
	return sc.Err()
}

func (s samples) median(name, unit string) (float64, int, bool) {
	v := slices.Clone(s[name][unit])
	if len(v) == 0 {
		return 0, 0, false
	}
	slices.Sort(v)
	n := len(v)
	if n%2 == 1 {
		return v[n/2], n, true
	}
	return (v[n/2-1] + v[n/2]) / 2, n, true
}

func mw(c, impl string) string { return "BenchmarkMiddleware/" + c + "/" + impl }

// dur formats nanoseconds.
func dur(ns float64) string {
	a := ns
	if a < 0 {
		a = -a
	}
	switch {
	case a >= 1e6:
		return fmt.Sprintf("%.2fms", ns/1e6)
	case a >= 1e3:
		return fmt.Sprintf("%.2fµs", ns/1e3)
	}
	return fmt.Sprintf("%.0fns", ns)
}

func frac(x float64) string {
	if x <= 0 {
		return fmt.Sprintf("%.3f", x)
	}
	return fmt.Sprintf("%.3f (1/%.1f)", x, 1/x)
}

func main() {
	s := samples{}
	if len(os.Args) < 2 {
		if err := parse(os.Stdin, s); err != nil {
			fail(err)
		}
	}
	for _, p := range os.Args[1:] {
		f, err := os.Open(p)
		if err != nil {
			fail(err)
		}
		err = parse(f, s)
		f.Close()
		if err != nil {
			fail(err)
		}
	}
	if len(s) == 0 {
		fail(errors.New("no benchmark results in the input"))
	}
	out := os.Stdout
	hasBaseline := false
	for _, c := range cases {
		if _, _, ok := s.median(mw(c, "baseline"), "ns/op"); ok {
			hasBaseline = true // e.g. BENCH='Middleware/readwrite-2KB/' runs one case
		}
	}
	if hasBaseline {
		middleware(out, s)
	} else {
		fmt.Fprintln(out, "(no BenchmarkMiddleware results with a baseline: no net overheads, ratios or targets)")
		fmt.Fprintln(out)
	}
	lostUpdates(out, s)
}

func middleware(out io.Writer, s samples) {

	// net[case][impl] = median(impl) - median(baseline), per unit.
	type row struct{ ns, b, allocs, netNS, netB, netAllocs float64 }
	rows := map[string]map[string]row{}
	runs := 0
	fmt.Fprintln(out, "Net overhead over baseline (median of each benchmark's runs; net = impl − baseline):")
	fmt.Fprintln(out)
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "case\timpl\ttime/op\tnet time\tB/op\tnet B\tallocs/op\tnet allocs\t")
	for _, c := range cases {
		base, _, _ := s.median(mw(c, "baseline"), "ns/op")
		baseB, _, _ := s.median(mw(c, "baseline"), "B/op")
		baseA, _, _ := s.median(mw(c, "baseline"), "allocs/op")
		rows[c] = map[string]row{}
		for _, im := range impls {
			ns, n, ok := s.median(mw(c, im), "ns/op")
			if !ok {
				continue
			}
			runs = max(runs, n)
			b, _, _ := s.median(mw(c, im), "B/op")
			a, _, _ := s.median(mw(c, im), "allocs/op")
			r := row{ns, b, a, ns - base, b - baseB, a - baseA}
			rows[c][im] = r
			if im == "baseline" {
				fmt.Fprintf(tw, "%s\t%s\t%s\t\t%.0f\t\t%.0f\t\t\n", c, im, dur(ns), b, a)
				continue
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.0f\t%+.0f\t%.0f\t%+.0f\t\n", c, im, dur(ns), dur(r.netNS), b, r.netB, a, r.netAllocs)
		}
	}
	tw.Flush()
	fmt.Fprintf(out, "(%d runs per benchmark at most)\n\n", runs)

	fmt.Fprintln(out, "sessionkit's net time as a fraction of each peer's (target for readonly and readwrite: ≤ 1/8):")
	fmt.Fprintln(out)
	tw = tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprint(tw, "case\t")
	for _, p := range peers {
		fmt.Fprintf(tw, "vs %s\t", p)
	}
	fmt.Fprintln(tw)
	for _, c := range cases {
		for _, own := range []string{"sessionkit", "sessionkit-deflate"} {
			sk, ok := rows[c][own]
			if own != "sessionkit" && !ok {
				continue // a row only where the results have it
			}
			label := c
			if own != "sessionkit" {
				label = c + " (" + own + ")"
			}
			fmt.Fprintf(tw, "%s\t", label)
			for _, p := range peers {
				pr, pok := rows[c][p]
				switch {
				case !ok || !pok:
					fmt.Fprint(tw, "—\t")
				case c == "untouched" && strings.HasPrefix(p, "gorilla"):
					fmt.Fprint(tw, "n/a (no middleware)\t")
				case pr.netNS <= 0:
					fmt.Fprint(tw, "n/a (peer net ≤ 0)\t")
				default:
					fmt.Fprintf(tw, "%s\t", frac(sk.netNS/pr.netNS))
				}
			}
			fmt.Fprintln(tw)
		}
	}
	tw.Flush()
	fmt.Fprintln(out)

	floor, _, floorOK := s.median("BenchmarkCryptoFloor", "ns/op")
	if floorOK {
		fmt.Fprintf(out, "Crypto floor (HMAC-SHA1 sign + verify of the 3-key cookie bytes): %s/op\n", dur(floor))
		for _, c := range []string{"readonly", "readwrite"} {
			if sk, ok := rows[c]["sessionkit"]; ok {
				fmt.Fprintf(out, "  sessionkit %s net %s = %.1f× the floor\n", c, dur(sk.netNS), sk.netNS/floor)
			}
		}
		fmt.Fprintln(out)
	}

	fmt.Fprintln(out, "Targets (issues 6 and 15):")
	check := func(ok bool, format string, args ...any) {
		mark := "HOLDS "
		if !ok {
			mark = "MISSED"
		}
		fmt.Fprintf(out, "  [%s] %s\n", mark, fmt.Sprintf(format, args...))
	}
	for _, c := range []string{"readonly", "readwrite"} {
		sk, ok := rows[c]["sessionkit"]
		if !ok {
			continue
		}
		for _, p := range []string{"gorilla", "scs"} {
			pr, pok := rows[c][p]
			if !pok || pr.netNS <= 0 {
				continue
			}
			f := sk.netNS / pr.netNS
			check(f <= maxPeerFraction, "%s: sessionkit net %s ≤ 1/8 of %s's %s (is %s)", c, dur(sk.netNS), p, dur(pr.netNS), frac(f))
		}
	}
	if pr, pok := rows["readwrite-2KB"]["scs"]; pok && pr.netNS > 0 {
		for _, own := range []string{"sessionkit", "sessionkit-deflate"} {
			if sk, ok := rows["readwrite-2KB"][own]; ok {
				f := sk.netNS / pr.netNS
				check(f <= max2KBFraction, "readwrite-2KB: %s net %s ≤ 1/2 of scs's %s (is %s)", own, dur(sk.netNS), dur(pr.netNS), frac(f))
			}
		}
	}
	if sk, ok := rows["untouched"]["sessionkit"]; ok {
		// Issue 15 retired "adds no allocation": net/http's request copy
		// (WithContext) and the per-request state are the floor for any
		// middleware that hands the session to the handler.
		check(sk.netAllocs <= untouchedAllocFloor, "untouched: sessionkit adds ≤ %d allocations, the floor (adds %+.0f allocs, %+.0f B)", untouchedAllocFloor, sk.netAllocs, sk.netB)
	}
	if sk, ok := rows["readwrite"]["sessionkit"]; ok {
		check(sk.netAllocs <= maxRWAllocs, "readwrite: sessionkit adds ≤ %d allocations (adds %+.0f)", maxRWAllocs, sk.netAllocs)
		if floorOK {
			check(sk.netNS <= maxFloorRatio*floor, "readwrite: sessionkit net %s within 3× of the crypto floor %s (is %.1f×)", dur(sk.netNS), dur(floor), sk.netNS/floor)
		}
	}
	if sk, ok := rows["readonly"]["sessionkit"]; ok && floorOK {
		check(sk.netNS <= maxFloorRatio*floor, "readonly: sessionkit net %s within 3× of the crypto floor %s (is %.1f×; readonly only verifies, the floor signs and verifies)", dur(sk.netNS), dur(floor), sk.netNS/floor)
	}
	fmt.Fprintln(out)
}

func lostUpdates(out io.Writer, s samples) {
	names := []string{}
	for name := range s {
		if strings.HasPrefix(name, "BenchmarkLostUpdate/") {
			names = append(names, name)
		}
	}
	slices.Sort(names)
	if len(names) > 0 {
		fmt.Fprintln(out, "Lost updates (8 goroutines × 25 requests, each writing its own key to ONE session; median per workload):")
		for _, name := range names {
			lost, n, _ := s.median(name, "lost/op")
			pct, _, _ := s.median(name, "lost-%")
			fmt.Fprintf(out, "  %-12s lost %.0f of 200 writes (%.0f%%), %d runs\n", strings.TrimPrefix(name, "BenchmarkLostUpdate/"), lost, pct, n)
		}
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "ratio:", err)
	os.Exit(1)
}
