#include "harness/scenario/scenario.h"

#include "pruner/base/yield_points.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

namespace prunecheck::harness {
namespace {

// The source tree (set by testing/test_env_defaults.cc, or by the user).
std::filesystem::path SourceDir() {
  const char* d = std::getenv("PRUNECHECK_SOURCE_DIR");
  return d != nullptr && *d != '\0' ? std::filesystem::path(d) : std::filesystem::path(".");
}


using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr const char* kValid = R"(# a comment
[scenario]
name = "persist-gap"
description = "d"
source = "astral-sh/uv#17211"
expect = "no-in-use-removal"
check = ["no-in-use-removal", "no-dangling-reference"]
grace_seconds = 3600
transport = "thread"
fixture_files = 3
max_steps = 100
plant_canaries = false

[schedule]
strategy = "script"
seed = 9
runs = 2
kill_probability = 0.5
steps = ["installer until install.persisted#2", "pruner to end", "installer"]

[[actor]]
name = "installer"
role = "install"
profile = "uv-0.8.18"
package = "other"
link_mode = "symlink"

[[actor]]
name = "pruner"
role = "prune"
profile = "reference"

[[setup]]
op = "install"
profile = "uv-0.8.19"

[[setup]]
op = "age"
age_seconds = 7200

[[fault]]
kind = "kill"
actor = "pruner"
point = "prune.remove_progress"
occurrence = 2
)";

// A minimal valid file; tests break one thing in it.
constexpr const char* kMinimal = R"([scenario]
expect = "pass"

[schedule]
strategy = "random"

[[actor]]
name = "installer"
role = "install"
profile = "reference"
)";

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  size_t pos = s.find(from);
  EXPECT_NE(pos, std::string::npos) << from;
  if (pos != std::string::npos) s.replace(pos, from.size(), to);
  return s;
}

// The error message of parsing `text` as "bad.toml".
std::string ErrorOf(const std::string& text) {
  Result<Scenario> s = ParseScenario(text, "bad.toml");
  EXPECT_FALSE(s.ok()) << text;
  return s.ok() ? std::string() : s.status().message();
}

TEST(ScenarioParse, ReadsEveryField) {
  Result<Scenario> r = ParseScenario(kValid, "dir/x.toml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const Scenario& s = *r;
  EXPECT_EQ(s.name, "persist-gap");
  EXPECT_EQ(s.description, "d");
  EXPECT_EQ(s.source, "astral-sh/uv#17211");
  EXPECT_EQ(s.expect, Invariant::kNoInUseRemoval);
  EXPECT_FALSE(s.expects_pass());
  EXPECT_TRUE(s.Checks(Invariant::kNoDanglingReference));
  EXPECT_FALSE(s.Checks(Invariant::kProgress));
  EXPECT_EQ(s.transport, "thread");
  EXPECT_EQ(s.config.grace_seconds, 3600);
  EXPECT_EQ(s.config.fixture_files, 3);
  EXPECT_EQ(s.config.max_steps, 100);
  EXPECT_FALSE(s.config.plant_canaries);
  EXPECT_DOUBLE_EQ(s.config.kill_probability, 0.5);
  EXPECT_EQ(s.schedule.strategy, "script");
  EXPECT_EQ(s.schedule.seed, 9u);
  EXPECT_EQ(s.schedule.runs, 2);
  ASSERT_EQ(s.schedule.steps.size(), 3u);
  EXPECT_EQ(s.schedule.steps[0].kind, ScriptStep::Kind::kUntil);
  EXPECT_EQ(s.schedule.steps[0].point, "install.persisted");
  EXPECT_EQ(s.schedule.steps[0].occurrence, 2);
  EXPECT_EQ(s.schedule.steps[0].where, "dir/x.toml:19:10");
  EXPECT_EQ(s.schedule.steps[1].kind, ScriptStep::Kind::kToEnd);
  EXPECT_EQ(s.schedule.steps[1].actor_index, 1);
  EXPECT_EQ(s.schedule.steps[2].kind, ScriptStep::Kind::kOne);
  ASSERT_EQ(s.config.actors.size(), 2u);
  EXPECT_EQ(s.config.actors[0].package, "other");
  EXPECT_EQ(s.config.actors[0].link_mode, "symlink");
  EXPECT_EQ(s.config.actors[1].profile, "reference");
  ASSERT_EQ(s.config.setup.size(), 2u);
  EXPECT_EQ(s.config.setup[0].profile, "uv-0.8.19");
  EXPECT_EQ(s.config.setup[1].op, SetupKind::kAge);
  EXPECT_EQ(s.config.setup[1].age_seconds, 7200);
  ASSERT_EQ(s.config.kills.size(), 1u);
  EXPECT_EQ(s.config.kills[0].actor, "pruner");
  EXPECT_EQ(s.config.kills[0].point, "prune.remove_progress");
  EXPECT_EQ(s.config.kills[0].occurrence, 2);
}

TEST(ScenarioParse, DefaultsAreSensible) {
  Result<Scenario> r = ParseScenario(kMinimal, "some/dir/my-story.toml");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->name, "my-story");  // the file's stem
  EXPECT_TRUE(r->expects_pass());
  EXPECT_TRUE(r->check.empty());
  EXPECT_TRUE(r->Checks(Invariant::kProgress));
  EXPECT_EQ(r->transport, "");  // the runner decides
  EXPECT_EQ(r->schedule.seed, 1u);
  EXPECT_EQ(r->schedule.runs, 1);
  EXPECT_EQ(r->config.actors[0].package, "demo");
  EXPECT_EQ(r->config.actors[0].link_mode, "hardlink");
  EXPECT_EQ(r->config.grace_seconds, 0);
}

