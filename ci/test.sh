#!/usr/bin/env bash
# The test command: installs what is missing, builds the default preset and
# runs the whole ctest suite. Extra arguments go to ctest (e.g. -L unit).
set -euo pipefail
cd "$(dirname "$0")/.."
ci/install-deps.sh
cmake --preset default
cmake --build --preset default
ctest --preset default "$@"
