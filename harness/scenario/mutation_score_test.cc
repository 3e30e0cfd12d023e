// The mutation-score report: medians and the pinned JSON format. (Whether
// every mutant is killed is the ctest `mutation_score`, harness/CMakeLists.txt.)
#include "harness/scenario/mutation_score.h"

#include <gtest/gtest.h>

namespace prunecheck::harness {
namespace {

TEST(MutationScoreTest, MedianOfKilledRunsAndNoneForASurvivor) {
  EXPECT_EQ(MedianSchedules({5, 1, 3}), 3);
  EXPECT_EQ(MedianSchedules({4, 1, 3, 10}), 3.5);
  EXPECT_EQ(MedianSchedules({4, -1, 3}), -1);
  EXPECT_EQ(MedianSchedules({}), -1);
}

TEST(MutationScoreTest, FormatIsPinned) {
  MutationScoreOptions o;
  o.strategies = {"random", "pct:3"};
  o.seeds = 2;
  o.budget = 50;
  MutantScore deep;
  deep.mutant = "mutant-x";
  deep.scenario = "scenarios/x.toml";
  deep.invariant = "no-in-use-removal";
  deep.killed = true;
  deep.killed_by = "pct:3";
  deep.schedules = {{-1, 7}, {3, 5}};
  MutantScore none;
  none.mutant = "mutant-y";
  EXPECT_EQ(MutationScoreJson(o, {deep, none}).dump(),
            R"({"format":"prunecheck-mutation-score/1","budget":50,"seeds":2,"transport":"memory",)"
            R"("strategies":["random","pct:3"],"killed":1,"mutants":2,"results":[)"
            R"({"mutant":"mutant-x","scenario":"scenarios/x.toml","invariant":"no-in-use-removal","killed":true,)"
            R"("killed_by":"pct:3","by_strategy":{"random":{"schedules":[null,7],"median":null},)"
            R"("pct:3":{"schedules":[3,5],"median":4.0}}},)"
            R"({"mutant":"mutant-y","scenario":"","invariant":"","killed":false,"killed_by":"","by_strategy":{}}],)"
            R"("median_by_strategy":{"random":null,"pct:3":4.0}})");
}

}  // namespace
}  // namespace prunecheck::harness
