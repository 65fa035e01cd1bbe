// Command load is a bounded, closed-loop HTTP load generator comparing
// sessionkit's server-side sessions (session.Manager + serverside over
// redisstore, pgstore, mysqlstore and sqlitestore) with scs v2.9.0
// (goredisstore, pgxstore, mysqlstore and sqlite3store) on the same Redis,
// PostgreSQL and MySQL/MariaDB servers and SQLite settings, in the same run.
//
// For each backend and implementation it starts an HTTP server on
// 127.0.0.1:0 and seeds -sessions sessions through /login. Then it runs the
// whole matrix -runs times (3 by default): in each cell (backend × case) it
// runs both implementations back to back, in an order that alternates from
// cell to cell and flips from run to run, for -duration each with
// -concurrency keep-alive clients. The cases are "read-only" (reads "name")
// and "read+write" (reads "name", sets "counter" to counter+1 and answers the
// new value). Each session is used by one client only, so a read+write
// answer must be exactly one more than the previous one for that session;
// anything else (a lost or doubled update), a transport error or a non-200
// answer counts as an error. It prints a Markdown table of every run, then
// the medians over the runs with their spread (min–max), the
// sessionkit/scs ratios and whether sessionkit held (req/s at least scs's,
// p99 no worse) in each cell, and exits 1 if sessionkit had any error.
//
// Every run uses its own Redis key prefix (deleted at the end) and its own
// PostgreSQL schema and MySQL database (dropped at the end).
//
//	cd bench && go run ./load -runs 3 -duration 10s -concurrency 16 -sessions 200
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alexedwards/scs/goredisstore"
	"github.com/alexedwards/scs/pgxstore"
	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/redis/go-redis/v9"

	"github.com/sessionkit/session"
	"github.com/sessionkit/session/serverside"
	"github.com/sessionkit/session/store"
	"github.com/sessionkit/session/store/pgstore"
	"github.com/sessionkit/session/store/redisstore"
)

// Config is one run.
type Config struct {
	Duration    time.Duration // per cell (backend × impl × case)
	Concurrency int           // concurrent keep-alive clients
	Sessions    int           // sessions seeded per backend × impl
	Runs        int           // how many times the whole matrix runs; 0 means 1
	// Slices splits each implementation's Duration in a cell into this
	// many stretches, alternated with the other implementation's (A B B A
	// A B …), so that a change of load within the cell hits both alike;
	// 0 means 1.
	Slices      int
	RedisURL    string // "" skips Redis
	PostgresDSN string // "" skips PostgreSQL
	MySQLDSN    string // "" skips MySQL/MariaDB
	SQLiteDir   string // directory for the SQLite files (a fresh subdirectory per run); "" skips SQLite
}

// Result is one cell.
type Result struct {
	Run                 int // 1, 2, …
	Backend, Impl, Case string
	Requests, Errors    int64
	Elapsed             time.Duration
	P50, P99            time.Duration
	// Trips is the store client's round trips per request, or -1 when the
	// backend's client is not counted (MariaDB, SQLite).
	Trips float64
	// CPU is the CPU time (user + system) of this whole process — HTTP
	// clients, server, session library, store client — per request, or
	// -1 when unknown. Unlike req/s it hardly moves with the machine's
	// load; it does not include the database server's CPU.
	CPU time.Duration
}

// ReqPerSec is the throughput of successful and failed requests alike.
func (r Result) ReqPerSec() float64 { return float64(r.Requests) / r.Elapsed.Seconds() }

const (
	caseRead  = "read-only"
	caseWrite = "read+write"
	wantName  = "alice"
)

// app is one implementation's routes: /login, /read, /write.
type app struct {
	handler http.Handler
	cookie  string // the session cookie's name
	close   func()
	trips   *tripCounter // the store client's round trips; nil: not counted
}

