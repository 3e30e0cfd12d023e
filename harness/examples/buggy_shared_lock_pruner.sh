#!/usr/bin/env bash
# BUGGY black-box pruner: takes `.lock` SHARED instead of exclusive. Shared
# locks do not exclude each other, so installers and readers holding `.lock`
# shared go on while it removes what they are about to reference or use.
# Expected verdict: no-in-use-removal or no-dangling-reference (scenarios/bb-shared-lock-pruner.toml).
#
# Usage: buggy_shared_lock_pruner.sh CACHE_DIR
set -u
shopt -s nullglob dotglob
cache=${1:?usage: buggy_shared_lock_pruner.sh CACHE_DIR}
[[ -d $cache/archive-v0 && -d $cache/wheels-v6 && -f $cache/.lock && ! -L $cache/.lock ]] || exit 2
exec {lock_fd}<>"$cache/.lock"
flock -s -w 120 "$lock_fd" || exit 3   # the bug: -s
declare -A referenced=()
while IFS= read -r -d '' target; do target=${target%/}; referenced[${target##*/}]=1; done \
  < <(find "$cache/wheels-v6" -type l -printf '%l\0')
trash=$cache/gc-v0/trash
mkdir -p -- "$trash"
for archive in "$cache"/archive-v0/*; do
  id=${archive##*/}
  [[ -d $archive && ! -L $archive && -z ${referenced[$id]:-} ]] || continue
  mv -T -- "$archive" "$trash/$id.$$" && rm -rf -- "$trash/$id.$$"
done
exit 0
