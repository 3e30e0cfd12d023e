// `prunecheck merge`'s join of sharded explore results; the format is pinned.
#include "harness/engine/explore_result.h"

#include <gtest/gtest.h>

namespace prunecheck::harness {
namespace {

nlohmann::json Shard(int index, int count, int runs, std::vector<int> failing) {
  nlohmann::json failures = nlohmann::json::array();
  for (int i : failing) failures.push_back({{"run_index", i}, {"seed", 1 + i}, {"verdict", "violation"}});
  return {{"format", "prunecheck-explore/1"},
          {"strategy", "pct"},
          {"seed", 1},
          {"runs_planned", 10},
          {"shard", {{"index", index}, {"count", count}}},
          {"runs", runs},
          {"failing", failing.size()},
          {"seconds", 1.5 + index},
          {"exhausted", false},
          {"failures", failures}};
}

TEST(ExploreResultTest, FormatIsPinned) { EXPECT_STREQ(kExploreResultFormat, "prunecheck-explore/1"); }

TEST(ExploreResultTest, MergesShardsInRunIndexOrder) {
  Result<nlohmann::ordered_json> m =
      MergeExploreResults({Shard(1, 2, 5, {7, 3}), Shard(0, 2, 5, {4})}, {"b.json", "a.json"});
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  const std::string expected = R"({"format":"prunecheck-explore/1","strategy":"pct","seed":1,"runs_planned":10,)"
                               R"("shard":{"index":0,"count":1},"merged_shards":[0,1],"complete":true,"runs":10,)"
                               R"("failing":3,"seconds":2.5,"exhausted":false,"failures":[)"
                               R"({"run_index":3,"seed":4,"verdict":"violation"},)"
                               R"({"run_index":4,"seed":5,"verdict":"violation"},)"
                               R"({"run_index":7,"seed":8,"verdict":"violation"}]})";
  EXPECT_EQ(m->dump(), expected);
}

TEST(ExploreResultTest, AMissingShardIsSaid) {
  Result<nlohmann::ordered_json> m = MergeExploreResults({Shard(2, 3, 3, {})}, {"c.json"});
  ASSERT_TRUE(m.ok());
  EXPECT_FALSE((*m)["complete"].get<bool>());
}

TEST(ExploreResultTest, RefusesWhatDoesNotFit) {
  nlohmann::json other_seed = Shard(1, 2, 5, {});
  other_seed["seed"] = 2;
  Result<nlohmann::ordered_json> m = MergeExploreResults({Shard(0, 2, 5, {}), other_seed}, {"a.json", "b.json"});
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().message(), "b.json: \"seed\" differs from a.json's: not shards of one exploration");
  EXPECT_FALSE(MergeExploreResults({Shard(0, 2, 5, {}), Shard(0, 2, 5, {})}, {"a", "b"}).ok());
  nlohmann::json old = Shard(0, 1, 5, {});
  old["format"] = "prunecheck-explore/0";
  m = MergeExploreResults({old}, {"old.json"});
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("old.json: \"format\""), std::string::npos);
  EXPECT_FALSE(MergeExploreResults({nlohmann::json::array()}, {"x"}).ok());
}

}  // namespace
}  // namespace prunecheck::harness
