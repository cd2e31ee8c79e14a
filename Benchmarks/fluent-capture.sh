#!/usr/bin/env bash
# What HotpathFluent adds to a Fluent query: User.find on in-memory SQLite through a plain and a
# wrapped configuration, inside a request, in 21 alternating rounds of 2,000 queries; prints the
# median per-query time of each and the median of the paired differences. Three runs.
#
# Usage: Benchmarks/fluent-capture.sh   or   HOTPATH_BENCH_BIN=path/to/hotpath-bench Benchmarks/fluent-capture.sh
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -n "${HOTPATH_BENCH_BIN:-}" ]; then
  BENCH=$HOTPATH_BENCH_BIN
else
  swift build -c release --product hotpath-bench >&2
  BENCH="$(swift build -c release --show-bin-path)/hotpath-bench"
fi
for run in 1 2 3; do "$BENCH" fluent | grep -E "RESULT|call site"; done
