#!/usr/bin/env bash
# The main job on built-in defaults: installs what is missing, builds, and
# runs `prunecheck matrix` — every client profile x every pruner profile,
# explored (300 PCT schedules per cell, in memory, one worker per core) — and
# prints which versions are safe together on one cache. Each unsafe cell's
# minimal failing schedule is saved under prunecheck-matrix/ as a scenario
# file (`prunecheck run FILE` reproduces it). Extra arguments go to
# `prunecheck matrix` (e.g. --schedules 1000 --json matrix.json).
set -euo pipefail
cd "$(dirname "$0")/.."
ci/install-deps.sh
cmake --preset default >/dev/null
cmake --build --preset default --target prunecheck
exec build/default/harness/prunecheck matrix "$@"
