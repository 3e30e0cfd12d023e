// The engine with real processes: cache-actor as actors, a shell-script
// actor that follows PROTOCOL.md, black boxes, and the acceptance runs of
// the harness issue that must hold with the process transport.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <memory>

#include "harness/engine/controlled_run.h"
#include "harness/engine/run_report.h"
#include "harness/process/process_actor.h"

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

ActorSpec Actor(const std::string& name, Role role, const std::string& profile) {
  ActorSpec a;
  a.name = name;
  a.role = role;
  a.profile = profile;
  return a;
}

bool Violated(const RunResult& r, Invariant invariant) {
  for (const HarnessViolation& v : r.violations) {
    if (v.invariant == invariant) return true;
  }
  return false;
}

TEST(ProcessRunTest, PctFindsLegacyInUseRemovalAndReplayIsIdenticalTenTimes) {
  RunConfig c;
  c.actors = {Actor("installer", Role::kInstall, "uv-0.8.18"), Actor("pruner", Role::kPrune, "uv-0.8.18")};
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
  ASSERT_TRUE(Violated(failing, Invariant::kNoInUseRemoval)) << "pct seed 1 found nothing in 100 runs";
  Trace t = MakeTrace(c, failing, failing_seed, "pct", Transport::kProcess);
  for (int i = 0; i < 10; ++i) {
    auto replay = MakeReplayStrategy(t.choices);
    RunResult again = RunControlled(ReplayConfig(t), *replay, t.seed, Processes());
    ASSERT_TRUE(again.error.ok()) << again.error.ToString();
    EXPECT_EQ(again.event_digest, failing.event_digest) << "replay " << i << " differs";
    EXPECT_TRUE(Violated(again, Invariant::kNoInUseRemoval));
  }
}

// A cached wheel, the example shell actor reading it, and a reference pruner.
RunConfig ShellReaderAndPruner() {
  RunConfig c;
  c.setup.push_back({SetupKind::kInstall, "reference", "demo", 0});
  ActorSpec shell;
  shell.name = "shell-reader";
  shell.role = Role::kCommand;
  shell.command = {"bash", SourceDir() + "/harness/examples/shell_actor.sh", "read", "{cache}", "demo"};
  c.actors = {shell, Actor("pruner", Role::kPrune, "reference")};
  return c;
}

