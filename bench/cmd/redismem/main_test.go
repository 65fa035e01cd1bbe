package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// TestRun measures a small population on the test server and checks the
// report and the cleanup: 40 sessions, 2 per subject, and one subject grown
// past zset-max-listpack-entries (128 by default), so that the report shows
// both index encodings; afterwards no key under the run's prefix is left.
func TestRun(t *testing.T) {
	url := os.Getenv("SESSIONKIT_TEST_REDIS_URL")
	if url == "" {
		msg := "SESSIONKIT_TEST_REDIS_URL is not set: redismem needs a Redis server (e.g. redis://127.0.0.1:6379/0)"
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	prefix := fmt.Sprintf("{redismem-test-%d-%d}:", os.Getpid(), time.Now().UnixNano())
	var out bytes.Buffer
	cfg := config{URL: url, N: 40, Data: 200, PerSubject: 2, Fanout: 130, Prefix: prefix}
	if err := run(ctx, &out, cfg); err != nil {
		t.Fatalf("run: %v\n%s", err, &out)
	}
	report := out.String()
	t.Log(report)
	for _, want := range []string{
		"| record hash (<prefix>s:<43-byte key>) | 40 |",
		"| subject index (<prefix>u:<subject>), 2 members | 20 |",
		"| 128 |", "listpack |",
		"| 129 |", "skiplist |",
		`Sessions("fanout"): 130 sessions`,
		"DeleteSubject: 130 sessions",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("the report has no %q", want)
		}
	}

	opts, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	client := redis.NewClient(opts)
	defer client.Close()
	var left []string
	iter := client.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		left = append(left, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Fatal(err)
	}
	if len(left) != 0 {
		t.Errorf("%d keys left under %q, e.g. %q", len(left), prefix, left[0])
	}
}

// TestSessionData: the session data is exactly the requested length, and
// too short a length is an error.
func TestSessionData(t *testing.T) {
	for _, n := range []int{120, 200, 201, 1000} {
		d, err := sessionData(7, n)
		if err != nil || len(d) != n {
			t.Errorf("sessionData(7, %d): %d bytes, %v", n, len(d), err)
		}
	}
	if _, err := sessionData(7, 20); err == nil {
		t.Error("sessionData(7, 20): no error for a length below the fields'")
	}
}
