package main

import (
	"strings"
	"testing"
	"time"
)

func TestStat(t *testing.T) {
	for _, tc := range []struct {
		in   []float64
		want Stat
	}{
		{nil, Stat{}},
		{[]float64{5}, Stat{5, 5, 5}},
		{[]float64{9, 1, 4}, Stat{4, 1, 9}},
		{[]float64{4, 1, 3, 10}, Stat{3.5, 1, 10}},
	} {
		in := append([]float64(nil), tc.in...)
		if got := stat(in); got != tc.want {
			t.Errorf("stat(%v) = %+v, want %+v", tc.in, got, tc.want)
		}
		for i := range in {
			if in[i] != tc.in[i] {
				t.Errorf("stat reordered its argument: %v", in)
			}
		}
	}
}

// TestCellsAndVerdicts checks the grouping by backend × case (sessionkit
// first, whatever order the runs measured them in), the medians and
// spreads, and the held/missed verdicts.
func TestCellsAndVerdicts(t *testing.T) {
	res := func(run int, impl, c string, reqs int64, p99 time.Duration) Result {
		return Result{Run: run, Backend: "redis", Impl: impl, Case: c, Requests: reqs, Elapsed: time.Second,
			P50: p99 / 4, P99: p99}
	}
	results := []Result{
		res(1, "scs", caseRead, 100, 10*time.Millisecond),
		res(1, "sessionkit", caseRead, 200, 8*time.Millisecond),
		res(1, "sessionkit", caseWrite, 90, 9*time.Millisecond),
		res(1, "scs", caseWrite, 100, 10*time.Millisecond),
		res(2, "sessionkit", caseRead, 300, 12*time.Millisecond),
		res(2, "scs", caseRead, 110, 11*time.Millisecond),
		res(2, "scs", caseWrite, 80, 20*time.Millisecond),
		res(2, "sessionkit", caseWrite, 120, 8*time.Millisecond),
		res(3, "scs", caseRead, 90, 30*time.Millisecond),
		res(3, "sessionkit", caseRead, 250, 9*time.Millisecond),
		res(3, "sessionkit", caseWrite, 95, 30*time.Millisecond),
		res(3, "scs", caseWrite, 120, 5*time.Millisecond),
	}
	cells := Cells(results)
	want := []struct {
		impl, c string
		rps     Stat
		p99     Stat
	}{
		{"sessionkit", caseRead, Stat{250, 200, 300}, Stat{9, 8, 12}},
		{"scs", caseRead, Stat{100, 90, 110}, Stat{11, 10, 30}},
		{"sessionkit", caseWrite, Stat{95, 90, 120}, Stat{9, 8, 30}},
		{"scs", caseWrite, Stat{100, 80, 120}, Stat{10, 5, 20}},
	}
	if len(cells) != len(want) {
		t.Fatalf("got %d cells, want %d: %+v", len(cells), len(want), cells)
	}
	for i, w := range want {
		c := cells[i]
		if c.Impl != w.impl || c.Case != w.c || c.Runs != 3 || c.ReqPerSec != w.rps || c.P99 != w.p99 {
			t.Errorf("cell %d = %+v, want %s %s rps %+v p99 %+v over 3 runs", i, c, w.impl, w.c, w.rps, w.p99)
		}
	}
	v := Verdicts(cells)
	if len(v) != 2 || !v[0].Held || v[0].Case != caseRead || v[1].Held || v[1].Case != caseWrite {
		t.Fatalf("verdicts = %+v, want read-only held, read+write missed", v)
	}
	if v[0].RPSRatio != 2.5 || v[1].RPSRatio != 0.95 || v[1].P99Ratio != 0.9 {
		t.Errorf("ratios = %+v", v)
	}
	sum := Summary(results)
	for _, s := range []string{"| redis | read-only | sessionkit | 3 | 250 (200–300) |", "| redis | read+write | 0.95 | 0.90 | missed |", "| redis | read-only | 2.50 |"} {
		if !strings.Contains(sum, s) {
			t.Errorf("summary lacks %q:\n%s", s, sum)
		}
	}
}

// TestMerge pools the slices of one implementation in a cell: counts and
// times add up, percentiles come from every latency, and CPU or round
// trips are unknown as soon as one slice lacks them.
func TestMerge(t *testing.T) {
	ms := func(n int) time.Duration { return time.Duration(n) * time.Millisecond }
	a := slice{requests: 3, errors: 1, elapsed: time.Second, lat: []time.Duration{ms(5), ms(1), ms(3)}, cpu: ms(3), trips: 6}
	b := slice{requests: 1, elapsed: time.Second, lat: []time.Duration{ms(100)}, cpu: ms(1), trips: 2}
	r := merge([]slice{a, b})
	if r.Requests != 4 || r.Errors != 1 || r.Elapsed != 2*time.Second || r.ReqPerSec() != 2 {
		t.Errorf("merge counts: %+v", r)
	}
	if r.P50 != ms(3) || r.P99 != ms(5) {
		t.Errorf("merge percentiles: p50 %v p99 %v, want 3ms and 5ms", r.P50, r.P99)
	}
	if r.CPU != ms(1) || r.Trips != 2 {
		t.Errorf("merge per request: CPU %v trips %v, want 1ms and 2", r.CPU, r.Trips)
	}
	b.cpu, b.trips = -1, -1
	if r := merge([]slice{a, b}); r.CPU != -1 || r.Trips != -1 {
		t.Errorf("merge with an unknown slice: CPU %v trips %v, want -1 and -1", r.CPU, r.Trips)
	}
	if r := merge(nil); r.Requests != 0 || r.CPU != -1 || r.Trips != -1 {
		t.Errorf("merge(nil) = %+v", r)
	}
}
