// Command redismem measures what redisstore's sessions cost in Redis memory,
// for docs/scaling.md: it saves N sessions through redisstore.Store (the
// keys, fields and index the serverside layer makes), then reports
//
//   - MEMORY USAGE (SAMPLES 0: every field counted) of every record hash and
//     every subject index, with their OBJECT ENCODING;
//   - used_memory before and after, per session: the figure that includes
//     the keyspace and expires dictionaries (meaningful only on a Redis no
//     one else writes to while it runs: start a private redis-server);
//   - one subject's index grown to -fanout sessions, its MEMORY USAGE at
//     checkpoints (bytes per entry, as a listpack and as a skiplist), and the
//     wall time of Sessions and of DeleteSubject on it.
//
// It writes only under a prefix of its own, "{redismem-<pid>-<unix>}:" (a
// hash tag, as a cluster deployment needs), and deletes those keys at the
// end unless -keep is given.
//
//	go run ./cmd/redismem                       # SESSIONKIT_TEST_REDIS_URL or redis://127.0.0.1:6379/0
//	go run ./cmd/redismem -url redis://127.0.0.1:6390/0 -n 10000 -data 200 -per-subject 2 -fanout 10000
//
// Flags: -url, -n (sessions, 10000), -data (bytes of session data, 200),
// -per-subject (sessions per subject, 2; 0 for none), -meta (ip and user
// agent metadata), -fanout (10000; 0 skips it), -keep, -timeout (1h).
// Exit status 1 on any error. docs/scaling.md has the figures.
package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/redisstore"
)

func main() {
	def := os.Getenv("SESSIONKIT_TEST_REDIS_URL")
	if def == "" {
		def = "redis://127.0.0.1:6379/0"
	}
	url := flag.String("url", def, "Redis URL (default: $SESSIONKIT_TEST_REDIS_URL)")
	n := flag.Int("n", 10_000, "sessions to save")
	dataLen := flag.Int("data", 200, "bytes of session data (compact JSON) per session")
	perSubject := flag.Int("per-subject", 2, "sessions per subject (0: no subject, no index)")
	withMeta := flag.Bool("meta", false, "give every session metadata (ip and user agent, 64 bytes of JSON)")
	fanout := flag.Int("fanout", 10_000, "sessions of the one subject whose index is grown and revoked (0: skip)")
	keep := flag.Bool("keep", false, "leave the keys in Redis")
	timeout := flag.Duration("timeout", time.Hour, "give up after this long")
	flag.Parse()
	cfg := config{URL: *url, N: *n, Data: *dataLen, PerSubject: *perSubject, Fanout: *fanout, Meta: *withMeta, Keep: *keep,
		Prefix: fmt.Sprintf("{redismem-%d-%d}:", os.Getpid(), time.Now().Unix())}
	ctx, cancel := context.WithTimeout(context.Background(), *timeout)
	defer cancel()
	if err := run(ctx, os.Stdout, cfg); err != nil {
		fmt.Fprintln(os.Stderr, "redismem:", err)
		os.Exit(1)
	}
}

// config is what main's flags set.
type config struct {
	URL        string
	N          int    // sessions to save
	Data       int    // bytes of session data each
	PerSubject int    // sessions per subject; 0: no subject
	Fanout     int    // sessions of the one subject grown and revoked; 0: skip
	Meta       bool   // give every session metadata
	Keep       bool   // leave the keys in Redis
	Prefix     string // key prefix; should hold a hash tag and be unique
}

