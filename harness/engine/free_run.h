// RunFree: free mode (stress). Every actor runs at once, as real processes;
// yield points add seeded random delays to widen race windows; events carry
// CLOCK_MONOTONIC stamps, and an inotify watcher stamps every removal in
// archive-v0 — so a black-box pruner (no channel) is judged against the
// in-use intervals the other actors report.
//
// A stress run is a series of rounds over one cache: each round launches
// every actor, waits for all of them, and checks; the cache carries over, as
// a real one does. It ends after `rounds` rounds or `duration`, whichever is
// first, then does the quiescence checks (including a final prune).
//
// Thread-safety: one run at a time per thread.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "harness/engine/controlled_run.h"

namespace prunecheck::harness {

struct FreeRunOptions {
  int rounds = 1000000;
  std::chrono::milliseconds duration{10000};
  int64_t max_delay_us = 2000;  // delay noise at each yield point
  bool watch_removals = true;   // inotify on archive-v0
  bool stop_at_first_violation = true;
  // Called after each round with (round, violations so far); for progress.
  std::function<void(int, size_t)> on_round;
};

struct FreeRunResult {
  bool passed = false;
  std::vector<HarnessViolation> violations;
  int rounds = 0;
  int actor_runs = 0;
  double seconds = 0;
  std::string run_dir;
  bool run_dir_kept = false;
  Status error;
};

FreeRunResult RunFree(const RunConfig& config, uint64_t seed, const RunOptions& options,
                      const FreeRunOptions& free);

}  // namespace prunecheck::harness
