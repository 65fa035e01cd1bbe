package redisstore_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/session/internal/scaletest"
	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/storetest"
)

// ownCluster is a Redis Cluster of the test's own: three primaries on free
// loopback ports, each owning a third of the 16384 slots, no replicas.
type ownCluster struct {
	addrs []string
}

const clusterNodes = 3

func startOwnCluster(t *testing.T) *ownCluster {
	t.Helper()
	needRedisServer(t)
	dir := t.TempDir()
	c := &ownCluster{}
	for i := range clusterNodes {
		port := freeClusterPort(t)
		addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
		cmd := exec.Command("redis-server", "--port", strconv.Itoa(port), "--bind", "127.0.0.1",
			"--cluster-enabled", "yes", "--cluster-config-file", fmt.Sprintf("%s/nodes-%d.conf", dir, i),
			"--cluster-node-timeout", "5000", "--save", "", "--appendonly", "no",
			"--dir", dir, "--daemonize", "no", "--logfile", "")
		if err := cmd.Start(); err != nil {
			t.Fatalf("starting cluster node: %v", err)
		}
		t.Cleanup(func() {
			cmd.Process.Kill()
			cmd.Wait()
		})
		c.addrs = append(c.addrs, addr)
	}

	// Form the cluster: slots split three ways, then every node meets the
	// first one.
	const slots = 16384
	nodes := make([]*redis.Client, clusterNodes)
	for i, addr := range c.addrs {
		nodes[i] = redis.NewClient(&redis.Options{Addr: addr, MaxRetries: -1})
		defer nodes[i].Close()
		waitFor(t, "node "+addr+" to answer", func() error { return nodes[i].Ping(ctx).Err() })
		lo, hi := i*slots/clusterNodes, (i+1)*slots/clusterNodes-1
		if err := nodes[i].ClusterAddSlotsRange(ctx, lo, hi).Err(); err != nil {
			t.Fatalf("CLUSTER ADDSLOTSRANGE %d %d on %s: %v", lo, hi, addr, err)
		}
	}
	host, port, _ := net.SplitHostPort(c.addrs[0])
	for i := 1; i < clusterNodes; i++ {
		if err := nodes[i].ClusterMeet(ctx, host, port).Err(); err != nil {
			t.Fatalf("CLUSTER MEET: %v", err)
		}
	}
	for _, n := range nodes {
		waitFor(t, "the cluster to form", func() error {
			info, err := n.ClusterInfo(ctx).Result()
			if err != nil {
				return err
			}
			if !strings.Contains(info, "cluster_state:ok") || !strings.Contains(info, "cluster_known_nodes:3") {
				return fmt.Errorf("not formed yet: %q", info)
			}
			return nil
		})
	}
	return c
}

// freeClusterPort picks a port that is free together with its cluster bus
// port (port + 10000).
func freeClusterPort(t *testing.T) int {
	t.Helper()
	for range 100 {
		port := 20000 + rand.IntN(30000)
		a, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue
		}
		b, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port+10000)))
		a.Close()
		if err != nil {
			continue
		}
		b.Close()
		return port
	}
	t.Fatal("no free port pair for a cluster node")
	return 0
}

func waitFor(t *testing.T, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("waiting for %s: %v", what, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// client returns a cluster client as an application would configure it.
func (c *ownCluster) client(t *testing.T) *redis.ClusterClient {
	cc := redis.NewClusterClient(&redis.ClusterOptions{Addrs: c.addrs, ContextTimeoutEnabled: true})
	t.Cleanup(func() { cc.Close() })
	return cc
}

// clusterPrefix returns a prefix with a hash tag of its own, so that each
// test's keys land on one slot and tests do not share one.
func clusterPrefix() string {
	return "{sktest:" + scaletest.RandomName(8) + "}:"
}

// clusterKeys lists the keys under prefix on every primary.
func clusterKeys(t *testing.T, cc *redis.ClusterClient, prefix string) map[string][]string {
	t.Helper()
	found := map[string][]string{}
	err := cc.ForEachMaster(ctx, func(ctx context.Context, n *redis.Client) error {
		keys, err := n.Keys(ctx, prefix+"*").Result()
		if len(keys) > 0 {
			found[n.Options().Addr] = keys
		}
		return err
	})
	if err != nil {
		t.Fatalf("listing keys: %v", err)
	}
	return found
}

// TestClusterConformance runs the store contract on a real three-primary
// Redis Cluster: every script's keys must hash to one slot, or Redis
// answers CROSSSLOT.
func TestClusterConformance(t *testing.T) {
	t.Parallel() // its own servers: it shares nothing with the other tests
	cl := startOwnCluster(t)
	cc := cl.client(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		return newStore(t, cc, clusterPrefix())
	})
}

// TestClusterKeysStayInOneSlot: a store's records and subject indexes all
// live on one slot of one primary, and stores with different hash tags
// spread over the cluster.
func TestClusterKeysStayInOneSlot(t *testing.T) {
	t.Parallel() // its own servers: it shares nothing with the other tests
	cl := startOwnCluster(t)
	cc := cl.client(t)
	usedNodes := map[string]bool{}
	for range 20 {
		prefix := clusterPrefix()
		saveRecords(t, newStore(t, cc, prefix), 5)
		byNode := clusterKeys(t, cc, prefix)
		if len(byNode) != 1 {
			t.Fatalf("prefix %s: keys on %d primaries, want 1: %v", prefix, len(byNode), byNode)
		}
		for node, keys := range byNode {
			usedNodes[node] = true
			if len(keys) < 7 { // 5 records + 2 subject indexes
				t.Errorf("prefix %s: %d keys %v, want at least 7", prefix, len(keys), keys)
			}
			slot := int64(-1)
			for _, k := range keys {
				s, err := cc.ClusterKeySlot(ctx, k).Result()
				if err != nil {
					t.Fatal(err)
				}
				if slot >= 0 && s != slot {
					t.Errorf("prefix %s: key %s in slot %d, others in %d", prefix, k, s, slot)
				}
				slot = s
			}
		}
	}
	// 20 random tags all on one of 3 primaries: (1/3)^19, about 9e-10.
	if len(usedNodes) < 2 {
		t.Errorf("20 stores with different hash tags all landed on %v", usedNodes)
	}
}

// saveRecords saves n records under keys key-0 ... owned by two subjects:
// n records and two subject indexes.
func saveRecords(t *testing.T, st store.Store, n int) {
	t.Helper()
	for i := range n {
		r := rec(fmt.Sprintf("data %d", i), time.Hour)
		r.Subject = fmt.Sprintf("user-%d", i%2)
		if _, err := st.Save(ctx, fmt.Sprintf("key-%d", i), r); err != nil {
			t.Fatalf("Save: %v", err)
		}
	}
}

// TestClusterLostUpdateAcrossInstances: the LostUpdate workload over two
// app instances, each with its own cluster client, loses nothing.
func TestClusterLostUpdateAcrossInstances(t *testing.T) {
	t.Parallel() // its own servers: it shares nothing with the other tests
	cl := startOwnCluster(t)
	scaletest.LostUpdateAcrossInstances(t, func(t *testing.T) func() store.Store {
		prefix := clusterPrefix()
		return func() store.Store { return newStore(t, cl.client(t), prefix) }
	})
}
