package main

import (
	"context"
	"testing"
	"time"
)

// TestLoadSQLite runs the SQLite cells (which need no server) twice, interleaved in two slices each, for a second
// with two clients: sessionkit must serve requests without a single error
// (scs's errors are only logged).
func TestLoadSQLite(t *testing.T) {
	cfg := Config{Duration: time.Second, Concurrency: 2, Sessions: 8, SQLiteDir: t.TempDir(), Runs: 2, Slices: 2}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	results, err := Run(ctx, cfg, t.Output())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s\n%s", Table(results), Summary(results))
	if len(results) != 8 {
		t.Fatalf("got %d results, want 8 (2 runs × sqlite × 2 impls × 2 cases)", len(results))
	}
	for _, r := range results {
		if r.Backend != "sqlite" || r.Requests == 0 {
			t.Errorf("%s %s %s: %d requests", r.Backend, r.Impl, r.Case, r.Requests)
		}
		if r.Impl == "sessionkit" && r.Errors > 0 {
			t.Errorf("sqlite sessionkit %s: %d errors in %d requests", r.Case, r.Errors, r.Requests)
		}
		if r.Impl == "scs" && r.Errors > 0 {
			t.Logf("sqlite scs %s: %d errors in %d requests", r.Case, r.Errors, r.Requests)
		}
	}
}
