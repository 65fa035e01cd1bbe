// Command scale measures every sessionkit store at scale, through the
// store's public API (store.Store, and store.Sweeper where the store has
// one): Load and Save latency (mean, p50, p99) with each of -sizes live
// sessions in the store, the memory or disk each session takes, and a sweep
// of -expired expired sessions while live traffic runs.
//
// For each store in -stores it opens an empty store (a fresh Redis key
// prefix, PostgreSQL schema, MariaDB database, or temporary directory),
// then for each size, smallest first:
//
//  1. seeds the store up to that many live sessions (a ~200-byte payload
//     with a subject, two sessions per subject, expiring in two hours)
//     with -seed-workers concurrent Saves;
//  2. measures the bytes per session: the growth of the store's footprint
//     since it was empty, divided by the sessions (Redis used_memory,
//     PostgreSQL pg_total_relation_size, MariaDB data_length+index_length
//     after ANALYZE TABLE, bbolt's and SQLite's file size, memstore's live
//     heap);
//  3. runs -ops Loads, then -ops Saves (-disk-save-ops for bolt and
//     SQLite, whose every Save waits for an fsync), with -workers workers,
//     each on random live sessions of its own, and checks every answer
//     (a Load returns the version last saved; no Save conflicts).
//
// After the largest size it seeds -expired sessions that have already
// expired, starts closed-loop traffic (-workers workers, each alternating a
// Load and a Save of its own live sessions), lets it run for -quiet, then
// calls Sweep while the traffic goes on. The quiet p99 is that of the
// operations of the quiet window, less its first fifth (a warm-up); the p99 during the sweep is that of the
// operations that overlapped the Sweep call. The goal is a ratio of at most
// 2. A closed loop under-reports a stall (a blocked worker issues nothing
// else), so both windows are also summarized corrected for coordinated
// omission (see corrected), with their longest operation. -sweep-batch sets
// Options.SweepBatch of the SQL stores. Redis has no Sweep: the expired sessions are seeded with a short TTL
// instead, and the window is from the moment they expire until Redis has
// expired all of their keys (its expired_keys statistic), or -redis-wait.
//
// SQLite with synchronous=FULL and bbolt wait for an fsync on every Save,
// which makes seeding a million sessions through Save take hours on a slow
// disk. bbolt is seeded through a database opened with NoSync (bbolt's
// option; boltstore.New accepts such a database), which is turned off
// before measuring. SQLite is seeded in -seed-dir (a tmpfs such as
// /dev/shm), through sqlitestore itself, and the closed file is copied to
// -dir before measuring.
//
//	cd bench && go run ./scale -sizes 10000,1000000 -ops 20000
package main

import (
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	mrand "math/rand/v2"
	"os"
	"os/signal"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sessionkit/session/store"
)

// Config is one run.
type Config struct {
	Sizes       []int         // live sessions per measurement, ascending
	Stores      []string      // mem, bolt, redis, postgres, mysql, sqlite
	Ops         int           // Loads, and Saves, per size
	DiskSaveOps int           // Saves per size for bolt and SQLite (an fsync each)
	Workers     int           // concurrent workers while measuring
	SeedWorkers int           // concurrent Saves while seeding
	Expired     int           // expired sessions to sweep; 0 skips the sweep
	Quiet       time.Duration // traffic before the sweep starts
	RedisWait   time.Duration // longest wait for Redis to expire the expired keys
	RedisURL    string
	PostgresDSN string
	MySQLDSN    string
	SweepBatch  int    // Options.SweepBatch of pgstore, mysqlstore and sqlitestore; 0: theirs
	Dir         string // bolt and SQLite files (a fresh subdirectory per run)
	SeedDir     string // where SQLite is seeded ("" means Dir)
}

// Stats summarizes latencies.
type Stats struct {
	N                   int
	Mean, P50, P99, Max time.Duration
}

