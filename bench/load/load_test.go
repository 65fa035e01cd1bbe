package main

import (
	"context"
	"os"
	"testing"
	"time"
)

// TestLoad runs every cell for a second with two clients against the real
// servers named by SESSIONKIT_TEST_REDIS_URL and SESSIONKIT_TEST_POSTGRES_DSN:
// sessionkit must serve requests without a single error (scs's errors are
// only logged).
func TestLoad(t *testing.T) {
	cfg := Config{
		Duration:    time.Second,
		Concurrency: 2,
		Sessions:    8,
		RedisURL:    os.Getenv("SESSIONKIT_TEST_REDIS_URL"),
		PostgresDSN: os.Getenv("SESSIONKIT_TEST_POSTGRES_DSN"),
	}
	if cfg.RedisURL == "" || cfg.PostgresDSN == "" {
		msg := "SESSIONKIT_TEST_REDIS_URL and SESSIONKIT_TEST_POSTGRES_DSN must both be set to run the load test against the real servers"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	results, err := Run(ctx, cfg, t.Output())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s", Table(results))
	if len(results) != 8 {
		t.Fatalf("got %d results, want 8 (2 backends × 2 impls × 2 cases)", len(results))
	}
	for _, r := range results {
		if r.Requests == 0 {
			t.Errorf("%s %s %s: no request served", r.Backend, r.Impl, r.Case)
		}
		if r.Impl == "sessionkit" && r.Errors > 0 {
			t.Errorf("%s %s %s: %d errors in %d requests", r.Backend, r.Impl, r.Case, r.Errors, r.Requests)
		}
		if r.Impl == "scs" && r.Errors > 0 {
			t.Logf("%s scs %s: %d errors in %d requests", r.Backend, r.Case, r.Errors, r.Requests)
		}
	}
}
