#!/usr/bin/env bash
# Instructions per iteration of benchmarks, counted by valgrind (cachegrind
# without cache simulation): the same figure on a busy or an idle machine.
# A benchmark runs twice, N1 and N2 iterations (-benchtime=Nx); the figure is
# (I(N2) - I(N1)) / (N2 - N1), which cancels start-up and set-up. Net figures
# subtract the same case's baseline (cmd/ratio's convention): a group
# Top/case/(a|b|...)$ that lists baseline gets a net column.
#
#   ./instr.sh                                  # the default list below
#   ./instr.sh 'Middleware/readwrite-2KB/scs$'  # one benchmark (-bench regexp, one match)
#   ./instr.sh 'SessionSize/1KB/(baseline|sessionkit|gorilla|scs)$' 'CryptoFloor$'
#   ./instr.sh -f size.list                     # regexps from a file, one a line ('#' starts a comment)
#   ./instr.sh -f -                             # ... from standard input
#
# A benchmark that skips (BenchmarkSessionSize's refused sizes) is a row
# "skipped: <its message>", not a figure.
#
# Environment: N1 (default 200), N2 (default 1200).
set -euo pipefail
N1=${N1:-200}
N2=${N2:-1200}

args=()
while [ $# -gt 0 ]; do
  case $1 in
    -f)
      [ $# -ge 2 ] || { echo "instr.sh: -f needs a file" >&2; exit 2; }
      while IFS= read -r line || [ -n "$line" ]; do
        line=${line%%#*}
        line=$(printf '%s' "$line" | tr -d '[:space:]')
        [ -n "$line" ] && args+=("$line")
      done < <(if [ "$2" = - ]; then cat; else cat -- "$2"; fi)
      shift 2 ;;
    *) args+=("$1"); shift ;;
  esac
done

cd "$(dirname "$0")"
mkdir -p results
bin=results/bench.test
go test -c -o "$bin" .
command -v valgrind >/dev/null || { echo "instr.sh: valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }

# count REGEXP N: sets instr to the total instructions of the run, and
# skipped to the benchmark's message if it skipped ("" otherwise).
instr=0
skipped=""
count() {
  local out log
  out=$(mktemp)
  log=$(mktemp)
  valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
    "$bin" -test.run='^$' -test.bench="$1" -test.benchtime="$2x" -test.count=1 -test.cpu=1 -test.v >"$log" 2>"$out"
  skipped=""
  if grep -q -- '--- SKIP' "$log"; then
    skipped=$(grep -B1 -- '--- SKIP' "$log" | head -n1 | sed 's/^ *[a-z_]*\.go:[0-9]*: //')
  fi
  if ! grep -q '^Benchmark.*ns/op' "$log" && [ -z "$skipped" ]; then
    echo "instr.sh: $1 ran no benchmark:" >&2
    cat "$log" >&2
    rm -f "$out" "$log"
    return 1
  fi
  instr=$(sed -n 's/.*I *refs: *//p' "$out" | tr -d ,)
  rm -f "$out" "$log"
  [ -n "$instr" ] || { echo "instr.sh: valgrind reported no instruction count for $1" >&2; return 1; }
}

if [ ${#args[@]} -eq 0 ]; then
  args=(
    'CryptoFloor$'
    'Middleware/readonly/(baseline|sessionkit|gorilla|scs)$'
    'Middleware/readwrite/(baseline|sessionkit|gorilla|scs)$'
    'Middleware/readwrite-2KB/(baseline|sessionkit|gorilla|scs)$'
  )
fi
printf '| benchmark | instructions/op | net of baseline |\n|---|---:|---:|\n'
for re in "${args[@]}"; do
  case $re in
    */*)
      top=${re%%/*}; rest=${re#*/}; mid=${rest%%/*}; leaf=${rest#*/}
      leaf=${leaf#(}; leaf=${leaf%)\$}; leaf=${leaf%\$}
      IFS='|' read -r -a leaves <<<"$leaf"
      base=""
      for l in "${leaves[@]}"; do
        name="$top\$/^$mid\$/^$l\$"
        count "$name" "$N1"; i1=$instr
        if [ -n "$skipped" ]; then
          printf '| %s | skipped: %s | |\n' "$top/$mid/$l" "$skipped"
          continue
        fi
        count "$name" "$N2"; i2=$instr
        per=$(((i2 - i1) / (N2 - N1)))
        net=""
        if [ "$l" = baseline ]; then
          base=$per
        elif [ -n "$base" ]; then
          net=$((per - base))
        fi
        printf '| %s | %d | %s |\n' "$top/$mid/$l" "$per" "$net"
      done ;;
    *)
      count "$re" "$N1"; i1=$instr
      if [ -n "$skipped" ]; then
        printf '| %s | skipped: %s | |\n' "${re%\$}" "$skipped"
        continue
      fi
      count "$re" "$N2"; i2=$instr
      printf '| %s | %d | |\n' "${re%\$}" $(((i2 - i1) / (N2 - N1))) ;;
  esac
done
