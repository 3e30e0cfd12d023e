#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

#include <gtest/gtest.h>

#include "harness/strategy/strategy.h"
#include "harness/strategy/toy_program_test_support.h"

namespace prunecheck::harness {
namespace {

SchedulingState State(std::vector<int> enabled, std::vector<int> blocked, int last = -1, int step = 0) {
  SchedulingState s;
  s.step = step;
  s.enabled = std::move(enabled);
  s.blocked = std::move(blocked);
  s.last = last;
  s.actor_count = 6;
  return s;
}

std::vector<int> Picks(Strategy& s, int n) {
  std::vector<int> out;
  for (int i = 0; i < n; ++i) out.push_back(s.Pick(State({0, 1, 2, 3}, {}, i == 0 ? -1 : out.back(), i)));
  return out;
}

TEST(RandomStrategyTest, Name) { EXPECT_EQ(MakeRandomStrategy(1)->name(), "random"); }

TEST(RandomStrategyTest, PicksOnlyEnabled) {
  auto s = MakeRandomStrategy(7);
  s->BeginRun();
  for (int i = 0; i < 1000; ++i) {
    const int p = s->Pick(State({1, 3, 4}, {0, 2, 5}, -1, i));
    EXPECT_TRUE(p == 1 || p == 3 || p == 4) << p;
  }
}

TEST(RandomStrategyTest, FallsBackToBlockedOnlyWhenNobodyIsEnabled) {
  auto s = MakeRandomStrategy(7);
  s->BeginRun();
  std::map<int, int> seen;
  for (int i = 0; i < 300; ++i) {
    const int p = s->Pick(State({}, {2, 5}, -1, i));
    ASSERT_TRUE(p == 2 || p == 5) << p;
    ++seen[p];
  }
  EXPECT_EQ(seen.size(), 2u);  // uniform among blocked, not always the lowest
  EXPECT_EQ(s->Pick(State({}, {})), -1);
}

TEST(RandomStrategyTest, ReproducibleWithSameSeed) {
  auto a = MakeRandomStrategy(12345);
  auto b = MakeRandomStrategy(12345);
  for (int run = 0; run < 20; ++run) {
    EXPECT_EQ(toy::RunToy(*a, {3, 5, 2, 4}).choices, toy::RunToy(*b, {3, 5, 2, 4}).choices) << run;
  }
}

TEST(RandomStrategyTest, DiffersWithDifferentSeeds) {
  auto a = MakeRandomStrategy(1);
  auto b = MakeRandomStrategy(2);
  EXPECT_NE(Picks(*a, 200), Picks(*b, 200));
}

TEST(RandomStrategyTest, RoughlyUniform) {
  auto s = MakeRandomStrategy(99);
  std::map<int, int> count;
  for (int p : Picks(*s, 8000)) ++count[p];
  ASSERT_EQ(count.size(), 4u);
  for (const auto& [actor, n] : count) EXPECT_NEAR(n, 2000, 200) << actor;
}

// mt19937_64's output is fixed by the standard and the draw is our own, so
// this sequence must be the same with every standard library. If it changes,
// recorded seeds stop reproducing their runs.
TEST(RandomStrategyTest, PortableGoldenSequence) {
  auto s = MakeRandomStrategy(42);
  EXPECT_EQ(Picks(*s, 16), (std::vector<int>{2, 0, 2, 2, 1, 0, 0, 0, 2, 1, 3, 2, 0, 2, 1, 0}));
}

}  // namespace
}  // namespace prunecheck::harness