func main() {
	var cfg Config
	var only string
	flag.DurationVar(&cfg.Duration, "duration", 5*time.Second, "load duration per cell")
	flag.IntVar(&cfg.Concurrency, "concurrency", 16, "concurrent keep-alive clients")
	flag.IntVar(&cfg.Sessions, "sessions", 200, "sessions seeded per backend and implementation")
	flag.IntVar(&cfg.Runs, "runs", 3, "how many times the whole matrix runs (implementations interleaved per cell)")
	flag.IntVar(&cfg.Slices, "slices", 1, "split each implementation's -duration in a cell into this many stretches, alternating with the other's")
	flag.StringVar(&cfg.RedisURL, "redis", "redis://127.0.0.1:6379/0", "Redis URL")
	flag.StringVar(&cfg.PostgresDSN, "postgres", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "PostgreSQL DSN")
	flag.StringVar(&cfg.MySQLDSN, "mysql", "root@tcp(127.0.0.1:3306)/test?interpolateParams=true", "MySQL/MariaDB DSN (go-sql-driver form)")
	flag.StringVar(&cfg.SQLiteDir, "sqlite", os.TempDir(), "directory for the SQLite database files; \"\" skips SQLite")
	flag.StringVar(&only, "only", "", "run only one backend: redis, postgres, mysql or sqlite")
	cpuProfile := flag.String("cpuprofile", "", "write a CPU profile of the whole run (servers and clients) to this file")
	flag.Parse()
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err == nil {
			err = pprof.StartCPUProfile(f)
		}
		if err != nil {
			fmt.Fprintln(os.Stderr, "load:", err)
			os.Exit(2)
		}
		defer f.Close()
		defer pprof.StopCPUProfile()
	}
	switch only {
	case "":
	case "redis":
		cfg.PostgresDSN, cfg.MySQLDSN, cfg.SQLiteDir = "", "", ""
	case "postgres":
		cfg.RedisURL, cfg.MySQLDSN, cfg.SQLiteDir = "", "", ""
	case "mysql":
		cfg.RedisURL, cfg.PostgresDSN, cfg.SQLiteDir = "", "", ""
	case "sqlite":
		cfg.RedisURL, cfg.PostgresDSN, cfg.MySQLDSN = "", "", ""
	default:
		fmt.Fprintf(os.Stderr, "load: -only %q: want redis, postgres, mysql or sqlite\n", only)
		os.Exit(2)
	}
	start, loadStart := time.Now().UTC(), loadAvg()
	results, err := Run(context.Background(), cfg, os.Stderr)
	fmt.Printf("%s, %s, load average %s at the start (%s UTC), %s at the end (%s UTC); %d run(s) × %s per cell, %d clients, %d sessions\n\n",
		runtime.Version(), cpus(), loadStart, start.Format("2006-01-02 15:04"), loadAvg(), time.Now().UTC().Format("15:04"),
		max(cfg.Runs, 1), cfg.Duration, cfg.Concurrency, max(cfg.Sessions, cfg.Concurrency))
	if cfg.Slices > 1 {
		fmt.Printf("each cell's %s per implementation in %d alternating slices\n\n", cfg.Duration, cfg.Slices)
	}
	fmt.Print(Table(results))
	fmt.Println()
	fmt.Print(Summary(results))
	if err != nil {
		fmt.Fprintln(os.Stderr, "load:", err)
		pprof.StopCPUProfile()
		os.Exit(1)
	}
	for _, r := range results {
		if r.Impl == "sessionkit" && (r.Errors > 0 || r.Requests == 0) {
			fmt.Fprintf(os.Stderr, "load: sessionkit %s %s: %d errors in %d requests\n", r.Backend, r.Case, r.Errors, r.Requests)
			pprof.StopCPUProfile()
			os.Exit(1)
		}
	}
}

