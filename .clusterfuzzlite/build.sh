#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build: every prunecheck_fuzz_target() of
# fuzz/CMakeLists.txt as $OUT/<name>_fuzzer, with its seed corpus
# (<name>_fuzzer_seed_corpus.zip), options (<name>_fuzzer.options) and the
# dictionaries those name.
# $CC, $CXX, $CFLAGS, $CXXFLAGS (sanitizer + coverage flags) and
# $LIB_FUZZING_ENGINE come from the builder image; the project adds no
# sanitizer of its own (PRUNECHECK_SANITIZER empty) and links the targets with
# -fsanitize=fuzzer, which is what $LIB_FUZZING_ENGINE is for libFuzzer.
cmake -S "$SRC/prunecheck" -B build-cflite -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_C_COMPILER="$CC" -DCMAKE_CXX_COMPILER="$CXX" \
  -DCMAKE_C_FLAGS="$CFLAGS" -DCMAKE_CXX_FLAGS="$CXXFLAGS" \
  -DPRUNECHECK_BUILD_FUZZERS=ON -DPRUNECHECK_SANITIZER= \
  -DPRUNECHECK_BUILD_TESTS=OFF -DPRUNECHECK_BUILD_BENCHMARKS=OFF
targets=$(sed -n 's/^prunecheck_fuzz_target(\([a-z_]*\))$/\1/p' "$SRC/prunecheck/fuzz/CMakeLists.txt")
cmake --build build-cflite --target $(for t in $targets; do printf '%s_fuzzer ' "$t"; done)
for t in $targets; do
  cp "build-cflite/fuzz/${t}_fuzzer" "$OUT/"
  (cd "$SRC/prunecheck/fuzz/corpus/$t" && zip -q -r "$OUT/${t}_fuzzer_seed_corpus.zip" .)
  # The target's options (ClusterFuzz's format already: [libfuzzer] flags,
  # `dict = NAME` naming a file beside it in $OUT), as ci/fuzz.sh uses them.
  if [ -f "$SRC/prunecheck/fuzz/${t}_fuzzer.options" ]; then
    cp "$SRC/prunecheck/fuzz/${t}_fuzzer.options" "$OUT/"
  fi
done
cp "$SRC/prunecheck"/fuzz/dict/*.dict "$OUT/"
