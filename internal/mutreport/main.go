// Command mutreport summarises a gremlins JSON report per package: killed,
// lived, timed out and not covered mutants, the known-equivalent ones taken
// out, and the kill rate over the non-equivalent mutants a test reaches.
//
//	go run ./internal/mutreport -equivalent scripts/mutation-equivalent.txt [DIR=]report.json...
//
// gremlins names files relative to the directory it ran in: DIR= (the
// package's directory from the module root) makes them module-relative.
//
// The equivalents file lists one mutant per line as
// "path:line:column TYPE  reason"; blank lines and lines starting with #
// are ignored. A listed mutant that the report does not contain is reported
// (the code moved: the list must be revised), and so is every lived mutant
// that is not listed, with its position, so each survivor is either killed
// by a new test or explained.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path"
	"sort"
	"strings"
)

type report struct {
	Files []struct {
		FileName  string `json:"file_name"`
		Mutations []struct {
			Type   string `json:"type"`
			Status string `json:"status"`
			Line   int    `json:"line"`
			Column int    `json:"column"`
		} `json:"mutations"`
	} `json:"files"`
}

type counts struct{ killed, lived, timedOut, notCovered, notViable, equivalent int }

func main() {
	eqPath := flag.String("equivalent", "", "file listing known-equivalent mutants")
	flag.Parse()
	if flag.NArg() == 0 {
		fmt.Fprintln(os.Stderr, "usage: mutreport [-equivalent FILE] [DIR=]REPORT.json...")
		os.Exit(64)
	}
	equivalent, err := readEquivalents(*eqPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "mutreport:", err)
		os.Exit(1)
	}
	if err := run(os.Stdout, flag.Args(), equivalent); err != nil {
		fmt.Fprintln(os.Stderr, "mutreport:", err)
		os.Exit(1)
	}
}

// readEquivalents returns the listed mutants, keyed "path:line:col TYPE".
func readEquivalents(name string) (map[string]string, error) {
	out := map[string]string{}
	if name == "" {
		return out, nil
	}
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Fields(line)
		if len(fields) < 3 {
			return nil, fmt.Errorf("%s: %q: want \"path:line:col TYPE reason\"", name, line)
		}
		out[fields[0]+" "+fields[1]] = strings.Join(fields[2:], " ")
	}
	return out, sc.Err()
}

func run(w io.Writer, reports []string, equivalent map[string]string) error {
	byPkg := map[string]*counts{}
	seen := map[string]bool{}
	var lived []string
	for _, arg := range reports {
		dir, name, ok := strings.Cut(arg, "=")
		if !ok {
			dir, name = ".", arg
		}
		data, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		var r report
		if err := json.Unmarshal(data, &r); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		for _, f := range r.Files {
			f.FileName = path.Join(dir, f.FileName)
			pkg := path.Dir(f.FileName)
			c := byPkg[pkg]
			if c == nil {
				c = &counts{}
				byPkg[pkg] = c
			}
			for _, m := range f.Mutations {
				id := fmt.Sprintf("%s:%d:%d %s", f.FileName, m.Line, m.Column, m.Type)
				if _, ok := equivalent[id]; ok {
					seen[id] = true
					c.equivalent++
					continue
				}
				switch m.Status {
				case "KILLED":
					c.killed++
				case "LIVED":
					c.lived++
					lived = append(lived, id)
				case "TIMED OUT":
					c.timedOut++
				case "NOT COVERED":
					c.notCovered++
				case "NOT VIABLE":
					c.notViable++
				}
			}
		}
	}
	pkgs := make([]string, 0, len(byPkg))
	for p := range byPkg {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	fmt.Fprintln(w, "| package | killed | timed out | lived | not covered | equivalent | kill rate of run mutants | kill rate, not covered counted as lived |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---:|---:|---:|")
	var total counts
	for _, p := range pkgs {
		c := byPkg[p]
		row(w, p, c)
		total.killed += c.killed
		total.timedOut += c.timedOut
		total.lived += c.lived
		total.notCovered += c.notCovered
		total.equivalent += c.equivalent
	}
	row(w, "**all**", &total)
	if len(lived) > 0 {
		sort.Strings(lived)
		fmt.Fprintf(w, "\nLived and not listed as equivalent (%d):\n", len(lived))
		for _, id := range lived {
			fmt.Fprintln(w, "  ", id)
		}
	}
	var stale []string
	for id := range equivalent {
		if !seen[id] {
			stale = append(stale, id)
		}
	}
	if len(stale) > 0 {
		sort.Strings(stale)
		fmt.Fprintf(w, "\nListed as equivalent but not in the report (revise the list) (%d):\n", len(stale))
		for _, id := range stale {
			fmt.Fprintln(w, "  ", id)
		}
	}
	return nil
}

// row prints one package. Timed-out mutants count as killed (the suite
// noticed them). Two rates are given: over the mutants gremlins ran, and
// with its not-covered mutants counted as survivors (gremlins does not run
// mutants in constant declarations or in the cases of a tagless switch, so
// a covered line can still report one).
func row(w io.Writer, name string, c *counts) {
	detected := c.killed + c.timedOut
	rate := func(all int) string {
		if all == 0 {
			return "—"
		}
		return fmt.Sprintf("%.1f %%", 100*float64(detected)/float64(all))
	}
	fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %d | %s | %s |\n", name, c.killed, c.timedOut, c.lived, c.notCovered, c.equivalent,
		rate(detected+c.lived), rate(detected+c.lived+c.notCovered))
}
