package main

import (
	"context"
	"os"
	"testing"
	"time"
)

// TestScale runs the program at a tiny size against every store: memstore,
// bbolt and SQLite always, Redis, PostgreSQL and MySQL/MariaDB when
// SESSIONKIT_TEST_REDIS_URL, SESSIONKIT_TEST_POSTGRES_DSN and
// SESSIONKIT_TEST_MYSQL_DSN name them (all three are required under
// CI=true). Every Load must find its session at the version last saved,
// every Save must succeed, and every Sweep must remove exactly the expired
// sessions. No figure is compared with a time.
func TestScale(t *testing.T) {
	cfg := Config{
		Sizes:       []int{200, 500},
		Stores:      []string{"mem", "bolt", "sqlite"},
		Ops:         400,
		DiskSaveOps: 40,
		Workers:     4,
		SeedWorkers: 8,
		Expired:     300,
		Quiet:       500 * time.Millisecond,
		RedisWait:   30 * time.Second,
		RedisURL:    os.Getenv("SESSIONKIT_TEST_REDIS_URL"),
		PostgresDSN: os.Getenv("SESSIONKIT_TEST_POSTGRES_DSN"),
		MySQLDSN:    os.Getenv("SESSIONKIT_TEST_MYSQL_DSN"),
		Dir:         t.TempDir(),
		SeedDir:     t.TempDir(),
	}
	for _, s := range []struct{ name, env, value string }{
		{"redis", "SESSIONKIT_TEST_REDIS_URL", cfg.RedisURL},
		{"postgres", "SESSIONKIT_TEST_POSTGRES_DSN", cfg.PostgresDSN},
		{"mysql", "SESSIONKIT_TEST_MYSQL_DSN", cfg.MySQLDSN},
	} {
		if s.value != "" {
			cfg.Stores = append(cfg.Stores, s.name)
			continue
		}
		msg := s.env + " is not set: the scale test skips " + s.name
		if os.Getenv("CI") == "true" {
			t.Fatal(msg + " (under CI=true every server is required)")
		}
		t.Log(msg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	sizes, sweeps, err := Run(ctx, cfg, t.Output())
	t.Logf("\n%s", Tables(sizes, sweeps))
	if err != nil {
		t.Fatal(err)
	}
	if len(sizes) != len(cfg.Stores)*len(cfg.Sizes) {
		t.Fatalf("got %d size results, want %d", len(sizes), len(cfg.Stores)*len(cfg.Sizes))
	}
	for _, r := range sizes {
		wantSaves := cfg.Ops
		if r.Store == "bolt" || r.Store == "sqlite" {
			wantSaves = cfg.DiskSaveOps
		}
		if r.Load.N != cfg.Ops || r.Save.N != wantSaves {
			t.Errorf("%s %d: %d loads and %d saves, want %d and %d", r.Store, r.Size, r.Load.N, r.Save.N, cfg.Ops, wantSaves)
		}
		if r.Bytes <= 0 {
			t.Errorf("%s %d: %.0f bytes per session (%s)", r.Store, r.Size, r.Bytes, r.Footprint)
		}
	}
	if len(sweeps) != len(cfg.Stores) {
		t.Fatalf("got %d sweep results, want %d", len(sweeps), len(cfg.Stores))
	}
	for _, r := range sweeps {
		if r.Quiet.N == 0 || r.During.N == 0 {
			t.Errorf("%s: %d quiet and %d sweep-time operations", r.Store, r.Quiet.N, r.During.N)
		}
		if r.Store == "redis" {
			// Counted in keys; other clients of a shared server may
			// expire keys of their own meanwhile.
			if r.Removed < r.Expired {
				t.Errorf("redis: %d of %d keys expired within %v", r.Removed, r.Expired, cfg.RedisWait)
			}
			continue
		}
		if r.Removed != r.Expired {
			t.Errorf("%s: Sweep removed %d, want %d", r.Store, r.Removed, r.Expired)
		}
	}
}
