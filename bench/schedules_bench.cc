// Controlled schedules per second for a 3-actor scenario (an installer, a
// reader of a cached wheel and a pruner, all on the reference profile),
// multi-process (on a pool of serving cache-actor processes, as prunecheck
// runs them, and with a fresh process per actor per run), in-process on disk
// and in-process in memory, side by side.
//
//   build/default/bench/schedules_bench --benchmark_repetitions=5
//       --benchmark_report_aggregates_only=true --benchmark_out=bench.json
//   (one command line)
//
// items_per_second is schedules per second. Each iteration is one complete
// run: fresh run dir, setup, launch, schedule to completion, physical checks,
// cleanup — what `prunecheck explore` does per run.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include "harness/engine/controlled_run.h"
#include "harness/process/process_actor.h"
#include "harness/strategy/strategy.h"
#include "pruner/base/local_time_zone.h"

namespace prunecheck::harness {
namespace {

ActorSpec Actor(const char* name, Role role, const char* package) {
  ActorSpec a;
  a.name = name;
  a.role = role;
  a.profile = "reference";
  a.package = package;
  return a;
}

RunConfig ThreeActors() {
  RunConfig c;
  c.setup.push_back({SetupKind::kInstall, "reference", "demo", 0});
  c.actors.push_back(Actor("installer", Role::kInstall, "other"));
  c.actors.push_back(Actor("reader", Role::kRead, "demo"));
  c.actors.push_back(Actor("pruner", Role::kPrune, "demo"));
  c.fixture_files = 4;
  return c;
}

std::string CacheActorPath() {
  if (const char* env = std::getenv("PRUNECHECK_CACHE_ACTOR")) return env;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe");
  return (self.parent_path().parent_path() / "pruner" / "cache-actor").string();
}

void RunSchedules(benchmark::State& state, Transport transport, bool pooled = false) {
  RunConfig config = ThreeActors();
  RunOptions options;
  options.transport = transport;
  options.cache_actor = CacheActorPath();
  // As prunecheck explore does: run directories under DefaultRunBaseDir()
  // (PRUNECHECK_BENCH_BASE_DIR to measure another file system), passed
  // ones removed on the reaper's thread while the next run goes on.
  if (const char* b = std::getenv("PRUNECHECK_BENCH_BASE_DIR")) options.base_dir = b;
  RunDirectoryReaper reaper;
  options.reaper = &reaper;
  // One pool for every iteration, as one prunecheck command has: its start-up
  // (the first iteration) is part of the measurement, amortized.
  std::unique_ptr<CacheActorPool> pool;
  if (pooled) pool = std::make_unique<CacheActorPool>(options.cache_actor);
  options.pool = pool.get();
  std::unique_ptr<Strategy> strategy = MakeRandomStrategy(1);
  uint64_t seed = 1;
  int64_t failures = 0;
  RunPhaseSeconds phases;
  int64_t steps = 0;
  for (auto _ : state) {
    RunResult r = RunControlled(config, *strategy, seed++, options);
    if (!r.error.ok()) {
      state.SkipWithError(r.error.ToString().c_str());
      break;
    }
    failures += r.passed ? 0 : 1;
    steps += r.steps;
    phases.prepare += r.phases.prepare;
    phases.launch += r.phases.launch;
    phases.schedule += r.phases.schedule;
    phases.finish += r.phases.finish;
    phases.check += r.phases.check;
    phases.cleanup += r.phases.cleanup;
    benchmark::DoNotOptimize(r.steps);
  }
  reaper.Drain();
  state.SetItemsProcessed(state.iterations());
  state.counters["failing_runs"] = static_cast<double>(failures);
  // Mean seconds per run in each phase (RunPhaseSeconds), shown as "…/run",
  // and mean steps per run (schedule / steps: the cost of one step).
  const double runs = static_cast<double>(state.iterations());
  state.counters["steps"] = benchmark::Counter(runs > 0 ? static_cast<double>(steps) / runs : 0);
  for (auto [name, total] : {std::pair<const char*, double>{"prepare", phases.prepare}, {"launch", phases.launch},
                             {"schedule", phases.schedule}, {"finish", phases.finish}, {"check", phases.check},
                             {"cleanup", phases.cleanup}}) {
    state.counters[name] = benchmark::Counter(runs > 0 ? total / runs : 0);
  }
}

void BM_ControlledSchedule_MultiProcess(benchmark::State& state) {
  RunSchedules(state, Transport::kProcess, /*pooled=*/true);
}
void BM_ControlledSchedule_MultiProcessFreshProcesses(benchmark::State& state) {
  RunSchedules(state, Transport::kProcess);
}
void BM_ControlledSchedule_InProcess(benchmark::State& state) { RunSchedules(state, Transport::kThread); }
void BM_ControlledSchedule_InMemory(benchmark::State& state) { RunSchedules(state, Transport::kMemory); }

// In-memory first: it is measured, as `prunecheck explore --transport
// memory` runs, in a process that has never had a second thread (glibc's
// malloc drops its single-thread fast paths for good once one exists, and
// the on-disk benchmarks start the reaper's).
BENCHMARK(BM_ControlledSchedule_InMemory)->Unit(benchmark::kMicrosecond)->MinTime(3.0)->UseRealTime();
BENCHMARK(BM_ControlledSchedule_InProcess)->Unit(benchmark::kMicrosecond)->MinTime(3.0)->UseRealTime();
BENCHMARK(BM_ControlledSchedule_MultiProcess)->Unit(benchmark::kMillisecond)->MinTime(3.0)->UseRealTime();
BENCHMARK(BM_ControlledSchedule_MultiProcessFreshProcesses)->Unit(benchmark::kMillisecond)->MinTime(3.0)->UseRealTime();

}  // namespace
}  // namespace prunecheck::harness

int main(int argc, char** argv) {
  prunecheck::PinLocalTimeZone();  // as prunecheck and cache-actor do
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
