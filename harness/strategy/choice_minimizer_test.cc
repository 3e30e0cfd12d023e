#include <algorithm>
#include <cstdint>
#include <functional>
#include <iostream>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "harness/strategy/strategy.h"
#include "harness/strategy/toy_program_test_support.h"

namespace prunecheck::harness {
namespace {

bool HasSubsequence(const std::vector<int>& c, const std::vector<int>& pattern) {
  size_t j = 0;
  for (size_t i = 0; i < c.size() && j < pattern.size(); ++i) {
    if (c[i] == pattern[j]) ++j;
  }
  return j == pattern.size();
}

bool HasSubstring(const std::vector<int>& c, const std::vector<int>& pattern) {
  return std::search(c.begin(), c.end(), pattern.begin(), pattern.end()) != c.end();
}

std::vector<int> Noise(uint64_t seed, size_t n, int actors) {
  std::mt19937_64 rng(seed);
  std::vector<int> v;
  for (size_t i = 0; i < n; ++i) v.push_back(static_cast<int>(rng() % static_cast<uint64_t>(actors)));
  return v;
}

// Wraps a predicate, counting its calls.
struct Counted {
  std::function<bool(const std::vector<int>&)> pred;
  int calls = 0;
  std::function<bool(const std::vector<int>&)> fn() {
    return [this](const std::vector<int>& c) {
      ++calls;
      return pred(c);
    };
  }
};

TEST(ChoiceMinimizerTest, ShrinksToASubsequencePattern) {
  const std::vector<int> pattern = {2, 0, 1, 2};
  std::vector<int> input = Noise(1, 80, 3);
  ASSERT_TRUE(HasSubsequence(input, pattern));
  Counted c{[&](const std::vector<int>& v) { return HasSubsequence(v, pattern); }};
  EXPECT_EQ(MinimizeChoices(input, c.fn(), 1000), pattern);
  EXPECT_LE(c.calls, 1000);
  std::cout << "[subsequence, 80 -> 4] " << c.calls << " predicate calls\n";
}

TEST(ChoiceMinimizerTest, ShrinksToASubstringPatternWithinDefaultBudget) {
  const std::vector<int> pattern = {1, 0, 0, 1};
  std::vector<int> input = Noise(2, 30, 2);
  input.insert(input.begin() + 13, pattern.begin(), pattern.end());
  Counted c{[&](const std::vector<int>& v) { return HasSubstring(v, pattern); }};
  EXPECT_EQ(MinimizeChoices(input, c.fn()), pattern);
  EXPECT_LE(c.calls, 200);
  std::cout << "[substring, 34 -> 4] " << c.calls << " predicate calls\n";
}

TEST(ChoiceMinimizerTest, BudgetIsRespectedAndResultStillFails) {
  const std::vector<int> pattern = {2, 0, 1, 2};
  const std::vector<int> input = Noise(3, 200, 3);
  ASSERT_TRUE(HasSubsequence(input, pattern));
  for (int budget : {0, 1, 5, 17, 40}) {
    Counted c{[&](const std::vector<int>& v) { return HasSubsequence(v, pattern); }};
    const std::vector<int> out = MinimizeChoices(input, c.fn(), budget);
    EXPECT_LE(c.calls, budget);
    EXPECT_TRUE(HasSubsequence(out, pattern)) << budget;
    EXPECT_LE(out.size(), input.size());
    if (budget == 0) {
      EXPECT_EQ(out, input);
    }
  }
}

TEST(ChoiceMinimizerTest, ReplacesPreemptionsWithContinuations) {
  // Length 4 is needed and only position 3 matters: the switches before it
  // become continuations.
  auto fails = [](const std::vector<int>& v) { return v.size() >= 4 && v[3] == 1; };
  const std::vector<int> out = MinimizeChoices({0, 1, 0, 1, 0, 1, 0, 1}, fails);
  EXPECT_EQ(out, (std::vector<int>{0, 0, 0, 1}));
}

TEST(ChoiceMinimizerTest, Deterministic) {
  const std::vector<int> pattern = {0, 2, 2, 1};
  const std::vector<int> input = Noise(4, 120, 3);
  std::vector<std::vector<int>> log1, log2;
  auto out1 = MinimizeChoices(input, [&](const std::vector<int>& v) {
    log1.push_back(v);
    return HasSubsequence(v, pattern);
  });
  auto out2 = MinimizeChoices(input, [&](const std::vector<int>& v) {
    log2.push_back(v);
    return HasSubsequence(v, pattern);
  });
  EXPECT_EQ(out1, out2);
  EXPECT_EQ(log1, log2);
}

TEST(ChoiceMinimizerTest, EndToEndWithReplayOnTheToyProgram) {
  // Find the planted bug with random, then shrink its trace; each candidate
  // is judged by replaying it (with fallback) on the toy program.
  const std::vector<int> program = {4, 4, 3};
  auto random = MakeRandomStrategy(8);
  std::vector<int> failing;
  for (int run = 0; run < 1000 && failing.empty(); ++run) {
    toy::ToyRun r = toy::RunToy(*random, program);
    if (toy::PlantedBug(r.choices)) failing = r.choices;
  }
  ASSERT_FALSE(failing.empty());
  auto still_fails = [&](const std::vector<int>& c) {
    auto replay = MakeReplayStrategy(c);
    return toy::PlantedBug(toy::RunToy(*replay, program).choices);
  };
  const std::vector<int> out = MinimizeChoices(failing, still_fails);
  EXPECT_TRUE(still_fails(out));
  EXPECT_EQ(out, (std::vector<int>{0, 0, 0, 1}));
  auto replay = MakeReplayStrategy(out);
  const std::vector<int> full = toy::RunToy(*replay, program).choices;
  EXPECT_FALSE(replay->diverged());
  EXPECT_EQ(toy::CountPreemptions(full, program), 1);
}

}  // namespace
}  // namespace prunecheck::harness
