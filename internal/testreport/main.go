// Command testreport reads the event stream of `go test -json` and prints
// what plain `go test` prints (a line per package; the output of every
// failing test, of a package that failed outside its tests, and of a failed
// build), then every skipped test with its reason, so a test that skipped
// because a server or tool was missing is visible without -v.
//
//	go test -json ./... | go run ./internal/testreport [-label NAME] [-skips FILE]
//	go run ./internal/testreport -summary [-ci] FILE...
//
// The first form prints as it reads and exits 1 if a test, package or build
// failed (or the stream held no event at all). With -skips it appends each
// skipped test to FILE as one JSON object per line, and a count line for
// the stream, for a later -summary.
//
// The second form reads such files (scripts/test writes one per run) and
// prints every skipped test with its reason, then the closing line
// "total: N passed, N failed, N skipped". With -ci it exits 1 when any skip
// reason matches -server (a regular expression, case-insensitive; by
// default the wording of the project's "server or tool missing" skips:
// an unset SESSIONKIT_TEST_* variable, "not installed", "not on PATH",
// "is not set", "must both be set", "apt-get install"), because under CI
// every server is expected.
//
// Exit status: 0 when all passed, 1 on a failure (or a CI skip), 2 on a
// usage or I/O error.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"regexp"
	"slices"
	"strings"
	"time"
)

// DefaultServerPattern matches the reasons the project's tests give when a
// server, a tool or their variable is missing.
const DefaultServerPattern = `SESSIONKIT_TEST_|not installed|not on PATH|is not set|must both be set|apt-get install`

func main() {
	label := flag.String("label", "", "name printed before the stream's count line (e.g. the module's directory)")
	skips := flag.String("skips", "", "append skipped tests and counts to this file (JSON lines)")
	summary := flag.Bool("summary", false, "summarise the -skips FILEs given as arguments")
	ci := flag.Bool("ci", false, "with -summary: fail when a skip reason matches -server")
	server := flag.String("server", DefaultServerPattern, "regular expression for skips caused by a missing server or tool")
	flag.Parse()

	if *summary {
		re, err := regexp.Compile("(?i)" + *server)
		if err != nil {
			fmt.Fprintln(os.Stderr, "testreport: -server:", err)
			os.Exit(2)
		}
		code, err := summarize(os.Stdout, flag.Args(), *ci, re)
		if err != nil {
			fmt.Fprintln(os.Stderr, "testreport:", err)
			os.Exit(2)
		}
		os.Exit(code)
	}
	if flag.NArg() != 0 {
		fmt.Fprintln(os.Stderr, "usage: go test -json ./... | testreport [-label NAME] [-skips FILE]\n       testreport -summary [-ci] [-server REGEXP] FILE...")
		os.Exit(2)
	}
	var record io.Writer
	if *skips != "" {
		f, err := os.OpenFile(*skips, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o644)
		if err != nil {
			fmt.Fprintln(os.Stderr, "testreport:", err)
			os.Exit(2)
		}
		defer f.Close()
		record = f
	}
	res, err := report(os.Stdout, os.Stdin, *label, record)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testreport:", err)
		os.Exit(2)
	}
	if res.failed() {
		os.Exit(1)
	}
}

// event is one line of `go test -json` (cmd/test2json's TestEvent, plus
// the build events of `go test -json` since Go 1.24).
type event struct {
	Time       time.Time
	Action     string
	Package    string
	ImportPath string // build-output, build-fail
	Test       string
	Elapsed    float64
	Output     string
}

// Skip is one skipped test as recorded for -summary.
type Skip struct {
	Package string `json:"package"`
	Test    string `json:"test"`
	Reason  string `json:"reason"`
}

// counts is one stream's tally as recorded for -summary.
type counts struct {
	Label   string `json:"label,omitempty"`
	Passed  int    `json:"passed"`
	Failed  int    `json:"failed"`
	Skipped int    `json:"skipped"`
	// Broken counts packages that failed outside any test (a build
	// error, a panic or timeout between tests, a crashed binary) and
	// streams that held no event.
	Broken int `json:"broken"`
}

// record is a line of a -skips file: a skip or a stream's counts.
type record struct {
	Skip   *Skip   `json:"skip,omitempty"`
	Counts *counts `json:"counts,omitempty"`
}

type result struct {
	counts
	skips []Skip
}