func summarize(d []time.Duration) Stats {
	if len(d) == 0 {
		return Stats{}
	}
	slices.Sort(d)
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	return Stats{
		N:    len(d),
		Mean: sum / time.Duration(len(d)),
		P50:  d[(len(d)-1)*50/100],
		P99:  d[(len(d)-1)*99/100],
		Max:  d[len(d)-1],
	}
}

// SizeResult is one store at one size.
type SizeResult struct {
	Store      string
	Size       int
	Seed       time.Duration // time to seed the sessions added for this size
	Load, Save Stats
	Bytes      float64 // per session
	Footprint  string  // what Bytes measures
	Note       string
}

// SweepResult is one store's sweep under traffic.
type SweepResult struct {
	Store         string
	Live, Expired int
	Removed       int
	Duration      time.Duration
	Quiet, During Stats
	// QuietCO and DuringCO are the same windows corrected for coordinated
	// omission (see corrected).
	QuietCO, DuringCO Stats
	Note              string
}

// Ratio is the p99 during the sweep over the quiet p99.
func (r SweepResult) Ratio() float64 { return ratio(r.During.P99, r.Quiet.P99) }

// RatioCO is Ratio corrected for coordinated omission.
func (r SweepResult) RatioCO() float64 { return ratio(r.DuringCO.P99, r.QuietCO.P99) }

func ratio(a, b time.Duration) float64 {
	if b == 0 {
		return math.Inf(1)
	}
	return float64(a) / float64(b)
}

// Held reports whether the p99 during the sweep stayed within twice the
// quiet one, both with and without the correction for coordinated omission.
func (r SweepResult) Held() bool { return r.Ratio() <= 2 && r.RatioCO() <= 2 }

// corrected adds to d, for each latency L longer than interval, the
// latencies L-interval, L-2·interval, … down to interval: the operations a
// worker of the closed loop would have issued, every interval, while it
// was held up, and that would have waited for the same stall (the
// correction HdrHistogram applies for coordinated omission). Without it a
// stall of the whole store counts once per worker, however long it is.
func corrected(d []time.Duration, interval time.Duration) []time.Duration {
	out := slices.Clone(d)
	if interval <= 0 {
		return out
	}
	for _, l := range d {
		for x := l - interval; x >= interval; x -= interval {
			out = append(out, x)
		}
	}
	return out
}

// target is one opened store and what the harness needs around it.
type target struct {
	st store.Store
	// seedStore, when set, is the one seeding uses: the same table or
	// file through a connection set up for bulk writes.
	seedStore store.Store
	// footprint returns the store's size in bytes now.
	footprint func(ctx context.Context) (int64, error)
	what      string // what footprint measures
	// beginSeed and endSeed, when set, surround every seeding.
	beginSeed, endSeed func(ctx context.Context) error
	diskSync           bool // every Save waits for an fsync
	// expireByTTL, when set, replaces Sweep: it returns when Redis has
	// expired want keys (or the wait is over), with how many it expired.
	expireByTTL func(ctx context.Context, since int64, want int) (int, error)
	expiredKeys func(ctx context.Context) (int64, error)
	extra       func(ctx context.Context, liveKey, subject string) string // notes on one session's footprint
	close       func()
}

type opener func(ctx context.Context, cfg Config, runID string) (*target, error)

var openers = map[string]opener{
	"mem":      openMem,
	"bolt":     openBolt,
	"redis":    openRedis,
	"postgres": openPostgres,
	"mysql":    openMySQL,
	"sqlite":   openSQLite,
}

// AllStores lists every store, in the order they run.
var AllStores = []string{"mem", "bolt", "redis", "postgres", "mysql", "sqlite"}

