#!/usr/bin/env bash
# The main job on built-in defaults: installs what is missing, builds, and
# runs the demo (install a synthetic wheel, hit the cache, refresh, prune,
# check), narrating each step. Extra arguments go to `cache-actor demo`
# (e.g. --profile uv-0.8.18 --keep).
set -euo pipefail
cd "$(dirname "$0")/.."
ci/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default --target cache-actor
exec build/default/pruner/cache-actor demo "$@"
