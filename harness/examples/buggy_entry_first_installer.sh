#!/usr/bin/env bash
# BUGGY black-box installer: points the entry at archive-v0/<id> FIRST,
# before the archive exists, then extracts the wheel into a temp dir and
# renames it into place. In between, the entry names nothing; a reader
# then finds no archive. It published the entry before the archive was
# complete.
# Expected verdict: no-partial-archive (scenarios/bb-entry-first-installer.toml).
#
# Usage: buggy_entry_first_installer.sh CACHE_DIR WHEEL
set -u
cache=${1:?usage: buggy_entry_first_installer.sh CACHE_DIR WHEEL}
wheel=${2:?usage: buggy_entry_first_installer.sh CACHE_DIR WHEEL}
[[ -d $cache/archive-v0 && -d $cache/wheels-v6 && -f $wheel ]] || exit 2
exec {lock_fd}<>"$cache/.lock"
flock -s -w 120 "$lock_fd" || exit 3
base=${wheel##*/}
base=${base%.whl}
dist=${base%%-*}
dist=${dist,,}
dist=${dist//_/-}
entry_name=${base#*-}
id=bf$(od -An -N7 -tx1 /dev/urandom | tr -d ' \n')
mkdir -p -- "$cache/wheels-v6/pypi/$dist"
# The bug: the entry first.
ln -s -- "../../../archive-v0/$id" "$cache/wheels-v6/pypi/$dist/$entry_name.tmp-$$"
mv -T -- "$cache/wheels-v6/pypi/$dist/$entry_name.tmp-$$" "$cache/wheels-v6/pypi/$dist/$entry_name"
tmp=$(mktemp -d "$cache/.tmpbf-XXXXXX") || exit 5
unzip -q -o -- "$wheel" -d "$tmp" || exit 5
mv -T -- "$tmp" "$cache/archive-v0/$id" || exit 5
exit 0
