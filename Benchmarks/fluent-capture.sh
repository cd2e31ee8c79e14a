#!/usr/bin/env bash
# What HotpathFluent adds to a Fluent query (User.find through Fluent inside a request, each
# query taking its database as req.db does), three runs of each:
#  - fluent-pinned: on a database that answers at once (NullDatabase), the task pinned to the
#    database's event loop, so every query runs on one thread and costs its CPU work only;
#    21 alternating rounds of 20,000 plain / captured / captured without call sites / wrapped
#    but outside a request; the median of the paired differences. The headline figure.
#  - fluent: the same on the default executor (wall and process CPU: each query then wakes the
#    loop and the task pool, and those wake-ups dominate and blur the difference), each part of
#    a capture alone (RESULT-PARTS), and in-memory SQLite (about 300-500 µs a query here, as
#    FluentSQLiteDriver hops to its thread pool; run-to-run noise ±10 µs).
#
# Usage: Benchmarks/fluent-capture.sh   or   HOTPATH_BENCH_BIN=path/to/hotpath-bench Benchmarks/fluent-capture.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/lib.sh
BENCH=$(bench_bin)
for run in 1 2 3; do "$BENCH" fluent-pinned; done
for run in 1 2 3; do "$BENCH" fluent | grep -E "RESULT|call site"; done
