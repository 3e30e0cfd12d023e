#!/usr/bin/env bash
# ci/explore.sh [RUNS] [SHARD]
#
# A controlled exploration with random kills over reference actors
# (installer, reader, refresher, pruner): RUNS schedules (default 40) per
# transport — pooled `cache-actor serve` processes, fresh processes, and
# fibers in one process — seeds from EXPLORE_SEED (default 1). SHARD is I/N
# (default 0/1): this machine runs the I-th of N equal parts of the seeds, so
# N CI jobs together run every one of them once (with prunecheck's --shard
# when it has one, else as a seed range). Exits as prunecheck does: 0 pass,
# 1 violation (its run directory and trace are kept), 2 bad input, 4 error.
#
# Two workers (--jobs; EXPLORE_JOBS to change it), so a sanitized prunecheck
# has its worker threads checked too.
#
# Environment: PRESET (default `default`; ci/sanitize.sh passes tsan/asan),
# EXPLORE_SEED, ARTIFACT_DIR (where failing runs are kept; default
# build/ci-artifacts/explore).
set -euo pipefail
runs="${1:-40}"
shard="${2:-0/1}"
if ! [[ "$runs" =~ ^[1-9][0-9]*$ && "$shard" =~ ^([0-9]+)/([1-9][0-9]*)$ ]] || (( BASH_REMATCH[1] >= BASH_REMATCH[2] )); then
  echo "usage: ci/explore.sh [RUNS] [I/N] (RUNS > 0, 0 <= I < N)" >&2
  exit 2
fi
index="${BASH_REMATCH[1]}" count="${BASH_REMATCH[2]}"
cd "$(dirname "$0")/.."
preset="${PRESET:-default}"
seed="${EXPLORE_SEED:-1}"
artifacts="${ARTIFACT_DIR:-build/ci-artifacts/explore}"
mkdir -p "$artifacts"
if [ -z "${PRUNECHECK_SKIP_BUILD:-}" ]; then
  ci/install-deps.sh
  cmake --preset "$preset" >/dev/null
  cmake --build --preset "$preset" --target prunecheck cache-actor
fi
P="build/$preset/harness/prunecheck"
part=(--runs "$runs" --seed "$seed")
if "$P" explore --help 2>/dev/null | grep -q -- '--shard'; then
  part+=(--shard "$index/$count")
else  # seed ranges: the I-th of N consecutive slices of [seed, seed + runs)
  per=$(( (runs + count - 1) / count ))
  first=$(( index * per ))
  (( first < runs )) || { echo "explore: shard $shard has no seeds"; exit 0; }
  part=(--runs $(( runs - first < per ? runs - first : per )) --seed $(( seed + first )))
fi
for transport in pooled fresh thread; do
  case "$transport" in
    pooled) extra=() ;;
    fresh) extra=(--fresh-processes) ;;
    thread) extra=(--transport thread) ;;
  esac
  echo "== explore ($preset, $transport, shard $shard): ${part[*]}"
  "$P" explore --installer reference --reader reference --refresher reference --pruner reference \
      --strategy random --kill-prob 0.05 --jobs "${EXPLORE_JOBS:-2}" --base-dir "$artifacts" "${part[@]}" "${extra[@]}"
done
