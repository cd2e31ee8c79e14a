#!/usr/bin/env bash
# What recording an outbound call costs: recordCall (URL split and hash, URL words,
# attributes, the event) and the scan of a 2 KB JSON response body for words, per call,
# measured without the network over 100,000 calls; and the recorder's finish per request of
# 10 such calls. Three runs.
#
# Usage: Benchmarks/http-capture.sh   or   HOTPATH_BENCH_BIN=path/to/hotpath-bench Benchmarks/http-capture.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source Benchmarks/lib.sh
BENCH=$(bench_bin)
for run in 1 2 3; do "$BENCH" http | grep RESULT; done