func main() {
	var cfg Config
	var sizes, stores string
	flag.StringVar(&sizes, "sizes", "10000,1000000", "live sessions per measurement, comma-separated")
	flag.StringVar(&stores, "stores", strings.Join(AllStores, ","), "stores to measure, comma-separated")
	flag.IntVar(&cfg.Ops, "ops", 20000, "Loads, and Saves, measured per store and size")
	flag.IntVar(&cfg.DiskSaveOps, "disk-save-ops", 2000, "Saves measured per size for bolt and SQLite (each waits for an fsync)")
	flag.IntVar(&cfg.Workers, "workers", 8, "concurrent workers while measuring")
	flag.IntVar(&cfg.SeedWorkers, "seed-workers", 64, "concurrent Saves while seeding")
	flag.IntVar(&cfg.Expired, "expired", 100000, "expired sessions to sweep under traffic (0 skips the sweep)")
	flag.DurationVar(&cfg.Quiet, "quiet", 5*time.Second, "traffic before the sweep (the quiet window)")
	flag.DurationVar(&cfg.RedisWait, "redis-wait", 2*time.Minute, "longest wait for Redis to expire the expired sessions' keys")
	flag.StringVar(&cfg.RedisURL, "redis", envOr("SESSIONKIT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0"), "Redis URL")
	flag.StringVar(&cfg.PostgresDSN, "postgres", envOr("SESSIONKIT_TEST_POSTGRES_DSN", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"), "PostgreSQL DSN")
	flag.StringVar(&cfg.MySQLDSN, "mysql", envOr("SESSIONKIT_TEST_MYSQL_DSN", "root@tcp(127.0.0.1:3306)/test"), "MySQL/MariaDB DSN (go-sql-driver form)")
	flag.IntVar(&cfg.SweepBatch, "sweep-batch", 0, "Options.SweepBatch for pgstore, mysqlstore and sqlitestore (0: the store's default, 1000)")
	flag.StringVar(&cfg.Dir, "dir", os.TempDir(), "directory for the bolt and SQLite files")
	flag.StringVar(&cfg.SeedDir, "seed-dir", "/dev/shm", "directory (a tmpfs) where SQLite is seeded before its file is copied to -dir; \"\" seeds in -dir")
	flag.Parse()
	for f := range strings.SplitSeq(sizes, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n <= 0 {
			fmt.Fprintf(os.Stderr, "scale: -sizes: %q is not a positive number\n", f)
			os.Exit(2)
		}
		cfg.Sizes = append(cfg.Sizes, n)
	}
	for f := range strings.SplitSeq(stores, ",") {
		cfg.Stores = append(cfg.Stores, strings.TrimSpace(f))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	sizeRes, sweepRes, err := Run(ctx, cfg, os.Stderr)
	fmt.Print(Tables(sizeRes, sweepRes))
	if err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}

// Tables formats the results as Markdown.
func Tables(sizes []SizeResult, sweeps []SweepResult) string {
	var b strings.Builder
	b.WriteString("| store | live sessions | seed time | Load p50 | Load p99 | Load mean | Save p50 | Save p99 | Save mean | ops (L/S) | bytes/session |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range sizes {
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %s | %s | %s | %d/%d | %.0f |\n", r.Store, r.Size,
			r.Seed.Round(100*time.Millisecond), fmtDur(r.Load.P50), fmtDur(r.Load.P99), fmtDur(r.Load.Mean),
			fmtDur(r.Save.P50), fmtDur(r.Save.P99), fmtDur(r.Save.Mean), r.Load.N, r.Save.N, r.Bytes)
	}
	for _, r := range sizes {
		fmt.Fprintf(&b, "\n- %s, %d sessions: bytes/session is the growth of %s", r.Store, r.Size, r.Footprint)
		if r.Note != "" {
			fmt.Fprintf(&b, "; %s", r.Note)
		}
	}
	b.WriteString("\n")
	if len(sweeps) == 0 {
		return b.String()
	}
	b.WriteString("\n| store | live | expired removed | sweep time | quiet p99 (ops) | p99 during sweep (ops) | ratio | CO-corrected quiet p99 → during | ratio | goal ≤ 2× | quiet max | max during sweep |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|\n")
	for _, r := range sweeps {
		held := "held"
		switch {
		case r.Ratio() > 2:
			held = "**missed**"
		case r.RatioCO() > 2:
			held = "held raw, **missed** corrected"
		}
		fmt.Fprintf(&b, "| %s | %d | %d / %d | %s | %s (%d) | %s (%d) | %.2f | %s → %s | %.2f | %s | %s | %s |\n", r.Store, r.Live, r.Removed, r.Expired,
			fmtDur(r.Duration), fmtDur(r.Quiet.P99), r.Quiet.N, fmtDur(r.During.P99), r.During.N, r.Ratio(),
			fmtDur(r.QuietCO.P99), fmtDur(r.DuringCO.P99), r.RatioCO(), held, fmtDur(r.Quiet.Max), fmtDur(r.During.Max))
	}
	for _, r := range sweeps {
		if r.Note != "" {
			fmt.Fprintf(&b, "\n- %s: %s", r.Store, r.Note)
		}
	}
	b.WriteString("\n")
	return b.String()
}

// fmtDur prints d in µs below a millisecond, in ms below a second.
func fmtDur(d time.Duration) string {
	switch {
	case d < time.Millisecond:
		return fmt.Sprintf("%.1f µs", float64(d)/float64(time.Microsecond))
	case d < time.Second:
		return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
	default:
		return fmt.Sprintf("%.2f s", d.Seconds())
	}
}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// Run measures every store of cfg. Progress goes to logw. It returns the
// results gathered so far with the first error.
func Run(ctx context.Context, cfg Config, logw io.Writer) ([]SizeResult, []SweepResult, error) {
	if cfg.Ops <= 0 || cfg.Workers <= 0 || cfg.SeedWorkers <= 0 || len(cfg.Sizes) == 0 {
		return nil, nil, errors.New("scale: ops, workers, seed workers and sizes must be positive")
	}
	if cfg.DiskSaveOps <= 0 {
		cfg.DiskSaveOps = cfg.Ops
	}
	if cfg.Expired > 0 && cfg.Quiet <= 0 {
		return nil, nil, errors.New("scale: -quiet must be positive")
	}
	cfg.Sizes = slices.Clone(cfg.Sizes)
	slices.Sort(cfg.Sizes)
	if cfg.Sizes[0] < cfg.Workers {
		return nil, nil, fmt.Errorf("scale: the smallest size (%d) is below the workers (%d)", cfg.Sizes[0], cfg.Workers)
	}
	runID := randHex(5)
	var sizeRes []SizeResult
	var sweepRes []SweepResult
	for _, name := range cfg.Stores {
		open, ok := openers[name]
		if !ok {
			return sizeRes, sweepRes, fmt.Errorf("scale: unknown store %q (want one of %s)", name, strings.Join(AllStores, ", "))
		}
		fmt.Fprintf(logw, "%s: opening\n", name)
		rs, sw, err := runStore(ctx, cfg, name, open, runID, logw)
		sizeRes = append(sizeRes, rs...)
		if sw != nil {
			sweepRes = append(sweepRes, *sw)
		}
		if err != nil {
			return sizeRes, sweepRes, fmt.Errorf("%s: %w", name, err)
		}
	}
	return sizeRes, sweepRes, nil
}

// A session key: base64url of a SHA-256, like serverside's, after a letter
// that tells live ('l') and expired ('x') sessions apart.
func sessionKey(runID string, kind byte, i int) string {
	h := sha256.Sum256([]byte(runID + string(kind) + strconv.Itoa(i)))
	return string(kind) + base64.RawURLEncoding.EncodeToString(h[:])
}

// payload is a ~200-byte session: what serverside stores for a logged-in
// Flask-style session (user id, fresh flag, a CSRF token, a counter).
func payload(i int, counter uint64) []byte {
	return fmt.Appendf(nil, `{"_fresh":true,"_id":"%064x","_user_id":"%d","csrf_token":"%040x","counter":%d,"theme":"dark"}`,
		uint64(i)*0x9e3779b97f4a7c15, i/2, uint64(i)^0x5bd1e995, counter)
}

func subjectOf(kind byte, i int) string { return fmt.Sprintf("user-%c%d", kind, i/2) }

func record(kind byte, i int, version uint64, now, expires time.Time) store.Record {
	return store.Record{
		Data:     payload(i, version),
		Version:  version,
		Subject:  subjectOf(kind, i),
		Created:  now,
		LastSeen: now,
		Expires:  expires,
	}
}

// liveTTL is the life of live sessions: longer than any run.
const liveTTL = 6 * time.Hour

func runStore(ctx context.Context, cfg Config, name string, open opener, runID string, logw io.Writer) (res []SizeResult, sw *SweepResult, err error) {
	t, err := open(ctx, cfg, runID)
	if err != nil {
		return nil, nil, err
	}
	defer t.close()
	maxN := cfg.Sizes[len(cfg.Sizes)-1]
	// Allocated before the empty store's footprint is read, so that
	// memstore's heap growth is the store's alone.
	versions := make([]uint64, maxN)
	base, err := t.footprint(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("footprint: %w", err)
	}
	seeded := 0
	var seedRate float64 // sessions per second, of the last seeding
	for _, n := range cfg.Sizes {
		fmt.Fprintf(logw, "%s: seeding %d → %d live sessions\n", name, seeded, n)
		start := time.Now()
		expires := start.Add(liveTTL)
		if err := seed(ctx, t, cfg.SeedWorkers, seeded, n, func(i int) (string, store.Record) {
			return sessionKey(runID, 'l', i), record('l', i, 0, time.Now(), expires)
		}, func(i int, v uint64) { versions[i] = v }); err != nil {
			return res, nil, fmt.Errorf("seeding: %w", err)
		}
		r := SizeResult{Store: name, Size: n, Seed: time.Since(start), Footprint: t.what}
		seedRate = float64(n-seeded) / r.Seed.Seconds()
		seeded = n
		fmt.Fprintf(logw, "%s: seeded in %v (%.0f/s)\n", name, r.Seed.Round(time.Millisecond), seedRate)
		fp, err := t.footprint(ctx)
		if err != nil {
			return res, nil, fmt.Errorf("footprint: %w", err)
		}
		r.Bytes = float64(fp-base) / float64(n)
		if t.extra != nil {
			r.Note = t.extra(ctx, sessionKey(runID, 'l', 0), subjectOf('l', 0))
		}
		saveOps := cfg.Ops
		if t.diskSync {
			saveOps = cfg.DiskSaveOps
		}
		if r.Load, err = measure(ctx, t.st, runID, n, cfg.Ops, cfg.Workers, versions, false); err != nil {
			return append(res, r), nil, fmt.Errorf("%d sessions, loads: %w", n, err)
		}
		if r.Save, err = measure(ctx, t.st, runID, n, saveOps, cfg.Workers, versions, true); err != nil {
			return append(res, r), nil, fmt.Errorf("%d sessions, saves: %w", n, err)
		}
		fmt.Fprintf(logw, "%s %d: load p50 %s p99 %s, save p50 %s p99 %s, %.0f bytes/session (%s)\n", name, n,
			fmtDur(r.Load.P50), fmtDur(r.Load.P99), fmtDur(r.Save.P50), fmtDur(r.Save.P99), r.Bytes, t.what)
		res = append(res, r)
	}
	if cfg.Expired <= 0 {
		return res, nil, nil
	}
	sw, err = sweepUnderTraffic(ctx, cfg, name, t, runID, maxN, versions, seedRate, logw)
	return res, sw, err
}

// seed saves the sessions [from, to) with workers concurrent Saves.
func seed(ctx context.Context, t *target, workers, from, to int, rec func(i int) (string, store.Record), done func(i int, v uint64)) error {
	if t.beginSeed != nil {
		if err := t.beginSeed(ctx); err != nil {
			return err
		}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	st := t.st
	if t.seedStore != nil {
		st = t.seedStore
	}
	var next atomic.Int64
	next.Store(int64(from))
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1) - 1)
				if i >= to {
					return
				}
				key, r := rec(i)
				v, err := st.Save(ctx, key, r)
				if err != nil {
					cancel(fmt.Errorf("session %d: %w", i, err))
					return
				}
				if done != nil {
					done(i, v)
				}
			}
		})
	}
	wg.Wait()
	if err := context.Cause(ctx); err != nil {
		return err
	}
	if t.endSeed != nil {
		return t.endSeed(ctx)
	}
	return nil
}

