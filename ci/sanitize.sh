#!/usr/bin/env bash
# ci/sanitize.sh tsan|asan [CTEST ARGS...]
#
# Builds the preset (every project binary instrumented, cache-actor included:
# the actors the harness spawns are checked too), runs the whole ctest suite
# under it, then a short controlled exploration with random kills through
# sanitized actors: pooled `cache-actor serve` processes, fresh processes,
# and the fiber transport inside the sanitized prunecheck. Any sanitizer
# report from an actor fails its run (`[sanitizer]`, harness/README.md); a
# report from prunecheck or a test binary fails it directly. Last, it checks
# that the planted bug of this preset (pruner/actor/sanitizer_hooks.h) is
# reported through the prunecheck CLI naming the actor.
#
# Environment: EXPLORE_SEED (first seed, default 1), EXPLORE_RUNS (runs per
# transport, default 40), ARTIFACT_DIR (kept run directories and traces of
# failures, default build/ci-artifacts/<preset>).
set -euo pipefail
preset="${1:-}"
case "$preset" in
  tsan) planted=data-race; expected='ThreadSanitizer: data race' ;;
  asan) planted=heap-overflow; expected='AddressSanitizer: heap-buffer-overflow' ;;
  *) echo "usage: ci/sanitize.sh tsan|asan [ctest args...]" >&2; exit 2 ;;
esac
shift
cd "$(dirname "$0")/.."
ci/install-deps.sh
seed="${EXPLORE_SEED:-1}"
runs="${EXPLORE_RUNS:-40}"
artifacts="${ARTIFACT_DIR:-build/ci-artifacts/$preset}"
mkdir -p "$artifacts"
artifacts="$(cd "$artifacts" && pwd)"

t0=$(date +%s)
cmake --preset "$preset"
cmake --build --preset "$preset"
t1=$(date +%s)
# The black-box example sweep (label blackbox) is left out: it explores bash
# scripts for minutes, and under a sanitizer the harness is slow enough that
# its timing margins (a black box's start-up, "asleep for 20 ms means
# blocked") decide verdicts, not the code under test. The syscall actor's
# own tests (label unit) and every bb-* scenario still run here.
ctest --preset "$preset" --output-on-failure -LE blackbox "$@"
t2=$(date +%s)

P="build/$preset/harness/prunecheck"
PRESET="$preset" PRUNECHECK_SKIP_BUILD=1 EXPLORE_SEED="$seed" ARTIFACT_DIR="$artifacts" ci/explore.sh "$runs"
t3=$(date +%s)

echo "== sanitize $preset: the planted $planted must be reported through the harness, naming the actor"
out="$artifacts/planted-$planted.txt"
mkdir -p "$artifacts/planted"
set +e
PRUNECHECK_PLANT_BUG="installer:$planted" "$P" explore --installer reference --pruner reference \
    --runs 1 --seed "$seed" --no-minimize --base-dir "$artifacts/planted" >"$out" 2>&1
rc=$?
set -e
if [ "$rc" -ne 1 ] || ! grep -q "\[sanitizer\] actor installer (pid [0-9]*): $expected" "$out"; then
  cat "$out"
  echo "sanitize $preset: FAIL: the planted $planted was not reported as [sanitizer] naming actor installer (exit $rc)" >&2
  exit 1
fi
grep -A3 '\[sanitizer\]' "$out"
rm -rf "$artifacts/planted" "$out"
t4=$(date +%s)
echo "sanitize $preset: PASS, zero sanitizer reports (build $((t1 - t0)) s, ctest $((t2 - t1)) s, explore $((t3 - t2)) s, planted $((t4 - t3)) s)"
