package redisstore_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/internal/scaletest"
	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/sessiontest"
	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/redisstore"
	"github.com/sessionkit/session/store/storetest"
)

var ctx = context.Background()

// The fault tests make go-redis log every failed dial; keep test logs readable.
func TestMain(m *testing.M) {
	redis.SetLogger(quiet{})
	os.Exit(m.Run())
}

type quiet struct{}

func (quiet) Printf(context.Context, string, ...any) {}

// redisURL is the shared test server, from SESSIONKIT_TEST_REDIS_URL.
func redisURL(t testing.TB) string {
	return scaletest.Env(t, "SESSIONKIT_TEST_REDIS_URL", "a Redis server, e.g. redis://127.0.0.1:6379/0")
}

// newClient connects to the shared test server; closed in Cleanup.
func newClient(t testing.TB) *redis.Client {
	t.Helper()
	o, err := redis.ParseURL(redisURL(t))
	if err != nil {
		t.Fatalf("SESSIONKIT_TEST_REDIS_URL: %v", err)
	}
	o.ContextTimeoutEnabled = true
	c := redis.NewClient(o)
	t.Cleanup(func() { c.Close() })
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("Redis at %s does not answer: %v", o.Addr, err)
	}
	return c
}

// testPrefix returns a prefix no other test uses, and deletes its keys in
// Cleanup (registered on t, so it runs after the store's own cleanups).
func testPrefix(t testing.TB, c redis.UniversalClient) string {
	t.Helper()
	prefix := "sktest:" + scaletest.RandomName(8) + ":"
	t.Cleanup(func() {
		for _, k := range keysUnder(t, c, prefix) {
			c.Del(ctx, k)
		}
	})
	return prefix
}

func keysUnder(t testing.TB, c redis.UniversalClient, prefix string) []string {
	t.Helper()
	var keys []string
	iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		t.Errorf("SCAN %s*: %v", prefix, err)
	}
	return keys
}