func run(ctx context.Context, w io.Writer, cfg config) error {
	n, dataLen, perSubject, fanout, withMeta := cfg.N, cfg.Data, cfg.PerSubject, cfg.Fanout, cfg.Meta
	if n < 1 {
		return fmt.Errorf("-n %d: need at least one session", n)
	}
	opts, err := redis.ParseURL(cfg.URL)
	if err != nil {
		return err
	}
	opts.ContextTimeoutEnabled = true
	client := redis.NewClient(opts)
	defer client.Close()
	prefix := cfg.Prefix
	st, err := redisstore.New(client, redisstore.Options{Prefix: prefix})
	if err != nil {
		return err
	}
	if !cfg.Keep {
		defer func() {
			// A context of its own: the run's may have ended.
			cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
			defer cancel()
			if err := cleanup(cctx, client, prefix); err != nil {
				fmt.Fprintln(os.Stderr, "redismem: cleanup:", err)
			}
		}()
	}

	info, err := client.Info(ctx, "server").Result()
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "# redismem: %s, redis %s, prefix %q (%d bytes)\n", time.Now().UTC().Format("2006-01-02 15:04:05 UTC"),
		infoField(info, "redis_version"), prefix, len(prefix))
	for _, p := range []string{"hash-max-listpack-value", "hash-max-listpack-entries", "zset-max-listpack-value", "zset-max-listpack-entries"} {
		v, err := client.ConfigGet(ctx, p).Result()
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "# %s %s\n", p, v[p])
	}
	fmt.Fprintf(w, "# sessions %d, data %d bytes, %d per subject, meta %v\n\n", n, dataLen, perSubject, withMeta)

	var meta map[string]string
	if withMeta {
		meta = map[string]string{"ip": "203.0.113.7", "ua": "Mozilla/5.0 (X11; Linux x86_64) Firefox/133"}
	}
	now := time.Now()
	rec := func(i int, subject string) (store.Record, error) {
		d, err := sessionData(i, dataLen)
		return store.Record{Data: d, Subject: subject, Created: now, LastSeen: now,
			Expires: now.Add(31 * 24 * time.Hour), Meta: meta}, err
	}

	before, err := usedMemory(ctx, client)
	if err != nil {
		return err
	}
	saveStats, err := scriptStats(ctx, client)
	if err != nil {
		return err
	}
	keys := make([]string, 0, n)
	subjects := map[string]bool{}
	start := time.Now()
	for i := range n {
		subject := ""
		if perSubject > 0 {
			subject = fmt.Sprintf("user-%07d", i/perSubject)
			subjects[subject] = true
		}
		r, err := rec(i, subject)
		if err != nil {
			return err
		}
		key := storeKey()
		if _, err := st.Save(ctx, key, r); err != nil {
			return fmt.Errorf("save %d: %w", i, err)
		}
		keys = append(keys, key)
	}
	elapsed := time.Since(start)
	after, err := usedMemory(ctx, client)
	if err != nil {
		return err
	}
	loadStats, err := scriptStats(ctx, client)
	if err != nil {
		return err
	}
	for _, key := range keys {
		if _, ok, err := st.Load(ctx, key); err != nil || !ok {
			return fmt.Errorf("load %s: found %v, %v", key, ok, err)
		}
	}
	endStats, err := scriptStats(ctx, client)
	if err != nil {
		return err
	}

	recUse, recEnc, err := usage(ctx, client, prefix+"s:", keys)
	if err != nil {
		return err
	}
	subjectList := make([]string, 0, len(subjects))
	for s := range subjects {
		subjectList = append(subjectList, s)
	}
	idxUse, idxEnc, err := usage(ctx, client, prefix+"u:", subjectList)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "saved %d sessions in %v (%.0f µs per Save, one round trip each)\n\n", n, elapsed.Round(time.Millisecond),
		float64(elapsed.Microseconds())/float64(n))
	fmt.Fprintf(w, "server time per script (INFO commandstats, EVALSHA and EVAL; only meaningful if no one else ran scripts meanwhile): Save %s, Load %s\n\n",
		loadStats.since(saveStats), endStats.since(loadStats))
	fmt.Fprintln(w, "| what | keys | MEMORY USAGE mean | min | max | encoding |")
	fmt.Fprintln(w, "|---|---:|---:|---:|---:|---|")
	fmt.Fprintf(w, "| record hash (<prefix>s:<43-byte key>) | %d | %.1f | %d | %d | %s |\n", len(keys), mean(recUse), slices.Min(recUse), slices.Max(recUse), recEnc)
	if len(idxUse) > 0 {
		fmt.Fprintf(w, "| subject index (<prefix>u:<subject>), %d members | %d | %.1f | %d | %d | %s |\n", perSubject, len(idxUse), mean(idxUse), slices.Min(idxUse), slices.Max(idxUse), idxEnc)
	}
	perSession := mean(recUse)
	if len(idxUse) > 0 {
		perSession += mean(idxUse) * float64(len(idxUse)) / float64(n)
	}
	fmt.Fprintf(w, "\nMEMORY USAGE per session (record + its share of the index): %.1f bytes\n", perSession)
	fmt.Fprintf(w, "used_memory: %d -> %d bytes, %+.1f bytes per session (includes the keyspace and expires dictionaries; only meaningful if nothing else wrote meanwhile)\n\n",
		before, after, float64(after-before)/float64(n))

	if fanout > 0 {
		if err := measureFanout(ctx, w, client, st, prefix, fanout, rec); err != nil {
			return err
		}
	}
	return nil
}

