// main() and helpers of every benchmark executable in bench/ (bench_support.h).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "bench/bench_support.h"
#include "pruner/base/local_time_zone.h"

namespace prunecheck::bench {

std::string CacheActorPath() {
  if (const char* env = std::getenv("PRUNECHECK_CACHE_ACTOR")) return env;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe");
  return (self.parent_path().parent_path() / "pruner" / "cache-actor").string();
}

}  // namespace prunecheck::bench

int main(int argc, char** argv) {
  // As prunecheck and cache-actor do: with TZ unset glibc re-reads the zone on
  // every mktime, which would be measured as our cost.
  prunecheck::PinLocalTimeZone();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
