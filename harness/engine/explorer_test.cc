// The Explorer: determinism per seed whatever the number of workers and
// shards, the lowest-index failure, the error channel, exhaustion claims.
// Memory transport throughout: fast, and nothing is left on disk.
#include "harness/engine/explorer.h"

#include <gtest/gtest.h>

#include <set>
#include <vector>

namespace prunecheck::harness {
namespace {

RunConfig Config(std::initializer_list<std::pair<const char*, const char*>> actors) {
  RunConfig c;
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

ExplorerOptions InMemory(const char* strategy, int runs, int jobs, uint64_t seed = 1) {
  ExplorerOptions o;
  o.strategy = strategy;
  o.runs = runs;
  o.jobs = jobs;
  o.seed = seed;
  o.minimize = false;
  o.run.transport = Transport::kMemory;
  return o;
}

std::vector<int> FailingIndices(const ExploreResult& r) {
  std::vector<int> v;
  for (const ExploreFailure& f : r.failures) v.push_back(f.index);
  return v;
}

// uv 0.8.18 installs and prunes without locks: some schedules lose an archive in use.
RunConfig LegacyRace() { return Config({{"install", "uv-0.8.18"}, {"prune", "uv-0.8.18"}}); }

TEST(ExplorerTest, TheFirstFailureDoesNotDependOnTheNumberOfWorkers) {
  for (const char* strategy : {"random", "pct:2"}) {
    const ExploreResult one = Explore(LegacyRace(), InMemory(strategy, 300, 1));
    ASSERT_TRUE(one.error.ok()) << one.error.ToString();
    ASSERT_EQ(one.failures.size(), 1u) << strategy << ": no failure in 300 runs (seed 1)";
    for (int jobs : {2, 4}) {
      const ExploreResult many = Explore(LegacyRace(), InMemory(strategy, 300, jobs));
      ASSERT_TRUE(many.error.ok()) << many.error.ToString();
      EXPECT_EQ(many.jobs, jobs);
      ASSERT_EQ(many.failures.size(), 1u) << strategy << " jobs " << jobs;
      EXPECT_EQ(many.failures[0].index, one.failures[0].index) << strategy << " jobs " << jobs;
      EXPECT_EQ(many.failures[0].result.event_digest, one.failures[0].result.event_digest) << strategy;
      EXPECT_EQ(many.done, one.done) << strategy << " jobs " << jobs;
    }
  }
}

TEST(ExplorerTest, KeepGoingFindsTheSameFailingRunsWithAnyWorkersAndShards) {
  ExplorerOptions o = InMemory("pct:2", 120, 1);
  o.keep_going = true;
  const ExploreResult one = Explore(LegacyRace(), o);
  ASSERT_TRUE(one.error.ok()) << one.error.ToString();
  ASSERT_GE(one.failures.size(), 2u) << "seed 1";
  EXPECT_EQ(one.done, 120);
  o.jobs = 2;
  EXPECT_EQ(FailingIndices(Explore(LegacyRace(), o)), FailingIndices(one));
  std::set<int> sharded;
  int done = 0;
  for (int shard = 0; shard < 3; ++shard) {
    o.shard_index = shard;
    o.shard_count = 3;
    const ExploreResult r = Explore(LegacyRace(), o);
    ASSERT_TRUE(r.error.ok()) << r.error.ToString();
    EXPECT_EQ(r.planned, 40);
    done += r.done;
    for (int i : FailingIndices(r)) {
      EXPECT_EQ(i % 3, shard);
      sharded.insert(i);
    }
  }
  EXPECT_EQ(done, 120);
  const std::vector<int> all = FailingIndices(one);
  EXPECT_EQ(std::vector<int>(sharded.begin(), sharded.end()), all);
}

// The committing thread sleeps until a batch of runs has gathered (explorer.cc,
// RunParallel); a search that ends on the time budget or runs out of runs
// with a partial batch must still commit every run, in index order, and end.
TEST(ExplorerTest, ParallelRunsAreAllCommittedInOrderWhateverEndsTheSearch) {
  const RunConfig safe = Config({{"install", "reference"}, {"prune", "reference"}});
  for (int runs : {1, 2, 3, 5, 13, 50}) {
    ExplorerOptions o = InMemory("random", runs, 3);
    std::vector<int> committed;
    o.on_run = [&](int index, const RunResult&) { committed.push_back(index); };
    const ExploreResult r = Explore(safe, o);
    ASSERT_TRUE(r.error.ok()) << r.error.ToString();
    EXPECT_EQ(r.done, runs);
    ASSERT_EQ(committed.size(), static_cast<size_t>(runs));
    for (int i = 0; i < runs; ++i) EXPECT_EQ(committed[static_cast<size_t>(i)], i) << "runs " << runs;
  }
  ExplorerOptions timed = InMemory("random", 10000000, 3);
  timed.max_seconds = 0.3;
  std::vector<int> committed;
  timed.on_run = [&](int index, const RunResult&) { committed.push_back(index); };
  const ExploreResult r = Explore(safe, timed);
  ASSERT_TRUE(r.error.ok()) << r.error.ToString();
  EXPECT_TRUE(r.out_of_time);
  ASSERT_EQ(committed.size(), static_cast<size_t>(r.done));
  for (int i = 0; i < r.done; ++i) ASSERT_EQ(committed[static_cast<size_t>(i)], i);
}

TEST(ExplorerTest, MinimizesAndReRecordsTheTraceBeforeTheHook) {
  ExplorerOptions o = InMemory("random", 300, 2);
  o.minimize = true;
  int hooks = 0;
  o.on_failure = [&](const ExploreFailure& f, CacheActorPool* pool) {
    ++hooks;
    EXPECT_EQ(pool, nullptr);  // no pool off the process transport
    EXPECT_EQ(f.trace.choices, f.result.choices);
    EXPECT_EQ(f.trace.event_digest, f.result.event_digest);
    EXPECT_LE(f.result.choices.size(), f.original_steps);
    EXPECT_EQ(f.invariant, Invariant::kNoInUseRemoval);
  };
  const ExploreResult r = Explore(LegacyRace(), o);
  ASSERT_EQ(r.failures.size(), 1u) << "seed 1";
  EXPECT_EQ(hooks, 1);
  // The re-recorded trace replays to the same events.
  std::unique_ptr<ReplayStrategy> replay = MakeReplayStrategy(r.failures[0].trace.choices);
  RunOptions ro;
  ro.transport = Transport::kMemory;
  RunResult again = RunControlled(ReplayConfig(r.failures[0].trace), *replay, r.failures[0].seed, ro);
  EXPECT_EQ(again.event_digest, r.failures[0].result.event_digest);
}

// A strategy that cannot follow its schedule at the second step.
class Refusing final : public Strategy {
 public:
  std::string name() const override { return "refusing"; }
  int Pick(const SchedulingState& state) override {
    if (state.step == 1) {
      error_ = Status(StatusCode::kInvalidInput, "step 2 cannot be followed");
      return -1;
    }
    return state.enabled.empty() ? state.blocked.front() : state.enabled.front();
  }
  Status error() const override { return error_; }

 private:
  Status error_;
};

TEST(ExplorerTest, AStrategyThatCannotFollowItsScheduleIsAnErrorNotAVerdict) {
  ExplorerOptions o = InMemory("random", 5, 1);
  o.make_strategy = [](int) -> Result<std::unique_ptr<Strategy>> { return std::unique_ptr<Strategy>(new Refusing); };
  const ExploreResult r = Explore(Config({{"install", "reference"}, {"prune", "reference"}}), o);
  EXPECT_FALSE(r.error.ok());
  EXPECT_TRUE(r.error_from_strategy);
  EXPECT_EQ(r.error.message(), "step 2 cannot be followed");
  EXPECT_EQ(r.error_index, 0);
  EXPECT_EQ(r.done, 1);
  EXPECT_TRUE(r.failures.empty());
}

TEST(ExplorerTest, DfsCoversASmallSpaceOnOneWorkerAndSaysSo) {
  ExplorerOptions o = InMemory("dfs:1", 100000, 4);
  const ExploreResult r = Explore(Config({{"install", "reference"}, {"prune", "reference"}}), o);
  ASSERT_TRUE(r.error.ok()) << r.error.ToString();
  EXPECT_EQ(r.jobs, 1);
  EXPECT_TRUE(r.exhausted);
  EXPECT_EQ(r.diverged_runs, 0);
  EXPECT_TRUE(r.covered());
  EXPECT_LT(r.done, 100000);
  EXPECT_TRUE(r.failures.empty());
}

TEST(ExplorerTest, RejectsBadOptions) {
  ExplorerOptions o = InMemory("pct:x", 10, 1);
  EXPECT_FALSE(ValidateExplorerOptions(o).ok());
  o.strategy = "pct";
  EXPECT_TRUE(ValidateExplorerOptions(o).ok());
  o.shard_index = 2;
  o.shard_count = 2;
  EXPECT_FALSE(ValidateExplorerOptions(o).ok());
  o.shard_index = 0;
  o.jobs = 0;
  EXPECT_FALSE(ValidateExplorerOptions(o).ok());
}

TEST(ExplorerTest, RunStrategySeedSeparatesRunsAndSeeds) {
  std::set<uint64_t> seen;
  for (uint64_t seed = 1; seed <= 4; ++seed) {
    for (int i = 0; i < 100; ++i) seen.insert(RunStrategySeed(seed, i));
  }
  EXPECT_EQ(seen.size(), 400u);
  EXPECT_EQ(RunStrategySeed(7, 3), RunStrategySeed(7, 3));
}

}  // namespace
}  // namespace prunecheck::harness
