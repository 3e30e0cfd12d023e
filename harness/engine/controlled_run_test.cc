// The controlled-mode engine, in-process (thread transport) for speed; the
// process transport is exercised in process_run_test.cc.
#include "harness/engine/controlled_run.h"

#include <gtest/gtest.h>

#include <cerrno>
#include <filesystem>

#include "harness/engine/run_report.h"
#include "pruner/base/fault_injecting_file_system.h"

namespace prunecheck::harness {
namespace {

RunConfig Config(std::initializer_list<std::pair<const char*, const char*>> actors, bool setup_install = false) {
  RunConfig c;
  if (setup_install) c.setup.push_back({SetupKind::kInstall, "reference", "demo", 0});
  int i = 0;
  for (auto [role, profile] : actors) {
    ActorSpec a;
    a.name = std::string(role) + std::to_string(++i);
    a.role = *ParseRole(role);
    a.profile = profile;
    c.actors.push_back(a);
  }
  c.fixture_files = 3;
  return c;
}

RunOptions InProcess() {
  RunOptions o;
  o.transport = Transport::kThread;
  o.keep_failed = false;  // tests leave nothing behind in /tmp
  return o;
}

// Runs up to `runs` schedules; returns the first failing result (or the last).
RunResult Explore(const RunConfig& c, Strategy& s, int runs, uint64_t seed, int* tried = nullptr) {
  RunResult r;
  for (int i = 0; i < runs; ++i) {
    r = RunControlled(c, s, seed + static_cast<uint64_t>(i), InProcess());
    if (tried) *tried = i + 1;
    EXPECT_TRUE(r.error.ok()) << r.error.ToString();
    if (!r.passed || !r.error.ok()) break;
  }
  return r;
}

TEST(ControlledRunTest, LegacyInstallerAndPrunerViolateNoInUseRemoval) {
  RunConfig c = Config({{"install", "uv-0.8.18"}, {"prune", "uv-0.8.18"}});
  auto s = MakeRandomStrategy(7);
  int tried = 0;
  RunResult r = Explore(c, *s, 200, 1, &tried);
  ASSERT_FALSE(r.passed) << "no violation in " << tried << " schedules (seed 7)";
  bool found = false;
  for (const HarnessViolation& v : r.violations) found |= v.invariant == Invariant::kNoInUseRemoval;
  EXPECT_TRUE(found) << Summary(c, r);
}

TEST(ControlledRunTest, PhaseTimesAccountForTheRun) {
  RunConfig c = Config({{"install", "reference"}, {"prune", "reference"}}, /*setup_install=*/true);
  auto s = MakeRandomStrategy(3);
  RunResult r = RunControlled(c, *s, 3, InProcess());
  ASSERT_TRUE(r.error.ok()) << r.error.ToString();
  const RunPhaseSeconds& p = r.phases;
  for (double v : {p.prepare, p.launch, p.schedule, p.finish, p.check, p.cleanup}) EXPECT_GE(v, 0);
  EXPECT_GT(p.prepare, 0);   // a setup install happened
  EXPECT_GT(p.schedule, 0);  // steps were taken
  EXPECT_GT(p.check, 0);
  // r.seconds stops before the run directory is removed (cleanup).
  const double before_cleanup = p.prepare + p.launch + p.schedule + p.finish + p.check;
  EXPECT_LE(before_cleanup, r.seconds * 1.0001 + 1e-6);
  EXPECT_GE(before_cleanup, r.seconds * 0.5) << "most of the run's time is in no phase";
  const nlohmann::json j = ResultJson(c, r, 3, "random");
  ASSERT_TRUE(j.contains("phase_seconds")) << j.dump();
  EXPECT_DOUBLE_EQ(j["phase_seconds"]["schedule"].get<double>(), p.schedule);
}

TEST(ControlledRunTest, ReferenceActorsWithRandomKillsNeverViolate) {
  RunConfig c = Config({{"install", "reference"}, {"read", "reference"}, {"refresh", "reference"},
                        {"prune", "reference"}},
                       /*setup_install=*/true);
  c.kill_probability = 0.05;
  auto s = MakeRandomStrategy(11);
  for (int i = 0; i < 300; ++i) {
    RunResult r = RunControlled(c, *s, 100 + static_cast<uint64_t>(i), InProcess());
    ASSERT_TRUE(r.error.ok()) << r.error.ToString();
    ASSERT_TRUE(r.passed) << "seed " << 100 + i << ":\n" << Summary(c, r);
  }
}

TEST(ControlledRunTest, ReplayOfTraceReproducesIdenticalEventSequence) {
  RunConfig c = Config({{"install", "uv-0.8.18"}, {"read", "uv-0.8.18"}, {"prune", "uv-0.8.18"}}, true);
  c.kill_probability = 0.1;
  auto s = MakePctStrategy(3, 3);
  RunResult first = RunControlled(c, *s, 42, InProcess());
  ASSERT_TRUE(first.error.ok());
  Trace t = MakeTrace(c, first, 42, "pct", Transport::kThread);
  for (int i = 0; i < 5; ++i) {
    auto replay = MakeReplayStrategy(t.choices);
    RunResult again = RunControlled(ReplayConfig(t), *replay, t.seed, InProcess());
    ASSERT_TRUE(again.error.ok());
    EXPECT_FALSE(replay->diverged());
    EXPECT_EQ(again.event_digest, first.event_digest) << "replay " << i;
    EXPECT_EQ(again.passed, first.passed);
  }
}

TEST(ControlledRunTest, FollowSymlinksMutantBreaksContainment) {
  RunConfig c = Config({{"prune", "mutant-follow-symlinks"}});
  auto s = MakeRandomStrategy(1);
  RunResult r = RunControlled(c, *s, 1, InProcess());
  ASSERT_TRUE(r.error.ok());
  bool containment = false;
  for (const HarnessViolation& v : r.violations) containment |= v.invariant == Invariant::kContainment;
  EXPECT_TRUE(containment) << Summary(c, r);
}

TEST(ControlledRunTest, KillAtNamedPointLeavesDebrisThatReferencePruneReclaims) {
  RunConfig c = Config({{"install", "reference"}, {"prune", "reference"}});
  c.kills.push_back({"install1", "install.extracted", 1});
  auto s = MakeDfsStrategy(0);  // installer first, to completion or death, then the pruner
  RunResult r = RunControlled(c, *s, 5, InProcess());
  ASSERT_TRUE(r.error.ok());
  ASSERT_EQ(r.kills.size(), 1u);
  EXPECT_EQ(r.kills[0].point, "install.extracted");
  EXPECT_TRUE(r.passed) << Summary(c, r);  // bounded growth: the final prune took the temp dir
}

TEST(ControlledRunTest, KillThatNeverFiresIsAnErrorNotAPass) {
  // A cache hit: the installer never reaches install.extracted, so the fault
  // tests nothing. The run must say so instead of passing.
  RunConfig c = Config({{"install", "reference"}}, /*setup_install=*/true);
  c.kills.push_back({"install1", "install.extracted", 1});
  auto s = MakeDfsStrategy(0);
  RunResult r = RunControlled(c, *s, 5, InProcess());
  EXPECT_FALSE(r.passed);
  EXPECT_TRUE(r.violations.empty()) << Summary(c, r);
  ASSERT_FALSE(r.error.ok());
  EXPECT_NE(r.error.message().find("'kill install1@install.extracted#1' never fired"), std::string::npos)
      << r.error.ToString();
  EXPECT_NE(r.error.message().find("install1 was never scheduled there"), std::string::npos) << r.error.ToString();
}

TEST(ControlledRunTest, KillAtSecondArrivalThatCameOnceIsAnError) {
  RunConfig c = Config({{"install", "reference"}});
  c.kills.push_back({"*", "install.extracted", 2});
  auto s = MakeDfsStrategy(0);
  RunResult r = RunControlled(c, *s, 5, InProcess());
  ASSERT_FALSE(r.error.ok());
  EXPECT_NE(r.error.message().find("an actor was scheduled there only 1 time"), std::string::npos)
      << r.error.ToString();
}

TEST(ControlledRunTest, Pr17211LeavesKilledInstallersTempDirForever) {
  RunConfig c = Config({{"install", "pr-17211"}, {"prune", "pr-17211"}});
  c.kills.push_back({"install1", "install.extracted", 1});
  auto s = MakeDfsStrategy(0);
  RunResult r = RunControlled(c, *s, 5, InProcess());
  ASSERT_TRUE(r.error.ok());
  bool growth = false;
  for (const HarnessViolation& v : r.violations) growth |= v.invariant == Invariant::kBoundedGrowth;
  EXPECT_TRUE(growth) << Summary(c, r);
}

TEST(ControlledRunTest, DfsExhaustsSmallScenario) {
  RunConfig c = Config({{"install", "reference"}, {"prune", "reference"}});
  auto s = MakeDfsStrategy(1);
  int runs = 0;
  while (runs < 500) {
    RunResult r = RunControlled(c, *s, 1, InProcess());
    ASSERT_TRUE(r.error.ok());
    ASSERT_TRUE(r.passed) << Summary(c, r);
    ++runs;
    if (s->exhausted()) break;
  }
  EXPECT_TRUE(s->exhausted()) << "not exhausted after " << runs << " runs";
  EXPECT_GT(runs, 2);
}

TEST(RunConfigTest, JsonRoundTrip) {
  RunConfig c = Config({{"install", "reference"}, {"prune", "uv-0.8.19"}}, true);
  c.kills.push_back({"prune2", "prune.listed", 2});
  c.kill_probability = 0.25;
  Result<RunConfig> back = RunConfigFromJson(ToJson(c));
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(ToJson(*back).dump(), ToJson(c).dump());
}

TEST(RunConfigTest, RejectsUnknownProfileRoleAndKillTarget) {
  RunConfig c = Config({{"install", "uv-9.9"}});
  EXPECT_TRUE(Validate(c).Is(StatusCode::kInvalidInput));
  nlohmann::json teleport = ToJson(Config({{"install", "reference"}}));
  teleport["actors"][0]["role"] = "teleport";
  EXPECT_NE(RunConfigFromJson(teleport).status().message().find("unknown role 'teleport'"), std::string::npos);
  c = Config({{"install", "reference"}});
  c.kills.push_back({"ghost", "install.begin", 1});
  EXPECT_NE(Validate(c).message().find("unknown actor"), std::string::npos);
  nlohmann::json j = ToJson(Config({{"install", "reference"}}));
  j["actors"][0].erase("role");
  EXPECT_NE(RunConfigFromJson(j).status().message().find("is missing the required key 'role'"), std::string::npos);
}

// Issue 9 item 11: a kill at a point cache-actor never reaches used to let
// the run "pass" with the fault never fired.
TEST(RunConfigTest, RejectsKillsAtPointsThatDoNotExist) {
  RunConfig c = Config({{"install", "reference"}});
  c.kills.push_back({"install1", "nopoint", 1});
  EXPECT_NE(Validate(c).message().find("unknown yield point 'nopoint'"), std::string::npos) << Validate(c).message();
  c.kills = {{"*", "sys.openat", 1}};
  EXPECT_NE(Validate(c).message().find("system-call point"), std::string::npos) << Validate(c).message();
  c.kills = {{"install1", "install.persisted", 1}};
  EXPECT_TRUE(Validate(c).ok()) << Validate(c).message();
  // A command actor announces its own points.
  ActorSpec cmd;
  cmd.name = "mine";
  cmd.role = Role::kCommand;
  cmd.command = {"/bin/true"};
  c.actors.push_back(cmd);
  c.kills = {{"mine", "my.own.point", 1}};
  EXPECT_TRUE(Validate(c).ok()) << Validate(c).message();
}

// Issue 9 item 7: a full disk inside an actor read as a [progress]
// violation (exit 1, "a protocol bug"). It is a harness error naming the cause.
TEST(ControlledRunTest, DiskFullInAnActorIsAHarnessErrorNotAViolation) {
  RunConfig c = Config({{"install", "reference"}});
  FaultInjectingFileSystem full(DefaultFileSystem());
  full.AddFault({FsOp::kWrite, ENOSPC, "", 0, -1});
  RunOptions o = InProcess();
  o.thread_actor_fs = &full;
  auto s = MakeRandomStrategy(1);
  RunResult r = RunControlled(c, *s, 1, o);
  EXPECT_GT(full.InjectedCount(), 0);
  EXPECT_FALSE(r.passed);
  EXPECT_TRUE(r.violations.empty()) << Summary(c, r);
  ASSERT_TRUE(r.error.Is(StatusCode::kNoSpace)) << r.error.ToString();
  EXPECT_NE(r.error.message().find("actor install1 ran out of disk space (ENOSPC/EDQUOT)"), std::string::npos)
      << r.error.message();
}

}  // namespace
}  // namespace prunecheck::harness

