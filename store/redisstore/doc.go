// Package redisstore is a [store.Store] on Redis, through go-redis v9
// ([github.com/redis/go-redis/v9]), for applications that run on several
// machines and share their sessions.
//
//	client := redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379", ContextTimeoutEnabled: true})
//	st, err := redisstore.New(client, redisstore.Options{})
//	// or: st, err := redisstore.Open(ctx, "redis://127.0.0.1:6379/0", redisstore.Options{})
//
// A Store implements [store.Store], [store.SubjectStore], [store.Toucher] and
// [io.Closer], and passes storetest.Run under -race against a real server.
// It is not a [store.Sweeper]: Redis deletes expired keys itself.
//
// # Keys
//
// Every key starts with Options.Prefix ("sessionkit:" by default). A record
// is a hash under <prefix>s:<key> with its version, data, subject, times
// and metadata (JSON) as separate fields, so listing a subject's sessions
// and touching a record never read or rewrite the data. A subject's
// sessions are a sorted set under <prefix>u:<subject>, its members the
// store keys and their scores the expiry in Unix milliseconds. The
// serverside package passes the SHA-256 of the session ID as the key, so no
// key or value in Redis can be replayed as a cookie. The empty key and keys
// longer than [store.MaxKeyLen] are refused with [store.ErrInvalidKey];
// any other bytes are held exactly.
//
// # Atomicity
//
// Each method is one round trip. Every method that writes is one Lua script (EVALSHA, falling back to EVAL
// after a server restart empties the script cache), so a record and its
// subject index always change together and a client that dies half-way
// leaves nothing half-written. Save is the compare-and-swap: the script
// reads the stored version (an expired record counts as absent, version 0),
// compares it with rec.Version, and either writes the record, its PEXPIREAT
// and its index entry, or returns [store.ErrConflict] and writes nothing. A
// record deleted (logout, revocation) while a slow request ran is therefore
// never re-created by that request's save. [Store.CompareAndDelete] is the
// version-checked delete: its script reads the version the same way and
// either deletes the record (an expired one too, for version 0) and its
// subject index member, or returns [store.ErrConflict] and deletes nothing.
//
// go-redis retries a command when the connection fails. If Redis applied a
// Save but its reply was lost, the retry cannot apply it a second time: it
// conflicts with the write it made, and Save returns [store.ErrConflict]
// for a save that did land. Callers reload on a conflict anyway (the
// serverside layer does, and reapplies its key-level changes, which sets
// the same values again). A Save that fails with a connection error may
// likewise have landed or not; either way it landed whole or not at all.
// The same holds for CompareAndDelete: if its reply was lost, the retry
// finds the record gone (version 0) and returns [store.ErrConflict] for a
// delete that did land.
//
// # Expiry
//
// Every key has a TTL: a record expires at rec.Expires (PEXPIREAT, in whole
// milliseconds rounded down, so never later than Expires), and a subject's
// index at the latest expiry of its members. A record with a zero Expires
// ("never") is refused with [ErrNoExpiry], as is a Touch to a zero Expires:
// the serverside package always sets one (its absolute timeout, 31 days by
// default). A record whose Expires is already past is saved and ends at
// once. Expiry is decided by the Redis server's clock (TIME inside the
// scripts; for Load on a single primary, a TIME pipelined after the HMGET
// that reads the record, in the same round trip and without a script),
// the same clock PEXPIREAT uses; Load, Save, CompareAndDelete,
// Touch and Sessions also compare the stored expiry with it, so an expired
// record is never returned even before Redis evicts it. Expires itself comes
// from the caller's clock, so app servers should keep their clocks in sync
// with Redis (the serverside layer also checks expiry against its own
// clock). Index members whose record is gone, expired or moved to another
// subject are dropped when the index is written or listed.
//
// # Cluster, sentinel, ring
//
// New takes a [redis.UniversalClient]: a single node, a failover (sentinel)
// client, a cluster or a ring. A Save touches a record and one or two
// subject indexes, which the script names from the prefix; on Redis
// Cluster (and a Ring) they must hash to the same slot, so the prefix must
// contain a hash tag, such as "{sessionkit}:", and New refuses a cluster or
// ring client whose prefix has none. All of the store's keys then live in
// one slot, on one primary (and its replicas): the cluster gives
// availability, not sharding, for one store; stores with different hash
// tags (one per tenant, say) land on different slots. Besides a single
// node, the tests start their own three-primary cluster (the store
// contract, the lost-update workload across two instances, slot placement:
// cluster_test.go) and their own primary, replica and sentinel (the
// contract through a failover client, and a failover the client follows:
// sentinel_test.go), and a two-shard ring (ring_test.go). Every script runs on the primary; reads are not sent
// to replicas, which could return a session that was just revoked.
//
// # Server settings
//
// Run the sessions' Redis with maxmemory-policy noeviction. Every key of
// this store has a TTL, so under any volatile-* or allkeys-* policy Redis
// may evict a subject index, and a revocation would then silently miss
// that subject's sessions; with noeviction a Save fails when memory runs
// out and the request gets an error (fail closed). A record is a hash
// whose data field exceeds Redis's default hash-max-listpack-value (64)
// for most sessions; raising it above the largest session data (512, say)
// takes a ~200-byte session from about 1.1 KB to 0.7 KB of memory.
// Expired records are reclaimed by Redis's active expiry, which keeps
// sampling only while more than 10 % of the keys with a TTL have expired:
// plan for up to that much memory held by expired sessions, or raise
// active-expire-effort. Sessions and DeleteSubject each run one script
// over every session of the subject, blocking the server for tens of
// microseconds per session: a subject that accumulates tens of thousands
// of sessions makes them slow. Figures and the plan for 10 M and 100 M
// sessions: docs/scaling.md in the repository.
//
// # Context, Close
//
// Every method checks ctx before it starts. The client must be created
// with ContextTimeoutEnabled: true, or go-redis would wait for its own read
// timeout instead of the request's deadline; New refuses a *redis.Client,
// *redis.ClusterClient or *redis.Ring without it, and [Open] sets it. When
// a call fails because its context ended, the error wraps ctx.Err() (for
// example [context.DeadlineExceeded]) as well as go-redis's error. Close
// makes later calls return [store.ErrClosed]; it closes the client only if
// [Open] created it, never a client passed to New.
//
// # Logging
//
// go-redis prints its own lines (a failed dial, a bad connection dropped
// from the pool) to standard error through one process-wide logger. To
// have them in the application's log instead, install a [Logger] once at
// start, before creating clients:
//
//	redis.SetLogger(redisstore.NewLogger(logger, slog.LevelWarn))
//
// redisstore never changes that setting itself.
package redisstore