// pick returns a random live session of worker w: sessions w, w+W, w+2W, …
// below n belong to worker w alone, so its Saves never conflict.
func pick(rng *mrand.Rand, w, workers, n int) int {
	return w + workers*rng.IntN((n-w+workers-1)/workers)
}

// measure runs ops Loads (or Saves) over random live sessions with workers
// workers and returns their latencies. A Load must find the session at the
// version last saved; a Save must succeed.
func measure(ctx context.Context, st store.Store, runID string, n, ops, workers int, versions []uint64, save bool) (Stats, error) {
	lat := make([][]time.Duration, workers)
	errs := make([]error, workers)
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			rng := mrand.New(mrand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			mine := ops / workers
			if w < ops%workers {
				mine++
			}
			d := make([]time.Duration, 0, mine)
			expires := time.Now().Add(liveTTL)
			for range mine {
				if ctx.Err() != nil {
					errs[w] = ctx.Err()
					return
				}
				i := pick(rng, w, workers, n)
				key := sessionKey(runID, 'l', i)
				if save {
					now := time.Now()
					r := record('l', i, versions[i], now, expires)
					t0 := time.Now()
					v, err := st.Save(ctx, key, r)
					d = append(d, time.Since(t0))
					if err != nil {
						errs[w] = fmt.Errorf("save of session %d at version %d: %w", i, versions[i], err)
						return
					}
					versions[i] = v
				} else {
					t0 := time.Now()
					r, ok, err := st.Load(ctx, key)
					d = append(d, time.Since(t0))
					if err != nil || !ok || r.Version != versions[i] || len(r.Data) == 0 {
						errs[w] = fmt.Errorf("load of session %d: ok=%v version %d (want %d), %d bytes: %v", i, ok, r.Version, versions[i], len(r.Data), err)
						return
					}
				}
			}
			lat[w] = d
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return Stats{}, err
	}
	return summarize(slices.Concat(lat...)), nil
}

