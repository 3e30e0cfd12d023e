#!/usr/bin/env bash
# ci/stress.sh [SECONDS] [SEED]
#
# A time-bounded free-mode stress run: reference installer, reader,
# refresher and pruner all at once, round after round over one cache, with
# seeded delay noise at every yield point and an inotify watcher on
# archive-v0. Starts no new round after SECONDS (default 60), then prints a
# summary (rounds, actor runs, rate, violations by invariant) and exits as
# prunecheck did: 0 pass, 1 violation, 2 bad input, 4 harness error.
#
# Environment: PRESET (default `default`; `tsan`/`asan` stress sanitized
# actors), MAX_DELAY_US (default 2000), ARTIFACT_DIR (a failing run's
# directory is kept here; default build/ci-artifacts/stress).
set -euo pipefail
seconds="${1:-60}"
seed="${2:-1}"
case "$seconds$seed" in *[!0-9]*) echo "usage: ci/stress.sh [SECONDS] [SEED] (whole numbers)" >&2; exit 2 ;; esac
cd "$(dirname "$0")/.."
ci/install-deps.sh
preset="${PRESET:-default}"
artifacts="${ARTIFACT_DIR:-build/ci-artifacts/stress}"
mkdir -p "$artifacts"
cmake --preset "$preset" >/dev/null
cmake --build --preset "$preset" --target prunecheck cache-actor
json="$artifacts/stress-seed$seed.json"
set +e
"build/$preset/harness/prunecheck" stress --installer reference --reader reference --refresher reference \
    --pruner reference --duration "$seconds" --seed "$seed" --max-delay-us "${MAX_DELAY_US:-2000}" \
    --base-dir "$artifacts" --json "$json"
rc=$?
set -e
if [ -f "$json" ]; then
  python3 - "$json" <<'PY'
import collections, json, sys
r = json.load(open(sys.argv[1]))
by = collections.Counter(v["invariant"] for v in r["violations"])
rate = r["rounds"] / r["seconds"] if r["seconds"] > 0 else 0.0
print(f"stress summary: {r['verdict']}, seed {r['seed']}: {r['rounds']} rounds, {r['actor_runs']} actor runs "
      f"in {r['seconds']:.1f} s ({rate:.1f} rounds/s); violations: "
      + (", ".join(f"{k} x{n}" for k, n in sorted(by.items())) or "none"))
PY
  [ "$rc" -eq 0 ] && rm -f "$json"
fi
exit "$rc"
