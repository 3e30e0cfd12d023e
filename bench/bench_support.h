// Shared by the benchmark executables in bench/: where cache-actor is, and the
// main() every one of them runs. Not thread-safe beyond what Google Benchmark
// itself guarantees; used only from benchmark set-up code.
#ifndef PRUNECHECK_BENCH_BENCH_SUPPORT_H_
#define PRUNECHECK_BENCH_BENCH_SUPPORT_H_

#include <string>

namespace prunecheck::bench {

// The cache-actor binary the benchmarks launch: $PRUNECHECK_CACHE_ACTOR, or
// the one built beside this executable (build/<preset>/pruner/cache-actor).
std::string CacheActorPath();

}  // namespace prunecheck::bench

#endif  // PRUNECHECK_BENCH_BENCH_SUPPORT_H_
