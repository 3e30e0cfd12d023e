// Test-only: a tiny simulated program for exercising strategies.
//
// Actor a has steps_per_actor[a] steps and is enabled until it has run them
// all; nobody ever blocks. RunToy drives a strategy through one run exactly
// as the engine would (BeginRun, Pick per step, EndRun) and records the
// schedule: choices[i] is the actor that ran step i.
#pragma once

#include <cstddef>
#include <vector>

#include "harness/strategy/strategy.h"

namespace prunecheck::harness::toy {

struct ToyRun {
  std::vector<int> choices;
  bool more = true;          // !exhausted() after EndRun
  bool bad_pick = false;     // the strategy picked someone not enabled
};

inline ToyRun RunToy(Strategy& strategy, const std::vector<int>& steps_per_actor) {
  ToyRun run;
  std::vector<int> left = steps_per_actor;
  SchedulingState state;
  state.actor_count = static_cast<int>(left.size());
  strategy.BeginRun();
  for (;;) {
    state.enabled.clear();
    for (size_t a = 0; a < left.size(); ++a) {
      if (left[a] > 0) state.enabled.push_back(static_cast<int>(a));
    }
    if (state.enabled.empty()) break;
    const int pick = strategy.Pick(state);
    if (pick < 0 || static_cast<size_t>(pick) >= left.size() || left[static_cast<size_t>(pick)] == 0) {
      run.bad_pick = true;
      break;
    }
    --left[static_cast<size_t>(pick)];
    run.choices.push_back(pick);
    state.last = pick;
    ++state.step;
  }
  strategy.EndRun(static_cast<int>(run.choices.size()));
  run.more = !strategy.exhausted();
  return run;
}

// The index (0-based) within `choices` of `actor`'s `nth` step, or -1.
inline int StepIndex(const std::vector<int>& choices, int actor, int nth) {
  int seen = 0;
  for (size_t i = 0; i < choices.size(); ++i) {
    if (choices[i] == actor && seen++ == nth) return static_cast<int>(i);
  }
  return -1;
}

// The planted bug: actor 1 runs its step 0 after actor 0's step 2 and before
// actor 0's step 3. PCT needs depth 2 for it: actor 0 must outrank actor 1,
// and one priority change must land exactly after actor 0's step 2.
inline bool PlantedBug(const std::vector<int>& choices) {
  const int a1s0 = StepIndex(choices, 1, 0);
  const int a0s2 = StepIndex(choices, 0, 2);
  const int a0s3 = StepIndex(choices, 0, 3);
  return a1s0 >= 0 && a0s2 >= 0 && a0s3 >= 0 && a0s2 < a1s0 && a1s0 < a0s3;
}

// Switches away from an actor that still had steps left.
inline int CountPreemptions(const std::vector<int>& choices, const std::vector<int>& steps_per_actor) {
  std::vector<int> left = steps_per_actor;
  int preemptions = 0;
  for (size_t i = 0; i < choices.size(); ++i) {
    if (i > 0 && choices[i] != choices[i - 1] && left[static_cast<size_t>(choices[i - 1])] > 0) ++preemptions;
    --left[static_cast<size_t>(choices[i])];
  }
  return preemptions;
}

}  // namespace prunecheck::harness::toy
