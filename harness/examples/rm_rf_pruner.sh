#!/usr/bin/env bash
# A black-box pruner: no control channel, no locks, no grace. It removes every
# archive no entry references with `rm -rf`, in a loop for a while — the
# kind of cron job people write. prunecheck's free mode catches it from the
# outside (inotify stamps its removals; the other actors report what they
# were using):
#
#   prunecheck stress --installer uv-0.8.19 \
#       --black-box 'bash harness/examples/rm_rf_pruner.sh {cache} 2' --duration 10
#
# Usage: rm_rf_pruner.sh CACHE_DIR [SECONDS]
set -u
cache=${1:?usage: rm_rf_pruner.sh CACHE_DIR [SECONDS]}
seconds=${2:-1}
end=$((SECONDS + seconds))
while :; do
  referenced=" "
  for link in "$cache"/wheels-v6/pypi/*/*; do
    [ -L "$link" ] || continue
    target=$(readlink "$link")
    referenced="$referenced${target##*/} "
  done
  for dir in "$cache"/archive-v0/*; do
    [ -d "$dir" ] || continue
    id=${dir##*/}
    case "$referenced" in
      *" $id "*) ;;
      *) rm -rf -- "$dir" ;;
    esac
  done
  [ "$SECONDS" -lt "$end" ] || break
done
exit 0
