package redisstore_test

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/storetest"
)

// ownSentinel is a primary, a replica and a sentinel of the test's own, on
// free loopback ports: what redis.NewFailoverClient talks to.
type ownSentinel struct {
	primary, replica, sentinel string
}

const sentinelMaster = "sktest"

// startOwnSentinel starts the three servers and waits until the sentinel
// names the primary, which is all a failover client needs to reach it.
// With failover set it also waits until the sentinel has seen the replica
// in sync, which a failover needs: the replica is in sync before the
// sentinel starts, so that the sentinel's first look at it (on discovery)
// finds it ready instead of its next one, ten seconds later.
func startOwnSentinel(t *testing.T, failover bool) *ownSentinel {
	t.Helper()
	needRedisServer(t)
	dir := t.TempDir()
	run := func(args ...string) {
		cmd := exec.Command("redis-server", args...)
		if err := cmd.Start(); err != nil {
			t.Fatalf("starting redis-server %v: %v", args, err)
		}
		t.Cleanup(func() {
			cmd.Process.Kill()
			cmd.Wait()
		})
	}
	s := &ownSentinel{primary: freeAddr(t), replica: freeAddr(t), sentinel: freeAddr(t)}
	common := []string{"--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--logfile", ""}
	pHost, pPort, _ := net.SplitHostPort(s.primary)
	_, rPort, _ := net.SplitHostPort(s.replica)
	run(append([]string{"--port", pPort, "--dir", mkdir(t, dir, "primary")}, common...)...)
	run(append([]string{"--port", rPort, "--dir", mkdir(t, dir, "replica"), "--replicaof", pHost, pPort}, common...)...)
	if failover {
		rc := redis.NewClient(&redis.Options{Addr: s.replica, MaxRetries: -1})
		defer rc.Close()
		waitFor(t, "the replica to sync", func() error {
			info, err := rc.Info(ctx, "replication").Result()
			if err != nil {
				return err
			}
			if !strings.Contains(info, "master_link_status:up") {
				return fmt.Errorf("not in sync: %q", info)
			}
			return nil
		})
	}

	// Sentinel rewrites its configuration file, so it gets one of its own.
	_, sPort, _ := net.SplitHostPort(s.sentinel)
	conf := filepath.Join(dir, "sentinel.conf")
	text := fmt.Sprintf("port %s\nbind 127.0.0.1\ndir %s\n"+
		"sentinel monitor %s %s %s 1\n"+
		"sentinel down-after-milliseconds %s 1000\n"+
		"sentinel failover-timeout %s 10000\n",
		sPort, dir, sentinelMaster, pHost, pPort, sentinelMaster, sentinelMaster)
	if err := os.WriteFile(conf, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	run(conf, "--sentinel", "--daemonize", "no", "--logfile", "")

	sc := redis.NewSentinelClient(&redis.Options{Addr: s.sentinel, MaxRetries: -1})
	defer sc.Close()
	waitFor(t, "the sentinel to name the primary", func() error {
		addr, err := sc.GetMasterAddrByName(ctx, sentinelMaster).Result()
		if err != nil {
			return err
		}
		if got := net.JoinHostPort(addr[0], addr[1]); got != s.primary {
			return fmt.Errorf("the sentinel names %s", got)
		}
		return nil
	})
	if !failover {
		return s
	}
	waitFor(t, "the sentinel to see the replica", func() error {
		replicas, err := sc.Replicas(ctx, sentinelMaster).Result()
		if err != nil {
			return err
		}
		if len(replicas) != 1 {
			return fmt.Errorf("%d replicas known", len(replicas))
		}
		// A replica the sentinel has not queried itself yet cannot be
		// promoted (NOGOODSLAVE).
		if r := replicas[0]; r["flags"] != "slave" || r["master-link-status"] != "ok" {
			return fmt.Errorf("replica not ready: %v", r)
		}
		return nil
	})
	return s
}

func mkdir(t *testing.T, parent, name string) string {
	t.Helper()
	dir := filepath.Join(parent, name)
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

// client returns a failover client as an application would configure it.
func (s *ownSentinel) client(t *testing.T) *redis.Client {
	c := redis.NewFailoverClient(&redis.FailoverOptions{
		MasterName:            sentinelMaster,
		SentinelAddrs:         []string{s.sentinel},
		ContextTimeoutEnabled: true,
	})
	t.Cleanup(func() { c.Close() })
	return c
}

// TestSentinelConformance runs the store contract through a failover
// (sentinel) client.
func TestSentinelConformance(t *testing.T) {
	t.Parallel() // its own servers: it shares nothing with the other tests
	s := startOwnSentinel(t, false)
	c := s.client(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		return newStore(t, c, testPrefix(t, c))
	})
}

// TestSentinelFailover: after the sentinel promotes the replica, the same
// store (the same client) reads the sessions written before the switch,
// once replicated, and writes new ones to the new primary.
func TestSentinelFailover(t *testing.T) {
	t.Parallel() // its own servers: it shares nothing with the other tests
	s := startOwnSentinel(t, true)
	c := s.client(t)
	st := newStore(t, c, testPrefix(t, c))
	var versions []uint64
	for i := range 10 {
		v, err := st.Save(ctx, "key-"+strconv.Itoa(i), rec("before "+strconv.Itoa(i), time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		versions = append(versions, v)
	}
	// Replication is asynchronous: wait until the replica has the writes,
	// as an application that needs them to survive a failover would (WAIT).
	if n, err := c.Wait(ctx, 1, 5000).Result(); err != nil || n != 1 {
		t.Fatalf("WAIT 1 replica: %d, %v", n, err)
	}

	sc := redis.NewSentinelClient(&redis.Options{Addr: s.sentinel})
	defer sc.Close()
	if err := sc.Failover(ctx, sentinelMaster).Err(); err != nil {
		t.Fatalf("SENTINEL FAILOVER: %v", err)
	}
	waitFor(t, "the replica to be promoted", func() error {
		addr, err := sc.GetMasterAddrByName(ctx, sentinelMaster).Result()
		if err != nil {
			return err
		}
		if got := net.JoinHostPort(addr[0], addr[1]); got != s.replica {
			return fmt.Errorf("primary is still %s", got)
		}
		return nil
	})

	// The client follows the switch; calls made while it happens may fail,
	// and fail closed, so retry until the new primary answers.
	waitFor(t, "a write on the new primary", func() error {
		_, err := st.Save(ctx, "key-after", rec("after", time.Hour))
		return err
	})
	for i, want := range versions {
		got, found, err := st.Load(ctx, "key-"+strconv.Itoa(i))
		if err != nil || !found {
			t.Fatalf("key-%d after the failover: found %v, %v", i, found, err)
		}
		if string(got.Data) != "before "+strconv.Itoa(i) || got.Version != want {
			t.Errorf("key-%d after the failover: %q version %d, want version %d", i, got.Data, got.Version, want)
		}
	}
	if info, err := c.Info(ctx, "replication").Result(); err != nil || !strings.Contains(info, "role:master") {
		t.Errorf("the client does not talk to a primary: %v %q", err, info)
	}
}