namespace prunecheck::harness {
namespace {

TEST(MemoryTransportTest, SameEventSequenceAsOnDisk) {
  RunConfig c = Config({{"install", "uv-0.8.18"}, {"read", "reference"}, {"refresh", "pr-20116"},
                        {"prune", "uv-0.8.18"}},
                       /*setup_install=*/true);
  c.kill_probability = 0.05;
  for (uint64_t seed = 1; seed <= 20; ++seed) {
    auto on_disk = MakeRandomStrategy(seed);
    auto in_memory = MakeRandomStrategy(seed);
    RunOptions disk = InProcess();
    RunOptions memory = InProcess();
    memory.transport = Transport::kMemory;
    RunResult a = RunControlled(c, *on_disk, seed, disk);
    RunResult b = RunControlled(c, *in_memory, seed, memory);
    ASSERT_TRUE(a.error.ok() && b.error.ok()) << a.error.ToString() << b.error.ToString();
    EXPECT_EQ(a.event_digest, b.event_digest) << "seed " << seed << "\n" << Summary(c, a) << Summary(c, b);
    EXPECT_EQ(a.violations.size(), b.violations.size()) << "seed " << seed;
  }
}

TEST(MemoryTransportTest, ReferenceActorsWithRandomKillsNeverViolateInThousandRuns) {
  RunConfig c = Config({{"install", "reference"}, {"read", "reference"}, {"refresh", "reference"},
                        {"prune", "reference"}, {"clean", "reference"}},
                       /*setup_install=*/true);
  c.kill_probability = 0.05;
  RunOptions memory = InProcess();
  memory.transport = Transport::kMemory;
  auto s = MakePctStrategy(5, 3);
  for (int i = 0; i < 1000; ++i) {
    RunResult r = RunControlled(c, *s, 7000 + static_cast<uint64_t>(i), memory);
    ASSERT_TRUE(r.error.ok()) << r.error.ToString();
    ASSERT_TRUE(r.passed) << "seed " << 7000 + i << ":\n" << Summary(c, r);
  }
}

}  // namespace
}  // namespace prunecheck::harness