// sample is one operation of the sweep traffic, in offsets from its start.
type sample struct{ start, end time.Duration }

// traffic is closed-loop Load+Save traffic on the live sessions.
type traffic struct {
	t0      time.Time
	cancel  context.CancelFunc
	wg      sync.WaitGroup
	samples [][]sample
	errs    []error
}

func startTraffic(ctx context.Context, st store.Store, runID string, n, workers int, versions []uint64) *traffic {
	ctx, cancel := context.WithCancel(ctx)
	tr := &traffic{t0: time.Now(), cancel: cancel, samples: make([][]sample, workers), errs: make([]error, workers)}
	for w := range workers {
		tr.wg.Go(func() {
			rng := mrand.New(mrand.NewPCG(uint64(w)+1000, uint64(time.Now().UnixNano())))
			expires := time.Now().Add(liveTTL)
			for k := 0; ctx.Err() == nil; k++ {
				i := pick(rng, w, workers, n)
				key := sessionKey(runID, 'l', i)
				var err error
				s := sample{start: time.Since(tr.t0)}
				if k%2 == 0 {
					var r store.Record
					var ok bool
					r, ok, err = st.Load(ctx, key)
					if err == nil && (!ok || r.Version != versions[i]) {
						err = fmt.Errorf("load of session %d: ok=%v version %d, want %d", i, ok, r.Version, versions[i])
					}
				} else {
					var v uint64
					v, err = st.Save(ctx, key, record('l', i, versions[i], time.Now(), expires))
					if err == nil {
						versions[i] = v
					}
				}
				s.end = time.Since(tr.t0)
				if err != nil {
					if ctx.Err() == nil {
						tr.errs[w] = err
					}
					return
				}
				tr.samples[w] = append(tr.samples[w], s)
			}
		})
	}
	return tr
}

