#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "harness/strategy/strategy.h"
#include "harness/strategy/toy_program_test_support.h"

namespace prunecheck::harness {
namespace {

TEST(MakeStrategyTest, ValidForms) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"random", "random"}, {"pct", "pct:3"}, {"pct:1", "pct:1"}, {"pct:7", "pct:7"},
      {"dfs", "dfs:2"},     {"dfs:0", "dfs:0"}, {"dfs:5", "dfs:5"}};
  for (const auto& [spec, name] : cases) {
    auto s = MakeStrategy(spec, 1);
    ASSERT_TRUE(s.ok()) << spec << ": " << s.status().ToString();
    EXPECT_EQ((*s)->name(), name);
    // The name parses back to the same strategy.
    auto again = MakeStrategy((*s)->name(), 1);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ((*again)->name(), name);
  }
}

TEST(MakeStrategyTest, InvalidFormsListTheValidOnes) {
  for (const std::string spec : {"", "rand", "RANDOM", "random:1", "pct:", "pct:0", "pct:x", "pct:3x", "pct:-2",
                                 "pct:+2", " pct", "pct:3:4", "dfs:", "dfs:-1", "dfs:1.5", "dfs:99999999999",
                                 "replay", "script"}) {
    auto s = MakeStrategy(spec, 1);
    ASSERT_FALSE(s.ok()) << "'" << spec << "'";
    EXPECT_TRUE(s.status().Is(StatusCode::kInvalidInput));
    EXPECT_NE(s.status().message().find("random, pct, pct:D"), std::string::npos) << s.status().message();
    EXPECT_NE(s.status().message().find("dfs:B"), std::string::npos);
  }
}

TEST(MakeStrategyTest, SeedIsPassedThrough) {
  auto a = MakeStrategy("random", 5);
  auto b = MakeStrategy("random", 5);
  auto c = MakeStrategy("random", 6);
  ASSERT_TRUE(a.ok() && b.ok() && c.ok());
  std::vector<int> ca, cb, cc;
  for (int i = 0; i < 10; ++i) {
    for (int x : toy::RunToy(**a, {3, 3, 3}).choices) ca.push_back(x);
    for (int x : toy::RunToy(**b, {3, 3, 3}).choices) cb.push_back(x);
    for (int x : toy::RunToy(**c, {3, 3, 3}).choices) cc.push_back(x);
  }
  EXPECT_EQ(ca, cb);
  EXPECT_NE(ca, cc);
}

}  // namespace
}  // namespace prunecheck::harness
