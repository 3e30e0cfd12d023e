#!/usr/bin/env bash
# shell_actor.sh: a complete prunecheck actor in bash + coreutils, following
# harness/PROTOCOL.md. It shows what "bring your own actor" takes: say hello,
# read the welcome, announce yield points (waiting for go when controlled),
# report events, send a result, and exit if the harness goes away.
#
#   shell_actor.sh read  CACHE PACKAGE   cache hit: resolve PACKAGE's entry and read
#                                        every file its archive's RECORD lists
#   shell_actor.sh prune CACHE           naive lock-free prune: remove every archive
#                                        no entry symlink or .http pointer names
#
# Both roles take no lock (like uv 0.8.18): against a pruner, the reader is
# exactly the kind of process the harness exists to catch being hurt.
#
# Without PRUNECHECK_CONTROL_FD the script just runs (a black box to the
# harness). Exit codes follow cache-actor's: 0 ok, 1 internal (channel lost),
# 2 bad input, 4 verification failed (archive vanished while in use),
# 6 not cached.
set -u
shopt -s nullglob dotglob globstar

ACTOR_NAME=${PRUNECHECK_ACTOR_NAME:-shell-actor}
CONTROL_FD=${PRUNECHECK_CONTROL_FD:-}
CONTROLLED=0
MAX_DELAY_US=0
# A vanished harness must not kill us with SIGPIPE before we can say why.
trap '' PIPE

die() {  # die CODE MESSAGE
  printf 'shell_actor (%s, pid %s): %s\n' "$ACTOR_NAME" "$$" "$2" >&2
  exit "$1"
}

