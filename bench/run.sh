#!/usr/bin/env bash
# Runs the side-by-side benchmarks interleaved: the test binary is built once,
# then every benchmark runs once per round, COUNT rounds, so that drift in the
# machine's load spreads over all implementations alike instead of landing on
# whichever ran last. Raw output goes to results/bench-<time>.txt (and
# results/latest.txt); then benchstat's table and cmd/ratio's net overheads,
# ratios and targets are printed.
#
#   ./run.sh                  # COUNT=10 rounds of 1 s per benchmark
#   COUNT=6 ./run.sh
#   BENCH='Middleware/readwrite/' COUNT=3 ./run.sh
#
# Environment: COUNT (rounds, default 10), BENCHTIME (-benchtime, default 1s),
# BENCH (-bench regexp, default all benchmarks of the module).
set -euo pipefail
cd "$(dirname "$0")"

COUNT="${COUNT:-10}"
BENCHTIME="${BENCHTIME:-1s}"
BENCH="${BENCH:-.}"

mkdir -p results
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
raw="results/bench-${stamp}.txt"
bin="results/bench.test"

log() { printf '== %s\n' "$*" >&2; }

load() { cut -d' ' -f1-3 /proc/loadavg; }

log "building the test binary and benchstat"
go test -c -o "$bin" .
go build -o results/benchstat golang.org/x/perf/cmd/benchstat
go build -o results/ratio ./cmd/ratio

cpu="$(grep -m1 '^model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//' || true)"
{
  # Comment lines: benchstat ignores them (a "key: value" line would split its tables).
  echo "# sessionkit bench, $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(go version)"
  echo "# nproc $(nproc), CPU ${cpu:-unknown}, COUNT=${COUNT} BENCHTIME=${BENCHTIME} BENCH=${BENCH}"
  echo "# load average at start: $(load)"
} >"$raw"
log "load average (1, 5, 15 min): $(load) on $(nproc) cores"

for i in $(seq 1 "$COUNT"); do
  log "round $i/$COUNT (load $(load))"
  echo "# round $i/$COUNT, load average $(load)" >>"$raw"
  "./$bin" -test.run '^$' -test.bench "$BENCH" -test.benchmem -test.count 1 \
    -test.benchtime "$BENCHTIME" >>"$raw"
done
echo "# load average at end: $(load)" >>"$raw"
cp "$raw" results/latest.txt

log "raw output: bench/$raw (also bench/results/latest.txt)"
grep '^# ' "$raw"
echo
./results/benchstat "$raw"
echo
./results/ratio "$raw"
