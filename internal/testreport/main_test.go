package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// fixture is a package whose tests pass, fail, skip for a missing server
// and skip for another reason, with subtests.
const fixture = `package fixture

import "testing"

func TestPass(t *testing.T) {}

func TestFail(t *testing.T) { t.Error("boom: the promise broke") }

func TestServerSkip(t *testing.T) {
	t.Skip("SESSIONKIT_TEST_REDIS_URL is not set: these tests need Redis")
}

func TestOtherSkip(t *testing.T) { t.Skip("allocation counts need a normal build") }

func TestParent(t *testing.T) {
	t.Run("ok", func(t *testing.T) {})
	t.Run("bad", func(t *testing.T) { t.Fatal("sub failed") })
}

func TestParentOwnFailure(t *testing.T) {
	t.Run("ok", func(t *testing.T) {})
	t.Error("parent failed by itself")
}
`

// goTestJSON runs the real go test -json over the fixture in a fresh module
// and returns its event stream.
func goTestJSON(t *testing.T) []byte {
	t.Helper()
	dir := t.TempDir()
	for name, body := range map[string]string{
		"go.mod":          "module fixture\n\ngo 1.25\n",
		"fixture_test.go": fixture,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "test", "-json", "-count=1", "./...")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CI=", "GOFLAGS=", "GOWORK=off")
	out, err := cmd.Output()
	if _, ok := err.(*exec.ExitError); err != nil && !ok {
		t.Fatalf("go test: %v", err)
	}
	if !bytes.Contains(out, []byte(`"Action":"fail"`)) {
		t.Fatalf("the fixture's stream has no failure:\n%s", out)
	}
	return out
}

