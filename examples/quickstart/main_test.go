package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestMain runs main itself when the test binary is started by
// TestQuickStartFailsWithoutKey.
func TestMain(m *testing.M) {
	if os.Getenv("QUICKSTART_RUN_MAIN") == "1" {
		main()
		return
	}
	os.Exit(m.Run())
}

// Without SECRET_KEY the quick start stops at once, saying why, instead of
// serving only 500s.
func TestQuickStartFailsWithoutKey(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "QUICKSTART_RUN_MAIN=1", "SECRET_KEY=")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 1 {
		t.Fatalf("quick start without a key: %v (stderr %q), want exit status 1", err, stderr.String())
	}
	if !strings.Contains(stderr.String(), "SECRET_KEY is not set") {
		t.Errorf("stderr %q does not say SECRET_KEY is not set", stderr.String())
	}
}

// The README's quick start is this program: every line of its code block
// is in main.go.
func TestREADMEQuickStartIsThisProgram(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("main.go")
	if err != nil {
		t.Fatal(err)
	}
	_, section, ok := strings.Cut(string(readme), "## Quick start")
	if !ok {
		t.Fatal("README.md has no Quick start section")
	}
	_, block, ok := strings.Cut(section, "```go\n")
	if !ok {
		t.Fatal("the Quick start section has no Go code block")
	}
	block, _, _ = strings.Cut(block, "```")
	n := 0
	for _, line := range strings.Split(block, "\n") {
		line = strings.TrimSpace(line)
		if line == "" {
			continue
		}
		n++
		if !strings.Contains(string(src), line) {
			t.Errorf("README quick start line not in main.go: %q", line)
		}
	}
	if n < 10 {
		t.Errorf("the quick start has %d lines", n)
	}
}