func newStore(t testing.TB, c redis.UniversalClient, prefix string) *redisstore.Store {
	t.Helper()
	s, err := redisstore.New(c, redisstore.Options{Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestConformance(t *testing.T) {
	c := newClient(t)
	storetest.Run(t, func(t *testing.T) store.Store {
		return newStore(t, c, testPrefix(t, c))
	})
}

func rec(data string, ttl time.Duration) store.Record {
	n := time.Now()
	return store.Record{Data: []byte(data), Created: n, LastSeen: n, Expires: n.Add(ttl)}
}

// R33: every key the store writes has a TTL, the subject indexes included,
// after every kind of write.
func TestEveryKeyHasATTL(t *testing.T) {
	c := newClient(t)
	prefix := testPrefix(t, c)
	s := newStore(t, c, prefix)
	check := func(step string) {
		t.Helper()
		keys := keysUnder(t, c, prefix)
		if len(keys) == 0 {
			t.Fatalf("%s: no keys", step)
		}
		for _, k := range keys {
			ttl, err := c.PTTL(ctx, k).Result()
			if err != nil || ttl <= 0 {
				t.Errorf("%s: key %q has PTTL %v (%v)", step, k, ttl, err)
			}
		}
	}
	r := rec("a", time.Hour)
	r.Subject = "alice"
	v, err := s.Save(ctx, "k1", r)
	if err != nil {
		t.Fatal(err)
	}
	r2 := rec("b", 2*time.Hour)
	r2.Subject = "alice"
	if _, err := s.Save(ctx, "k2", r2); err != nil {
		t.Fatal(err)
	}
	check("after two creates")
	idxTTL := c.PTTL(ctx, prefix+"u:alice").Val()
	if idxTTL < 2*time.Hour-time.Minute {
		t.Errorf("subject index PTTL %v, want about 2h (the latest session's expiry)", idxTTL)
	}
	r.Version = v
	r.Data = []byte("a2")
	if _, err := s.Save(ctx, "k1", r); err != nil {
		t.Fatal(err)
	}
	check("after an update")
	if err := s.Touch(ctx, "k1", time.Now(), time.Now().Add(3*time.Hour)); err != nil {
		t.Fatal(err)
	}
	check("after a touch")
	if ttl := c.PTTL(ctx, prefix+"s:k1").Val(); ttl < 3*time.Hour-time.Minute {
		t.Errorf("touched record PTTL %v, want about 3h", ttl)
	}
	if ttl := c.PTTL(ctx, prefix+"u:alice").Val(); ttl < 3*time.Hour-time.Minute {
		t.Errorf("subject index PTTL %v after a touch, want about 3h", ttl)
	}
	if err := s.Delete(ctx, "k1"); err != nil {
		t.Fatal(err)
	}
	check("after a delete")
	if n := c.ZCard(ctx, prefix+"u:alice").Val(); n != 1 {
		t.Errorf("subject index has %d members after deleting one of two sessions", n)
	}
}

// A zero Expires is refused (a Redis key without a TTL would live forever).
func TestZeroExpiresRefused(t *testing.T) {
	c := newClient(t)
	prefix := testPrefix(t, c)
	s := newStore(t, c, prefix)
	r := rec("x", 0)
	r.Expires = time.Time{}
	if _, err := s.Save(ctx, "k", r); !errors.Is(err, redisstore.ErrNoExpiry) {
		t.Errorf("Save with zero Expires: %v, want ErrNoExpiry", err)
	}
	if _, err := s.Save(ctx, "k", rec("x", time.Hour)); err != nil {
		t.Fatal(err)
	}
	if err := s.Touch(ctx, "k", time.Now(), time.Time{}); !errors.Is(err, redisstore.ErrNoExpiry) {
		t.Errorf("Touch with zero Expires: %v, want ErrNoExpiry", err)
	}
	if keys := keysUnder(t, c, prefix); len(keys) != 1 {
		t.Errorf("keys %v", keys)
	}
}

// A record whose expiry has passed is not returned even while Redis still
// holds the key (eviction is lazy, and a replica or a paused clock may lag):
// simulated by removing the key's TTL and backdating its expiry field.
func TestExpiredButNotEvicted(t *testing.T) {
	c := newClient(t)
	prefix := testPrefix(t, c)
	s := newStore(t, c, prefix)
	r := rec("x", time.Hour)
	r.Subject = "alice"
	if _, err := s.Save(ctx, "k", r); err != nil {
		t.Fatal(err)
	}
	past := time.Now().Add(-time.Second).UnixMilli()
	c.Persist(ctx, prefix+"s:k")
	c.HSet(ctx, prefix+"s:k", "x", past)
	if _, ok, err := s.Load(ctx, "k"); ok || err != nil {
		t.Errorf("Load of an expired, unevicted record: ok=%v err=%v", ok, err)
	}
	if err := s.Touch(ctx, "k", time.Now(), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, ok, _ := s.Load(ctx, "k"); ok {
		t.Error("Touch revived an expired record")
	}
	if infos, err := s.Sessions(ctx, "alice"); err != nil || len(infos) != 0 {
		t.Errorf("Sessions lists an expired record: %v %v", infos, err)
	}
	// A late save based on the old version conflicts; a new one creates.
	r.Version = 1
	if _, err := s.Save(ctx, "k", r); !errors.Is(err, store.ErrConflict) {
		t.Errorf("save over an expired record with its old version: %v", err)
	}
	r.Version = 0
	if v, err := s.Save(ctx, "k", r); err != nil || v != 1 {
		t.Errorf("create over an expired record: %d %v", v, err)
	}
}

// CompareAndDelete treats an expired record Redis still holds as version 0:
// its old version conflicts and leaves it alone; version 0 deletes it and
// its subject index member.
func TestCompareAndDeleteExpiredButNotEvicted(t *testing.T) {
	c := newClient(t)
	prefix := testPrefix(t, c)
	s := newStore(t, c, prefix)
	r := rec("x", time.Hour)
	r.Subject = "alice"
	if _, err := s.Save(ctx, "k", r); err != nil {
		t.Fatal(err)
	}
	c.Persist(ctx, prefix+"s:k")
	c.HSet(ctx, prefix+"s:k", "x", time.Now().Add(-time.Second).UnixMilli())
	if err := s.CompareAndDelete(ctx, "k", 1); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CompareAndDelete(k, 1) of an expired, unevicted record: %v, want ErrConflict", err)
	}
	if n := c.Exists(ctx, prefix+"s:k").Val(); n != 1 {
		t.Fatal("a refused CompareAndDelete deleted the key")
	}
	if err := s.CompareAndDelete(ctx, "k", 0); err != nil {
		t.Errorf("CompareAndDelete(k, 0) of an expired, unevicted record: %v", err)
	}
	if keys := keysUnder(t, c, prefix); len(keys) != 0 {
		t.Errorf("keys left after CompareAndDelete(k, 0): %v", keys)
	}
}

// CompareAndDelete keeps the subject index exact: a delete removes the
// member at once (not at the next listing), the last one removes the index
// key, and a refused delete leaves both alone.
func TestCompareAndDeleteKeepsIndex(t *testing.T) {
	c := newClient(t)
	prefix := testPrefix(t, c)
	s := newStore(t, c, prefix)
	idx := prefix + "u:alice"
	versions := map[string]uint64{}
	for _, k := range []string{"k1", "k2"} {
		r := rec(k, time.Hour)
		r.Subject = "alice"
		v, err := s.Save(ctx, k, r)
		if err != nil {
			t.Fatal(err)
		}
		versions[k] = v
	}
	if err := s.CompareAndDelete(ctx, "k1", versions["k1"]+1); !errors.Is(err, store.ErrConflict) {
		t.Errorf("CompareAndDelete with a wrong version: %v", err)
	}
	if m := c.ZRange(ctx, idx, 0, -1).Val(); len(m) != 2 {
		t.Errorf("index after a refused CompareAndDelete: %v, want k1 and k2", m)
	}
	if err := s.CompareAndDelete(ctx, "k1", versions["k1"]); err != nil {
		t.Fatal(err)
	}
	if m := c.ZRange(ctx, idx, 0, -1).Val(); len(m) != 1 || m[0] != "k2" {
		t.Errorf("index after CompareAndDelete of k1: %v, want [k2]", m)
	}
	if err := s.CompareAndDelete(ctx, "k2", versions["k2"]); err != nil {
		t.Fatal(err)
	}
	if keys := keysUnder(t, c, prefix); len(keys) != 0 {
		t.Errorf("keys left after deleting every session: %v", keys)
	}
}

// A key under the prefix that this package did not write is an error for
// CompareAndDelete, never a silent success, and it is left alone.
func TestCompareAndDeleteForeignValue(t *testing.T) {
	c := newClient(t)
	prefix := testPrefix(t, c)
	s := newStore(t, c, prefix)
	c.Set(ctx, prefix+"s:str", "not a hash", time.Minute)
	c.HSet(ctx, prefix+"s:badv", "v", "one", "x", time.Now().Add(time.Hour).UnixMilli())
	c.HSet(ctx, prefix+"s:badx", "v", "1", "x", "soon")
	for _, k := range []string{"str", "badv", "badx"} {
		c.PExpire(ctx, prefix+"s:"+k, time.Minute)
		for _, v := range []uint64{0, 1} {
			if err := s.CompareAndDelete(ctx, k, v); err == nil {
				t.Errorf("CompareAndDelete(%s, %d) of a value this package did not write: nil error", k, v)
			}
		}
		if n := c.Exists(ctx, prefix+"s:"+k).Val(); n != 1 {
			t.Errorf("CompareAndDelete deleted the foreign value under %s", k)
		}
	}
}

// The subject index follows moves, deletes and expiry, and never lists a
// record of another subject.
func TestSubjectIndexStaysConsistent(t *testing.T) {
	c := newClient(t)
	prefix := testPrefix(t, c)
	s := newStore(t, c, prefix)
	r := rec("x", time.Hour)
	r.Subject = "alice"
	v, _ := s.Save(ctx, "k", r)
	short := rec("y", 300*time.Millisecond)
	short.Subject = "alice"
	s.Save(ctx, "short", short)
	r.Subject, r.Version = "bob", v
	if _, err := s.Save(ctx, "k", r); err != nil {
		t.Fatal(err)
	}
	if m := c.ZRange(ctx, prefix+"u:alice", 0, -1).Val(); len(m) != 1 || m[0] != "short" {
		t.Errorf("alice's index after moving k to bob: %v", m)
	}
	time.Sleep(400 * time.Millisecond)
	if infos, _ := s.Sessions(ctx, "alice"); len(infos) != 0 {
		t.Errorf("alice lists %v", infos)
	}
	if n := c.Exists(ctx, prefix+"u:alice").Val(); n != 0 {
		t.Error("alice's empty index still exists")
	}
	// A stale member (written behind the store's back) is dropped on listing.
	c.ZAdd(ctx, prefix+"u:bob", redis.Z{Score: float64(time.Now().Add(time.Hour).UnixMilli()), Member: "ghost"})
	infos, err := s.Sessions(ctx, "bob")
	if err != nil || len(infos) != 1 || infos[0].Key != "k" {
		t.Errorf("Sessions(bob) = %+v, %v", infos, err)
	}
	if m := c.ZRange(ctx, prefix+"u:bob", 0, -1).Val(); len(m) != 1 {
		t.Errorf("bob's index keeps %v", m)
	}
	if n, err := s.DeleteSubject(ctx, "bob", ""); err != nil || n != 1 {
		t.Errorf("DeleteSubject(bob) = %d, %v", n, err)
	}
	if keys := keysUnder(t, c, prefix); len(keys) != 0 {
		t.Errorf("keys left: %v", keys)
	}
}

// The serverside layer stores the SHA-256 of the ID: the raw ID appears
// nowhere in Redis, neither in a key nor in a value.
func TestRawIDNeverInRedis(t *testing.T) {
	c := newClient(t)
	prefix := testPrefix(t, c)
	iface, err := serverside.New(serverside.Options{Store: newStore(t, c, prefix),
		Meta: func(r *http.Request) map[string]string { return map[string]string{"ua": r.UserAgent()} }})
	if err != nil {
		t.Fatal(err)
	}
	m, _ := session.New(session.Config{Interface: iface})
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		s.Renew()
		s.Set("user", "alice")
		s.SetSubject("alice")
	})
	mux.HandleFunc("/get", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(session.From(r).Get("user").(string))) })
	cl := sessiontest.NewClient(m.Handler(mux))
	cl.Get("/login")
	if got := cl.Get("/get").Body; got != "alice" {
		t.Fatalf("round trip: %q", got)
	}
	id := cl.Cookie("session").Value
	sum := sha256.Sum256([]byte(id))
	hashed := base64.RawURLEncoding.EncodeToString(sum[:])
	var found bool
	for _, k := range keysUnder(t, c, prefix) {
		found = found || k == prefix+"s:"+hashed
		var values []string
		switch c.Type(ctx, k).Val() {
		case "hash":
			for f, v := range c.HGetAll(ctx, k).Val() {
				values = append(values, f, v)
			}
		case "zset":
			values = c.ZRange(ctx, k, 0, -1).Val()
		default:
			t.Errorf("unexpected key %q", k)
		}
		for _, v := range append(values, k) {
			if strings.Contains(v, id) {
				t.Errorf("the raw session ID is in Redis (key %q)", k)
			}
		}
	}
	if !found {
		t.Errorf("no record under the hashed ID %q", hashed)
	}
}