// stop ends the traffic and returns the first error an operation met.
func (tr *traffic) stop() error {
	tr.cancel()
	tr.wg.Wait()
	return errors.Join(tr.errs...)
}

// between returns the latencies of the operations that ran within [from,
// to], or with overlap, of those that overlapped it.
func (tr *traffic) between(from, to time.Duration, overlap bool) []time.Duration {
	var d []time.Duration
	for _, ws := range tr.samples {
		for _, s := range ws {
			in := s.start >= from && s.end <= to
			if overlap {
				in = s.start < to && s.end > from
			}
			if in {
				d = append(d, s.end-s.start)
			}
		}
	}
	return d
}

// setWindows summarizes the quiet window (before from, less its first
// fifth, a warm-up) and the operations that overlapped [from, to], raw and
// corrected for coordinated omission with the quiet window's mean latency
// as the interval.
func (sw *SweepResult) setWindows(tr *traffic, from, to time.Duration) {
	quiet := tr.between(from/5, from, false)
	during := tr.between(from, to, true)
	sw.Quiet = summarize(slices.Clone(quiet))
	sw.During = summarize(slices.Clone(during))
	sw.QuietCO = summarize(corrected(quiet, sw.Quiet.Mean))
	sw.DuringCO = summarize(corrected(during, sw.Quiet.Mean))
}

