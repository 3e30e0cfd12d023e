#!/usr/bin/env bash
# The fuzzing self-check (ctest fuzz_planted_follow_symlinks_found, in the
# fuzz-planted preset only): runs a libFuzzer target from an EMPTY corpus for
# at most SECONDS and passes only if it crashes with a message matching
# PATTERN — i.e. the fuzzer finds the planted bug on its own, in time.
#
#   fuzz/expect_finding.sh FUZZER SECONDS PATTERN
set -uo pipefail
fuzzer="${1:?fuzzer}" seconds="${2:?seconds}" pattern="${3:?pattern}"
work=$(mktemp -d "${TMPDIR:-/tmp}/prunecheck-selfcheck-XXXXXX") || exit 2
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
start=$(date +%s)
"$fuzzer" -max_total_time="$seconds" -timeout=10 -seed=1 -artifact_prefix="$work/" "$work/corpus" > "$work/log" 2>&1
status=$?
elapsed=$(( $(date +%s) - start ))
if [ "$status" -eq 0 ]; then
  echo "expect_finding: $fuzzer ran ${elapsed}s without a finding; the planted bug went unnoticed" >&2
  tail -n 5 "$work/log" >&2
  exit 1
fi
if ! grep -Eq "$pattern" "$work/log"; then
  echo "expect_finding: $fuzzer failed (exit $status) but not with /$pattern/:" >&2
  tail -n 30 "$work/log" >&2
  exit 1
fi
echo "expect_finding: found after ${elapsed}s, $(grep -Eo 'stat::number_of_executed_units: *[0-9]+|#[0-9]+' "$work/log" | tail -1) runs:"
grep -E "$pattern" "$work/log" | head -3
exit 0
