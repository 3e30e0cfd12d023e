#include <vector>

#include <gtest/gtest.h>

#include "harness/strategy/strategy.h"
#include "harness/strategy/toy_program_test_support.h"

namespace prunecheck::harness {
namespace {

TEST(ReplayStrategyTest, Name) { EXPECT_EQ(MakeReplayStrategy({})->name(), "replay"); }

TEST(ReplayStrategyTest, ReproducesARecordedRun) {
  const std::vector<int> program = {3, 2, 4, 1};
  auto random = MakeRandomStrategy(31337);
  for (int i = 0; i < 10; ++i) {
    const std::vector<int> recorded = toy::RunToy(*random, program).choices;
    auto replay = MakeReplayStrategy(recorded);
    EXPECT_EQ(toy::RunToy(*replay, program).choices, recorded);
    EXPECT_FALSE(replay->diverged());
    // And again: BeginRun rewinds.
    EXPECT_EQ(toy::RunToy(*replay, program).choices, recorded);
    EXPECT_FALSE(replay->diverged());
  }
}

TEST(ReplayStrategyTest, UnrunnableChoiceDivergesAndFallsBack) {
  // Actor 0 has one step; the trace asks for it twice. The fallback continues
  // the previous actor (1) if enabled.
  auto replay = MakeReplayStrategy({0, 1, 0, 2});
  EXPECT_EQ(toy::RunToy(*replay, {1, 2, 1}).choices, (std::vector<int>{0, 1, 1, 2}));
  EXPECT_TRUE(replay->diverged());
  // The next run with a trace that fits clears the flag.
  auto fits = MakeReplayStrategy({0, 1, 1, 2});
  EXPECT_EQ(toy::RunToy(*fits, {1, 2, 1}).choices, (std::vector<int>{0, 1, 1, 2}));
  EXPECT_FALSE(fits->diverged());
}

TEST(ReplayStrategyTest, FallbackPicksLowestEnabledWhenLastCannotContinue) {
  auto replay = MakeReplayStrategy({1, 1, 7});
  EXPECT_EQ(toy::RunToy(*replay, {1, 2, 1}).choices, (std::vector<int>{1, 1, 0, 2}));
  EXPECT_TRUE(replay->diverged());
}

TEST(ReplayStrategyTest, RunningPastTheEndIsNotADivergence) {
  auto replay = MakeReplayStrategy({1});
  EXPECT_EQ(toy::RunToy(*replay, {2, 2}).choices, (std::vector<int>{1, 1, 0, 0}));
  EXPECT_FALSE(replay->diverged());
  auto empty = MakeReplayStrategy({});
  EXPECT_EQ(toy::RunToy(*empty, {2, 2}).choices, (std::vector<int>{0, 0, 1, 1}));
  EXPECT_FALSE(empty->diverged());
}

TEST(ReplayStrategyTest, BlockedActorsOnlyWhenNobodyIsEnabled) {
  auto replay = MakeReplayStrategy({2, 2, 0});
  replay->BeginRun();
  SchedulingState st;
  st.actor_count = 3;
  st.enabled = {1};
  st.blocked = {0, 2};
  EXPECT_EQ(replay->Pick(st), 1);  // 2 is blocked while 1 could run: divergence
  EXPECT_TRUE(replay->diverged());
  st.step = 1;
  st.last = 1;
  st.enabled.clear();
  EXPECT_EQ(replay->Pick(st), 2);  // nobody enabled: the blocked 2 retries as recorded
  st.step = 2;
  st.last = 2;
  st.blocked = {2};
  EXPECT_EQ(replay->Pick(st), 2);  // 0 is not runnable at all: lowest blocked
  st.blocked.clear();
  EXPECT_EQ(replay->Pick(st), -1);
}

}  // namespace
}  // namespace prunecheck::harness
