// Strategies: who runs next in controlled mode.
//
// The engine calls Pick() at every step with the actors that can run. A
// strategy is deterministic given its seed and the sequence of states it is
// shown, so (scenario, strategy, seed) fixes the run. Implementations:
//   random  uniformly among enabled actors
//   pct     Burckhardt et al., ASPLOS'10: random priorities, depth-1 change
//           points drawn over the step count observed in earlier runs
//   dfs     bounded exhaustive search over schedules with at most `bound`
//           preemptions; exhausted() says when it has nothing left to offer
//   replay  the choices of a recorded trace (lenient: see ReplayStrategy)
//
// Thread-safety: not thread-safe; one engine drives one strategy.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "pruner/base/status.h"

namespace prunecheck::harness {

struct SchedulingState {
  int step = 0;                 // 0-based index of this choice in the run
  std::vector<int> enabled;     // actors at a yield point, ascending
  std::vector<int> blocked;     // actors waiting for a lock, ascending
  int last = -1;                // the actor that ran the previous step, or -1
  int actor_count = 0;          // total actors in the scenario
  std::vector<std::string> points;  // current yield point of each actor (index = actor), empty if none
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  virtual std::string name() const = 0;
  // Called before each run (including the first).
  virtual void BeginRun() {}
  // REQUIRES: state.enabled or state.blocked is non-empty. Returns one of
  // them; a blocked actor is only chosen when no actor is enabled (it retries
  // its lock), unless the strategy explores that deliberately.
  virtual int Pick(const SchedulingState& state) = 0;
  // Called after each run with the number of steps it took.
  virtual void EndRun(int steps_taken) { (void)steps_taken; }
  // The one exhaustion signal: true once the strategy has no further
  // distinct schedule to offer (dfs). Checked after EndRun. It does not by
  // itself mean the space was covered: a run that diverged() (the program
  // did not repeat itself) cost completeness, so "schedule space exhausted"
  // may only be claimed when exhausted() and no run diverged
  // (docs/design.md §7).
  virtual bool exhausted() const { return false; }
  // The error channel: not OK when the schedule cannot be followed (a script
  // step names an actor that finished or a point it already passed). Pick
  // then returns -1, the engine ends the run and reports this status as the
  // run's error. Cleared by BeginRun.
  virtual Status error() const { return Status(); }
  // True when the run just ended did not follow the strategy's own record
  // (replay: a recorded actor was not runnable; dfs: the recorded prefix
  // could not be replayed). Cleared by BeginRun.
  virtual bool diverged() const { return false; }
};

std::unique_ptr<Strategy> MakeRandomStrategy(uint64_t seed);
// depth >= 1; initial_steps: the step-count estimate before any run was seen.
std::unique_ptr<Strategy> MakePctStrategy(uint64_t seed, int depth, int initial_steps = 64);
std::unique_ptr<Strategy> MakeDfsStrategy(int preemption_bound);
// Plays `choices` (actor indices per step). When a recorded actor is not
// runnable, or the trace is exhausted, falls back to: the last actor if
// enabled, else the lowest enabled, else the lowest blocked. diverged() says
// whether any fallback was needed.
class ReplayStrategy;
std::unique_ptr<ReplayStrategy> MakeReplayStrategy(std::vector<int> choices);

class ReplayStrategy : public Strategy {};

// Parses "random", "pct", "pct:3" (depth), "dfs", "dfs:2" (preemption bound).
// pct_steps_estimate: pct's step-count estimate k before it has seen a run.
Result<std::unique_ptr<Strategy>> MakeStrategy(const std::string& spec, uint64_t seed, int pct_steps_estimate = 64);

// Shrinks a failing choice sequence: tries dropping chunks of steps and
// replacing preemptions (a switch away from an actor that could continue)
// with continuations, keeping each change for which `still_fails` holds.
// Returns the smallest sequence found; `still_fails(result)` is true.
// `budget` bounds the number of still_fails calls.
std::vector<int> MinimizeChoices(std::vector<int> choices,
                                 const std::function<bool(const std::vector<int>&)>& still_fails,
                                 int budget = 200);

}  // namespace prunecheck::harness