// Table formats results as a Markdown table, one row per run and cell.
func Table(results []Result) string {
	var b strings.Builder
	b.WriteString("| run | backend | impl | case | req/s | p50 | p99 | errors | store round trips / request | process CPU / request |\n")
	b.WriteString("|---:|---|---|---|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range results {
		trips := "not counted"
		if r.Trips >= 0 {
			trips = fmt.Sprintf("%.2f", r.Trips)
		}
		cpu := "unknown"
		if r.CPU >= 0 {
			cpu = fmt.Sprintf("%.0f µs", float64(r.CPU)/float64(time.Microsecond))
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s | %.0f | %s | %s | %d / %d | %s | %s |\n", r.Run, r.Backend, r.Impl, r.Case,
			r.ReqPerSec(), fmtDur(r.P50), fmtDur(r.P99), r.Errors, r.Requests, trips, cpu)
	}
	return b.String()
}

// Stat is the median of one measure over the runs of a cell, with its
// smallest and largest value.
type Stat struct{ Median, Min, Max float64 }

func stat(xs []float64) Stat {
	if len(xs) == 0 {
		return Stat{}
	}
	xs = slices.Clone(xs)
	slices.Sort(xs)
	m := xs[len(xs)/2]
	if len(xs)%2 == 0 {
		m = (xs[len(xs)/2-1] + m) / 2
	}
	return Stat{Median: m, Min: xs[0], Max: xs[len(xs)-1]}
}

// Cell is one backend × implementation × case over every run.
type Cell struct {
	Backend, Impl, Case string
	Runs                int
	ReqPerSec           Stat  // requests per second
	P50, P99            Stat  // milliseconds
	CPU                 Stat  // process CPU per request, microseconds (zero: unknown)
	Requests, Errors    int64 // summed over the runs
}

// Cells groups results by backend × implementation × case, in the order
// they first appear, with sessionkit before scs.
func Cells(results []Result) []Cell {
	type acc struct {
		cell               Cell
		rps, p50, p99, cpu []float64
	}
	var groups []string // backend × case, in the order they first appear
	byKey := map[string]*acc{}
	for _, r := range results {
		g := r.Backend + "\x00" + r.Case
		if !slices.Contains(groups, g) {
			groups = append(groups, g)
		}
		k := g + "\x00" + r.Impl
		a := byKey[k]
		if a == nil {
			a = &acc{cell: Cell{Backend: r.Backend, Impl: r.Impl, Case: r.Case}}
			byKey[k] = a
		}
		a.cell.Runs++
		a.cell.Requests += r.Requests
		a.cell.Errors += r.Errors
		a.rps = append(a.rps, r.ReqPerSec())
		a.p50 = append(a.p50, ms(r.P50))
		a.p99 = append(a.p99, ms(r.P99))
		if r.CPU >= 0 {
			a.cpu = append(a.cpu, float64(r.CPU)/float64(time.Microsecond))
		}
	}
	var cells []Cell
	for _, g := range groups {
		for _, impl := range impls {
			if a := byKey[g+"\x00"+impl]; a != nil {
				a.cell.ReqPerSec, a.cell.P50, a.cell.P99, a.cell.CPU = stat(a.rps), stat(a.p50), stat(a.p99), stat(a.cpu)
				cells = append(cells, a.cell)
			}
		}
	}
	return cells
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

// Verdict compares sessionkit's cell with scs's of the same backend and
// case: the ratios of the median req/s and median p99 (sessionkit / scs),
// and held when sessionkit served at least as many requests per second
// with a p99 no worse.
type Verdict struct {
	Backend, Case      string
	RPSRatio, P99Ratio float64
	Held               bool
}

// Verdicts pairs the cells of Cells by backend and case.
func Verdicts(cells []Cell) []Verdict {
	var out []Verdict
	for _, sk := range cells {
		if sk.Impl != impls[0] {
			continue
		}
		for _, peer := range cells {
			if peer.Impl != impls[1] || peer.Backend != sk.Backend || peer.Case != sk.Case {
				continue
			}
			v := Verdict{Backend: sk.Backend, Case: sk.Case,
				RPSRatio: sk.ReqPerSec.Median / peer.ReqPerSec.Median, P99Ratio: sk.P99.Median / peer.P99.Median}
			v.Held = sk.ReqPerSec.Median >= peer.ReqPerSec.Median && sk.P99.Median <= peer.P99.Median
			out = append(out, v)
		}
	}
	return out
}

// Summary formats the medians over the runs, with the spread (min–max),
// and the sessionkit/scs verdict of each backend × case, as Markdown.
func Summary(results []Result) string {
	cells := Cells(results)
	var b strings.Builder
	b.WriteString("| backend | case | impl | runs | req/s median (min–max) | p50 ms median (min–max) | p99 ms median (min–max) | process CPU µs/req median (min–max) | errors |\n")
	b.WriteString("|---|---|---|---:|---:|---:|---:|---:|---:|\n")
	for _, c := range cells {
		fmt.Fprintf(&b, "| %s | %s | %s | %d | %.0f (%.0f–%.0f) | %.2f (%.2f–%.2f) | %.2f (%.2f–%.2f) | %.0f (%.0f–%.0f) | %d / %d |\n",
			c.Backend, c.Case, c.Impl, c.Runs, c.ReqPerSec.Median, c.ReqPerSec.Min, c.ReqPerSec.Max,
			c.P50.Median, c.P50.Min, c.P50.Max, c.P99.Median, c.P99.Min, c.P99.Max,
			c.CPU.Median, c.CPU.Min, c.CPU.Max, c.Errors, c.Requests)
	}
	b.WriteString("\n| backend | case | req/s sessionkit/scs | p99 sessionkit/scs | sessionkit ≥ scs |\n")
	b.WriteString("|---|---|---:|---:|---|\n")
	for _, v := range Verdicts(cells) {
		verdict := "missed"
		if v.Held {
			verdict = "held"
		}
		fmt.Fprintf(&b, "| %s | %s | %.2f | %.2f | %s |\n", v.Backend, v.Case, v.RPSRatio, v.P99Ratio, verdict)
	}
	return b.String()
}

// loadAvg is the 1-, 5- and 15-minute load averages from /proc/loadavg
// (what uptime shows), or "unknown".
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return "unknown"
}