TEST(ProcessRunTest, ShellScriptActorTakesPartInControlledRun) {
  RunConfig c = ShellReaderAndPruner();
  auto s = MakeRandomStrategy(3);
  RunResult r = RunControlled(c, *s, 3, Processes());
  ASSERT_TRUE(r.error.ok()) << r.error.ToString();
  EXPECT_TRUE(r.passed) << Summary(c, r);
  int shell_yields = 0;
  bool shell_used = false;
  for (const LoggedMessage& m : r.log) {
    if (m.actor != 0) continue;
    shell_yields += m.message.type == MessageType::kYield ? 1 : 0;
    shell_used |= m.message.type == MessageType::kEvent && m.message.kind == EventKind::kUseBegin;
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
  rm.role = Role::kCommand;
  rm.black_box = true;
  rm.command = {"bash", SourceDir() + "/harness/examples/rm_rf_pruner.sh", "{cache}", "0"};
  rm.run_at = {"refresher", "install.persisted", 1};
  c.actors = {Actor("refresher", Role::kRefresh, "uv-0.8.19"), rm};
  auto s = MakeDfsStrategy(0);
  RunResult r = RunControlled(c, *s, 1, Processes());
  ASSERT_TRUE(r.error.ok()) << r.error.ToString();
  ASSERT_TRUE(Violated(r, Invariant::kNoInUseRemoval)) << Summary(c, r);
  bool attributed = false;
  for (const HarnessViolation& v : r.violations) attributed |= v.actor == "cron-pruner";
  EXPECT_TRUE(attributed) << Summary(c, r);
}

TEST(ProcessRunTest, BlackBoxWhoseTriggerNeverFiresIsAnErrorNotAPass) {
  // The refresher persists one archive; a trigger at its second persist
  // never comes, so the black box never runs: that must not pass.
  RunConfig c;
  ActorSpec rm;
  rm.name = "cron-pruner";
  rm.role = Role::kCommand;
  rm.black_box = true;
  rm.command = {"bash", SourceDir() + "/harness/examples/rm_rf_pruner.sh", "{cache}", "0"};
  rm.run_at = {"refresher", "install.persisted", 2};
  c.actors = {Actor("refresher", Role::kRefresh, "uv-0.8.19"), rm};
  auto s = MakeDfsStrategy(0);
  RunResult r = RunControlled(c, *s, 1, Processes());
  EXPECT_FALSE(r.passed);
  ASSERT_FALSE(r.error.ok()) << Summary(c, r);
  EXPECT_NE(r.error.message().find("'refresher@install.persisted#2' of black box cron-pruner never fired"),
            std::string::npos)
      << r.error.ToString();
}

TEST(ProcessRunTest, BlackBoxFollowingTopLevelSymlinksBreaksContainment) {
  // Ordinary-looking top-level entries are symlinks out of the root: a
  // trailing-slash `rm -rf` empties the directory behind one, a redirect
  // truncates the file behind the other. Both canaries must be reported.
  RunConfig c;
  ActorSpec bb;
  bb.name = "cron";
  bb.role = Role::kCommand;
  bb.black_box = true;
  bb.command = {"/bin/sh", "-c", "rm -rf \"$1\"/builds-v0/; : > \"$1\"/cache-notes.txt", "sh", "{cache}"};
  c.actors = {bb};
  auto s = MakeDfsStrategy(0);
  RunResult r = RunControlled(c, *s, 1, Processes());
  ASSERT_TRUE(r.error.ok()) << r.error.ToString();
  int containment = 0;
  for (const HarnessViolation& v : r.violations) containment += v.invariant == Invariant::kContainment;
  EXPECT_EQ(containment, 2) << Summary(c, r);
}

TEST(ProcessRunTest, BlackBoxDeletingTopLevelSymlinksThemselvesIsContained) {
  RunConfig c;
  ActorSpec bb;
  bb.name = "cron";
  bb.role = Role::kCommand;
  bb.black_box = true;
  bb.command = {"/bin/sh", "-c", "rm -rf \"$1\"/builds-v0 \"$1\"/cache-notes.txt", "sh", "{cache}"};
  c.actors = {bb};
  auto s = MakeDfsStrategy(0);
  RunResult r = RunControlled(c, *s, 1, Processes());
  ASSERT_TRUE(r.error.ok()) << r.error.ToString();
  EXPECT_TRUE(r.passed) << Summary(c, r);
}

TEST(ProcessRunTest, ReaderOfAnArchivePublishedWithoutItsRecordSeesAPartialArchiveNotARemoval) {
  // A black box publishes a copy of the cached archive without its RECORD
  // under a new id and points the entry at it; nothing is removed. The
  // reader fails verification: that is no-partial-archive, never
  // no-in-use-removal.
  RunConfig c;
  c.setup.push_back({SetupKind::kInstall, "reference", "demo", 0});
  ActorSpec bb;
  bb.name = "early-publisher";
  bb.role = Role::kCommand;
  bb.black_box = true;
  bb.command = {"/bin/sh", "-c",
                "set -e; cd \"$1\"; e=wheels-v6/pypi/demo/1.0.0-py3-none-any; old=$(readlink $e); "
                "mkdir archive-v0/bbpartialarchive; "
                "(cd archive-v0/${old##*/} && tar cf - --exclude='*/RECORD' .) | (cd archive-v0/bbpartialarchive && tar xf -); "
                "ln -s ../../../archive-v0/bbpartialarchive $e.tmp-bb; mv -T $e.tmp-bb $e",
                "sh", "{cache}"};
  bb.run_at = {"reader", "lock.root.acquire", 1};
  c.actors = {Actor("reader", Role::kRead, "reference"), bb};
  auto s = MakeDfsStrategy(0);
  RunResult r = RunControlled(c, *s, 1, Processes());
  ASSERT_TRUE(r.error.ok()) << r.error.ToString();
  EXPECT_FALSE(Violated(r, Invariant::kNoInUseRemoval)) << Summary(c, r);
  bool reader_saw_partial = false;
  for (const HarnessViolation& v : r.violations) {
    reader_saw_partial |= v.invariant == Invariant::kNoPartialArchive && v.actor == "reader" && v.subject == "bbpartialarchive";
  }
  EXPECT_TRUE(reader_saw_partial) << Summary(c, r);
}

TEST(ProcessRunTest, ReferenceActorsSurviveRandomKills) {
  RunConfig c;
  c.setup.push_back({SetupKind::kInstall, "reference", "demo", 0});
  c.actors = {Actor("installer", Role::kInstall, "reference"), Actor("reader", Role::kRead, "reference"),
              Actor("refresher", Role::kRefresh, "reference"), Actor("pruner", Role::kPrune, "reference")};
  c.actors[0].package = "other";
  c.kill_probability = 0.05;
  auto s = MakeRandomStrategy(21);
  for (int i = 0; i < 25; ++i) {
    RunResult r = RunControlled(c, *s, 500 + static_cast<uint64_t>(i), Processes());
    ASSERT_TRUE(r.error.ok()) << r.error.ToString();
    ASSERT_TRUE(r.passed) << "seed " << 500 + i << ":\n" << Summary(c, r);
  }
}

RunConfig ThreeReferenceActors() {
  RunConfig c;
  c.setup.push_back({SetupKind::kInstall, "reference", "demo", 0});
  c.actors = {Actor("installer", Role::kInstall, "reference"), Actor("reader", Role::kRead, "reference"),
              Actor("pruner", Role::kPrune, "reference")};
  c.actors[0].package = "other";
  return c;
}

std::vector<pid_t> Sorted(std::vector<pid_t> v) {
  std::sort(v.begin(), v.end());
  return v;
}

TEST(ProcessRunTest, PooledRunsReuseTheSameProcesses) {
  RunOptions o = Processes();
  CacheActorPool pool(o.cache_actor);
  o.pool = &pool;
  RunConfig c = ThreeReferenceActors();
  auto s = MakeRandomStrategy(5);
  std::vector<pid_t> pids;
  for (int i = 0; i < 5; ++i) {
    RunResult r = RunControlled(c, *s, 40 + static_cast<uint64_t>(i), o);
    ASSERT_TRUE(r.error.ok()) << r.error.ToString();
    ASSERT_TRUE(r.passed) << Summary(c, r);
    if (i == 0) pids = Sorted(pool.IdlePids());
    EXPECT_EQ(Sorted(pool.IdlePids()), pids) << "run " << i;
  }
  EXPECT_EQ(pids.size(), 3u);
  EXPECT_EQ(pool.started(), 3);
}

TEST(ProcessRunTest, PooledAndFreshProcessesGiveIdenticalEventSequencesWithKills) {
  RunOptions fresh = Processes();
  RunOptions pooled = Processes();
  CacheActorPool pool(pooled.cache_actor);
  pooled.pool = &pool;
  RunConfig c = ThreeReferenceActors();
  c.actors.push_back(Actor("refresher", Role::kRefresh, "reference"));
  c.kill_probability = 0.08;
  int runs_with_kills = 0;
  for (uint64_t seed = 700; seed < 720; ++seed) {
    auto s1 = MakeRandomStrategy(seed);
    RunResult a = RunControlled(c, *s1, seed, fresh);
    auto s2 = MakeRandomStrategy(seed);
    RunResult b = RunControlled(c, *s2, seed, pooled);
    ASSERT_TRUE(a.error.ok()) << a.error.ToString();
    ASSERT_TRUE(b.error.ok()) << b.error.ToString();
    EXPECT_EQ(a.event_digest, b.event_digest) << "seed " << seed;
    EXPECT_EQ(a.choices, b.choices) << "seed " << seed;
    EXPECT_EQ(a.passed, b.passed) << "seed " << seed << ":\n" << Summary(c, b);
    ASSERT_EQ(a.outcomes.size(), b.outcomes.size());
    for (size_t i = 0; i < a.outcomes.size(); ++i) {
      EXPECT_EQ(a.outcomes[i].end.kind, b.outcomes[i].end.kind) << "seed " << seed << " actor " << i;
      EXPECT_EQ(a.outcomes[i].end.exit_code, b.outcomes[i].end.exit_code) << "seed " << seed << " actor " << i;
    }
    runs_with_kills += b.kills.empty() ? 0 : 1;
  }
  // The seeds are chosen so that kills happen; killed processes were replaced.
  EXPECT_GE(runs_with_kills, 5);
  EXPECT_GT(pool.started(), 4);
  EXPECT_LE(pool.IdlePids().size(), 4u);
}

TEST(ProcessRunTest, CommandActorsAndBlackBoxesStayFreshWithAPool) {
  RunOptions o = Processes();
  CacheActorPool pool(o.cache_actor);
  o.pool = &pool;
  RunConfig c = ShellReaderAndPruner();
  for (uint64_t seed = 3; seed < 6; ++seed) {
    auto s = MakeRandomStrategy(seed);
    RunResult r = RunControlled(c, *s, seed, o);
    ASSERT_TRUE(r.error.ok()) << r.error.ToString();
    EXPECT_TRUE(r.passed) << Summary(c, r);
    EXPECT_EQ(r.outcomes[0].end.kind, StopKind::kFinished);
  }
  EXPECT_EQ(pool.started(), 1);  // the pruner's; the shell actor is never pooled
  EXPECT_EQ(pool.IdlePids().size(), 1u);
}

}  // namespace
}  // namespace prunecheck::harness
