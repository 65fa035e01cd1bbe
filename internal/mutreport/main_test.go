package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	dir := t.TempDir()
	rep := filepath.Join(dir, "r.json")
	if err := os.WriteFile(rep, []byte(`{"files":[{"file_name":"a.go","mutations":[
		{"type":"CONDITIONALS_NEGATION","status":"KILLED","line":1,"column":2},
		{"type":"CONDITIONALS_NEGATION","status":"LIVED","line":3,"column":4},
		{"type":"ARITHMETIC_BASE","status":"LIVED","line":5,"column":6},
		{"type":"CONDITIONALS_BOUNDARY","status":"TIMED OUT","line":7,"column":8},
		{"type":"CONDITIONALS_BOUNDARY","status":"NOT COVERED","line":9,"column":1}]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	eqFile := filepath.Join(dir, "eq.txt")
	if err := os.WriteFile(eqFile, []byte("# comment\n\nsealed/a.go:5:6 ARITHMETIC_BASE  only changes a capacity hint\ngone.go:1:1 X moved\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	eq, err := readEquivalents(eqFile)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	if err := run(&out, []string{"sealed=" + rep}, eq); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	for _, want := range []string{
		"| sealed | 1 | 1 | 1 | 1 | 1 | 66.7 % | 50.0 % |",
		"sealed/a.go:3:4 CONDITIONALS_NEGATION",
		"gone.go:1:1 X",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "sealed/a.go:5:6 ARITHMETIC_BASE\n") {
		t.Errorf("an equivalent mutant is listed as lived:\n%s", got)
	}
}

func TestReadEquivalentsRejectsShortLines(t *testing.T) {
	f := filepath.Join(t.TempDir(), "eq.txt")
	if err := os.WriteFile(f, []byte("a.go:1:1 TYPE\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readEquivalents(f); err == nil {
		t.Fatal("a line without a reason was accepted")
	}
}