func (r result) failed() bool { return r.Failed > 0 || r.Broken > 0 }

type testState struct {
	out    []string
	done   bool
	failed bool
	parent bool // a subtest of it ran
}

type pkgState struct {
	tests    map[string]*testState
	order    []string // tests in the order they started
	out      []string // output outside any test
	anyFail  bool     // a test of the package failed
	finished bool
}

// subtestFailed reports whether a subtest of name (at any depth) failed.
func (p *pkgState) subtestFailed(name string) bool {
	for n, t := range p.tests {
		if t.failed && strings.HasPrefix(n, name+"/") {
			return true
		}
	}
	return false
}

// printOutput prints a test's output without the framing lines that only
// -v shows (=== RUN, PAUSE, CONT, NAME).
func printOutput(w io.Writer, out []string) {
	for _, l := range out {
		if strings.HasPrefix(l, "=== ") {
			continue
		}
		fmt.Fprint(w, l)
	}
}

// report reads a `go test -json` stream from in and prints to w as plain
// go test does, followed by the skipped tests. It returns the tally; when
// rec is not nil, it also writes the skips and the tally there.
func report(w io.Writer, in io.Reader, label string, rec io.Writer) (result, error) {
	var res result
	pkgs := map[string]*pkgState{}
	pkg := func(name string) *pkgState {
		p := pkgs[name]
		if p == nil {
			p = &pkgState{tests: map[string]*testState{}}
			pkgs[name] = p
		}
		return p
	}
	events := 0
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if len(line) == 0 || line[0] != '{' || json.Unmarshal(line, &e) != nil {
			// Not an event: go test prints some errors (a bad flag, a
			// package that does not exist) as plain text.
			fmt.Fprintf(w, "%s\n", line)
			continue
		}
		events++
		switch e.Action {
		case "build-output":
			fmt.Fprint(w, e.Output)
			continue
		case "build-fail":
			continue // the package's own fail event follows
		}
		p := pkg(e.Package)
		if e.Test == "" {
			switch e.Action {
			case "output":
				p.out = append(p.out, e.Output)
			case "pass", "skip":
				p.finished = true
				printPackageLine(w, p, e)
			case "fail":
				p.finished = true
				printFailedPackage(w, p, e, &res)
			}
			continue
		}
		t := p.tests[e.Test]
		if t == nil {
			t = &testState{}
			p.tests[e.Test] = t
			p.order = append(p.order, e.Test)
			if i := strings.LastIndexByte(e.Test, '/'); i >= 0 {
				if parent := p.tests[e.Test[:i]]; parent != nil {
					parent.parent = true
				}
			}
		}
		switch e.Action {
		case "output":
			t.out = append(t.out, e.Output)
		case "pass":
			t.done = true
			res.Passed++
		case "fail":
			t.done = true
			t.failed = true
			p.anyFail = true
			// A parent fails with its subtest: count the cause once.
			if !t.parent || !p.subtestFailed(e.Test) {
				res.Failed++
			}
			printOutput(w, t.out)
		case "skip":
			t.done = true
			res.Skipped++
			res.skips = append(res.skips, Skip{Package: e.Package, Test: e.Test, Reason: skipReason(t.out)})
		}
	}
	if err := sc.Err(); err != nil {
		return res, err
	}
	// A stream cut short (the go command killed, a pipe broken) leaves
	// packages without their result.
	names := make([]string, 0, len(pkgs))
	for name := range pkgs {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		if p := pkgs[name]; !p.finished && name != "" {
			fmt.Fprintf(w, "FAIL\t%s [no result: the test stream ended]\n", name)
			res.Broken++
		}
	}
	if events == 0 {
		fmt.Fprintln(w, "testreport: no test events (did go test run?)")
		res.Broken++
	}
	if rec == nil { // else -summary lists them
		printSkips(w, res.skips, nil)
	}
	fmt.Fprintf(w, "%s%d passed, %d failed, %d skipped\n", labelPrefix(label), res.Passed, res.Failed, res.Skipped)
	if rec != nil {
		res.Label = label
		enc := json.NewEncoder(rec)
		for i := range res.skips {
			if err := enc.Encode(record{Skip: &res.skips[i]}); err != nil {
				return res, err
			}
		}
		if err := enc.Encode(record{Counts: &res.counts}); err != nil {
			return res, err
		}
	}
	return res, nil
}