func TestClose(t *testing.T) {
	c := newClient(t)
	s := newStore(t, c, testPrefix(t, c))
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if _, _, err := s.Load(ctx, "k"); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Load after Close: %v", err)
	}
	if _, err := s.Save(ctx, "k", rec("x", time.Hour)); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Save after Close: %v", err)
	}
	if _, err := s.Sessions(ctx, "a"); !errors.Is(err, store.ErrClosed) {
		t.Errorf("Sessions after Close: %v", err)
	}
	if err := c.Ping(ctx).Err(); err != nil {
		t.Errorf("Close closed a client it did not create: %v", err)
	}
	s.Close()

	owned, err := redisstore.Open(ctx, redisURL(t), redisstore.Options{Prefix: testPrefix(t, c)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := owned.Save(ctx, "k", rec("x", time.Hour)); err != nil {
		t.Fatal(err)
	}
	owned.Close()
	if err := owned.Client().Ping(ctx).Err(); !errors.Is(err, redis.ErrClosed) {
		t.Errorf("Open's client still open after Close: %v", err)
	}
	short, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, err := redisstore.Open(short, "redis://127.0.0.1:1/0", redisstore.Options{}); err == nil {
		t.Error("Open of a closed port succeeded")
	}
}

func TestNewChecksTheClient(t *testing.T) {
	plain := redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"})
	defer plain.Close()
	if _, err := redisstore.New(plain, redisstore.Options{}); err == nil || !strings.Contains(err.Error(), "ContextTimeoutEnabled") {
		t.Errorf("a client that ignores deadlines: %v", err)
	}
	cluster := redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}, ContextTimeoutEnabled: true})
	defer cluster.Close()
	if _, err := redisstore.New(cluster, redisstore.Options{}); err == nil || !strings.Contains(err.Error(), "hash tag") {
		t.Errorf("a cluster without a hash tag: %v", err)
	}
	// Redis Cluster hashes the part between the first "{" and the first "}"
	// after it, if that part is not empty.
	for prefix, tagged := range map[string]bool{
		"{sk}:": true, "a{b}c:": true, "}{x}:": true, "{x}{}:": true,
		"{}:": false, "{}x}:": false, "x{y:": false, "}x{:": false, "{": false,
	} {
		_, err := redisstore.New(cluster, redisstore.Options{Prefix: prefix})
		switch {
		case tagged && err != nil:
			t.Errorf("a cluster with the hash tag of %q: %v", prefix, err)
		case !tagged && (err == nil || !strings.Contains(err.Error(), "hash tag")):
			t.Errorf("a cluster with the prefix %q, which has no hash tag: %v", prefix, err)
		}
	}
	if _, err := redisstore.New(nil, redisstore.Options{}); err == nil {
		t.Error("nil client accepted")
	}
}

