#!/usr/bin/env bash
# BUGGY black-box pruner: reads the references BEFORE it takes `.lock`
# exclusive, then lists the archives and removes every one its (stale)
# snapshot does not name. An install or refresh that completes while it
# waits for the lock points an entry at an archive the snapshot never saw.
# Expected verdict: no-dangling-reference (scenarios/bb-refs-before-lock-pruner.toml).
#
# Usage: buggy_refs_before_lock_pruner.sh CACHE_DIR
set -u
shopt -s nullglob dotglob
cache=${1:?usage: buggy_refs_before_lock_pruner.sh CACHE_DIR}
[[ -d $cache/archive-v0 && -d $cache/wheels-v6 && -f $cache/.lock && ! -L $cache/.lock ]] || exit 2
declare -A referenced=()
while IFS= read -r -d '' target; do target=${target%/}; referenced[${target##*/}]=1; done \
  < <(find "$cache/wheels-v6" -type l -printf '%l\0')   # the bug: before the lock
exec {lock_fd}<>"$cache/.lock"
flock -x -w 120 "$lock_fd" || exit 3
trash=$cache/gc-v0/trash
mkdir -p -- "$trash"
for archive in "$cache"/archive-v0/*; do
  id=${archive##*/}
  [[ -d $archive && ! -L $archive && -z ${referenced[$id]:-} ]] || continue
  mv -T -- "$archive" "$trash/$id.$$" && rm -rf -- "$trash/$id.$$"
done
exit 0