func labelPrefix(label string) string {
	if label == "" {
		return ""
	}
	return label + ": "
}

func printPackageLine(w io.Writer, p *pkgState, e event) {
	if e.Action == "skip" {
		fmt.Fprintf(w, "?   \t%s\t[no test files]\n", e.Package)
		return
	}
	fmt.Fprintf(w, "ok  \t%s\t%.3fs\n", e.Package, e.Elapsed)
}

// printFailedPackage prints what a failed package printed outside its
// tests, and the output of tests that never finished (the binary died
// under them: a panic, a timeout, os.Exit).
func printFailedPackage(w io.Writer, p *pkgState, e event, res *result) {
	for _, name := range p.order {
		if t := p.tests[name]; !t.done && !t.parent {
			fmt.Fprintf(w, "--- %s did not finish:\n", name)
			printOutput(w, t.out)
			res.Failed++
			p.anyFail = true
		}
	}
	for _, l := range p.out {
		if l == "FAIL\n" || l == "PASS\n" || strings.HasPrefix(l, "FAIL\t"+e.Package) || strings.HasPrefix(l, "ok  \t"+e.Package) {
			continue
		}
		fmt.Fprint(w, l)
	}
	if !p.anyFail {
		res.Broken++ // failed outside any test: a build error, TestMain, a crash
	}
	fmt.Fprintf(w, "FAIL\t%s\t%.3fs\n", e.Package, e.Elapsed)
}

// skipReason returns what a skipped test logged, without go test's
// framing lines, on one line.
func skipReason(out []string) string {
	var parts []string
	for _, l := range out {
		l = strings.TrimSpace(l)
		if l == "" || strings.HasPrefix(l, "=== ") || strings.HasPrefix(l, "--- SKIP") {
			continue
		}
		parts = append(parts, l)
	}
	if len(parts) == 0 {
		return "(no reason given)"
	}
	return strings.Join(parts, " | ")
}

// printSkips lists skips; those matching server (if not nil) are marked.
func printSkips(w io.Writer, skips []Skip, server *regexp.Regexp) {
	if len(skips) == 0 {
		return
	}
	fmt.Fprintf(w, "skipped (%d):\n", len(skips))
	for _, s := range skips {
		mark := ""
		if server != nil && server.MatchString(s.Reason) {
			mark = " [server or tool missing]"
		}
		fmt.Fprintf(w, "  SKIP %s %s: %s%s\n", s.Package, s.Test, s.Reason, mark)
	}
}

// summarize reads -skips files and prints the skipped tests and the total.
// It returns the exit code: 1 when a stream failed, or with ci when a skip
// reason matches server.
func summarize(w io.Writer, files []string, ci bool, server *regexp.Regexp) (int, error) {
	if len(files) == 0 {
		return 2, errors.New("-summary needs at least one file")
	}
	var total counts
	var skips []Skip
	streams := 0
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return 2, err
		}
		dec := json.NewDecoder(f)
		for {
			var r record
			err := dec.Decode(&r)
			if err == io.EOF {
				break
			}
			if err != nil {
				f.Close()
				return 2, fmt.Errorf("%s: %w", name, err)
			}
			if r.Skip != nil {
				skips = append(skips, *r.Skip)
			}
			if c := r.Counts; c != nil {
				streams++
				total.Passed += c.Passed
				total.Failed += c.Failed
				total.Skipped += c.Skipped
				total.Broken += c.Broken
			}
		}
		f.Close()
	}
	code := 0
	if streams == 0 {
		fmt.Fprintln(w, "testreport: the files hold no test run")
		code = 1
	}
	if total.Failed > 0 || total.Broken > 0 {
		code = 1
	}
	printSkips(w, skips, server)
	if ci {
		n := 0
		for _, s := range skips {
			if server.MatchString(s.Reason) {
				n++
			}
		}
		if n > 0 {
			fmt.Fprintf(w, "CI=true: %d test(s) skipped because a server or tool is missing; under CI that is a failure\n", n)
			code = 1
		}
	}
	if total.Broken > 0 {
		fmt.Fprintf(w, "%d package(s) failed outside their tests (build errors, crashes, timeouts)\n", total.Broken)
	}
	fmt.Fprintf(w, "total: %d passed, %d failed, %d skipped\n", total.Passed, total.Failed, total.Skipped)
	return code, nil
}
