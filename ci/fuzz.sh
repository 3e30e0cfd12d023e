#!/usr/bin/env bash
# Fuzzing campaign on one machine: builds every fuzz target and runs each for
# SECONDS (default 10, for CI), one after the other; merges the inputs that add
# coverage into a corpus directory; fails on any crash, hang or leak and prints
# the reproducer's path and the command that replays it. Then the self-check:
# a build with a planted symlink-following pruner (the fuzz-planted preset)
# must have cache_tree find it within 60 s. fuzz/README.md explains it all.
#
#   ci/fuzz.sh [SECONDS] [--afl] [--corpus DIR] [--targets a,b,...] [--no-build]
#              [--jobs N] [--no-self-check | --self-check-only]
#
#   --afl            AFL++ instead of libFuzzer (the afl preset; afl-fuzz -V SECONDS)
#   --corpus DIR     merge new inputs into DIR/<target>/ (default: build/fuzz/corpus/<target>,
#                    build/afl/corpus/<target> with --afl). The committed seeds in
#                    fuzz/corpus/ are only ever read.
#   --targets LIST   comma-separated subset (default: every target in fuzz/CMakeLists.txt)
#   --no-build       run the binaries already in build/<preset> (e.g. a second campaign)
#   --jobs N         fuzzer processes per target, run side by side (default: the number
#                    of cores). exec/s in the report is their sum; execs/CPU-s is per
#                    process. libFuzzer only (with --afl, run -M/-S by hand: fuzz/README.md).
#
# Exit: 0 no finding, 1 a finding (reproducers listed) or the self-check
# failed, 2 bad usage.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=10
engine=libfuzzer
corpus_root=""
targets=""
self_check=yes
build_first=yes
jobs=$(nproc)
while [ $# -gt 0 ]; do
  case "$1" in
    --afl) engine=afl ;;
    --corpus) corpus_root="${2:?--corpus needs a directory}"; shift ;;
    --targets) targets="${2:?--targets needs a list}"; shift ;;
    --no-build) build_first=no ;;
    --jobs)
      jobs="${2:?--jobs needs a number}"; shift
      if ! [[ "$jobs" =~ ^[0-9]+$ ]] || [ "$jobs" -lt 1 ] || [ "$jobs" -gt 64 ]; then
        echo "fuzz.sh: --jobs must be an integer from 1 to 64, not '$jobs'" >&2; exit 2
      fi ;;
    --no-self-check) self_check=no ;;
    --self-check-only) self_check=only ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    *)
      if [[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -gt 0 ]; then seconds="$1"
      else echo "fuzz.sh: unknown argument '$1' (SECONDS must be a positive integer)" >&2; exit 2; fi ;;
  esac
  shift
done

ci/install-deps.sh >/dev/null
# Scratch files of the targets (sandboxes, trace files) on tmpfs when there is one.
if [ -z "${TMPDIR:-}" ] && [ -d /dev/shm ] && [ -w /dev/shm ]; then export TMPDIR=/dev/shm; fi
if [ -z "$targets" ]; then
  targets=$(sed -n 's/^prunecheck_fuzz_target(\([a-z_]*\))$/\1/p' fuzz/CMakeLists.txt | paste -sd, -)
fi
IFS=, read -r -a target_list <<< "$targets"
for t in "${target_list[@]}"; do
  if ! grep -qx "prunecheck_fuzz_target($t)" fuzz/CMakeLists.txt; then
    echo "fuzz.sh: unknown target '$t'" >&2; exit 2
  fi
done

preset=fuzz
[ "$engine" = afl ] && preset=afl
build="build/$preset"
corpus_root="${corpus_root:-$build/corpus}"
run_root="$build/fuzz-runs/$(date +%Y%m%d-%H%M%S)-$$"
# libfuzzer_flags T: the [libfuzzer] section of fuzz/T_fuzzer.options (ClusterFuzz's
# format; fuzz/README.md "Per-target options") as -key=value flags, one per
# line; `dict = NAME` names a file in fuzz/dict/. No file, no flags.
libfuzzer_flags() {
  local file="fuzz/${1}_fuzzer.options"
  [ -f "$file" ] || return 0
  awk -v file="$file" '
    /^[[:space:]]*(#|$)/ { next }
    /^\[[a-z]+\][[:space:]]*$/ { section = $1; next }
    section == "[libfuzzer]" {
      if ($0 !~ /^[[:space:]]*[a-z_]+[[:space:]]*=[[:space:]]*[^[:space:]=]+[[:space:]]*$/) {
        printf "fuzz.sh: %s:%d: expected KEY = VALUE, not \"%s\"\n", file, NR, $0 > "/dev/stderr"; bad = 1; exit
      }
      split($0, kv, "="); key = kv[1]; val = kv[2]
      gsub(/[[:space:]]/, "", key); gsub(/[[:space:]]/, "", val)
      if (key == "dict") {
        val = "fuzz/dict/" val
        if (system("test -f \"" val "\"") != 0) {
          printf "fuzz.sh: %s:%d: no dictionary %s\n", file, NR, val > "/dev/stderr"; bad = 1; exit
        }
      }
      print "-" key "=" val
    }
    /^\[/ && $0 !~ /^\[[a-z]+\][[:space:]]*$/ { printf "fuzz.sh: %s:%d: bad section line\n", file, NR > "/dev/stderr"; bad = 1; exit }
    END { exit bad }' "$file"
}
declare -A flags_of
for t in "${target_list[@]}"; do
  flags_of[$t]=$(libfuzzer_flags "$t") || exit 2
done
# Campaign defaults for ASan (yours win if ASAN_OPTIONS is set): no allocation
# stacks recorded at every malloc, no fill of new blocks, a 16 MiB quarantine.
# Detection is the same; a reproducer replayed by hand (default options)
# still prints the full allocation and free stacks. Measured on schedule:
# 1.15x the execs/s.
export ASAN_OPTIONS="${ASAN_OPTIONS:-malloc_context_size=0:max_malloc_fill_size=0:quarantine_size_mb=16}"
# afl-fuzz refuses custom ASan options without these two (it detects a crash
# by the abort, and symbolizing would stall every crashing run).
if [ "$engine" = afl ]; then ASAN_OPTIONS="$ASAN_OPTIONS:abort_on_error=1:symbolize=0"; fi

findings=()
report=()

run_libfuzzer() {
  local t="$1" bin="$build/fuzz/${1}_fuzzer" work="$run_root/$1" corpus="$corpus_root/$1"
  mkdir -p "$work/artifacts" "$corpus"
  local args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
              -artifact_prefix="$work/artifacts/")
  local extra; mapfile -t extra <<< "${flags_of[$t]}"
  [ -n "${flags_of[$t]}" ] && args+=("${extra[@]}")
  # $jobs independent processes (distinct seeds), each with its own scratch
  # dir for new inputs; the seeds and the kept corpus are read-only inputs.
  # bash's `time` gives each process's CPU seconds: on a shared machine
  # execs per CPU-second says what the target costs, exec/s what it got.
  local i pids=()
  for ((i = 0; i < jobs; i++)); do
    mkdir -p "$work/new-$i"
    (
      set +e
      TIMEFORMAT='%U %S'
      { time "$bin" "${args[@]}" -seed=$((i + 1)) "$work/new-$i" "$corpus" "fuzz/corpus/$t" \
          > "$work/log-$i" 2>&1; echo $? > "$work/status-$i"; } 2> "$work/cpu-$i"
    ) &
    pids+=($!)
  done
  wait "${pids[@]}"
  local execs=0 rate=0 cpu_s=0 status=0 e r st
  for ((i = 0; i < jobs; i++)); do
    e=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log-$i" | tail -1)
    r=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$work/log-$i" | tail -1)
    st=$(cat "$work/status-$i" 2>/dev/null || echo 99)
    execs=$((execs + ${e:-0})); rate=$((rate + ${r:-0}))
    cpu_s=$(awk -v a="$cpu_s" '{ printf "%.2f", a + $1 + $2 }' "$work/cpu-$i")
    if [ "$st" -ne 0 ]; then status=$st; fi
  done
  local cpu; cpu=$(awk -v n="$execs" -v c="$cpu_s" 'BEGIN { printf "%.0f", (c > 0 ? n / c : 0) }')
  local before after
  before=$(find "$corpus" -type f | wc -l)
  "$bin" -merge=1 "$corpus" "$work"/new-* > "$work/merge.log" 2>&1 || true
  after=$(find "$corpus" -type f | wc -l)
  report+=("$(printf '%-16s %10s execs %8s exec/s (%s jobs) %8s execs/CPU-s  corpus %5s (+%s)' "$t" "$execs" "$rate" "$jobs" "$cpu" "$after" $((after - before)))")
  local found=("$work"/artifacts/*)
  if [ "$status" -ne 0 ] || [ -e "${found[0]}" ]; then
    for f in "${found[@]}"; do
      [ -e "$f" ] || continue
      findings+=("$t: $f   (replay: $bin $f)")
    done
    [ -e "${found[0]}" ] || findings+=("$t: exit $status without a reproducer; see $work/log-*")
    for ((i = 0; i < jobs; i++)); do
      echo "---- $t: last lines of $work/log-$i" >&2
      tail -n 30 "$work/log-$i" >&2
    done
  fi
}

run_afl() {
  local t="$1" bin="$build/fuzz/${1}_fuzzer" work="$run_root/$1" corpus="$corpus_root/$1"
  mkdir -p "$work" "$corpus"
  local args=(-V "$seconds" -t 10000 -i "fuzz/corpus/$t" -o "$work/out")
  # Of the target's libFuzzer options only the dictionary means something to afl-fuzz.
  local dict; dict=$(sed -n 's/^-dict=//p' <<< "${flags_of[$t]}")
  [ -n "$dict" ] && args+=(-x "$dict")
  local status=0
  AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1 AFL_NO_AFFINITY=1 \
    afl-fuzz "${args[@]}" -- "$bin" > "$work/log" 2>&1 || status=$?
  local stats="$work/out/default/fuzzer_stats" execs="?" rate="?"
  if [ -f "$stats" ]; then
    execs=$(sed -n 's/^execs_done *: *//p' "$stats")
    rate=$(sed -n 's/^execs_per_sec *: *//p' "$stats")
  fi
  local before after
  before=$(find "$corpus" -type f | wc -l)
  find "$work/out/default/queue" -maxdepth 1 -type f -name 'id:*' -exec cp -n {} "$corpus/" \; 2>/dev/null || true
  after=$(find "$corpus" -type f | wc -l)
  report+=("$(printf '%-16s %10s execs %8s exec/s %8s execs/CPU-s  corpus %5s (+%s)' "$t" "$execs" "$rate" "-" "$after" $((after - before)))")
  local f
  for f in "$work"/out/default/crashes/id:* "$work"/out/default/hangs/id:*; do
    [ -e "$f" ] && findings+=("$t: $f   (replay: $bin < '$f')")
  done
  if [ "$status" -ne 0 ]; then
    findings+=("$t: afl-fuzz exit $status; see $work/log")
    tail -n 30 "$work/log" >&2
  fi
}

if [ "$self_check" != only ]; then
  if [ "$build_first" = yes ]; then
    cmake --preset "$preset" > /dev/null
    cmake --build --preset "$preset" --target $(printf '%s_fuzzer ' "${target_list[@]}")
  fi
  mkdir -p "$run_root"
  echo "fuzz.sh: $engine, ${seconds}s per target, $jobs job(s), corpus $corpus_root, logs $run_root ($(uptime | sed 's/.*load/load/'))"
  for t in "${target_list[@]}"; do
    echo "fuzz.sh: $t ..."
    "run_$engine" "$t"
  done
  printf '%s\n' "${report[@]}"
  echo "fuzz.sh: done ($(uptime | sed 's/.*load/load/'))"
fi

self_check_failed=no
if [ "$self_check" != no ]; then
  # The planted bug must be found: the fuzz-planted preset compiles a pruner
  # that follows symlinks (CMake option PRUNECHECK_PLANT_FOLLOW_SYMLINKS) and
  # its one ctest fuzzes cache_tree from an empty corpus for up to 60 s,
  # passing only when the containment check fires.
  if [ "$build_first" = yes ]; then
    cmake --preset fuzz-planted > /dev/null
    cmake --build --preset fuzz-planted
  fi
  if ctest --preset fuzz-planted; then
    echo "fuzz.sh: self-check passed: cache_tree found the planted symlink-following pruner"
  else
    echo "fuzz.sh: SELF-CHECK FAILED: cache_tree did not find the planted bug within 60 s" >&2
    self_check_failed=yes
  fi
fi

if [ "${#findings[@]}" -gt 0 ]; then
  echo "fuzz.sh: FOUND ${#findings[@]} problem(s); reproducers:" >&2
  printf '  %s\n' "${findings[@]}" >&2
  echo "fuzz.sh: once fixed, copy each reproducer to fuzz/regressions/<target>/ (replayed by ctest)" >&2
  exit 1
fi
[ "$self_check_failed" = no ] || exit 1
echo "fuzz.sh: no findings"