// measureFanout grows one subject's index to fanout sessions, printing its
// MEMORY USAGE at checkpoints, then times Sessions and DeleteSubject on it.
func measureFanout(ctx context.Context, w io.Writer, client *redis.Client, st *redisstore.Store, prefix string, fanout int,
	rec func(int, string) (store.Record, error)) error {
	const subject = "fanout"
	idx := prefix + "u:" + subject
	checkpoints := map[int]bool{1: true, 2: true, 10: true, 100: true, 128: true, 129: true, 1000: true, 10_000: true, 100_000: true, fanout: true}
	fmt.Fprintf(w, "one subject grown to %d sessions: its index\n\n", fanout)
	fmt.Fprintln(w, "| members | MEMORY USAGE | bytes per member | encoding |")
	fmt.Fprintln(w, "|---:|---:|---:|---|")
	for i := 1; i <= fanout; i++ {
		r, err := rec(i, subject)
		if err != nil {
			return err
		}
		if _, err := st.Save(ctx, storeKey(), r); err != nil {
			return fmt.Errorf("fan-out save %d: %w", i, err)
		}
		if checkpoints[i] {
			u, err := client.MemoryUsage(ctx, idx, 0).Result()
			if err != nil {
				return err
			}
			enc, err := client.ObjectEncoding(ctx, idx).Result()
			if err != nil {
				return err
			}
			fmt.Fprintf(w, "| %d | %d | %.1f | %s |\n", i, u, float64(u)/float64(i), enc)
		}
	}
	start := time.Now()
	list, err := st.Sessions(ctx, subject)
	if err != nil {
		return err
	}
	listed := time.Since(start)
	start = time.Now()
	deleted, err := st.DeleteSubject(ctx, subject, "")
	if err != nil {
		return err
	}
	revoked := time.Since(start)
	if len(list) != fanout || deleted != fanout {
		return fmt.Errorf("fan-out: listed %d and revoked %d sessions, want %d", len(list), deleted, fanout)
	}
	fmt.Fprintf(w, "\nSessions(%q): %d sessions in %v; DeleteSubject: %d sessions in %v (wall time, one script each, which blocks that Redis for its run)\n",
		subject, len(list), listed.Round(time.Microsecond), deleted, revoked.Round(time.Microsecond))
	return nil
}

// sessionData is a Flask-Login-like session of exactly n bytes of compact
// JSON (at least 60): {"_fresh":true,"_id":"<hex>","_user_id":"<i>","csrf_token":"<40 hex>"},
// the _id's hex digits making up the length.
func sessionData(i, n int) ([]byte, error) {
	csrf := make([]byte, 20)
	if _, err := rand.Read(csrf); err != nil {
		return nil, err
	}
	const head = `{"_fresh":true,"_id":"`
	tail := fmt.Sprintf(`","_user_id":"%d","csrf_token":"%s"}`, i, hex.EncodeToString(csrf))
	idLen := n - len(head) - len(tail)
	if idLen < 0 {
		return nil, fmt.Errorf("-data %d is too small for the session's fields (%d bytes)", n, len(head)+len(tail))
	}
	id := make([]byte, (idLen+1)/2)
	if _, err := rand.Read(id); err != nil {
		return nil, err
	}
	return []byte(head + hex.EncodeToString(id)[:idLen] + tail), nil
}

