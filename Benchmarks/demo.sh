#!/usr/bin/env bash
# The figures of `hotpath demo`: how long it takes end to end, and each SlowShop endpoint's
# p95 before and after its fix, as the median of RUNS demos (default 3).
#
#   Benchmarks/demo.sh            # full demo, 3 runs
#   RUNS=5 QUICK=1 Benchmarks/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/lib.sh

RUNS=${RUNS:-3}
BIN=$(hotpath_bin)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
extra=()
[ -n "${QUICK:-}" ] && extra+=(--quick)

for run in $(seq 1 "$RUNS"); do
  start=$(date +%s.%N)
  "$BIN" demo "${extra[@]}" -o "$WORK/report-$run.html" --json "$WORK/before-$run.json" --json-after "$WORK/after-$run.json" > "$WORK/demo-$run.log"
  end=$(date +%s.%N)
  echo "run $run: $(python3 -c "print(f'{$end - $start:.1f}')") s" >&2
  echo "$end - $start" | bc -l > "$WORK/time-$run"
done

python3 - "$WORK" "$RUNS" <<'PY'
import json, statistics, sys
work, runs = sys.argv[1], int(sys.argv[2])
times = [float(open(f"{work}/time-{r}").read()) for r in range(1, runs + 1)]
print(f"hotpath demo end to end: median {statistics.median(times):.1f} s over {runs} runs ({', '.join(f'{t:.1f}' for t in times)})")
def p95s(path):
    d = json.load(open(path))
    return {f"{e['method']} {e['route']}": (e['load']['latency']['percentiles_ms']['p95'], e['bytes_per_response']) for e in d['endpoints']}
before = [p95s(f"{work}/before-{r}.json") for r in range(1, runs + 1)]
after = [p95s(f"{work}/after-{r}.json") for r in range(1, runs + 1)]
order = [f"{e['method']} {e['route']}" for e in json.load(open(f"{work}/before-1.json"))['endpoints']]
print(f"{'endpoint':24} {'p95 before':>11} {'p95 after':>10} {'change':>8}   runs (before → after, ms)")
for name in order:
    b = [x[name][0] for x in before if name in x]
    a = [x[name][0] for x in after if name in x]
    mb, ma = statistics.median(b), statistics.median(a)
    pairs = ", ".join(f"{x:.1f}→{y:.1f}" for x, y in zip(b, a))
    print(f"{name:24} {mb:9.1f} ms {ma:7.1f} ms {100 * (ma / mb - 1):+7.1f}%   {pairs}")
bytes_before = statistics.median([x["GET /catalog/export"][1] for x in before])
bytes_after = statistics.median([x["GET /catalog/export"][1] for x in after])
print(f"GET /catalog/export bytes per response: {bytes_before:.0f} → {bytes_after:.0f}")
PY