func TestReportRealStream(t *testing.T) {
	stream := goTestJSON(t)
	var out, rec bytes.Buffer
	res, err := report(&out, bytes.NewReader(stream), "mod", &rec)
	if err != nil {
		t.Fatal(err)
	}
	got := out.String()
	// TestFail, TestParent/bad and TestParentOwnFailure: TestParent fails
	// only because of its subtest and is not counted again.
	if res.Passed != 3 || res.Failed != 3 || res.Skipped != 2 || res.Broken != 0 {
		t.Errorf("counts %+v, want 3 passed (TestPass, TestParent/ok, TestParentOwnFailure/ok), 3 failed, 2 skipped, 0 broken\n%s", res.counts, got)
	}
	if !res.failed() {
		t.Error("a stream with failures reports success")
	}
	for _, want := range []string{
		"boom: the promise broke",
		"sub failed",
		"parent failed by itself",
		"FAIL\tfixture\t",
		"mod: 3 passed, 3 failed, 2 skipped\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	for _, unwanted := range []string{"=== RUN", "SESSIONKIT_TEST_REDIS_URL"} {
		// -v framing is dropped; skips go to the record, listed by -summary.
		if strings.Contains(got, unwanted) {
			t.Errorf("output has %q:\n%s", unwanted, got)
		}
	}
	if strings.HasSuffix(got, "\n") && !strings.HasSuffix(got, "2 skipped\n") {
		t.Errorf("the closing line is not the count:\n%s", got)
	}

	// -summary lists the recorded skips with their reasons.
	file := filepath.Join(t.TempDir(), "skips.jsonl")
	if err := os.WriteFile(file, rec.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	server := regexp.MustCompile("(?i)" + DefaultServerPattern)
	var sum bytes.Buffer
	code, err := summarize(&sum, []string{file}, false, server)
	if err != nil {
		t.Fatal(err)
	}
	if code != 1 {
		t.Errorf("summary of a failing run: exit %d, want 1", code)
	}
	s := sum.String()
	for _, want := range []string{
		"SKIP fixture TestServerSkip: fixture_test.go:10: SESSIONKIT_TEST_REDIS_URL is not set: these tests need Redis [server or tool missing]",
		"SKIP fixture TestOtherSkip: fixture_test.go:13: allocation counts need a normal build\n",
		"total: 3 passed, 3 failed, 2 skipped\n",
	} {
		if !strings.Contains(s, want) {
			t.Errorf("summary lacks %q:\n%s", want, s)
		}
	}
	if !strings.HasSuffix(s, "total: 3 passed, 3 failed, 2 skipped\n") {
		t.Errorf("the summary does not close on the total:\n%s", s)
	}
}

// stream builds a go test -json stream from events written as
// "Action Package Test Output" (Test and Output may be empty: "-").
func stream(lines ...string) string {
	var b strings.Builder
	for _, l := range lines {
		f := strings.SplitN(l, " ", 4)
		for len(f) < 4 {
			f = append(f, "-")
		}
		q := func(s string) string {
			if s == "-" {
				s = ""
			}
			return strings.ReplaceAll(strings.ReplaceAll(s, `\`, `\\`), `"`, `\"`)
		}
		out := strings.ReplaceAll(q(f[3]), "\t", `\t`)
		if f[3] != "-" {
			out += `\n`
		}
		b.WriteString(`{"Action":"` + f[0] + `","Package":"` + q(f[1]) + `","Test":"` + q(f[2]) + `","Output":"` + out + `"}` + "\n")
	}
	return b.String()
}

func TestReportPassingStream(t *testing.T) {
	in := stream(
		"start p",
		"run p TestA",
		"output p TestA === RUN   TestA",
		"pass p TestA",
		"output p - ok  \tp\t0.01s",
		"pass p",
		"skip q - ?   \tq\t[no test files]",
	)
	var out bytes.Buffer
	res, err := report(&out, strings.NewReader(in), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.failed() || res.Passed != 1 {
		t.Errorf("result %+v", res.counts)
	}
	want := "ok  \tp\t0.000s\n?   \tq\t[no test files]\n1 passed, 0 failed, 0 skipped\n"
	if out.String() != want {
		t.Errorf("output\n%q\nwant\n%q", out.String(), want)
	}
}

// A package that fails outside its tests (a build error, a panic in
// TestMain, a crash) fails the run though no test failed.
func TestReportBrokenPackage(t *testing.T) {
	in := `{"ImportPath":"p [p.test]","Action":"build-output","Output":"p/x_test.go:3:1: syntax error\n"}
{"ImportPath":"p [p.test]","Action":"build-fail"}
{"Action":"start","Package":"p"}
{"Action":"output","Package":"p","Output":"FAIL\tp [build failed]\n"}
{"Action":"fail","Package":"p","FailedBuild":"p [p.test]"}
`
	var out bytes.Buffer
	res, err := report(&out, strings.NewReader(in), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !res.failed() || res.Broken != 1 {
		t.Errorf("result %+v, want one broken package", res.counts)
	}
	if !strings.Contains(out.String(), "syntax error") || !strings.Contains(out.String(), "FAIL\tp\t") {
		t.Errorf("output:\n%s", out.String())
	}
}

// A test the binary died under (a panic, a timeout) is printed and counted
// as failed even without its own fail event.
func TestReportUnfinishedTest(t *testing.T) {
	in := stream(
		"run p TestHang",
		"output p TestHang === RUN   TestHang",
		"output p TestHang waiting for Redis",
		"output p - panic: test timed out after 10m0s",
		"fail p",
	)
	var out bytes.Buffer
	res, err := report(&out, strings.NewReader(in), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Failed != 1 || !res.failed() {
		t.Errorf("result %+v, want 1 failed", res.counts)
	}
	for _, want := range []string{"TestHang did not finish", "waiting for Redis", "panic: test timed out"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// A stream that ends before a package's result, or holds no event at all,
// is a failure, not a green run.
func TestReportTruncatedAndEmpty(t *testing.T) {
	for name, in := range map[string]string{
		"truncated": stream("run p TestA", "pass p TestA"),
		"empty":     "",
		"not json":  "go: cannot find main module\n",
	} {
		t.Run(name, func(t *testing.T) {
			var out bytes.Buffer
			res, err := report(&out, strings.NewReader(in), "", nil)
			if err != nil {
				t.Fatal(err)
			}
			if !res.failed() {
				t.Errorf("%s stream passed:\n%s", name, out.String())
			}
		})
	}
}

func TestSummaryCI(t *testing.T) {
	server := regexp.MustCompile("(?i)" + DefaultServerPattern)
	write := func(t *testing.T, skips ...string) string {
		t.Helper()
		var rec bytes.Buffer
		lines := []string{"run p TestOK", "pass p TestOK"}
		for i, reason := range skips {
			name := "TestSkip" + string(rune('A'+i))
			lines = append(lines, "run p "+name, "output p "+name+" x_test.go:9: "+reason, "skip p "+name)
		}
		lines = append(lines, "pass p")
		if _, err := report(&bytes.Buffer{}, strings.NewReader(stream(lines...)), "m", &rec); err != nil {
			t.Fatal(err)
		}
		f := filepath.Join(t.TempDir(), "r.jsonl")
		if err := os.WriteFile(f, rec.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return f
	}
	for _, tc := range []struct {
		reason string
		server bool
	}{
		{"SESSIONKIT_TEST_POSTGRES_DSN is not set: these tests need PostgreSQL", true},
		{"Flask not installed: apt-get install -y python3-flask", true},
		{"Chromium not installed: apt-get install -y chromium", true},
		{"redis-server is not on PATH: this test starts Redis servers of its own", true},
		{"SESSIONKIT_TEST_REDIS_URL and SESSIONKIT_TEST_POSTGRES_DSN must both be set", true},
		{"allocation counts differ under the race detector", false},
		{"no SECRET_KEY: Flask makes a null session", false},
		{"no -screenshot FILE", false},
	} {
		f := write(t, tc.reason)
		var out bytes.Buffer
		code, err := summarize(&out, []string{f}, true, server)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[bool]int{true: 1, false: 0}[tc.server]; code != want {
			t.Errorf("CI summary of a skip %q: exit %d, want %d\n%s", tc.reason, code, want, out.String())
		}
		if !strings.Contains(out.String(), tc.reason) {
			t.Errorf("the reason %q is not shown:\n%s", tc.reason, out.String())
		}
		// Outside CI a skip is shown but never fails the run.
		code, err = summarize(&bytes.Buffer{}, []string{f}, false, server)
		if err != nil || code != 0 {
			t.Errorf("non-CI summary of a skip %q: exit %d, %v", tc.reason, code, err)
		}
	}

	// Several files add up.
	a, b := write(t), write(t, "no -screenshot FILE")
	var out bytes.Buffer
	code, err := summarize(&out, []string{a, b}, true, server)
	if err != nil || code != 0 {
		t.Fatalf("exit %d, %v", code, err)
	}
	if !strings.HasSuffix(out.String(), "total: 2 passed, 0 failed, 1 skipped\n") {
		t.Errorf("summary:\n%s", out.String())
	}

	// A file with no run in it is a failure; a missing file an error.
	empty := filepath.Join(t.TempDir(), "empty")
	if err := os.WriteFile(empty, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if code, err := summarize(&bytes.Buffer{}, []string{empty}, false, server); err != nil || code != 1 {
		t.Errorf("empty record: exit %d, %v; want 1", code, err)
	}
	if _, err := summarize(&bytes.Buffer{}, []string{filepath.Join(t.TempDir(), "missing")}, false, server); err == nil {
		t.Error("a missing record file gave no error")
	}
}