TEST(ScenarioParse, BadTomlNamesLineAndColumn) {
  std::string text = Replace(kMinimal, "expect = \"pass\"", "expect = \"pass");
  EXPECT_THAT(ErrorOf(text), StartsWith("bad.toml:2:"));
  EXPECT_THAT(ErrorOf(text), HasSubstr("not valid TOML"));
  EXPECT_THAT(ErrorOf("[scenario\n"), StartsWith("bad.toml:1:"));
}

TEST(ScenarioParse, WrongTypeNamesTheValue) {
  std::string text = Replace(kMinimal, "expect = \"pass\"", "expect = \"pass\"\ngrace_seconds = \"an hour\"");
  EXPECT_EQ(ErrorOf(text), "bad.toml:3:17: 'grace_seconds' in [scenario] must be an integer, not a string");
  text = Replace(kMinimal, "profile = \"reference\"", "profile = 3");
  EXPECT_EQ(ErrorOf(text), "bad.toml:10:11: 'profile' in [[actor]] 'installer' must be a string, not an integer");
  text = Replace(kMinimal, "strategy = \"random\"", "strategy = \"script\"\nsteps = [\"installer\", 4]");
  EXPECT_THAT(ErrorOf(text), StartsWith("bad.toml:6:23: every element of 'steps' in [schedule] must be a string"));
  text = Replace(kMinimal, "[[actor]]\n", "actor = 1\n[[x]]\n");
  EXPECT_THAT(ErrorOf(text), StartsWith("bad.toml:"));
}

TEST(ScenarioParse, UnknownProfileListsTheKnownOnes) {
  std::string text = Replace(kMinimal, "profile = \"reference\"", "profile = \"uv-0.8.17\"");
  const std::string e = ErrorOf(text);
  EXPECT_THAT(e, StartsWith("bad.toml:10:11: unknown profile 'uv-0.8.17' (did you mean 'uv-0.8.18'?)"));
  EXPECT_THAT(e, HasSubstr("pr-20116-early-release"));
  text = Replace(kMinimal, "[[actor]]", "[[setup]]\nop = \"install\"\nprofile = \"nope\"\n\n[[actor]]");
  EXPECT_THAT(ErrorOf(text), StartsWith("bad.toml:9:11: unknown profile 'nope'"));
}