# json_str VALUE: sets REPLY to VALUE as a JSON string literal.
json_str() {
  local s=$1
  s=${s//\\/\\\\}
  s=${s//\"/\\\"}
  s=${s//$'\n'/\\n}
  s=${s//$'\r'/\\r}
  s=${s//$'\t'/\\t}
  REPLY="\"$s\""
}

send() {  # send JSON_LINE
  [[ -n $CONTROL_FD ]] || return 0
  { printf '%s\n' "$1" >&"$CONTROL_FD"; } 2>/dev/null || die 1 "control channel: the harness is gone (send failed)"
}

receive() {  # sets LINE to the next message
  IFS= read -r LINE <&"$CONTROL_FD" || die 1 "control channel: closed by the harness"
}

wait_for_go() {
  receive
  [[ $LINE =~ \"type\"[[:space:]]*:[[:space:]]*\"go\" ]] || die 1 "control channel: expected go, got: $LINE"
}

connect() {
  [[ -n $CONTROL_FD ]] || return 0
  [[ $CONTROL_FD =~ ^[0-9]+$ ]] || die 2 "PRUNECHECK_CONTROL_FD='$CONTROL_FD' is not a file descriptor number"
  [[ -e /proc/self/fd/$CONTROL_FD ]] || die 2 "PRUNECHECK_CONTROL_FD=$CONTROL_FD is not an open file descriptor"
  json_str "$ACTOR_NAME"
  send "{\"type\":\"hello\",\"actor\":$REPLY,\"pid\":$$,\"protocol\":1}"
  receive
  [[ $LINE =~ \"type\"[[:space:]]*:[[:space:]]*\"welcome\" ]] || die 2 "control channel: expected welcome, got: $LINE"
  [[ $LINE =~ \"mode\"[[:space:]]*:[[:space:]]*\"([a-z]+)\" ]] || die 2 "control channel: welcome without mode: $LINE"
  case ${BASH_REMATCH[1]} in
    controlled) CONTROLLED=1 ;;
    free) CONTROLLED=0 ;;
    *) die 2 "control channel: unknown mode ${BASH_REMATCH[1]}" ;;
  esac
  if [[ $LINE =~ \"max_delay_us\"[[:space:]]*:[[:space:]]*([0-9]+) ]]; then MAX_DELAY_US=${BASH_REMATCH[1]}; fi
  local seed=0
  if [[ $LINE =~ \"seed\"[[:space:]]*:[[:space:]]*([0-9]+) ]]; then seed=${BASH_REMATCH[1]}; fi
  # Seeds are 64-bit; bash arithmetic is signed. Nine low digits are plenty for delay noise.
  seed=000000000$seed
  RANDOM=$((10#${seed: -9}))
}

yield_point() {  # yield_point POINT SUBJECT
  [[ -n $CONTROL_FD ]] || return 0
  local point subject
  json_str "$1"; point=$REPLY
  json_str "$2"; subject=$REPLY
  # No t_ns: bash cannot read CLOCK_MONOTONIC; the harness stamps arrival.
  send "{\"type\":\"yield\",\"point\":$point,\"subject\":$subject}"
  if ((CONTROLLED)); then
    wait_for_go
  elif ((MAX_DELAY_US > 0)); then
    local us=$((((RANDOM << 15) | RANDOM) % (MAX_DELAY_US + 1)))
    local frac
    printf -v frac '%06d' $((us % 1000000))
    sleep "$((us / 1000000)).$frac"
  fi
}

event() {  # event KIND SUBJECT DETAIL
  [[ -n $CONTROL_FD ]] || return 0
  local kind subject detail
  json_str "$1"; kind=$REPLY
  json_str "$2"; subject=$REPLY
  json_str "$3"; detail=$REPLY
  send "{\"type\":\"event\",\"kind\":$kind,\"subject\":$subject,\"detail\":$detail}"
}

finish() {  # finish EXIT_CODE STATUS MESSAGE: sends the result and exits
  if [[ -n $CONTROL_FD ]]; then
    local status message
    json_str "$2"; status=$REPLY
    json_str "$3"; message=$REPLY
    send "{\"type\":\"result\",\"exit_code\":$1,\"status\":$status,\"message\":$message}"
  fi
  [[ $1 -eq 0 ]] || printf 'shell_actor: %s: %s\n' "$2" "$3" >&2
  exit "$1"
}

normalize() {  # PEP 503 name normalization, as the cache's entry directories use
  local n=${1,,}
  n=${n//[_.]/-}
  while [[ $n == *--* ]]; do n=${n//--/-}; done
  REPLY=$n
}

role_read() {  # role_read CACHE PACKAGE
  local cache=$1 pkgdir entry="" id="" target archive
  normalize "$2"
  pkgdir=$cache/wheels-v6/pypi/$REPLY
  yield_point read.begin "$REPLY"
  for e in "$pkgdir"/*; do
    [[ -L $e && $e != *.http && $e != *.tmp-* ]] || continue
    entry=${e##*/}
    target=$(readlink -- "$e") || continue
    id=${target##*/}
    break
  done
  [[ -n $id ]] || finish 6 not-found "$2 is not in the cache at $cache"
  yield_point read.resolved "$id"
  archive=$cache/archive-v0/$id
  [[ -d $archive ]] || finish 6 not-found "entry $entry points at missing archive $id"
  event use_begin "$id" "read $entry"
  yield_point link.begin "$id"
  local records=("$archive"/*.dist-info/RECORD) files=0 missing="" path rest record_fd
  if ((${#records[@]} == 0)) || ! exec {record_fd}<"${records[0]}" 2>/dev/null; then
    missing="RECORD"
  else
    while IFS=, read -r path rest <&"$record_fd"; do
      [[ -n $path ]] || continue
      if ! cat -- "$archive/$path" >/dev/null 2>&1; then
        missing=$path
        break
      fi
      files=$((files + 1))
      if ((files == 1)); then yield_point link.progress "$id"; fi
    done
    exec {record_fd}<&-
  fi
  yield_point link.done "$id"
  if [[ -n $missing ]]; then
    event use_end "$id" "verification-failed: $missing missing"
    finish 4 verification-failed "archive $id vanished or changed while in use: $missing missing"
  fi
  event use_end "$id" "ok"
  echo "read: cache hit, archive $id via $entry; read $files files listed in RECORD"
  finish 0 ok ""
}

role_prune() {  # role_prune CACHE
  local cache=$1 e target content removed=0
  [[ -d $cache/archive-v0 ]] || finish 2 invalid-input "$cache has no archive-v0 directory"
  yield_point prune.begin ""
  declare -A referenced=()
  for e in "$cache"/wheels-v6/pypi/*/*; do
    if [[ -L $e ]]; then
      target=$(readlink -- "$e") && referenced[${target##*/}]=1
    elif [[ $e == *.http && -f $e ]]; then
      content=$(<"$e")
      [[ $content =~ \"archive_id\"[[:space:]]*:[[:space:]]*\"([^\"]+)\" ]] && referenced[${BASH_REMATCH[1]}]=1
    fi
  done
  local candidates=()
  for e in "$cache"/archive-v0/*; do
    [[ -n ${referenced[${e##*/}]:-} ]] || candidates+=("${e##*/}")
  done
  yield_point prune.listed ""
  for id in "${candidates[@]}"; do
    yield_point prune.before_remove "$id"
    event remove_begin "$id" "in-place"
    rm -rf -- "$cache/archive-v0/$id" || finish 5 io-error "removing archive $id failed"
    event remove_end "$id" ""
    removed=$((removed + 1))
  done
  yield_point prune.done ""
  echo "prune: removed $removed unreferenced archives: ${candidates[*]}"
  finish 0 ok ""
}

usage="usage: shell_actor.sh read CACHE PACKAGE | shell_actor.sh prune CACHE"
case ${1:-} in
  read) (($# == 3)) || die 2 "$usage" ;;
  prune) (($# == 2)) || die 2 "$usage" ;;
  *) die 2 "$usage" ;;
esac
connect
case $1 in
  read) role_read "$2" "$3" ;;
  prune) role_prune "$2" ;;
esac
