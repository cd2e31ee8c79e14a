#!/usr/bin/env bash
# What HotpathSQLDatabase adds to a query: the same point lookup on in-memory SQLite, plain
# and captured inside a request, in 21 alternating rounds of 2,000 queries; prints the
# median per-query time of each, the median of the paired differences, and the part of it
# that finding the call site costs (against a wrapper with call-site capture off). Three runs.
#
# Usage: Benchmarks/sql-capture.sh   or   HOTPATH_BENCH_BIN=path/to/hotpath-bench Benchmarks/sql-capture.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/lib.sh
BENCH=$(bench_bin)
for run in 1 2 3; do "$BENCH" sql | grep -E "RESULT|call site"; done
