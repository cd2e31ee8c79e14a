#!/usr/bin/env bash
# What HotpathFluent adds to a Fluent query: User.find on in-memory SQLite through a plain and a
# wrapped configuration, inside a request, in 21 alternating rounds of 2,000 queries; prints the
# median per-query time of each and the median of the paired differences. Three runs.
#
# Usage: Benchmarks/fluent-capture.sh   or   HOTPATH_BENCH_BIN=path/to/hotpath-bench Benchmarks/fluent-capture.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/lib.sh
BENCH=$(bench_bin)
for run in 1 2 3; do "$BENCH" fluent | grep -E "RESULT|call site"; done
