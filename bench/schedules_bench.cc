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
// items_per_second is schedules per second. Each iteration is one Explore()
// of a batch of complete runs (fresh run dir, setup, launch, schedule to
// completion, physical checks, cleanup), with --jobs 1 and --jobs 2 side by
// side: the same Explorer `prunecheck explore` runs.
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <string>

#include "harness/engine/controlled_run.h"
#include "harness/engine/explorer.h"
#include "harness/process/process_actor.h"
#include "harness/strategy/strategy.h"

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

// One iteration = one Explore() of kBatch runs with state.range(0) workers,
// exactly as `prunecheck explore --runs kBatch --jobs N` runs them (its
// pools' start-up included, amortized over the batch).
void RunSchedules(benchmark::State& state, Transport transport, int batch, bool pooled = false) {
  RunConfig config = ThreeActors();
  ExplorerOptions eo;
  eo.strategy = "random";
  eo.runs = batch;
  eo.jobs = static_cast<int>(state.range(0));
  eo.minimize = false;
  eo.keep_going = true;  // a failing run (there should be none) does not end the batch early
  eo.run.transport = transport;
  eo.run.cache_actor = DefaultCacheActorPath();
  // As prunecheck explore does: run directories under DefaultRunBaseDir()
  // (PRUNECHECK_BENCH_BASE_DIR to measure another file system).
  if (const char* b = std::getenv("PRUNECHECK_BENCH_BASE_DIR")) eo.run.base_dir = b;
  eo.pooled = pooled;
  eo.remove_failed_run_dirs = true;
  uint64_t seed = 1;
  int64_t failures = 0;
  int64_t runs = 0;
  RunPhaseSeconds phases;
  int64_t steps = 0;
  eo.on_run = [&](int, const RunResult& r) {
    steps += r.steps;
    phases.prepare += r.phases.prepare;
    phases.launch += r.phases.launch;
    phases.schedule += r.phases.schedule;
    phases.finish += r.phases.finish;
    phases.check += r.phases.check;
    phases.cleanup += r.phases.cleanup;
  };
  for (auto _ : state) {
    eo.seed = seed;
    seed += static_cast<uint64_t>(batch);
    ExploreResult r = Explore(config, eo);
    if (!r.error.ok()) {
      state.SkipWithError(r.error.ToString().c_str());
      break;
    }
    failures += r.failing;
    runs += r.done;
    benchmark::DoNotOptimize(r.done);
  }
  state.SetItemsProcessed(runs);
  state.counters["failing_runs"] = static_cast<double>(failures);
  // Mean seconds per run in each phase (RunPhaseSeconds; summed over
  // workers), and mean steps per run (schedule / steps: the cost of one step).
  const double n = static_cast<double>(runs);
  state.counters["steps"] = benchmark::Counter(n > 0 ? static_cast<double>(steps) / n : 0);
  for (auto [name, total] : {std::pair<const char*, double>{"prepare", phases.prepare}, {"launch", phases.launch},
                             {"schedule", phases.schedule}, {"finish", phases.finish}, {"check", phases.check},
                             {"cleanup", phases.cleanup}}) {
    state.counters[name] = benchmark::Counter(n > 0 ? total / n : 0);
  }
}

void BM_ControlledSchedule_MultiProcess(benchmark::State& state) {
  RunSchedules(state, Transport::kProcess, 200, /*pooled=*/true);
}
void BM_ControlledSchedule_MultiProcessFreshProcesses(benchmark::State& state) {
  RunSchedules(state, Transport::kProcess, 10);
}
void BM_ControlledSchedule_InProcess(benchmark::State& state) { RunSchedules(state, Transport::kThread, 100); }
void BM_ControlledSchedule_InMemory(benchmark::State& state) { RunSchedules(state, Transport::kMemory, 400); }

// Arg = --jobs. Each transport's jobs:1 and jobs:2 run back to back, so their
// ratio is measured side by side (the --jobs 2 target: >= 1.7x on 2 cores;
// run with --benchmark_enable_random_interleaving=true, bench/README.md).
// In-memory jobs:1 first: it is measured, as `prunecheck explore --transport
// memory --jobs 1` runs, in a process that has never had a second thread
// (glibc's malloc drops its single-thread fast paths for good once one
// exists); every later jobs:1 figure pays for the threads before it, so the
// ratios are, if anything, understated.
BENCHMARK(BM_ControlledSchedule_InMemory)->Arg(1)->Arg(2)->ArgName("jobs")->Unit(benchmark::kMillisecond)->MinTime(3.0)->UseRealTime();
BENCHMARK(BM_ControlledSchedule_InProcess)->Arg(1)->Arg(2)->ArgName("jobs")->Unit(benchmark::kMillisecond)->MinTime(3.0)->UseRealTime();
BENCHMARK(BM_ControlledSchedule_MultiProcess)->Arg(1)->Arg(2)->ArgName("jobs")->Unit(benchmark::kMillisecond)->MinTime(3.0)->UseRealTime();
BENCHMARK(BM_ControlledSchedule_MultiProcessFreshProcesses)->Arg(1)->Arg(2)->ArgName("jobs")->Unit(benchmark::kMillisecond)->MinTime(3.0)->UseRealTime();

}  // namespace
}  // namespace prunecheck::harness
