#include "harness/scenario/scenario_runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

namespace prunecheck::harness {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

// The persist/reference gap, shortest schedule, with a given profile.
std::string PersistGap(const std::string& profile, const std::string& expect, const std::string& extra = "") {
  return "[scenario]\nexpect = \"" + expect + "\"\ntransport = \"thread\"\n" + extra +
         "\n[schedule]\nsteps = [\"installer until install.persisted\", \"pruner to end\"]\n"
         "\n[[actor]]\nname = \"installer\"\nrole = \"install\"\nprofile = \"" + profile +
         "\"\n\n[[actor]]\nname = \"pruner\"\nrole = \"prune\"\nprofile = \"" + profile + "\"\n";
}

Scenario Parse(const std::string& text, const std::string& name = "t.toml") {
  Result<Scenario> s = ParseScenario(text, name);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? *s : Scenario();
}

ScenarioRunOptions Options() {
  ScenarioRunOptions o;
  o.base_dir = std::filesystem::temp_directory_path().string();
  return o;
}

TEST(ScenarioRunner, ExpectedViolationMatches) {
  ScenarioOutcome o = RunScenario(Parse(PersistGap("uv-0.8.18", "no-in-use-removal")), Options());
  EXPECT_TRUE(o.matched) << o.message;
  EXPECT_FALSE(o.error);
  EXPECT_THAT(o.message, StartsWith("violated as expected: [no-in-use-removal] step "));
  EXPECT_THAT(o.message, HasSubstr("pruner began removing"));
  EXPECT_EQ(o.runs, 1);
  EXPECT_EQ(o.transport, "thread");
  EXPECT_TRUE(o.run_dir.empty());  // nothing to look at: it went as expected
  EXPECT_THAT(FormatOutcome(o), StartsWith("PASS t ("));
}

TEST(ScenarioRunner, SafeProfileMakesAnExpectedViolationFail) {
  ScenarioOutcome o = RunScenario(Parse(PersistGap("reference", "no-in-use-removal")), Options());
  EXPECT_FALSE(o.matched);
  EXPECT_FALSE(o.error);
  EXPECT_EQ(o.message, "expected no-in-use-removal, but the run passed");
  const std::string line = FormatOutcome(o);
  EXPECT_THAT(line, StartsWith("FAIL t ("));
  EXPECT_THAT(line, HasSubstr("    file: t.toml\n"));
}

TEST(ScenarioRunner, ExpectedPassFailsWithTheViolationAndKeepsTheRun) {
  ScenarioOutcome o = RunScenario(Parse(PersistGap("uv-0.8.18", "pass")), Options());
  EXPECT_FALSE(o.matched);
  EXPECT_THAT(o.message, StartsWith("expected pass, but: [no-in-use-removal] step "));
  ASSERT_FALSE(o.run_dir.empty());
  EXPECT_TRUE(std::filesystem::exists(o.run_dir));
  EXPECT_THAT(FormatOutcome(o), HasSubstr("run directory kept: " + o.run_dir));
  std::filesystem::remove_all(o.run_dir);
}

TEST(ScenarioRunner, UncheckedInvariantsAreIgnored) {
  // The removal also leaves the entry dangling; judging only that still fails,
  // judging only containment passes.
  ScenarioOutcome dangling =
      RunScenario(Parse(PersistGap("uv-0.8.18", "pass", "check = [\"no-dangling-reference\"]\n")), Options());
  EXPECT_FALSE(dangling.matched);
  EXPECT_THAT(dangling.message, HasSubstr("[no-dangling-reference]"));
  if (!dangling.run_dir.empty()) std::filesystem::remove_all(dangling.run_dir);
  ScenarioOutcome contained = RunScenario(Parse(PersistGap("uv-0.8.18", "pass", "check = [\"containment\"]\n")), Options());
  EXPECT_TRUE(contained.matched) << contained.message;
}

TEST(ScenarioRunner, SearchForAPassRunsEverySchedule) {
  std::string text = PersistGap("reference", "pass");
  text.replace(text.find("steps = "), text.find('\n', text.find("steps = ")) - text.find("steps = "),
               "strategy = \"dfs:1\"\nruns = 50");
  ScenarioOutcome o = RunScenario(Parse(text), Options());
  EXPECT_TRUE(o.matched) << o.message;
  EXPECT_GT(o.runs, 1);
  EXPECT_THAT(o.message, HasSubstr("schedule space exhausted"));
}

TEST(ScenarioRunner, SearchForAViolationStopsAtTheFirstRunShowingIt) {
  std::string text = PersistGap("uv-0.8.18", "no-in-use-removal");
  text.replace(text.find("steps = "), text.find('\n', text.find("steps = ")) - text.find("steps = "),
               "strategy = \"pct:2\"\nruns = 200");
  ScenarioOutcome o = RunScenario(Parse(text), Options());
  EXPECT_TRUE(o.matched) << o.message;
  EXPECT_LT(o.runs, 200);
  EXPECT_THAT(o.message, StartsWith("violated as expected in run "));
}

TEST(ScenarioRunner, AScriptThatCannotBeFollowedIsAnError) {
  std::string text = PersistGap("uv-0.8.18", "no-in-use-removal");
  text = text.replace(text.find("\"pruner to end\""), 15, "\"installer until prune.begin\"");
  ScenarioOutcome o = RunScenario(Parse(text), Options());
  EXPECT_TRUE(o.error);
  EXPECT_FALSE(o.matched);
  EXPECT_THAT(o.message, StartsWith("t.toml:6:47: script step 2 (\"installer until prune.begin\") cannot be followed: "
                                    "installer finished without arriving at prune.begin"));
  EXPECT_THAT(FormatOutcome(o), StartsWith("ERROR t ("));
  if (!o.run_dir.empty()) std::filesystem::remove_all(o.run_dir);
}

TEST(ScenarioRunner, TransportOverride) {
  ScenarioRunOptions opts = Options();
  opts.transport = "thread";
  Scenario s = Parse(PersistGap("uv-0.8.18", "no-in-use-removal"));
  s.transport = "process";
  EXPECT_EQ(RunScenario(s, opts).transport, "thread");
}

}  // namespace
}  // namespace prunecheck::harness
