// main() of every benchmark executable in bench/.
#include <benchmark/benchmark.h>

#include "pruner/base/local_time_zone.h"

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
