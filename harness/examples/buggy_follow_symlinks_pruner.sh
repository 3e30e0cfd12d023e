#!/usr/bin/env bash
# BUGGY black-box pruner: correct locking and references, but it also
# "empties" every top-level directory it does not know with `rm -rf DIR/`.
# The trailing slash makes rm follow a symlinked entry, so a top-level
# symlink to a directory outside the cache gets that directory emptied.
# Expected verdict: containment (scenarios/bb-follow-symlinks-pruner.toml).
#
# Usage: buggy_follow_symlinks_pruner.sh CACHE_DIR
set -u
shopt -s nullglob dotglob
cache=${1:?usage: buggy_follow_symlinks_pruner.sh CACHE_DIR}
[[ -d $cache/archive-v0 && -d $cache/wheels-v6 && -f $cache/.lock && ! -L $cache/.lock ]] || exit 2
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
for entry in "$cache"/*/; do            # the bug: */ matches symlinks to directories too
  case ${entry%/} in
    */archive-v0 | */wheels-v6 | */gc-v0 | */locks | */.tmp*) ;;
    *) rm -rf -- "$entry" ;;           # ... and the trailing slash follows them
  esac
done
exit 0
