#!/usr/bin/env bash
# BUGGY black-box pruner: no lock, and `find ARCHIVE -delete` removes each
# unreferenced archive in place, file by file (find walks with directory
# descriptors: unlinkat(dirfd, name)). An installer that has just persisted
# an archive and not yet pointed its entry at it, or a reader linking from
# one, loses it.
# Expected verdict: no-in-use-removal or no-dangling-reference (scenarios/bb-find-delete-pruner.toml).
#
# Usage: buggy_find_delete_pruner.sh CACHE_DIR
set -u
cache=${1:?usage: buggy_find_delete_pruner.sh CACHE_DIR}
[[ -d $cache/archive-v0 && -d $cache/wheels-v6 ]] || exit 2
referenced=$(find "$cache/wheels-v6" -type l -printf '%l\n' | sed 's:/*$::; s:.*/::' | sort -u)
find "$cache/archive-v0" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort |
  while IFS= read -r id; do
    grep -qxF -- "$id" <<<"$referenced" && continue
    find "$cache/archive-v0/$id" -delete      # the bug: no lock, in place
  done
exit 0
