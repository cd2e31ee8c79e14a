#!/usr/bin/env bash
# What HotpathFluent adds to a Fluent query, three ways, three runs each:
#  - RESULT-PARTS: each step of a capture alone (describe the statement, record it, find the
#    query's and the handle's call sites), median of 9 rounds of 20,000: the capture's own work.
#  - fluent-null: the whole wrapper on a database that answers at once (User.find through
#    Fluent, each query taking its database as req.db does), 200,000 queries plain, then wrapped.
#  - RESULT: User.find on in-memory SQLite, plain vs wrapped inside a request, 21 alternating
#    rounds of 2,000, median of the paired differences (dominated by SQLite's thread-pool hops:
#    a query takes about 280 µs here, and the run-to-run noise is ±10 µs).
#
# Usage: Benchmarks/fluent-capture.sh   or   HOTPATH_BENCH_BIN=path/to/hotpath-bench Benchmarks/fluent-capture.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/lib.sh
BENCH=$(bench_bin)
for run in 1 2 3; do
  "$BENCH" fluent-null plain
  "$BENCH" fluent-null
done
for run in 1 2 3; do "$BENCH" fluent | grep -E "RESULT|call site"; done
