#!/usr/bin/env bash
# ci/bench.sh [BENCHMARK ARGS...]
#
# Builds the default preset's benchmarks and runs them side by side in one
# process: medians of 5 repetitions (this machine is noisy; quote medians
# and ratios from one run). Writes the JSON to build/ci-artifacts/bench.json.
# Extra arguments go to the benchmark binary (e.g. --benchmark_filter=InMemory).
# See bench/README.md for what each benchmark measures and the targets.
set -euo pipefail
cd "$(dirname "$0")/.."
ci/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default --target schedules_bench
mkdir -p build/ci-artifacts
build/default/bench/schedules_bench --benchmark_repetitions=5 --benchmark_enable_random_interleaving=true \
    --benchmark_report_aggregates_only=true \
    --benchmark_out=build/ci-artifacts/bench.json "$@"
