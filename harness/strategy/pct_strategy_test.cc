#include <algorithm>
#include <cstdint>
#include <iostream>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "harness/strategy/strategy.h"
#include "harness/strategy/toy_program_test_support.h"

namespace prunecheck::harness {
namespace {

// Runs of `strategy` on `program` until PlantedBug shows; the 1-based run
// number, or 0 if not within `max_runs`. *hits counts all buggy runs.
int FirstBugRun(Strategy& strategy, const std::vector<int>& program, int max_runs, int* hits) {
  int first = 0;
  *hits = 0;
  for (int run = 1; run <= max_runs; ++run) {
    if (toy::PlantedBug(toy::RunToy(strategy, program).choices)) {
      ++*hits;
      if (first == 0) first = run;
    }
  }
  return first;
}

TEST(PctStrategyTest, Name) { EXPECT_EQ(MakePctStrategy(1, 3)->name(), "pct:3"); }

TEST(PctStrategyTest, PicksOnlyEnabledThenBlocked) {
  auto s = MakePctStrategy(5, 3);
  s->BeginRun();
  SchedulingState st;
  st.actor_count = 4;
  st.enabled = {1, 3};
  st.blocked = {0, 2};
  for (st.step = 0; st.step < 50; ++st.step) {
    const int p = s->Pick(st);
    ASSERT_TRUE(p == 1 || p == 3) << p;
    st.last = p;
  }
  st.enabled.clear();
  const int p = s->Pick(st);
  EXPECT_TRUE(p == 0 || p == 2) << p;
  st.blocked.clear();
  EXPECT_EQ(s->Pick(st), -1);
}

TEST(PctStrategyTest, DepthOneNeverPreempts) {
  const std::vector<int> program = {5, 5, 5, 2};
  for (uint64_t seed = 0; seed < 50; ++seed) {
    auto s = MakePctStrategy(seed, 1);
    for (int run = 0; run < 5; ++run) {
      toy::ToyRun r = toy::RunToy(*s, program);
      ASSERT_FALSE(r.bad_pick);
      EXPECT_EQ(toy::CountPreemptions(r.choices, program), 0) << "seed " << seed << " run " << run;
    }
  }
}

TEST(PctStrategyTest, AllInitialOrdersAppear) {
  auto s = MakePctStrategy(3, 1);
  std::set<int> first_actor;
  for (int run = 0; run < 100; ++run) first_actor.insert(toy::RunToy(*s, {2, 2, 2}).choices.front());
  EXPECT_EQ(first_actor, (std::set<int>{0, 1, 2}));
}

TEST(PctStrategyTest, ChangePointLowersTheLastActor) {
  // initial_steps = 1 puts the single change point of depth 2 at step 1: the
  // actor that ran step 0 drops below everyone, the other runs to the end.
  for (uint64_t seed = 0; seed < 20; ++seed) {
    auto s = MakePctStrategy(seed, 2, /*initial_steps=*/1);
    const std::vector<int> c = toy::RunToy(*s, {3, 3}).choices;
    const int x = c[0];
    EXPECT_EQ(c, (std::vector<int>{x, 1 - x, 1 - x, 1 - x, x, x})) << seed;
  }
}

TEST(PctStrategyTest, StepBoundFollowsObservedRuns) {
  // Before any run k is the (huge) estimate; afterwards it is the observed
  // 6 steps, so the change point lands inside the run and often preempts
  // (at step 1 or 2 of 6 possible points).
  auto s = MakePctStrategy(11, 2, /*initial_steps=*/100000);
  const std::vector<int> program = {3, 3};
  EXPECT_EQ(toy::CountPreemptions(toy::RunToy(*s, program).choices, program), 0);
  int preempting = 0;
  for (int run = 0; run < 300; ++run) {
    preempting += toy::CountPreemptions(toy::RunToy(*s, program).choices, program) > 0 ? 1 : 0;
  }
  EXPECT_GT(preempting, 60);   // expected ~100 (2/6)
  EXPECT_LT(preempting, 140);
}

TEST(PctStrategyTest, DeterministicPerSeedAndRunsDiffer) {
  auto a = MakePctStrategy(77, 3);
  auto b = MakePctStrategy(77, 3);
  std::set<std::vector<int>> distinct;
  for (int run = 0; run < 30; ++run) {
    const std::vector<int> ca = toy::RunToy(*a, {4, 3, 5}).choices;
    EXPECT_EQ(ca, toy::RunToy(*b, {4, 3, 5}).choices) << run;
    distinct.insert(ca);
  }
  EXPECT_GT(distinct.size(), 5u);
}

TEST(PctStrategyTest, DepthTwoFindsPlantedBug) {
  auto s = MakePctStrategy(2024, 2);
  int hits = 0;
  const int first = FirstBugRun(*s, {4, 4}, 200, &hits);
  EXPECT_GT(first, 0);
  std::cout << "[pct:2 seed 2024, program {4,4}] first bug at run " << first << ", " << hits << "/200 runs buggy\n";
}

TEST(PctStrategyTest, DepthOneCannotFindPlantedBug) {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    auto s = MakePctStrategy(seed, 1);
    int hits = 0;
    EXPECT_EQ(FirstBugRun(*s, {4, 4}, 50, &hits), 0);
  }
}

// Empirical rates over many seeds; the guarantee is >= 1/(n*k^(d-1)) per run
// once k has been observed (the first run uses the default estimate of 64).
TEST(PctStrategyTest, EmpiricalFindRates) {
  struct Case {
    std::vector<int> program;
    int depth;
  };
  const std::vector<Case> cases = {{{4, 4}, 2}, {{4, 4}, 3}, {{4, 4, 4}, 2}, {{4, 4, 4}, 3}, {{6, 6, 6, 6}, 2}};
  constexpr int kSeeds = 100;
  constexpr int kRuns = 200;
  for (const Case& c : cases) {
    int total_hits = 0;
    int found = 0;
    long first_sum = 0;
    for (uint64_t seed = 0; seed < kSeeds; ++seed) {
      auto s = MakePctStrategy(seed, c.depth);
      int hits = 0;
      const int first = FirstBugRun(*s, c.program, kRuns, &hits);
      total_hits += hits;
      if (first > 0) {
        ++found;
        first_sum += first;
      }
    }
    int n = static_cast<int>(c.program.size());
    int k = 0;
    for (int x : c.program) k += x;
    double bound = 1.0 / n;
    for (int i = 1; i < c.depth; ++i) bound /= k;
    const double rate = static_cast<double>(total_hits) / (kSeeds * kRuns);
    std::cout << "[pct:" << c.depth << " n=" << n << " k=" << k << "] per-run rate " << rate << " (bound " << bound
              << "), found by " << found << "/" << kSeeds << " seeds within " << kRuns << " runs, mean first run "
              << (found ? static_cast<double>(first_sum) / found : 0.0) << "\n";
    // For {4,4} at depth 2 the bound is exact (actor 0 must outrank actor 1,
    // probability 1/2, and the one change point must be step 3, 1/8), so the
    // sample rate sits around it; allow sampling noise and the first run.
    EXPECT_GE(rate, 0.9 * bound);
    EXPECT_GE(found, kSeeds * 9 / 10);
  }
}

}  // namespace
}  // namespace prunecheck::harness
