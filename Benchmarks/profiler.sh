#!/usr/bin/env bash
# The sampling profiler, measured: its overhead on a CPU-bound workload (11 alternating rounds
# of ~1 s with the profiler off and on, every thread at 1 ms; three runs), the time to stop and
# symbolicate a 10 s profile, its call tree, and `perf record -g` on the same workload as the
# reference (Debian's linux-perf; needs kernel.perf_event_paranoid <= 1 or root).
#
# Usage: Benchmarks/profiler.sh   or   HOTPATH_BENCH_BIN=path/to/hotpath-bench Benchmarks/profiler.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/lib.sh
BENCH=$(bench_bin)

echo "== overhead (three runs)"
for run in 1 2 3; do "$BENCH" profiler | grep RESULT; done

echo "== a 10 s profile: stop + symbolication time, and the tree"
"$BENCH" profile-tree 10

echo "== perf record -g on the same workload (reference)"
need_packages linux-perf
PERF_DATA=$(mktemp /tmp/hotpath-perf.XXXXXX)
perf record -F 997 -g -o "$PERF_DATA" "$BENCH" workload 10 >/dev/null 2>&1
perf report -i "$PERF_DATA" --stdio --no-children --sort symbol 2>/dev/null | grep -E '^ +[0-9.]+%' | head -15
echo "-- with children (inclusive), the workload's functions:"
perf report -i "$PERF_DATA" --stdio --children --sort symbol 2>/dev/null | grep -E '^ +[0-9.]+%' | grep -E 'Workload' | head -8
rm -f "$PERF_DATA"