func cpus() string {
	return fmt.Sprintf("%s/%s, %d CPUs", runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
}

func fmtDur(d time.Duration) string {
	return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
}

// Run measures every configured backend × implementation × case,
// cfg.Runs times (0 means once). Every backend is set up and seeded once;
// then each run goes through the backends and cases, measuring both
// implementations back to back in each cell, sessionkit first in odd
// cells and scs first in even ones (the order flips from one run to the
// next too), so that a change in the machine's load hits both alike.
// Progress goes to logw. It returns the results gathered so far with any
// setup error.
func Run(ctx context.Context, cfg Config, logw io.Writer) ([]Result, error) {
	if cfg.Duration <= 0 || cfg.Concurrency <= 0 || cfg.Runs < 0 || cfg.Slices < 0 {
		return nil, errors.New("duration and concurrency must be positive, runs and slices not negative")
	}
	cfg.Runs, cfg.Slices = max(cfg.Runs, 1), max(cfg.Slices, 1)
	if cfg.Duration/time.Duration(cfg.Slices) <= 0 {
		return nil, errors.New("duration too short for that many slices")
	}
	cfg.Sessions = max(cfg.Sessions, cfg.Concurrency)
	runID := randHex(6)
	type backend struct {
		name  string
		setup func(ctx context.Context, cfg Config, runID string) (map[string]*app, func(), error)
	}
	var backends []backend
	if cfg.RedisURL != "" {
		backends = append(backends, backend{"redis", setupRedis})
	}
	if cfg.PostgresDSN != "" {
		backends = append(backends, backend{"postgres", setupPostgres})
	}
	if cfg.MySQLDSN != "" {
		backends = append(backends, backend{"mysql", setupMySQL})
	}
	if cfg.SQLiteDir != "" {
		backends = append(backends, backend{"sqlite", setupSQLite})
	}
	var cleanups []func()
	defer func() {
		for _, c := range slices.Backward(cleanups) {
			c()
		}
	}()
	// targets[b][impl]: a served, seeded implementation, kept for every run.
	targets := make([]map[string]*target, len(backends))
	for b, be := range backends {
		apps, cleanup, err := be.setup(ctx, cfg, runID)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", be.name, err)
		}
		cleanups = append(cleanups, cleanup)
		targets[b] = make(map[string]*target, len(impls))
		for _, implName := range impls {
			t, err := serve(ctx, cfg, apps[implName])
			if err != nil {
				return nil, fmt.Errorf("%s %s: %w", be.name, implName, err)
			}
			cleanups = append(cleanups, t.close)
			targets[b][implName] = t
		}
	}
	var results []Result
	cell := 0
	for run := 1; run <= cfg.Runs; run++ {
		for b, be := range backends {
			for _, c := range []string{caseRead, caseWrite} {
				order := impls
				if (cell+run)%2 == 1 {
					order = []string{impls[1], impls[0]}
				}
				cell++
				// The cell's time per implementation is split into
				// cfg.Slices stretches, in the order A B B A A B …
				parts := map[string][]slice{}
				sliceCfg := cfg
				sliceCfg.Duration = cfg.Duration / time.Duration(cfg.Slices)
				for k := range cfg.Slices {
					pair := order
					if k%2 == 1 {
						pair = []string{order[1], order[0]}
					}
					for _, implName := range pair {
						if err := ctx.Err(); err != nil {
							return results, err
						}
						parts[implName] = append(parts[implName], targets[b][implName].measure(ctx, sliceCfg, c))
					}
				}
				for _, implName := range order {
					r := merge(parts[implName])
					r.Run, r.Backend, r.Impl, r.Case = run, be.name, implName, c
					fmt.Fprintf(logw, "run %d: %s %s %s: %.0f req/s, p50 %s, p99 %s, %d errors / %d\n",
						r.Run, r.Backend, r.Impl, r.Case, r.ReqPerSec(), fmtDur(r.P50), fmtDur(r.P99), r.Errors, r.Requests)
					results = append(results, r)
				}
			}
		}
	}
	return results, nil
}

