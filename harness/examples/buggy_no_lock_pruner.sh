#!/usr/bin/env bash
# BUGGY black-box pruner: takes no lock at all (like uv 0.8.18's prune). It
# can remove an archive an installer has just persisted and not yet
# referenced, or one a reader resolved a moment ago.
# Expected verdict: no-in-use-removal or no-dangling-reference (scenarios/bb-no-lock-pruner.toml).
#
# Usage: buggy_no_lock_pruner.sh CACHE_DIR
set -u
shopt -s nullglob dotglob
cache=${1:?usage: buggy_no_lock_pruner.sh CACHE_DIR}
[[ -d $cache/archive-v0 && -d $cache/wheels-v6 ]] || exit 2
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
