#include <cstdint>
#include <functional>
#include <random>
#include <set>
#include <vector>

#include <gtest/gtest.h>

#include "harness/strategy/strategy.h"
#include "harness/strategy/toy_program_test_support.h"

namespace prunecheck::harness {
namespace {

struct Exploration {
  std::vector<std::vector<int>> schedules;  // in run order
  bool ended = false;                       // exhausted() turned true
  bool bad_pick = false;
  bool diverged = false;                    // some run reported diverged()
};

Exploration Explore(Strategy& s, const std::vector<int>& program, int max_runs = 100000) {
  Exploration e;
  for (int run = 0; run < max_runs && !e.ended; ++run) {
    EXPECT_FALSE(s.exhausted());
    toy::ToyRun r = toy::RunToy(s, program);
    e.bad_pick = e.bad_pick || r.bad_pick;
    e.schedules.push_back(r.choices);
    e.ended = !r.more;
    e.diverged = e.diverged || s.diverged();
    EXPECT_EQ(s.exhausted(), e.ended);
  }
  return e;
}

// Every interleaving of `program`, brute force.
std::set<std::vector<int>> AllInterleavings(const std::vector<int>& program, int bound) {
  std::set<std::vector<int>> out;
  std::vector<int> left = program;
  std::vector<int> cur;
  std::function<void()> rec = [&] {
    bool any = false;
    for (size_t a = 0; a < left.size(); ++a) {
      if (left[a] == 0) continue;
      any = true;
      --left[a];
      cur.push_back(static_cast<int>(a));
      rec();
      cur.pop_back();
      ++left[a];
    }
    if (!any && toy::CountPreemptions(cur, program) <= bound) out.insert(cur);
  };
  rec();
  return out;
}

TEST(DfsStrategyTest, Name) { EXPECT_EQ(MakeDfsStrategy(2)->name(), "dfs:2"); }

TEST(DfsStrategyTest, TwoByTwoBoundZeroIsNonPreemptive) {
  auto s = MakeDfsStrategy(0);
  Exploration e = Explore(*s, {2, 2});
  EXPECT_TRUE(e.ended);
  EXPECT_EQ(e.schedules, (std::vector<std::vector<int>>{{0, 0, 1, 1}, {1, 1, 0, 0}}));
}

TEST(DfsStrategyTest, TwoByTwoBigBoundIsAllSixInterleavings) {
  auto s = MakeDfsStrategy(10);
  Exploration e = Explore(*s, {2, 2});
  EXPECT_TRUE(e.ended);
  ASSERT_EQ(e.schedules.size(), 6u);
  EXPECT_EQ(std::set<std::vector<int>>(e.schedules.begin(), e.schedules.end()), AllInterleavings({2, 2}, 10));
}

TEST(DfsStrategyTest, TwoByTwoBoundOne) {
  auto s = MakeDfsStrategy(1);
  Exploration e = Explore(*s, {2, 2});
  EXPECT_TRUE(e.ended);
  EXPECT_EQ(e.schedules.size(), 4u);  // all but 0101 and 1010
}

TEST(DfsStrategyTest, MatchesBruteForceAndEverySchedulesIsDistinct) {
  const std::vector<std::vector<int>> programs = {{2, 2}, {3, 2}, {2, 2, 2}, {1, 1, 1, 1}, {3, 1, 2}, {4}, {}};
  for (const auto& program : programs) {
    for (int bound = 0; bound <= 4; ++bound) {
      auto s = MakeDfsStrategy(bound);
      Exploration e = Explore(*s, program);
      EXPECT_TRUE(e.ended);
      EXPECT_FALSE(e.bad_pick);
      const std::set<std::vector<int>> got(e.schedules.begin(), e.schedules.end());
      EXPECT_EQ(got.size(), e.schedules.size()) << "a schedule repeated, bound " << bound;
      EXPECT_EQ(got, AllInterleavings(program, bound)) << "bound " << bound << ", " << program.size() << " actors";
    }
  }
}

TEST(DfsStrategyTest, ThreeByTwoUnboundedCount) {
  auto s = MakeDfsStrategy(100);
  EXPECT_EQ(Explore(*s, {2, 2, 2}).schedules.size(), 90u);  // 6! / (2! 2! 2!)
}

TEST(DfsStrategyTest, ExhaustedExactlyOnceAtTheEnd) {
  auto s = MakeDfsStrategy(1);
  int falses = 0;
  int runs = 0;
  while (falses == 0 && runs < 1000) {
    ++runs;
    if (!toy::RunToy(*s, {2, 1, 2}).more) ++falses;
  }
  EXPECT_EQ(falses, 1);
  EXPECT_TRUE(s->exhausted());
  EXPECT_EQ(static_cast<size_t>(runs), AllInterleavings({2, 1, 2}, 1).size());
}

TEST(DfsStrategyTest, BlockedOnlyStatesPickLowestBlockedWithoutAlternatives) {
  auto s = MakeDfsStrategy(5);
  s->BeginRun();
  SchedulingState st;
  st.actor_count = 3;
  st.blocked = {1, 2};
  EXPECT_EQ(s->Pick(st), 1);
  st.step = 1;
  st.last = 1;
  st.blocked.clear();
  EXPECT_EQ(s->Pick(st), -1);
  s->EndRun(1);
  EXPECT_TRUE(s->exhausted());
}

TEST(DfsStrategyTest, PicksEnabledOverBlocked) {
  auto s = MakeDfsStrategy(5);
  s->BeginRun();
  SchedulingState st;
  st.actor_count = 3;
  st.enabled = {2};
  st.blocked = {0, 1};
  EXPECT_EQ(s->Pick(st), 2);
  s->EndRun(1);
  EXPECT_TRUE(s->exhausted());
}

TEST(DfsStrategyTest, ADeterministicProgramNeverDiverges) {
  auto s = MakeDfsStrategy(2);
  Exploration e = Explore(*s, {2, 2, 1});
  EXPECT_TRUE(e.ended);
  EXPECT_FALSE(e.diverged);
}

TEST(DfsStrategyTest, ReportsDivergenceWhenTheProgramChangesShape) {
  // Run 2 replays run 1's prefix against a program with one step fewer for
  // actor 0: the recorded choice is not runnable, so the run diverged, and
  // the next clean run clears the flag again.
  auto s = MakeDfsStrategy(2);
  toy::RunToy(*s, {2, 1});
  EXPECT_FALSE(s->diverged());
  toy::RunToy(*s, {0, 1});
  EXPECT_TRUE(s->diverged());
  s->BeginRun();
  EXPECT_FALSE(s->diverged());
}

TEST(DfsStrategyTest, SurvivesANondeterministicProgram) {
  // The program changes shape from run to run; replays then find recorded
  // actors missing. The search must neither pick a finished actor nor loop.
  auto s = MakeDfsStrategy(2);
  const std::vector<std::vector<int>> shapes = {{2, 2, 1}, {1, 3}, {3, 0, 2}, {2, 2, 1, 1}};
  int runs = 0;
  bool more = true;
  while (more && runs < 10000) {
    toy::ToyRun r = toy::RunToy(*s, shapes[static_cast<size_t>(runs) % shapes.size()]);
    ASSERT_FALSE(r.bad_pick) << runs;
    more = r.more;
    ++runs;
  }
  EXPECT_FALSE(more);
  EXPECT_TRUE(s->exhausted());
}

TEST(DfsStrategyTest, TerminatesUnderRandomNondeterminism) {
  for (uint64_t seed = 0; seed < 20; ++seed) {
    std::mt19937_64 rng(seed);
    auto s = MakeDfsStrategy(3);
    int runs = 0;
    bool more = true;
    while (more && runs < 100000) {
      std::vector<int> shape;
      for (int a = 0; a < 3; ++a) shape.push_back(static_cast<int>(rng() % 4));
      toy::ToyRun r = toy::RunToy(*s, shape);
      ASSERT_FALSE(r.bad_pick);
      more = r.more;
      ++runs;
    }
    EXPECT_FALSE(more) << "seed " << seed << " still going after " << runs << " runs";
  }
}

}  // namespace
}  // namespace prunecheck::harness