// impls are the implementations compared, sessionkit first.
var impls = []string{"sessionkit", "scs"}

func randHex(n int) string {
	b := make([]byte, n)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// sessionkitApp is session.Manager over a serverside.Backend over st.
func sessionkitApp(st store.Store) (*app, error) {
	iface, err := serverside.New(serverside.Options{Store: st})
	if err != nil {
		return nil, err
	}
	m, err := session.New(session.Config{
		Interface: iface,
		Logger:    slog.New(slog.DiscardHandler),
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			http.Error(w, "session error: "+err.Error(), http.StatusInternalServerError)
		},
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		if err := s.Update(map[string]any{"name": wantName, "counter": 0}); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
		}
	})
	mux.HandleFunc("/read", func(w http.ResponseWriter, r *http.Request) {
		if name, _ := session.Get[string](session.From(r), "name"); name != wantName {
			http.Error(w, "no session", http.StatusUnauthorized)
		}
	})
	mux.HandleFunc("/write", func(w http.ResponseWriter, r *http.Request) {
		s := session.From(r)
		if name, _ := session.Get[string](s, "name"); name != wantName {
			http.Error(w, "no session", http.StatusUnauthorized)
			return
		}
		n, _ := session.Get[int](s, "counter")
		if err := s.Set("counter", n+1); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		// The body is written after the handler returns and the session
		// is saved; a failed save answers 500 instead (ErrorHandler).
		w.Header().Set("X-Counter", strconv.Itoa(n+1))
	})
	return &app{handler: m.Handler(mux), cookie: session.DefaultCookieName, close: func() {}}, nil
}