func sweepUnderTraffic(ctx context.Context, cfg Config, name string, t *target, runID string, live int, versions []uint64, seedRate float64, logw io.Writer) (*SweepResult, error) {
	sw := &SweepResult{Store: name, Live: live, Expired: cfg.Expired}
	expiredRec := func(expires time.Time) func(i int) (string, store.Record) {
		return func(i int) (string, store.Record) {
			return sessionKey(runID, 'x', i), record('x', i, 0, expires.Add(-time.Hour), expires)
		}
	}
	if t.expireByTTL != nil {
		return sw, redisExpiry(ctx, cfg, sw, t, runID, live, versions, seedRate, expiredRec, logw)
	}
	fmt.Fprintf(logw, "%s: seeding %d expired sessions\n", name, cfg.Expired)
	if err := seed(ctx, t, cfg.SeedWorkers, 0, cfg.Expired, expiredRec(time.Now().Add(-time.Minute)), nil); err != nil {
		return nil, fmt.Errorf("seeding expired sessions: %w", err)
	}
	// After seeding, which may have reopened the store.
	sweeper, ok := t.st.(store.Sweeper)
	if !ok {
		return nil, fmt.Errorf("%T has no Sweep", t.st)
	}
	tr := startTraffic(ctx, t.st, runID, live, cfg.Workers, versions)
	sleepCtx(ctx, cfg.Quiet)
	sweepStart := time.Since(tr.t0)
	n, err := sweeper.Sweep(ctx)
	sweepEnd := time.Since(tr.t0)
	// Traffic goes on a moment after the sweep, so that the last
	// operations it held up finish and are counted.
	sleepCtx(ctx, 200*time.Millisecond)
	terr := tr.stop()
	if err != nil {
		return nil, fmt.Errorf("sweep: %w", err)
	}
	if terr != nil {
		return nil, fmt.Errorf("traffic: %w", terr)
	}
	sw.Removed, sw.Duration = n, sweepEnd-sweepStart
	// The first fifth of the quiet window warms connections and caches up.
	sw.setWindows(tr, sweepStart, sweepEnd)
	if n != cfg.Expired {
		sw.Note = fmt.Sprintf("Sweep removed %d, %d had expired", n, cfg.Expired)
	}
	fmt.Fprintf(logw, "%s sweep: %d removed in %s, quiet p99 %s max %s (%d ops), during p99 %s max %s (%d ops), ratio %.2f, corrected %.2f\n", name, n,
		fmtDur(sw.Duration), fmtDur(sw.Quiet.P99), fmtDur(sw.Quiet.Max), sw.Quiet.N, fmtDur(sw.During.P99), fmtDur(sw.During.Max), sw.During.N, sw.Ratio(), sw.RatioCO())
	return sw, nil
}