TEST(ScenarioParse, MissingFieldNamesTheTable) {
  std::string text = Replace(kMinimal, "expect = \"pass\"\n", "");
  EXPECT_THAT(ErrorOf(text), StartsWith("bad.toml:1:1: [scenario] is missing the required key 'expect'"));
  text = Replace(kMinimal, "role = \"install\"\n", "");
  EXPECT_THAT(ErrorOf(text), StartsWith("bad.toml:7:1: [[actor]] 'installer' is missing the required key 'role'"));
  text = Replace(kMinimal, "profile = \"reference\"\n", "");
  EXPECT_THAT(ErrorOf(text), StartsWith("bad.toml:7:1: [[actor]] 'installer' is missing the required key 'profile'"));
  text = Replace(kMinimal, "strategy = \"random\"", "strategy = \"script\"");
  EXPECT_THAT(ErrorOf(text), StartsWith("bad.toml:4:1: [schedule] is missing the required key 'steps'"));
  text = Replace(kMinimal, "[schedule]\nstrategy = \"random\"\n", "");
  EXPECT_THAT(ErrorOf(text), StartsWith("bad.toml:1:1: missing the [schedule] table"));
  EXPECT_THAT(ErrorOf("[scenario]\nexpect = \"pass\"\n[schedule]\n"), StartsWith("bad.toml:1:1: no [[actor]] tables"));
  EXPECT_THAT(ErrorOf("[[actor]]\nname = \"a\"\n"), StartsWith("bad.toml:1:1: missing the [scenario] table"));
}

TEST(ScenarioParse, UnknownKeyIsNeverIgnored) {
  std::string text = Replace(kMinimal, "profile = \"reference\"", "profle = \"reference\"");
  EXPECT_THAT(ErrorOf(text), StartsWith("bad.toml:10:1: unknown key 'profle' in [[actor]] #1 (did you mean 'profile'?)"));
  text = Replace(kMinimal, "expect = \"pass\"", "expect = \"pass\"\ngrace = 5");
  EXPECT_THAT(ErrorOf(text), StartsWith("bad.toml:3:1: unknown key 'grace' in [scenario]"));
  text = kMinimal + std::string("\n[[actors]]\nname = \"x\"\n");
  EXPECT_THAT(ErrorOf(text), StartsWith("bad.toml:12:3: unknown key 'actors' at the top level (did you mean 'actor'?)"));
  text = Replace(kMinimal, "strategy = \"random\"", "strategy = \"random\"\nsteeps = []");
  EXPECT_THAT(ErrorOf(text), StartsWith("bad.toml:6:1: unknown key 'steeps' in [schedule] (did you mean 'steps'?)"));
}

TEST(ScenarioParse, UnknownInvariantId) {
  std::string text = Replace(kMinimal, "expect = \"pass\"", "expect = \"no-in-use-removals\"");
  EXPECT_THAT(ErrorOf(text),
              StartsWith("bad.toml:2:10: unknown verdict 'no-in-use-removals' (did you mean 'no-in-use-removal'?)"));
  text = Replace(kMinimal, "expect = \"pass\"", "expect = \"pass\"\ncheck = [\"progress\", \"liveness\"]");
  EXPECT_THAT(ErrorOf(text), StartsWith("bad.toml:3:22: unknown invariant 'liveness'"));
  text = Replace(kMinimal, "expect = \"pass\"", "expect = \"progress\"\ncheck = [\"containment\"]");
  EXPECT_THAT(ErrorOf(text), StartsWith("bad.toml:3:9: expect = \"progress\" but check does not include it"));
}

