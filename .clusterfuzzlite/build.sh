#!/bin/bash -eu
# ClusterFuzzLite / OSS-Fuzz build: every prunecheck_fuzz_target() of
# fuzz/CMakeLists.txt as $OUT/<name>_fuzzer, with its seed corpus
# (<name>_fuzzer_seed_corpus.zip) and dictionary (<name>_fuzzer.dict).
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
  case "$t" in
    wheel_extract) cp "$SRC/prunecheck/fuzz/dict/zip.dict" "$OUT/${t}_fuzzer.dict" ;;
    scenario_parse) cp "$SRC/prunecheck/fuzz/dict/toml.dict" "$OUT/${t}_fuzzer.dict" ;;
    channel_parse|trace_parse|text_formats) cp "$SRC/prunecheck/fuzz/dict/json.dict" "$OUT/${t}_fuzzer.dict" ;;
  esac
done
