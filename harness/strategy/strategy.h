// Strategies: who runs next in controlled mode.
//
// The engine calls Pick() at every step with the actors that can run. A
// strategy is deterministic given its seed and the sequence of states it is
// shown, so (scenario, strategy, seed) fixes the run. Implementations:
//   random  uniformly among enabled actors
//   pct     Burckhardt et al., ASPLOS'10: random priorities, depth-1 change
//           points drawn over the step count observed in earlier runs
//   dfs     bounded exhaustive search over schedules with at most `bound`
//           preemptions; NextRun() says when the space is exhausted
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
  // Called after each run with the number of steps it took. Returns false
  // when the strategy has no further distinct schedule to offer (dfs).
  virtual bool EndRun(int steps_taken) { (void)steps_taken; return true; }
  // True once an exhaustive strategy has covered its whole space.
  virtual bool exhausted() const { return false; }
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

class ReplayStrategy : public Strategy {
 public:
  virtual bool diverged() const = 0;
};

// Parses "random", "pct", "pct:3" (depth), "dfs", "dfs:2" (preemption bound).
Result<std::unique_ptr<Strategy>> MakeStrategy(const std::string& spec, uint64_t seed);

// Shrinks a failing choice sequence: tries dropping chunks of steps and
// replacing preemptions (a switch away from an actor that could continue)
// with continuations, keeping each change for which `still_fails` holds.
// Returns the smallest sequence found; `still_fails(result)` is true.
// `budget` bounds the number of still_fails calls.
std::vector<int> MinimizeChoices(std::vector<int> choices,
                                 const std::function<bool(const std::vector<int>&)>& still_fails,
                                 int budget = 200);

}  // namespace prunecheck::harness
