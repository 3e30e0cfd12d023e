#!/usr/bin/env bash
# BUGGY black-box pruner: "repairs" `.lock` by replacing it with a fresh file
# before locking it exclusive. Everyone else holds the OLD inode; its
# exclusive lock on the new one excludes nobody.
# Expected verdict: lock-exclusion or no-in-use-removal or no-dangling-reference (scenarios/bb-replaced-lock-pruner.toml).
# lock-exclusion is the precise one: it locks a different file under the
# name `.lock` while others hold the old one, and is caught the moment it
# does, before any damage.
#
# Usage: buggy_replaced_lock_pruner.sh CACHE_DIR
set -u
shopt -s nullglob dotglob
cache=${1:?usage: buggy_replaced_lock_pruner.sh CACHE_DIR}
[[ -d $cache/archive-v0 && -d $cache/wheels-v6 ]] || exit 2
: > "$cache/.lock.new.$$" && mv -f -- "$cache/.lock.new.$$" "$cache/.lock"   # the bug
exec {lock_fd}<>"$cache/.lock"
flock -x -w 120 "$lock_fd" || exit 3
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
