#!/usr/bin/env bash
# The acceptance sweep of issue 8: every example black box in this folder,
# explored exactly as a user would run their own (default flags), against
# installer, reader and refresher actors of each profile given. Each example
# states its verdict in its header:
#
#   # Expected verdict: no-in-use-removal or no-dangling-reference (...)
#
# `pass` for the correct one; otherwise every violation the exploration
# reports must be one of the invariants listed (the first one named is the
# bug's own; "or" lists the others the same bug may show first under
# another schedule). Installers (a name ending in _installer) get
# `{cache} {wheel}`, everything else `{cache}`; *.py runs under python3.
#
# Usage: harness/examples/sweep.sh [--prunecheck P] [--profiles LIST] [--runs-pass N] [--quick] [EXAMPLE...]
#   --profiles   comma-separated actor profiles (default: uv-0.8.19,reference)
#   --runs-pass  schedules for the correct example (default: explore's own default)
#   --quick      --no-minimize for the buggy ones (the verdict is the same;
#                minimizing only shortens the schedule it prints)
# Run from the source root. Exit 0 iff every example got its verdict.
set -u
cd "$(dirname "$0")/../.." || exit 2
prunecheck=${PRUNECHECK_BINARY:-build/default/harness/prunecheck}
profiles=uv-0.8.19,reference
runs_pass=
quick=0
while (($#)); do
  case $1 in
    --prunecheck) prunecheck=$2; shift 2 ;;
    --profiles) profiles=$2; shift 2 ;;
    --runs-pass) runs_pass=$2; shift 2 ;;
    --quick) quick=1; shift ;;
    --*) echo "sweep.sh: unknown option $1" >&2; exit 2 ;;
    *) break ;;
  esac
done
[[ -x $prunecheck ]] || { echo "sweep.sh: $prunecheck is not an executable (build first, or --prunecheck)" >&2; exit 2; }
if (($# == 0)); then
  set -- harness/examples/lock_respecting_pruner.sh harness/examples/buggy_*
fi
work=$(mktemp -d "${TMPDIR:-/tmp}/prunecheck-sweep-XXXXXX") || exit 2
trap 'rm -rf -- "$work"' EXIT

failed=0
IFS=, read -r -a profile_list <<<"$profiles"
for example in "$@"; do
  [[ -f $example ]] || { echo "sweep.sh: no such example: $example" >&2; exit 2; }
  expected=$(sed -n 's/^\(# \)\{0,1\}Expected verdict: \([a-z -]*[a-z]\).*/\2/p' "$example" | head -1)
  expected=${expected// or /,}
  [[ -n $expected ]] || { echo "sweep.sh: $example has no '# Expected verdict:' line" >&2; exit 2; }
  name=${example##*/}
  case $name in
    *.py) cmd="python3 $example" ;;
    *) cmd="bash $example" ;;
  esac
  case ${name%.*} in
    *_installer) cmd+=" {cache} {wheel}" ;;
    *) cmd+=" {cache}" ;;
  esac
  for profile in "${profile_list[@]}"; do
    extra=()
    if [[ $expected == pass ]]; then
      [[ -z $runs_pass ]] || extra+=(--runs "$runs_pass")
    elif ((quick)); then
      extra+=(--no-minimize)
    fi
    out=$work/out
    start=$SECONDS
    "$prunecheck" explore --installer "$profile" --reader "$profile" --refresher "$profile" \
      --black-box "$cmd" "${extra[@]}" >"$out" 2>&1
    rc=$?
    took=$((SECONDS - start))
    seen=$(sed -n 's/^  \[\([a-z-]*\)\].*/\1/p' "$out" | sort -u | paste -sd, -)
    runs=$(sed -n 's/^prunecheck explore: \([0-9]*\) runs in.*/\1/p' "$out" | tail -1)
    verdict=ok
    if [[ $expected == pass ]]; then
      ((rc == 0)) || verdict=WRONG
    elif ((rc != 1)) || [[ -z $seen ]]; then
      verdict=WRONG
    else
      IFS=, read -r -a seen_list <<<"$seen"
      for inv in "${seen_list[@]}"; do
        [[ ,$expected, == *,"$inv",* ]] || verdict=WRONG
      done
    fi
    printf '%-5s %-36s %-10s expected %-44s got %-44s (exit %d, %s runs, %d s)\n' "$verdict" "$name" "$profile" \
      "$expected" "${seen:-pass}" "$rc" "${runs:-?}" "$took"
    if [[ $verdict != ok ]]; then
      failed=1
      sed 's/^/    | /' "$out" | tail -40
    fi
  done
done
exit "$failed"
