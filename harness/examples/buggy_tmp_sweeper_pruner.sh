#!/usr/bin/env bash
# BUGGY black-box pruner: prunes archives correctly under `.lock` exclusive,
# but first "tidies" the top-level `.tmp*` dirs, before it takes the lock,
# as leftovers of crashed installs. An installer holding `.lock` shared is
# extracting into one of them right now.
# Expected verdict: no-in-use-removal (scenarios/bb-tmp-sweeper-pruner.toml).
#
# Usage: buggy_tmp_sweeper_pruner.sh CACHE_DIR
set -u
shopt -s nullglob dotglob
cache=${1:?usage: buggy_tmp_sweeper_pruner.sh CACHE_DIR}
[[ -d $cache/archive-v0 && -d $cache/wheels-v6 && -f $cache/.lock && ! -L $cache/.lock ]] || exit 2
for tmp in "$cache"/.tmp*; do
  [[ -d $tmp && ! -L $tmp ]] && rm -rf -- "$tmp"      # the bug: in-flight installs, no lock
done
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
