package main

import (
	"context"
	"os"
	"testing"
	"time"
)

// TestLoad runs every cell twice (interleaved) for a second with two clients against the real
// servers named by SESSIONKIT_TEST_REDIS_URL and SESSIONKIT_TEST_POSTGRES_DSN,
// and SESSIONKIT_TEST_MYSQL_DSN when it is set (required under CI=true):
// sessionkit must serve requests without a single error (scs's errors are
// only logged).
func TestLoad(t *testing.T) {
	cfg := Config{
		Duration:    time.Second,
		Concurrency: 2,
		Sessions:    8,
		Runs:        2,
		RedisURL:    os.Getenv("SESSIONKIT_TEST_REDIS_URL"),
		PostgresDSN: os.Getenv("SESSIONKIT_TEST_POSTGRES_DSN"),
		MySQLDSN:    os.Getenv("SESSIONKIT_TEST_MYSQL_DSN"),
	}
	if cfg.RedisURL == "" || cfg.PostgresDSN == "" {
		msg := "SESSIONKIT_TEST_REDIS_URL and SESSIONKIT_TEST_POSTGRES_DSN must both be set to run the load test against the real servers"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	backends := 2
	if cfg.MySQLDSN != "" {
		backends++
	} else if os.Getenv("CI") == "true" {
		t.Fatal("SESSIONKIT_TEST_MYSQL_DSN is not set: under CI=true the load test runs MySQL/MariaDB too")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	results, err := Run(ctx, cfg, t.Output())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("\n%s\n%s", Table(results), Summary(results))
	if len(results) != backends*8 {
		t.Fatalf("got %d results, want %d (2 runs × %d backends × 2 impls × 2 cases)", len(results), backends*8, backends)
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
