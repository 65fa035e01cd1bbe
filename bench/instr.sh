#!/usr/bin/env bash
# Instructions per iteration of benchmarks, counted by valgrind (cachegrind
# without cache simulation): the same figure on a busy or an idle machine.
# A benchmark runs twice, N1 and N2 iterations (-benchtime=Nx); the figure is
# (I(N2) - I(N1)) / (N2 - N1), which cancels start-up and set-up. Net figures
# subtract the same case's baseline (cmd/ratio's convention).
#
#   ./instr.sh                                  # the default list below
#   ./instr.sh 'Middleware/readwrite-2KB/scs$'  # one benchmark (-bench regexp, one match)
#
# Environment: N1 (default 200), N2 (default 1200).
set -euo pipefail
cd "$(dirname "$0")"
N1=${N1:-200}
N2=${N2:-1200}
mkdir -p results
bin=results/bench.test
go test -c -o "$bin" .
command -v valgrind >/dev/null || { echo "instr.sh: valgrind is not installed (apt-get install valgrind)" >&2; exit 1; }

count() { # count REGEXP N -> total instructions
  local out
  out=$(mktemp)
  valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \
    "$bin" -test.run='^$' -test.bench="$1" -test.benchtime="$2x" -test.count=1 -test.cpu=1 >/dev/null 2>"$out"
  sed -n 's/.*I *refs: *//p' "$out" | tr -d ,
  rm -f "$out"
}

if [ $# -eq 0 ]; then
  set -- \
    'CryptoFloor$' \
    'Middleware/readonly/(baseline|sessionkit|gorilla|scs)$' \
    'Middleware/readwrite/(baseline|sessionkit|gorilla|scs)$' \
    'Middleware/readwrite-2KB/(baseline|sessionkit|gorilla|scs)$'
fi
printf '| benchmark | instructions/op |\n|---|---:|\n'
for re in "$@"; do
  case $re in
    */*)
      top=${re%%/*}; rest=${re#*/}; mid=${rest%%/*}; leaf=${rest#*/}
      leaf=${leaf#(}; leaf=${leaf%)\$}; leaf=${leaf%\$}
      IFS='|' read -r -a leaves <<<"$leaf"
      for l in "${leaves[@]}"; do
        name="$top\$/^$mid\$/^$l\$"
        i1=$(count "$name" "$N1"); i2=$(count "$name" "$N2")
        printf '| %s | %d |\n' "$top/$mid/$l" $(((i2 - i1) / (N2 - N1)))
      done ;;
    *)
      i1=$(count "$re" "$N1"); i2=$(count "$re" "$N2")
      printf '| %s | %d |\n' "${re%\$}" $(((i2 - i1) / (N2 - N1))) ;;
  esac
done
