// Explorer: the loop over the runs of one RunConfig (docs/design.md §7), in
// the shape of shuttle's Runner. It owns what every caller used to write
// again: seeds, exhaustion, interrupts, parallel workers, minimization of a
// failing schedule, re-recording its trace, run-directory bookkeeping,
// progress reports and the save-failure hook. `prunecheck explore`,
// `prunecheck run` (scenario files), `prunecheck matrix` and the schedules
// benchmark all call it; they only wire flags and print.
//
// Determinism per seed, whatever the number of workers:
//   - run i gets its own strategy, seeded with RunStrategySeed(seed, i), and
//     RunControlled's seed is seed + i (actor ids, random kills);
//   - pct's step-count estimate k is the step count of run 0, which runs
//     alone before any worker starts; every later run uses that k, so no
//     run depends on which other runs happened to finish first;
//   - the reported failure is the lowest-index failing run: workers stop
//     claiming runs past the lowest failure known, and the runs below it are
//     all waited for before the verdict;
//   - dfs keeps one strategy across runs (its stack is the search), so it
//     always runs on one worker; --jobs does not partition its frontier.
// A run index is claimed from one atomic counter; results are committed (and
// callbacks called) in index order on the calling thread.
//
// Each worker owns its strategy, its run's file system (a MemFileSystem per
// run in memory; a run directory per run on disk) and, on the process
// transport, its own CacheActorPool.
//
// --shard I/N: this Explorer runs only the indices i with i % N == I (of
// 0..runs-1), so N CI jobs cover the same runs one job would; pct's k is
// still the step count of run 0 (every shard runs it, shard 0 counts it).
//
// Thread-safety: Explore() is called from one thread at a time; it starts and
// joins its own workers. Callbacks run on the calling thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "harness/engine/controlled_run.h"
#include "harness/engine/run_config.h"
#include "harness/engine/run_report.h"
#include "harness/strategy/strategy.h"
#include "pruner/base/status.h"

namespace prunecheck::harness {

class CacheActorPool;

// The strategy seed of run `index` of an exploration seeded with `seed`
// (SplitMix64 of both, so neighbouring runs are unrelated).
uint64_t RunStrategySeed(uint64_t seed, int index);

struct ExploreProgress {
  int done = 0;       // runs committed so far
  int planned = 0;    // runs this explorer (shard) will try at most
  int failing = 0;
  double seconds = 0;
};

struct ExploreFailure {
  int index = 0;          // run index (0-based, over all shards)
  uint64_t seed = 0;      // RunControlled's seed of that run
  std::string invariant;  // the violation that made it a failure
  RunResult result;       // the (minimized, when asked) failing run
  Trace trace;            // its trace, re-recorded after minimization
  size_t original_steps = 0;  // choices before minimization
  int minimize_replays = 0;   // replays the minimizer spent
  bool minimized = false;     // result is the minimized run
};

struct ExplorerOptions {
  std::string strategy = "pct";  // MakeStrategy spelling; ignored when make_strategy is set
  // Scenario scripts and other custom strategies: run i's strategy. Called on
  // a worker thread; must be thread-safe. Such strategies run serially.
  std::function<Result<std::unique_ptr<Strategy>>(int index)> make_strategy;
  uint64_t seed = 1;
  int runs = 1000;
  double max_seconds = 0;  // > 0: claim no new run after this long
  int jobs = 1;            // parallel workers (forced to 1 for dfs and make_strategy)
  int shard_index = 0;
  int shard_count = 1;
  // transport, cache_actor, base_dir, keep. The reaper is the Explorer's; a
  // pool given here serves worker 0 (and minimization with one worker), so
  // a caller running many explorations starts its processes once.
  RunOptions run;
  bool pooled = true;      // process transport: serving cache-actor processes, one pool per worker
  bool minimize = true;
  int minimize_budget = 200;
  bool keep_going = false;  // go on after a failure (every failure is reported)
  // Which violation makes a run a failure; default: the first one. Return
  // nullopt for a run that counts as passed (e.g. only unchecked violations).
  std::function<std::optional<std::string>(const RunResult&)> failing_invariant;
  // Called for every committed run, in index order, before its directory is
  // removed (scenario runs gather unexpected violations here).
  std::function<void(int index, const RunResult&)> on_run;
  int progress_every = 0;  // 0: every ~2 s
  std::function<void(const ExploreProgress&)> on_progress;
  // The save-failure hook: each failure once minimized and re-recorded, with
  // a pool the hook may run replays on (nullptr off the process transport).
  std::function<void(const ExploreFailure&, CacheActorPool* pool)> on_failure;
  // Remove the failing runs' kept directories once reported (callers that
  // only want the verdict); otherwise they stay for the user.
  bool remove_failed_run_dirs = false;
};

struct ExploreResult {
  int done = 0;            // runs committed (up to and including the deciding failure)
  int planned = 0;
  int failing = 0;
  double seconds = 0;
  bool exhausted = false;  // the strategy had nothing left to offer
  int diverged_runs = 0;   // runs that did not follow the strategy's own record
  // The space was covered: exhausted, and no run diverged (only then may
  // "schedule space exhausted" be said).
  bool covered() const { return exhausted && diverged_runs == 0; }
  bool out_of_time = false;  // max_seconds ended the search
  std::vector<ExploreFailure> failures;  // in index order
  Status error;            // a run the harness could not carry out (or a strategy error)
  int error_index = -1;
  bool error_from_strategy = false;  // error is the strategy's (Strategy::error): the schedule cannot be followed
  std::string error_run_dir;  // its kept directory, if any
  bool interrupted = false;   // SIGINT/SIGTERM: everything was cleaned up; re-raise it
  int steps_estimate = 0;     // pct's k (step count of run 0)
  int jobs = 1;               // workers actually used
};

// Validates the options (strategy spelling, shard, jobs, runs):
// kInvalidInput naming the option.
Status ValidateExplorerOptions(const ExplorerOptions& options);

// REQUIRES: ValidateExplorerOptions(options).ok(); Validate(config).ok().
ExploreResult Explore(const RunConfig& config, const ExplorerOptions& options);

// The number of cores this process may use (at least 1): --jobs' default.
int DefaultJobs();

}  // namespace prunecheck::harness