// scsApp is scs.New with st, through LoadAndSave, as scs's README shows.
func scsApp(st scs.Store) *app {
	sm := scs.New()
	sm.Store = st
	sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) {
		http.Error(w, "session error: "+err.Error(), http.StatusInternalServerError)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/login", func(w http.ResponseWriter, r *http.Request) {
		sm.Put(r.Context(), "name", wantName)
		sm.Put(r.Context(), "counter", 0)
	})
	mux.HandleFunc("/read", func(w http.ResponseWriter, r *http.Request) {
		if sm.GetString(r.Context(), "name") != wantName {
			http.Error(w, "no session", http.StatusUnauthorized)
		}
	})
	mux.HandleFunc("/write", func(w http.ResponseWriter, r *http.Request) {
		if sm.GetString(r.Context(), "name") != wantName {
			http.Error(w, "no session", http.StatusUnauthorized)
			return
		}
		n := sm.GetInt(r.Context(), "counter") + 1
		sm.Put(r.Context(), "counter", n)
		w.Header().Set("X-Counter", strconv.Itoa(n))
	})
	return &app{handler: sm.LoadAndSave(mux), cookie: sm.Cookie.Name, close: func() {}}
}

func setupRedis(ctx context.Context, cfg Config, runID string) (map[string]*app, func(), error) {
	opts, err := redis.ParseURL(cfg.RedisURL)
	if err != nil {
		return nil, nil, err
	}
	opts.ContextTimeoutEnabled = true
	// One client per implementation, same options.
	skClient, scsClient := redis.NewClient(opts), redis.NewClient(opts)
	skTrips, scsTrips := &tripCounter{}, &tripCounter{}
	skClient.AddHook(redisTrips{skTrips})
	scsClient.AddHook(redisTrips{scsTrips})
	closeClients := func() { skClient.Close(); scsClient.Close() }
	if err := skClient.Ping(ctx).Err(); err != nil {
		closeClients()
		return nil, nil, err
	}
	prefix := "sessionkit-load:" + runID + ":"
	st, err := redisstore.New(skClient, redisstore.Options{Prefix: prefix + "sk:"})
	if err != nil {
		closeClients()
		return nil, nil, err
	}
	sk, err := sessionkitApp(st)
	if err != nil {
		closeClients()
		return nil, nil, err
	}
	sk.trips = skTrips
	scs := scsApp(goredisstore.NewWithPrefix(scsClient, prefix+"scs:"))
	scs.trips = scsTrips
	apps := map[string]*app{"sessionkit": sk, "scs": scs}
	cleanup := func() {
		st.Close()
		var keys []string
		iter := skClient.Scan(context.Background(), 0, prefix+"*", 1000).Iterator()
		for iter.Next(context.Background()) {
			keys = append(keys, iter.Val())
		}
		for c := range slices.Chunk(keys, 500) {
			skClient.Del(context.Background(), c...)
		}
		closeClients()
	}
	return apps, cleanup, nil
}

