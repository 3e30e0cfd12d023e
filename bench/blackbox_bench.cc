// What syscall control of an unmodified binary costs (issue 8):
//
//   * BM_PrunerRole/<player>: controlled schedules per second of one
//     scenario — an installer and a reader of a cached wheel (cache-actor,
//     reference) and a pruner — with the pruner played by cache-actor
//     (`reference`, a fresh process per run) and by the bash black box
//     harness/examples/lock_respecting_pruner.sh under seccomp user
//     notification, side by side in one run. Counters: steps per run and the
//     pruner's own steps per run (for the black box: its intercepted calls
//     inside the cache, each one a scheduling point).
//   * BM_InterceptedSyscall/<mode>: one black box alone that makes 200
//     calls inside the cache (`: > {cache}/f` in a bash loop: one openat
//     each), syscall-controlled and free (--black-box-free: no filter), side
//     by side. The difference per call is the cost of one intercepted call:
//     notification, the harness's argument reading and path resolution, the
//     scheduling step, and the continue.
//
//   build/default/bench/blackbox_bench --benchmark_repetitions=5
//       --benchmark_enable_random_interleaving=true --benchmark_report_aggregates_only=true
//   (one command line)
//
// items_per_second is schedules (runs) per second; bench/README.md has the
// figures.
#include <benchmark/benchmark.h>

#include <string>

#include "harness/engine/controlled_run.h"
#include "harness/engine/explorer.h"
#include "harness/process/process_actor.h"

namespace prunecheck::harness {
namespace {

ActorSpec CacheActor(const char* name, Role role, const char* package) {
  ActorSpec a;
  a.name = name;
  a.role = role;
  a.profile = "reference";
  a.package = package;
  return a;
}

ActorSpec BlackBox(const char* name, const std::string& shell_command, bool free_running) {
  ActorSpec a;
  a.name = name;
  a.role = Role::kCommand;
  a.command = {"/bin/sh", "-c", shell_command};
  a.black_box = true;
  a.free_running = free_running;
  return a;
}

struct Tally {
  int64_t runs = 0;
  int64_t steps = 0;
  int64_t actor_steps = 0;  // steps of the actor named `who`
};

// One iteration = one Explore() of `batch` runs, --jobs 1, fresh processes.
void Explore(benchmark::State& state, const RunConfig& config, int batch, const std::string& who) {
  ExplorerOptions eo;
  eo.strategy = "random";
  eo.runs = batch;
  eo.jobs = 1;
  eo.minimize = false;
  eo.keep_going = true;
  eo.run.transport = Transport::kProcess;
  eo.run.cache_actor = DefaultCacheActorPath();
  eo.remove_failed_run_dirs = true;
  size_t who_index = config.actors.size();
  for (size_t i = 0; i < config.actors.size(); ++i) {
    if (config.actors[i].name == who) who_index = i;
  }
  Tally t;
  int64_t failing = 0;
  eo.on_run = [&](int, const RunResult& r) {
    ++t.runs;
    t.steps += r.steps;
    for (int c : r.choices) t.actor_steps += static_cast<size_t>(c) == who_index ? 1 : 0;
  };
  uint64_t seed = 1;
  for (auto _ : state) {
    eo.seed = seed;
    seed += static_cast<uint64_t>(batch);
    ExploreResult r = harness::Explore(config, eo);
    if (!r.error.ok()) {
      state.SkipWithError(r.error.ToString().c_str());
      break;
    }
    failing += r.failing;
  }
  state.SetItemsProcessed(t.runs);
  const double n = t.runs > 0 ? static_cast<double>(t.runs) : 1;
  state.counters["failing_runs"] = static_cast<double>(failing);
  state.counters["steps"] = static_cast<double>(t.steps) / n;
  state.counters["actor_steps"] = static_cast<double>(t.actor_steps) / n;
}

RunConfig ClientsWithPruner(ActorSpec pruner) {
  RunConfig c;
  c.setup.push_back({SetupKind::kInstall, "reference", "demo", 0});
  c.setup.push_back({SetupKind::kRefresh, "reference", "demo", 0});  // an unreferenced archive to prune
  c.actors.push_back(CacheActor("installer", Role::kInstall, "other"));
  c.actors.push_back(CacheActor("reader", Role::kRead, "demo"));
  c.actors.push_back(std::move(pruner));
  c.fixture_files = 4;
  return c;
}

void BM_PrunerRole_CacheActor(benchmark::State& state) {
  Explore(state, ClientsWithPruner(CacheActor("pruner", Role::kPrune, "demo")), 10, "pruner");
}

void BM_PrunerRole_BashBlackBox(benchmark::State& state) {
  const std::string script = std::string(PRUNECHECK_SOURCE_DIR) + "/harness/examples/lock_respecting_pruner.sh";
  Explore(state, ClientsWithPruner(BlackBox("pruner", "bash " + script + " {cache}", false)), 3, "pruner");
}

constexpr int kCalls = 200;

RunConfig CallsAlone(bool free_running) {
  RunConfig c;
  const std::string loop =
      "i=0; while [ $i -lt " + std::to_string(kCalls) + " ]; do : > {cache}/bench-file; i=$((i+1)); done";
  c.actors.push_back(BlackBox("caller", loop, free_running));
  return c;
}

void BM_InterceptedSyscall_Controlled(benchmark::State& state) {
  Explore(state, CallsAlone(false), 5, "caller");
  state.counters["calls"] = kCalls;
}

void BM_InterceptedSyscall_Free(benchmark::State& state) {
  Explore(state, CallsAlone(true), 5, "caller");
  state.counters["calls"] = kCalls;
}

BENCHMARK(BM_PrunerRole_CacheActor)->Unit(benchmark::kMillisecond)->MinTime(3.0)->UseRealTime();
BENCHMARK(BM_PrunerRole_BashBlackBox)->Unit(benchmark::kMillisecond)->MinTime(3.0)->UseRealTime();
BENCHMARK(BM_InterceptedSyscall_Controlled)->Unit(benchmark::kMillisecond)->MinTime(3.0)->UseRealTime();
BENCHMARK(BM_InterceptedSyscall_Free)->Unit(benchmark::kMillisecond)->MinTime(3.0)->UseRealTime();

}  // namespace
}  // namespace prunecheck::harness
