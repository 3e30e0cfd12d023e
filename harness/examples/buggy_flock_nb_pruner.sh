#!/usr/bin/env bash
# BUGGY black-box pruner: tries `.lock` exclusive with `flock -n` and, when
# that fails because installers or readers hold it, prunes anyway ("the
# lock is only advisory"). Its references are read after the attempt, but
# nothing excludes the actors that hold `.lock` shared.
# Expected verdict: no-in-use-removal or no-dangling-reference (scenarios/bb-flock-nb-pruner.toml).
#
# Usage: buggy_flock_nb_pruner.sh CACHE_DIR
set -u
shopt -s nullglob dotglob
cache=${1:?usage: buggy_flock_nb_pruner.sh CACHE_DIR}
[[ -d $cache/archive-v0 && -d $cache/wheels-v6 && -f $cache/.lock && ! -L $cache/.lock ]] || exit 2
exec {lock_fd}<>"$cache/.lock"
flock -n -x "$lock_fd" || echo "buggy_flock_nb_pruner: .lock is busy; pruning anyway" >&2   # the bug
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