TEST(ScenarioParse, ScriptNamingAnUnknownActor) {
  std::string text = Replace(kMinimal, "strategy = \"random\"",
                             "strategy = \"script\"\nsteps = [\"installer until install.persisted\", \"pruner to end\"]");
  EXPECT_THAT(ErrorOf(text),
              StartsWith("bad.toml:6:47: script step \"pruner to end\" names actor 'pruner', which is not an actor "
                         "of this scenario (actors: installer)"));
  text = Replace(kMinimal, "strategy = \"random\"", "strategy = \"script\"\nsteps = [\"installer until\"]");
  EXPECT_THAT(ErrorOf(text), StartsWith("bad.toml:6:10: script step \"installer until\": cannot read 'until'"));
  text = Replace(kMinimal, "strategy = \"random\"", "strategy = \"script\"\nsteps = [\"installer until a.b#x\"]");
  EXPECT_THAT(ErrorOf(text), HasSubstr("'x' after '#' is not a number"));
}

TEST(ScenarioParse, ScheduleErrors) {
  std::string text = Replace(kMinimal, "strategy = \"random\"", "strategy = \"pcd:3\"");
  EXPECT_THAT(ErrorOf(text), StartsWith("bad.toml:5:12: unknown strategy 'pcd:3'"));
  text = Replace(kMinimal, "strategy = \"random\"", "strategy = \"random\"\nsteps = [\"installer\"]");
  EXPECT_THAT(ErrorOf(text), StartsWith("bad.toml:6:9: steps are only for strategy = \"script\""));
  text = Replace(kMinimal, "strategy = \"random\"", "strategy = \"random\"\nruns = 0");
  EXPECT_THAT(ErrorOf(text), StartsWith("bad.toml:6:8: 'runs' in [schedule] must be between 1 and"));
  text = Replace(kMinimal, "strategy = \"random\"", "strategy = \"random\"\nkill_probability = 1.5");
  EXPECT_THAT(ErrorOf(text), StartsWith("bad.toml:6:20: 'kill_probability' in [schedule] must be between"));
}

TEST(ScenarioParse, ActorAndFaultErrors) {
  std::string text = kMinimal + std::string("\n[[actor]]\nname = \"installer\"\nrole = \"prune\"\nprofile = \"reference\"\n");
  EXPECT_THAT(ErrorOf(text), StartsWith("bad.toml:13:8: actor name 'installer' is used twice"));
  text = Replace(kMinimal, "role = \"install\"", "role = \"installer\"");
  EXPECT_THAT(ErrorOf(text), StartsWith("bad.toml:9:8: unknown role 'installer' (did you mean 'install'?)"));
  text = Replace(kMinimal, "profile = \"reference\"", "profile = \"reference\"\nlink_mode = \"reflink\"");
  EXPECT_THAT(ErrorOf(text), StartsWith("bad.toml:11:13: unknown link mode 'reflink'"));
  text = kMinimal + std::string("\n[[fault]]\nkind = \"kill\"\nactor = \"pruner\"\npoint = \"x\"\n");
  EXPECT_THAT(ErrorOf(text), StartsWith("bad.toml:14:9: fault names actor 'pruner', which is not an actor"));
  text = kMinimal + std::string("\n[[fault]]\nkind = \"pause\"\npoint = \"x\"\n");
  EXPECT_THAT(ErrorOf(text), StartsWith("bad.toml:13:8: unknown fault kind 'pause'"));
  text = kMinimal + std::string("\n[[setup]]\nop = \"age\"\n");
  EXPECT_THAT(ErrorOf(text), StartsWith("bad.toml:12:1: [[setup]] #1 is missing the required key 'age_seconds'"));
  text = Replace(kMinimal, "expect = \"pass\"", "expect = \"pass\"\ntransport = \"thread\"");
  text += "\n[[actor]]\nname = \"mine\"\nrole = \"command\"\ncommand = [\"/bin/true\"]\n";
  EXPECT_THAT(ErrorOf(text), StartsWith("bad.toml:3:13: actor 'mine' runs a command, which needs transport = \"process\""));
}

TEST(ScenarioLoad, NamesTheFile) {
  Result<Scenario> r = LoadScenario("/nonexistent/x.toml");
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), StartsWith("/nonexistent/x.toml:1:1: cannot open"));
}

