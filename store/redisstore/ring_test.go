package redisstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/storetest"
)

// newOwnRing returns a Ring client over two redis-servers of the test's own.
func newOwnRing(t *testing.T) *redis.Ring {
	t.Helper()
	a, b := startOwnRedis(t), startOwnRedis(t)
	r := redis.NewRing(&redis.RingOptions{
		Addrs:                 map[string]string{"a": a.addr, "b": b.addr},
		ContextTimeoutEnabled: true,
	})
	t.Cleanup(func() { r.Close() })
	waitFor(t, "both shards to be up", func() error {
		if n := r.Len(); n != 2 {
			return fmt.Errorf("%d shards up", n)
		}
		return nil
	})
	return r
}

// TestRingConformance runs the store contract through a Ring client: every
// script's keys share the prefix's hash tag, so they go to one shard.
func TestRingConformance(t *testing.T) {
	t.Parallel() // its own servers: it shares nothing with the other tests
	r := newOwnRing(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		return newStore(t, r, clusterPrefix())
	})
}

// TestRingKeysStayOnOneShard: a store's keys live on one shard, and stores
// with different hash tags spread over both.
func TestRingKeysStayOnOneShard(t *testing.T) {
	t.Parallel() // its own servers: it shares nothing with the other tests
	r := newOwnRing(t)
	used := map[string]bool{}
	for range 30 {
		prefix := clusterPrefix()
		saveRecords(t, newStore(t, r, prefix), 4)
		shards := 0
		err := r.ForEachShard(ctx, func(ctx context.Context, c *redis.Client) error {
			keys, err := c.Keys(ctx, prefix+"*").Result()
			if len(keys) > 0 {
				shards++
				used[c.Options().Addr] = true
				if len(keys) < 6 { // 4 records + 2 subject indexes
					t.Errorf("prefix %s: keys %v, want at least 6", prefix, keys)
				}
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if shards != 1 {
			t.Errorf("prefix %s: keys on %d shards, want 1", prefix, shards)
		}
	}
	// 30 random tags all on one of 2 shards: (1/2)^29, about 2e-9.
	if len(used) != 2 {
		t.Errorf("30 stores with different hash tags all landed on %v", used)
	}
}
