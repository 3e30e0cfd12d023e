// Mutation score: is every built-in mutant (pruner/profiles/mutants.cc)
// killed by exploration, and how many schedules does each strategy need?
//
// A mutant's story is a scenario file that uses the mutant profile and
// expects a violation (scenarios/mutant-*.toml and others). Its run config
// (actors, setup, faults) is explored — not its script — by each strategy
// under several seeds, with the budget as the number of runs. The mutant is
// killed under (strategy, seed) when some run violates the scenario's
// expected invariant; schedules-to-kill is that run's index + 1. A mutant is
// killed when at least one strategy kills it under every seed within the
// budget (the others are figures to compare); with no such scenario, or no
// such strategy, it survives.
//
// Report format (version kMutationScoreFormat, pinned by
// mutation_score_test.cc): {"format", "budget", "seeds", "transport",
// "strategies", "killed", "mutants", "results": [{"mutant", "scenario",
// "invariant", "killed", "killed_by", "by_strategy": {STRATEGY: {"schedules": [per seed,
// null = not killed], "median": n | null}}}], "median_by_strategy"}.
//
// Thread-safety: one call at a time (each exploration starts its own workers).
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/engine/controlled_run.h"
#include "pruner/base/status.h"

namespace prunecheck::harness {

inline constexpr const char* kMutationScoreFormat = "prunecheck-mutation-score/1";

struct MutationScoreOptions {
  std::vector<std::string> scenario_paths;  // files or directories
  std::vector<std::string> strategies = {"random", "pct:3"};
  int seeds = 5;      // seeds 1..seeds
  int budget = 500;   // runs per (mutant, strategy, seed)
  int jobs = 1;
  Transport transport = Transport::kMemory;
  std::string cache_actor;
};

struct MutantScore {
  std::string mutant;
  std::string scenario;   // the story used (empty: none found)
  std::string invariant;  // what it must violate
  bool killed = false;    // some strategy killed it under every seed
  std::string killed_by;  // the first such strategy
  // [strategy][seed - 1]: schedules to kill, or -1 when not killed in budget.
  std::vector<std::vector<int>> schedules;
};

// The median of the killed entries' schedules; -1 when any is -1 (a
// survivor has no finite median) or the list is empty.
double MedianSchedules(const std::vector<int>& schedules);

Result<std::vector<MutantScore>> ScoreMutants(const MutationScoreOptions& o);

nlohmann::ordered_json MutationScoreJson(const MutationScoreOptions& o, const std::vector<MutantScore>& scores);

}  // namespace prunecheck::harness
