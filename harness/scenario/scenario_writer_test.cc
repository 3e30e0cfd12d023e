#include "harness/scenario/scenario_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace prunecheck::harness {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

ScenarioRunOptions Options() {
  ScenarioRunOptions o;
  o.base_dir = std::filesystem::temp_directory_path().string();
  o.default_transport = "thread";
  return o;
}

TEST(TomlQuote, EscapesWhatTomlNeeds) {
  EXPECT_EQ(TomlQuote("a\"b\\c\nd\te"), "\"a\\\"b\\\\c\\nd\\te\"");
  EXPECT_EQ(TomlQuote(std::string("\x01", 1)), "\"\\u0001\"");
}

TEST(ScenarioToToml, RoundTrips) {
  constexpr const char* kText = R"([scenario]
name = "x"
description = "with \"quotes\""
source = "astral-sh/uv#1"
expect = "no-partial-archive"
check = ["no-partial-archive", "progress"]
grace_seconds = 60
transport = "thread"
fixture_files = 2
max_steps = 77
plant_canaries = false

[schedule]
strategy = "script"
seed = 42
runs = 3
kill_probability = 0.25
steps = ["pruner until prune.remove_progress#2", "reader to end", "pruner"]

[[actor]]
name = "pruner"
role = "prune"
profile = "uv-0.8.18"

[[actor]]
name = "reader"
role = "read"
profile = "reference"
package = "pkg"
link_mode = "copy"

[[setup]]
op = "install"
profile = "uv-0.8.18"
package = "pkg"

[[setup]]
op = "age"
age_seconds = 100

[[fault]]
kind = "kill"
actor = "pruner"
point = "prune.remove_progress"
occurrence = 2
)";
  Result<Scenario> a = ParseScenario(kText, "a.toml");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  const std::string written = ScenarioToToml(*a, {"a header", ""});
  EXPECT_THAT(written, StartsWith("# a header\n#\n\n[scenario]\n"));
  Result<Scenario> b = ParseScenario(written, "b.toml");
  ASSERT_TRUE(b.ok()) << b.status().ToString() << "\n" << written;
  EXPECT_EQ(ToJson(a->config).dump(), ToJson(b->config).dump());
  EXPECT_EQ(a->name, b->name);
  EXPECT_EQ(a->description, b->description);
  EXPECT_EQ(a->source, b->source);
  EXPECT_EQ(a->expect, b->expect);
  EXPECT_EQ(a->check, b->check);
  EXPECT_EQ(a->transport, b->transport);
  EXPECT_EQ(a->schedule.seed, b->schedule.seed);
  EXPECT_EQ(a->schedule.runs, b->schedule.runs);
  ASSERT_EQ(b->schedule.steps.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(FormatScriptStep(a->schedule.steps[i]), FormatScriptStep(b->schedule.steps[i]));
  }
}

// A failing run found by search becomes a scenario that reproduces it.
TEST(SaveFailureScenario, WritesAScenarioThatReproducesTheRun) {
  RunConfig config;
  ActorSpec installer;
  installer.name = "installer";
  installer.role = Role::kInstall;
  installer.profile = "uv-0.8.18";
  ActorSpec pruner = installer;
  pruner.name = "pruner";
  pruner.role = Role::kPrune;
  config.actors = {installer, pruner};
  RunOptions ro;
  ro.transport = Transport::kThread;
  ro.base_dir = Options().base_dir;
  ro.keep_failed = false;
  std::unique_ptr<Strategy> pct = std::move(MakeStrategy("pct:2", 1)).value();
  RunResult failing;
  uint64_t seed = 1;
  for (; seed < 200; ++seed) {
    failing = RunControlled(config, *pct, seed, ro);
    ASSERT_TRUE(failing.error.ok()) << failing.error.ToString();
    if (!failing.passed) break;
  }
  ASSERT_FALSE(failing.passed) << "pct found nothing in 200 runs";
  Trace trace = MakeTrace(config, failing, seed, "pct:2", Transport::kThread);

  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("save-failure-test-" + std::to_string(getpid()));
  Result<SavedScenario> saved = SaveFailureScenario(trace, dir.string(), Options());
  ASSERT_TRUE(saved.ok()) << saved.status().ToString();
  EXPECT_TRUE(saved->verified) << saved->verification;
  EXPECT_THAT(saved->path, StartsWith((dir / "found-").string()));
  EXPECT_EQ(saved->scenario.expect, failing.violations.front().invariant);
  ASSERT_FALSE(saved->scenario.schedule.steps.empty());
  for (const ScriptStep& s : saved->scenario.schedule.steps) {
    EXPECT_NE(s.kind, ScriptStep::Kind::kOne) << "named steps expected, got " << s.text;
  }

  // What was written is what `prunecheck run` reads, and it reproduces the violation.
  Result<Scenario> loaded = LoadScenario(saved->path);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ScenarioOutcome o = RunScenario(*loaded, Options());
  EXPECT_TRUE(o.matched) << o.message;
  std::ifstream in(saved->path);
  std::stringstream text;
  text << in.rdbuf();
  EXPECT_THAT(text.str(), StartsWith("# Found by `prunecheck explore` (pct:2, seed "));
  EXPECT_THAT(text.str(), HasSubstr("Checked when saved: `prunecheck run` reproduces it."));

  // A second save does not overwrite the first.
  Result<SavedScenario> again = SaveFailureScenario(trace, dir.string(), Options());
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again->path, saved->path);
  std::filesystem::remove_all(dir);
}

TEST(SaveFailureScenario, RefusesATraceWithoutAViolation) {
  Trace t;
  EXPECT_FALSE(ScenarioFromTrace(t, Options()).ok());
}

}  // namespace
}  // namespace prunecheck::harness