TEST(ScenarioLoad, ExpandsDirectoriesSorted) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / ("scenario-test-" + std::to_string(getpid()));
  std::filesystem::create_directories(dir);
  for (const char* n : {"b.toml", "a.toml", "notes.md"}) std::ofstream(dir / n) << kMinimal;
  Result<std::vector<std::string>> files = ExpandScenarioPaths({dir.string(), (dir / "notes.md").string()});
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  ASSERT_EQ(files->size(), 3u);
  EXPECT_EQ((*files)[0], (dir / "a.toml").string());
  EXPECT_EQ((*files)[1], (dir / "b.toml").string());
  EXPECT_EQ((*files)[2], (dir / "notes.md").string());
  EXPECT_FALSE(ExpandScenarioPaths({(dir / "missing.toml").string()}).ok());
  std::filesystem::remove_all(dir);
}

// Every file of the corpus parses, and opens with a comment telling its story.
TEST(ScenarioCorpus, EveryFileParsesAndTellsItsStory) {
  const std::filesystem::path dir = SourceDir() / "scenarios";
  ASSERT_TRUE(std::filesystem::exists(dir)) << dir << " not found";
  Result<std::vector<std::string>> files = ExpandScenarioPaths({dir.string()});
  ASSERT_TRUE(files.ok()) << files.status().ToString();
  EXPECT_GE(files->size(), 20u);
  int expect_pass = 0;
  for (const std::string& f : *files) {
    Result<Scenario> s = LoadScenario(f);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    EXPECT_EQ(s->name, std::filesystem::path(f).stem().string()) << f;
    std::ifstream in(f);
    std::string first;
    std::getline(in, first);
    EXPECT_THAT(first, StartsWith("# ")) << f;
    expect_pass += s->expects_pass() ? 1 : 0;
  }
  EXPECT_GE(expect_pass, 10);
}

}  // namespace
}  // namespace prunecheck::harness

namespace prunecheck::harness {
namespace {

TEST(ScenarioParse, UnknownYieldPointIsCaughtBeforeRunning) {
  std::string text = Replace(kMinimal, "strategy = \"random\"",
                             "strategy = \"script\"\nsteps = [\"installer until install.persistd\"]");
  EXPECT_THAT(ErrorOf(text), StartsWith("bad.toml:6:10: script step \"installer until install.persistd\": unknown "
                                        "yield point 'install.persistd' (did you mean 'install.persisted'?)"));
  text = kMinimal + std::string("\n[[fault]]\nkind = \"kill\"\npoint = \"prune.remove-progress\"\n");
  EXPECT_THAT(ErrorOf(text), StartsWith("bad.toml:14:9: fault: unknown yield point 'prune.remove-progress' (did you "
                                        "mean 'prune.remove_progress'?)"));
}

// The list the parser checks points against must not fall behind the
// points the pruner announces: every literal "install.*", "prune.*", ... in
// pruner/ sources is known.
TEST(ScenarioParse, KnownYieldPointsCoverThePrunerSources) {
  const std::filesystem::path pruner = SourceDir() / "pruner";
  ASSERT_TRUE(std::filesystem::exists(pruner)) << pruner << " not found";
  const std::vector<std::string>& known = KnownYieldPoints();
  const std::regex literal("\"((install|read|refresh|link|prune|clean)\\.[a-z_]+)\"");
  int seen = 0;
  for (const auto& e : std::filesystem::recursive_directory_iterator(pruner)) {
    if (e.path().extension() != ".cc" && e.path().extension() != ".h") continue;
    if (e.path().string().find("_test") != std::string::npos) continue;
    if (e.path().filename() == "yield_points.cc") continue;  // the list itself
    std::ifstream in(e.path());
    std::stringstream text;
    text << in.rdbuf();
    const std::string body = text.str();
    for (std::sregex_iterator it(body.begin(), body.end(), literal), end; it != end; ++it) {
      ++seen;
      EXPECT_NE(std::find(known.begin(), known.end(), (*it)[1].str()), known.end())
          << (*it)[1].str() << " (in " << e.path() << ") is missing from KnownYieldPoints()";
    }
  }
  EXPECT_GT(seen, 20);
}

}  // namespace
}  // namespace prunecheck::harness