func setupPostgres(ctx context.Context, cfg Config, runID string) (map[string]*app, func(), error) {
	schema := "sessionkit_load_" + runID
	admin, err := pgx.Connect(ctx, cfg.PostgresDSN)
	if err != nil {
		return nil, nil, err
	}
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+pgx.Identifier{schema}.Sanitize()); err != nil {
		admin.Close(ctx)
		return nil, nil, err
	}
	var closers []func()
	cleanup := func() {
		for _, c := range slices.Backward(closers) {
			c()
		}
		if _, err := admin.Exec(context.Background(), "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE"); err != nil {
			fmt.Fprintf(os.Stderr, "load: dropping schema %s: %v\n", schema, err)
		}
		admin.Close(context.Background())
	}
	fail := func(err error) (map[string]*app, func(), error) {
		cleanup()
		return nil, nil, err
	}
	// One pool per implementation, same configuration (pgx's default
	// size), the search path on the run's schema.
	newPool := func(trips *tripCounter) (*pgxpool.Pool, error) {
		pc, err := pgxpool.ParseConfig(cfg.PostgresDSN)
		if err != nil {
			return nil, err
		}
		pc.ConnConfig.RuntimeParams["search_path"] = schema
		pc.ConnConfig.Tracer = pgTrips{trips}
		p, err := pgxpool.NewWithConfig(ctx, pc)
		if err != nil {
			return nil, err
		}
		closers = append(closers, p.Close)
		return p, p.Ping(ctx)
	}
	skTrips, scsTrips := &tripCounter{}, &tripCounter{}
	skPool, err := newPool(skTrips)
	if err != nil {
		return fail(err)
	}
	st, err := pgstore.New(skPool, pgstore.Options{Schema: schema, SweepInterval: -1})
	if err != nil {
		return fail(err)
	}
	closers = append(closers, func() { st.Close() })
	if err := st.Migrate(ctx); err != nil {
		return fail(err)
	}
	sk, err := sessionkitApp(st)
	if err != nil {
		return fail(err)
	}
	sk.trips = skTrips
	scsPool, err := newPool(scsTrips)
	if err != nil {
		return fail(err)
	}
	// The table and index from pgxstore's README, in the run's schema.
	if _, err := scsPool.Exec(ctx, `CREATE TABLE sessions (
		token TEXT PRIMARY KEY,
		data BYTEA NOT NULL,
		expiry TIMESTAMPTZ NOT NULL
	);
	CREATE INDEX sessions_expiry_idx ON sessions (expiry);`); err != nil {
		return fail(err)
	}
	scsStore := pgxstore.NewWithCleanupInterval(scsPool, 0) // no cleanup goroutine, like SweepInterval: -1
	scs := scsApp(scsStore)
	scs.trips = scsTrips
	return map[string]*app{"sessionkit": sk, "scs": scs}, cleanup, nil
}

// target is one implementation served over loopback TCP, with its seeded
// sessions and, for each, the counter the last read+write answer carried.
type target struct {
	base     string
	client   *http.Client
	cookies  []string
	counters []int // by session; each is used by one worker only
	trips    *tripCounter
	close    func()
}