// redisExpiry seeds the expired sessions with a TTL long enough for the
// seeding and the quiet window, then measures traffic while Redis expires them.
func redisExpiry(ctx context.Context, cfg Config, sw *SweepResult, t *target, runID string, live int, versions []uint64, seedRate float64,
	expiredRec func(time.Time) func(int) (string, store.Record), logw io.Writer) error {
	seedTime := time.Duration(float64(cfg.Expired) / cmp.Or(seedRate, 1000) * float64(time.Second))
	at := time.Now().Add(2*seedTime + 2*time.Second + cfg.Quiet).Truncate(time.Millisecond)
	fmt.Fprintf(logw, "%s: seeding %d sessions that expire at %s\n", sw.Store, cfg.Expired, at.Format(time.StampMilli))
	if err := seed(ctx, t, cfg.SeedWorkers, 0, cfg.Expired, expiredRec(at), nil); err != nil {
		return fmt.Errorf("seeding expiring sessions: %w", err)
	}
	if time.Until(at) < cfg.Quiet/2 {
		return fmt.Errorf("seeding the expiring sessions took too long: %v left before they expire", time.Until(at))
	}
	before, err := t.expiredKeys(ctx)
	if err != nil {
		return err
	}
	tr := startTraffic(ctx, t.st, runID, live, cfg.Workers, versions)
	sleepCtx(ctx, time.Until(at))
	expStart := time.Since(tr.t0)
	// A record key and, every two sessions, a subject index.
	want := cfg.Expired + (cfg.Expired+1)/2
	wctx, cancel := context.WithTimeout(ctx, cfg.RedisWait)
	n, err := t.expireByTTL(wctx, before, want)
	cancel()
	expEnd := time.Since(tr.t0)
	sleepCtx(ctx, 200*time.Millisecond)
	terr := tr.stop()
	if err != nil {
		return err
	}
	if terr != nil {
		return fmt.Errorf("traffic: %w", terr)
	}
	// Counted in keys: the records and their subjects' indexes.
	sw.Removed, sw.Expired, sw.Duration = n, want, expEnd-expStart
	sw.setWindows(tr, expStart, expEnd)
	sw.Note = fmt.Sprintf("Redis expired %d of the %d keys (%d records, %d subject indexes) in %s (INFO expired_keys)",
		n, want, cfg.Expired, want-cfg.Expired, fmtDur(sw.Duration))
	fmt.Fprintf(logw, "%s expiry: %s; quiet p99 %s max %s (%d ops), during p99 %s max %s (%d ops), ratio %.2f, corrected %.2f\n", sw.Store, sw.Note,
		fmtDur(sw.Quiet.P99), fmtDur(sw.Quiet.Max), sw.Quiet.N, fmtDur(sw.During.P99), fmtDur(sw.During.Max), sw.During.N, sw.Ratio(), sw.RatioCO())
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) {
	if d <= 0 {
		return
	}
	tm := time.NewTimer(d)
	defer tm.Stop()
	select {
	case <-ctx.Done():
	case <-tm.C:
	}
}
