#!/usr/bin/env bash
# BUGGY black-box installer: creates archive-v0/<id> and points the entry
# at it FIRST, then extracts the wheel into it. A reader that resolves the
# entry in between finds the archive without its RECORD, or without files
# RECORD lists. Nothing was removed: it was published before it was complete.
# Expected verdict: no-partial-archive (scenarios/bb-publish-early-installer.toml).
#
# Usage: buggy_publish_early_installer.sh CACHE_DIR WHEEL
set -u
cache=${1:?usage: buggy_publish_early_installer.sh CACHE_DIR WHEEL}
wheel=${2:?usage: buggy_publish_early_installer.sh CACHE_DIR WHEEL}
[[ -d $cache/archive-v0 && -d $cache/wheels-v6 && -f $wheel ]] || exit 2
exec {lock_fd}<>"$cache/.lock"
flock -s -w 120 "$lock_fd" || exit 3      # as installers do: .lock shared
base=${wheel##*/}
base=${base%.whl}
dist=${base%%-*}
dist=${dist,,}
dist=${dist//_/-}
entry_name=${base#*-}
# Archive ids are 16 characters of [A-Za-z0-9_-].
id=bb$(od -An -N7 -tx1 /dev/urandom | tr -d ' \n')
mkdir -p -- "$cache/wheels-v6/pypi/$dist"
mkdir -- "$cache/archive-v0/$id" || exit 5
# The bug: the entry names the archive before the archive is complete.
ln -s -- "../../../archive-v0/$id" "$cache/wheels-v6/pypi/$dist/$entry_name.tmp-$$"
mv -T -- "$cache/wheels-v6/pypi/$dist/$entry_name.tmp-$$" "$cache/wheels-v6/pypi/$dist/$entry_name"
# RECORD is the last member of a wheel; extract the rest first, one file at a time.
while IFS= read -r member; do
  unzip -q -o -- "$wheel" "$member" -d "$cache/archive-v0/$id" || exit 5
done < <(unzip -Z1 -- "$wheel" | grep -v '\.dist-info/RECORD$')
unzip -q -o -- "$wheel" '*.dist-info/RECORD' -d "$cache/archive-v0/$id" || exit 5
exit 0
