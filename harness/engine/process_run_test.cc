// The engine with real processes: cache-actor as actors, a shell-script
// actor that follows PROTOCOL.md, black boxes, and the acceptance runs of
// the harness issue that must hold with the process transport.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "harness/engine/controlled_run.h"
#include "harness/engine/run_report.h"

namespace prunecheck::harness {
namespace {

namespace fs = std::filesystem;

std::string SourceDir() {
  if (const char* env = std::getenv("PRUNECHECK_SOURCE_DIR")) return env;
  return fs::path(__FILE__).parent_path().parent_path().parent_path().string();
}

RunOptions Processes() {
  RunOptions o;
  o.transport = Transport::kProcess;
  const char* actor = std::getenv("PRUNECHECK_CACHE_ACTOR");
  o.cache_actor = actor ? actor : "cache-actor";
  o.keep_failed = false;
  return o;
}

ActorSpec Actor(const std::string& name, const std::string& role, const std::string& profile) {
  ActorSpec a;
  a.name = name;
  a.role = role;
  a.profile = profile;
  return a;
}

bool Violated(const RunResult& r, const std::string& invariant) {
  for (const HarnessViolation& v : r.violations) {
    if (v.invariant == invariant) return true;
  }
  return false;
}

TEST(ProcessRunTest, PctFindsLegacyInUseRemovalAndReplayIsIdenticalTenTimes) {
  RunConfig c;
  c.actors = {Actor("installer", "install", "uv-0.8.18"), Actor("pruner", "prune", "uv-0.8.18")};
  auto pct = MakePctStrategy(/*seed=*/1, /*depth=*/3);
  RunResult failing;
  uint64_t failing_seed = 0;
  for (int i = 0; i < 100; ++i) {
    RunResult r = RunControlled(c, *pct, 1 + static_cast<uint64_t>(i), Processes());
    ASSERT_TRUE(r.error.ok()) << r.error.ToString();
    if (!r.passed) {
      failing = std::move(r);
      failing_seed = 1 + static_cast<uint64_t>(i);
      break;
    }
  }
  ASSERT_TRUE(Violated(failing, "no-in-use-removal")) << "pct seed 1 found nothing in 100 runs";
  Trace t = MakeTrace(c, failing, failing_seed, "pct", Transport::kProcess);
  for (int i = 0; i < 10; ++i) {
    auto replay = MakeReplayStrategy(t.choices);
    RunResult again = RunControlled(ReplayConfig(t), *replay, t.seed, Processes());
    ASSERT_TRUE(again.error.ok()) << again.error.ToString();
    EXPECT_EQ(again.event_digest, failing.event_digest) << "replay " << i << " differs";
    EXPECT_TRUE(Violated(again, "no-in-use-removal"));
  }
}

TEST(ProcessRunTest, ShellScriptActorTakesPartInControlledRun) {
  RunConfig c;
  c.setup.push_back({"install", "reference", "demo", 0});
  ActorSpec shell;
  shell.name = "shell-reader";
  shell.role = "command";
  shell.command = {"bash", SourceDir() + "/harness/examples/shell_actor.sh", "read", "{cache}", "demo"};
  c.actors = {shell, Actor("pruner", "prune", "reference")};
  auto s = MakeRandomStrategy(3);
  RunResult r = RunControlled(c, *s, 3, Processes());
  ASSERT_TRUE(r.error.ok()) << r.error.ToString();
  EXPECT_TRUE(r.passed) << Summary(c, r);
  int shell_yields = 0;
  bool shell_used = false;
  for (const LoggedMessage& m : r.log) {
    if (m.actor != 0) continue;
    shell_yields += m.message.type == MessageType::kYield ? 1 : 0;
    shell_used |= m.message.type == MessageType::kEvent && m.message.kind == "use_begin";
  }
  EXPECT_GE(shell_yields, 4);  // read.begin, read.resolved, link.begin, ..., link.done
  EXPECT_TRUE(shell_used);
  EXPECT_EQ(r.outcomes[0].end.kind, StopKind::kFinished);
  EXPECT_EQ(r.outcomes[0].end.exit_code, 0);
}

TEST(ProcessRunTest, BlackBoxRmRfPrunerAtAPointIsCaught) {
  RunConfig c;
  ActorSpec rm;
  rm.name = "cron-pruner";
  rm.role = "command";
  rm.black_box = true;
  rm.command = {"bash", SourceDir() + "/harness/examples/rm_rf_pruner.sh", "{cache}", "0"};
  rm.run_at = {"refresher", "install.persisted", 1};
  c.actors = {Actor("refresher", "refresh", "uv-0.8.19"), rm};
  auto s = MakeDfsStrategy(0);
  RunResult r = RunControlled(c, *s, 1, Processes());
  ASSERT_TRUE(r.error.ok()) << r.error.ToString();
  ASSERT_TRUE(Violated(r, "no-in-use-removal")) << Summary(c, r);
  bool attributed = false;
  for (const HarnessViolation& v : r.violations) attributed |= v.actor == "cron-pruner";
  EXPECT_TRUE(attributed) << Summary(c, r);
}

TEST(ProcessRunTest, ReferenceActorsSurviveRandomKills) {
  RunConfig c;
  c.setup.push_back({"install", "reference", "demo", 0});
  c.actors = {Actor("installer", "install", "reference"), Actor("reader", "read", "reference"),
              Actor("refresher", "refresh", "reference"), Actor("pruner", "prune", "reference")};
  c.actors[0].package = "other";
  c.kill_probability = 0.05;
  auto s = MakeRandomStrategy(21);
  for (int i = 0; i < 25; ++i) {
    RunResult r = RunControlled(c, *s, 500 + static_cast<uint64_t>(i), Processes());
    ASSERT_TRUE(r.error.ok()) << r.error.ToString();
    ASSERT_TRUE(r.passed) << "seed " << 500 + i << ":\n" << Summary(c, r);
  }
}

}  // namespace
}  // namespace prunecheck::harness