// storeKey is a key as the serverside layer makes it: base64url of the
// SHA-256 of a fresh 256-bit session ID, 43 bytes.
func storeKey() string {
	var id [32]byte
	rand.Read(id[:])
	sum := sha256.Sum256([]byte(base64.RawURLEncoding.EncodeToString(id[:])))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// usage returns MEMORY USAGE (all samples) of prefix+name for every name,
// and the OBJECT ENCODINGs seen.
func usage(ctx context.Context, client *redis.Client, prefix string, names []string) ([]int64, string, error) {
	out := make([]int64, 0, len(names))
	encodings := map[string]int{}
	for chunk := range slices.Chunk(names, 1000) {
		pipe := client.Pipeline()
		mu := make([]*redis.IntCmd, len(chunk))
		enc := make([]*redis.StringCmd, len(chunk))
		for i, name := range chunk {
			mu[i] = pipe.MemoryUsage(ctx, prefix+name, 0)
			enc[i] = pipe.ObjectEncoding(ctx, prefix+name)
		}
		if _, err := pipe.Exec(ctx); err != nil {
			return nil, "", err
		}
		for i := range chunk {
			out = append(out, mu[i].Val())
			encodings[enc[i].Val()]++
		}
	}
	var parts []string
	for e, c := range encodings {
		parts = append(parts, fmt.Sprintf("%s ×%d", e, c))
	}
	slices.Sort(parts)
	return out, strings.Join(parts, ", "), nil
}

// scripts is the count and total server time of EVALSHA and EVAL calls.
type scripts struct{ calls, usec int64 }

func (s scripts) since(before scripts) string {
	c := s.calls - before.calls
	if c <= 0 {
		return "no calls"
	}
	return fmt.Sprintf("%.1f µs (%d calls)", float64(s.usec-before.usec)/float64(c), c)
}

func scriptStats(ctx context.Context, client *redis.Client) (scripts, error) {
	info, err := client.Info(ctx, "commandstats").Result()
	if err != nil {
		return scripts{}, err
	}
	var out scripts
	for _, name := range []string{"cmdstat_evalsha", "cmdstat_eval"} {
		for field := range strings.SplitSeq(infoField(info, name), ",") {
			k, v, _ := strings.Cut(field, "=")
			n, _ := strconv.ParseInt(v, 10, 64)
			switch k {
			case "calls":
				out.calls += n
			case "usec":
				out.usec += n
			}
		}
	}
	return out, nil
}

func usedMemory(ctx context.Context, client *redis.Client) (int64, error) {
	info, err := client.Info(ctx, "memory").Result()
	if err != nil {
		return 0, err
	}
	return strconv.ParseInt(infoField(info, "used_memory"), 10, 64)
}

func infoField(info, name string) string {
	for line := range strings.Lines(info) {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), name+":"); ok {
			return v
		}
	}
	return ""
}

func mean(v []int64) float64 {
	var s int64
	for _, x := range v {
		s += x
	}
	return float64(s) / float64(len(v))
}

// cleanup deletes every key under prefix.
func cleanup(ctx context.Context, client *redis.Client, prefix string) error {
	var errs []error
	iter := client.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var batch []string
	flush := func() {
		if len(batch) > 0 {
			errs = append(errs, client.Unlink(ctx, batch...).Err())
			batch = batch[:0]
		}
	}
	for iter.Next(ctx) {
		// SCAN's MATCH treats { and } literally, so the prefix matches as is.
		batch = append(batch, iter.Val())
		if len(batch) == 1000 {
			flush()
		}
	}
	flush()
	errs = append(errs, iter.Err())
	return errors.Join(errs...)
}
