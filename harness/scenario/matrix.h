// The version matrix (`prunecheck matrix`): which protocol versions are safe
// together on one cache?
//
// Every cell pairs a client profile with a pruner profile (and a link mode).
// The clients install a new package, read a cached one and refresh it; the
// pruner prunes. The cache starts with the cached package installed by the
// client profile and aged two hours, with a one-hour grace (so mtime-based
// grace rules meet an old archive, as in astral-sh/uv#17211's review). Each
// cell is explored by the Explorer within a budget of schedules (and
// optionally seconds): it is safe within that budget, or unsafe with the
// violated invariant, the schedules to the first failure, and the minimal
// failing schedule saved as a scenario file (the --save-failure writer).
//
// Only safety counts: a try-lock pruner (pr-20116) that finds the cache busy
// and skips its prune is following its protocol; the checker's `progress`
// violation for it is counted per cell (pruner_skipped), not a finding.
//
// Output formats: MatrixJson (version kMatrixFormat, pinned by
// matrix_test.cc) and MatrixMarkdown (pruners down, clients across).
//
// Thread-safety: RunMatrix is called from one thread (its Explorers start
// their own workers); the rest are pure functions.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/engine/controlled_run.h"
#include "pruner/base/status.h"

namespace prunecheck::harness {

inline constexpr const char* kMatrixFormat = "prunecheck-matrix/1";

struct MatrixOptions {
  std::vector<std::string> clients;     // profile names (default: every real profile)
  std::vector<std::string> pruners;     // profile names (default: every real profile)
  std::vector<std::string> link_modes = {"hardlink"};
  std::string strategy = "pct:3";
  uint64_t seed = 1;
  int schedules = 300;          // per cell
  double seconds_per_cell = 0;  // > 0: also stop a cell after this long
  int jobs = 1;
  int shard_index = 0;          // cells i with i % shard_count == shard_index
  int shard_count = 1;
  Transport transport = Transport::kMemory;
  std::string cache_actor;
  std::string base_dir = DefaultRunBaseDir();
  std::string save_dir;         // minimal failing scenarios go here; empty: not saved
  // Called before and after each cell (done = cells finished so far).
  std::function<void(int done, int total, const std::string& cell)> on_progress;
};

struct MatrixCell {
  int index = 0;
  std::string client;
  std::string pruner;
  std::string link_mode;
  std::string verdict;     // "safe" | "unsafe" | "error"
  std::string invariant;   // unsafe: the violated invariant
  int schedules = 0;       // unsafe: schedules to the first failure; safe: schedules run
  bool covered = false;    // safe and the strategy covered its whole space
  int pruner_skipped = 0;  // runs in which a try-lock pruner found the cache busy and skipped (not a finding)
  double seconds = 0;
  std::string scenario;    // unsafe: the saved minimal scenario file
  std::string message;     // unsafe: the violation; error: what went wrong
};

// Whether `v` is a try-lock pruner's skip rather than a finding: a pruner
// whose profile only tries the root lock (pr-20116) found the cache busy,
// skipped its prune and exited kExitLock. That is its protocol, not a failure
// to make progress; the checker reports it as `progress`, and the matrix
// (which asks about safety) and the scenario properties do not count it.
bool IsTryLockSkip(const RunConfig& config, const RunResult& r, const HarnessViolation& v);

// The real (non-mutant) profiles, in registry order.
std::vector<std::string> RealProfiles();

// Validates names and budgets (kInvalidInput naming the option).
Status ValidateMatrixOptions(const MatrixOptions& o);

// REQUIRES: ValidateMatrixOptions(o).ok(). Cells in (pruner, client, link
// mode) order; with a shard, only its cells.
std::vector<MatrixCell> RunMatrix(const MatrixOptions& o);

// The run config of one cell.
RunConfig MatrixCellConfig(const std::string& client, const std::string& pruner, const std::string& link_mode);

nlohmann::ordered_json MatrixJson(const MatrixOptions& o, const std::vector<MatrixCell>& cells);
// A table per link mode: a row per pruner, a column per client.
std::string MatrixMarkdown(const MatrixOptions& o, const std::vector<MatrixCell>& cells);

}  // namespace prunecheck::harness