// shared sets up storage for one test that app instances share; each call
// of the function it returns is one instance with its own connections.
func shared(t *testing.T) func() store.Store {
	prefix := testPrefix(t, newClient(t))
	return func() store.Store { return newStore(t, newClient(t), prefix) }
}

// Two app instances, each with its own connections, sharing one server: a
// login on one is seen on the other; log out everywhere logs out on both.
func TestHorizontalScale(t *testing.T) { scaletest.Horizontal(t, shared) }

// The LostUpdate workload spread over two app instances loses nothing.
func TestLostUpdateAcrossInstances(t *testing.T) { scaletest.LostUpdateAcrossInstances(t, shared) }

// A record whose fields were changed behind the store's back (a foreign
// writer, a damaged restore) is an error wrapping ErrCorrupt for Load and
// for Sessions, whichever field is wrong, never a record or an Info with a
// zero field.
func TestCorruptFieldsAreErrors(t *testing.T) {
	c := newClient(t)
	prefix := testPrefix(t, c)
	s := newStore(t, c, prefix)
	for field, bad := range map[string]string{"v": "one", "c": "1", "l": "2.5", "e": "x.000000000", "m": "[1]"} {
		r := rec("x", time.Hour)
		r.Subject, r.Meta = "alice", map[string]string{"ua": "x"}
		if _, err := s.Save(ctx, "k", r); err != nil {
			t.Fatal(err)
		}
		c.HSet(ctx, prefix+"s:k", field, bad)
		if got, ok, err := s.Load(ctx, "k"); !errors.Is(err, redisstore.ErrCorrupt) || ok {
			t.Errorf("Load with %s = %q: %+v, %v, %v; want ErrCorrupt", field, bad, got, ok, err)
		}
		if field != "v" { // Sessions does not read the version
			if infos, err := s.Sessions(ctx, "alice"); !errors.Is(err, redisstore.ErrCorrupt) {
				t.Errorf("Sessions with %s = %q: %+v, %v; want ErrCorrupt", field, bad, infos, err)
			}
		}
		if err := s.Delete(ctx, "k"); err != nil {
			t.Fatal(err)
		}
	}
}