// serve serves a over loopback TCP and seeds cfg.Sessions sessions.
func serve(ctx context.Context, cfg Config, a *app) (*target, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	srv := &http.Server{Handler: a.handler, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	tr := &http.Transport{MaxIdleConns: cfg.Concurrency * 2, MaxIdleConnsPerHost: cfg.Concurrency * 2, IdleConnTimeout: time.Minute}
	t := &target{
		base:     "http://" + ln.Addr().String(),
		client:   &http.Client{Transport: tr, Timeout: 30 * time.Second},
		cookies:  make([]string, cfg.Sessions),
		counters: make([]int, cfg.Sessions),
		trips:    a.trips,
		close:    func() { tr.CloseIdleConnections(); srv.Close() },
	}
	fail := func(err error) (*target, error) {
		t.close()
		return nil, fmt.Errorf("seeding: %w", err)
	}
	for i := range t.cookies {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, t.base+"/login", nil)
		if err != nil {
			return fail(err)
		}
		resp, err := t.client.Do(req)
		if err != nil {
			return fail(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fail(fmt.Errorf("login answered %s", resp.Status))
		}
		for _, c := range resp.Cookies() {
			if c.Name == a.cookie {
				t.cookies[i] = c.Name + "=" + c.Value
			}
		}
		if t.cookies[i] == "" {
			return fail(fmt.Errorf("login set no %q cookie", a.cookie))
		}
	}
	return t, nil
}

// measure runs one case against t for cfg.Duration.
func (t *target) measure(ctx context.Context, cfg Config, c string) slice {
	before, cpu0 := t.trips.load(), processCPU()
	var sl slice
	if c == caseWrite {
		sl = closedLoop(ctx, t.client, t.base+"/write", t.cookies, t.counters, cfg)
	} else {
		sl = closedLoop(ctx, t.client, t.base+"/read", t.cookies, nil, cfg)
	}
	sl.cpu = -1
	if cpu1 := processCPU(); cpu0 >= 0 && cpu1 >= 0 {
		sl.cpu = cpu1 - cpu0
	}
	sl.trips = -1
	if t.trips != nil {
		sl.trips = t.trips.load() - before
	}
	return sl
}

// slice is one stretch of closed-loop load against one implementation.
type slice struct {
	requests, errors int64
	elapsed          time.Duration
	lat              []time.Duration // one per request, unsorted
	cpu              time.Duration   // process CPU used; -1: unknown
	trips            int64           // store round trips; -1: not counted
}

// merge makes one Result of the slices of an implementation in a cell.
func merge(parts []slice) Result {
	r := Result{CPU: -1, Trips: -1}
	var lat []time.Duration
	cpu, trips := time.Duration(0), int64(0)
	cpuKnown, tripsKnown := true, true
	for _, sl := range parts {
		r.Requests += sl.requests
		r.Errors += sl.errors
		r.Elapsed += sl.elapsed
		lat = append(lat, sl.lat...)
		cpu, cpuKnown = cpu+sl.cpu, cpuKnown && sl.cpu >= 0
		trips, tripsKnown = trips+sl.trips, tripsKnown && sl.trips >= 0
	}
	slices.Sort(lat)
	if len(lat) > 0 {
		r.P50 = lat[(len(lat)-1)*50/100]
		r.P99 = lat[(len(lat)-1)*99/100]
	}
	if r.Requests > 0 && cpuKnown && len(parts) > 0 {
		r.CPU = cpu / time.Duration(r.Requests)
	}
	if r.Requests > 0 && tripsKnown && len(parts) > 0 {
		r.Trips = float64(trips) / float64(r.Requests)
	}
	return r
}

// closedLoop runs cfg.Concurrency workers for cfg.Duration, each sending its
// next request when the previous one answered. Worker w uses the sessions
// w, w+C, w+2C, … in turn, so no two workers share a session. With
// counters each answer's X-Counter must be one more than the previous
// one for the session: counters (nil for a read-only case) holds, by
// session, the last value answered (the login set it to 0) and is updated.
func closedLoop(ctx context.Context, client *http.Client, url string, cookies []string, counters []int, cfg Config) slice {
	var requests, errs atomic.Int64
	lat := make([][]time.Duration, cfg.Concurrency)
	start := time.Now()
	deadline := start.Add(cfg.Duration)
	var wg sync.WaitGroup
	for w := range cfg.Concurrency {
		wg.Go(func() {
			var mine []int
			for i := w; i < len(cookies); i += cfg.Concurrency {
				mine = append(mine, i)
			}
			d := make([]time.Duration, 0, 4096)
			for k := 0; time.Now().Before(deadline) && ctx.Err() == nil; k++ {
				idx := mine[k%len(mine)]
				req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
				if err != nil {
					errs.Add(1)
					continue
				}
				req.Header.Set("Cookie", cookies[idx])
				t0 := time.Now()
				resp, err := client.Do(req)
				if err == nil {
					_, err = io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
				d = append(d, time.Since(t0))
				requests.Add(1)
				switch {
				case err != nil, resp.StatusCode != http.StatusOK:
					errs.Add(1)
				case counters != nil:
					got, _ := strconv.Atoi(resp.Header.Get("X-Counter"))
					if got != counters[idx]+1 {
						errs.Add(1)
					}
					counters[idx] = got
				}
			}
			lat[w] = d
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	return slice{requests: requests.Load(), errors: errs.Load(), elapsed: elapsed, lat: slices.Concat(lat...)}
}
