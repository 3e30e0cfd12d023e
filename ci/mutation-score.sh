#!/usr/bin/env bash
# Mutation score: explores every built-in mutant's story with random and PCT
# search under seeds 1..5 (500 schedules each, in memory) and writes the JSON
# report (median schedules-to-kill per strategy) to mutation-score.json, or to
# the file given as the first argument. Exit 0 iff every mutant is killed.
# Further arguments go to `prunecheck mutation-score`.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-mutation-score.json}"
shift || true
ci/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default --target prunecheck
exec build/default/harness/prunecheck mutation-score scenarios --strategies random,pct:3 --seeds 5 --budget 500 \
    --json "$out" "$@"
