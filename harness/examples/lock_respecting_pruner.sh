#!/usr/bin/env bash
# A correct black-box pruner in bash: what a cron job that prunes a uv-style
# cache while installers and readers run must do (docs/design.md §3).
#
#   1. Take `.lock` exclusive. It is opened only if it is a regular file and
#      not a symlink, and after locking the descriptor must still be the inode
#      `.lock` names (someone may have replaced it between open and lock).
#   2. Only then read the references: every symlink under wheels-v6 and every
#      `.http` pointer's archive_id.
#   3. Each unreferenced archive whose lease (`locks/<id>.lock`, if any) can be
#      locked at once is renamed into a trash dir (atomic for readers), then
#      deleted there.
#   Never follows a symlink (rename and `rm -rf` do not), never deletes
#   outside the root, leaves `.tmp*` dirs (in-flight installs) and every other
#   top-level entry alone.
#
#   prunecheck explore --installer uv-0.8.19 --reader uv-0.8.19 --refresher uv-0.8.19 \
#       --black-box 'bash harness/examples/lock_respecting_pruner.sh {cache}'
#
# Expected verdict: pass (scenarios/bb-lock-respecting-pruner.toml).
#
# Usage: lock_respecting_pruner.sh CACHE_DIR
# Exit: 0 pruned, 2 not a cache / bad input, 3 lock not obtained.
set -u
shopt -s nullglob dotglob

die() {  # die CODE MESSAGE
  printf 'lock_respecting_pruner: %s\n' "$2" >&2
  exit "$1"
}

cache=${1:?usage: lock_respecting_pruner.sh CACHE_DIR}
[[ -d $cache && ! -L $cache ]] || die 2 "$cache is not a directory"
for bucket in archive-v0 wheels-v6; do
  [[ -d $cache/$bucket && ! -L $cache/$bucket ]] || die 2 "$cache is not a cache: no $bucket directory"
done

# 1. The lock. O_RDWR (<>) so that even a FIFO planted as .lock cannot block the open.
lock=$cache/.lock
lock_fd=
for _ in 1 2 3 4 5; do
  [[ -f $lock && ! -L $lock ]] || die 2 "$lock is not a regular file"
  exec {fd}<>"$lock" || die 3 "cannot open $lock"
  flock -x -w 120 "$fd" || die 3 "$lock: not obtained within 120 s"
  held=$(stat -L -c '%d:%i' "/proc/self/fd/$fd") || die 3 "cannot stat the locked $lock"
  named=$(stat -c '%d:%i' -- "$lock" 2>/dev/null) || named=gone
  if [[ ! -L $lock && $held == "$named" ]]; then
    lock_fd=$fd
    break
  fi
  exec {fd}>&-  # .lock was replaced while we waited: the lock we hold protects nothing
done
[[ -n $lock_fd ]] || die 3 "$lock kept being replaced"

# 2. References, under the lock.
declare -A referenced=()
while IFS= read -r -d '' target; do
  target=${target%/}
  referenced[${target##*/}]=1
done < <(find "$cache/wheels-v6" -type l -printf '%l\0')
while IFS= read -r -d '' pointer; do
  content=$(head -c 65536 -- "$pointer" 2>/dev/null) || continue
  if [[ $content =~ \"archive_id\"[[:space:]]*:[[:space:]]*\"([^\"]+)\" ]]; then
    referenced[${BASH_REMATCH[1]}]=1
  fi
done < <(find "$cache/wheels-v6" -type f -name '*.http' -print0)

# 3. Rename into the trash, then delete there.
trash=$cache/gc-v0/trash
mkdir -p -- "$trash" || die 2 "cannot create $trash"
[[ ! -L $cache/gc-v0 && ! -L $trash ]] || die 2 "$trash is reached through a symlink"
removed=0
for archive in "$cache"/archive-v0/*; do
  id=${archive##*/}
  [[ -d $archive && ! -L $archive ]] || continue  # not an archive: not ours to touch
  [[ -z ${referenced[$id]:-} ]] || continue
  lease=$cache/locks/$id.lock
  lease_fd=
  if [[ -e $lease || -L $lease ]]; then
    [[ -f $lease && ! -L $lease ]] || continue
    exec {lease_fd}<>"$lease" || continue
    if ! flock -n -x "$lease_fd"; then  # someone is creating or using it
      exec {lease_fd}>&-
      continue
    fi
  fi
  if mv -T -- "$archive" "$trash/$id.$$"; then
    rm -rf --one-file-system -- "$trash/$id.$$" || printf 'lock_respecting_pruner: %s left in the trash\n' "$id" >&2
    removed=$((removed + 1))
  fi
  [[ -z $lease_fd ]] || exec {lease_fd}>&-
done
echo "lock_respecting_pruner: removed $removed unreferenced archives"
exit 0
