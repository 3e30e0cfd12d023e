// The prunecheck binary end to end: what it leaves behind, and its exit codes.
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "pruner/base/scoped_temp_dir.h"

namespace {

namespace fs = std::filesystem;
using prunecheck::ScopedTempDir;

std::string Binary() {
  const char* b = std::getenv("PRUNECHECK_BINARY");
  return b ? b : "prunecheck";
}

// Starts prunecheck with `args`, stdout/stderr to `log`. Returns its pid.
pid_t Start(const std::vector<std::string>& args, const std::string& log) {
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> argv;
    std::string bin = Binary();
    argv.push_back(bin.data());
    std::vector<std::string> copy = args;
    for (std::string& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  return pid;
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

class PrunecheckCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(tmp_.ok()) << "cannot create a temp dir";
    dir_ = tmp_.path();
    runs_ = dir_ + "/runs";
    fs::create_directories(runs_);
    // Orphaned descendants come to us, so "nothing left" is checkable.
    ASSERT_EQ(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  }
  void TearDown() override {
    prctl(PR_SET_CHILD_SUBREAPER, 0);
  }
  ScopedTempDir tmp_{"prunecheck-cli"};
  std::string dir_, runs_;
};

TEST_F(PrunecheckCliTest, HundredRunsSomeInterruptedLeaveNoProcessZombieOrRunDirectory) {
  int interrupted = 0;
  for (int i = 0; i < 100; ++i) {
    const std::string log = dir_ + "/log-" + std::to_string(i);
    const std::string seed = std::to_string(i + 1);
    if (i % 10 == 3) {
      // Mid-run: a black box tells us its pid through a FIFO and then sleeps;
      // once we have read it, the harness is inside the run. A free-running
      // one: a syscall-controlled black box lives in a PID namespace, where
      // $$ is not its pid out here (syscall_actor_test.cc covers those).
      const std::string fifo = dir_ + "/ready-" + std::to_string(i);
      ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
      pid_t h = Start({"explore", "--installer", "reference", "--black-box-free", "echo $$ > " + fifo + "; exec sleep 1000",
                       "--runs", "1", "--seed", seed, "--base-dir", runs_},
                      log);
      std::ifstream in(fifo);
      pid_t sleeper = 0;
      in >> sleeper;
      ASSERT_GT(sleeper, 0) << Slurp(log);
      ASSERT_EQ(kill(h, SIGINT), 0);
      int status = 0;
      ASSERT_EQ(waitpid(h, &status, 0), h);
      EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT) << "status " << status << "\n" << Slurp(log);
      // The black box is gone (and not a zombie of ours either: reaped below).
      while (waitpid(-1, nullptr, WNOHANG) > 0) {
      }
      EXPECT_EQ(kill(sleeper, 0), -1);
      EXPECT_EQ(errno, ESRCH);
      ++interrupted;
    } else {
      pid_t h = Start({"explore", "--installer", "reference", "--pruner", "reference", "--runs", "1", "--seed", seed,
                       "--base-dir", runs_},
                      log);
      int status = 0;
      ASSERT_EQ(waitpid(h, &status, 0), h);
      ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << Slurp(log);
    }
  }
  EXPECT_EQ(interrupted, 10);
  // No child, grandchild or orphan left: as subreaper, any survivor would be ours.
  EXPECT_EQ(waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
  // No run directory left.
  EXPECT_TRUE(fs::is_empty(runs_)) << "left behind: " << fs::directory_iterator(runs_)->path();
}

TEST_F(PrunecheckCliTest, BadInputExitsTwoWithAClearMessage) {
  const std::string log = dir_ + "/log";
  pid_t h = Start({"explore", "--installer", "uv-9.9", "--base-dir", runs_}, log);
  int status = 0;
  ASSERT_EQ(waitpid(h, &status, 0), h);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
  EXPECT_NE(Slurp(log).find("unknown profile 'uv-9.9'"), std::string::npos) << Slurp(log);
  EXPECT_TRUE(fs::is_empty(runs_));
}

// Issue 9 item 11: every bad value exits 2 before anything runs, and the
// message names the flag.
TEST_F(PrunecheckCliTest, BadFlagValuesExitTwoNamingTheFlag) {
  const std::vector<std::string> base = {"explore", "--installer", "reference", "--pruner", "reference",
                                         "--transport", "memory", "--runs", "1"};
  struct Case {
    std::vector<std::string> args;
    std::string expect;  // in the output
  };
  const std::vector<Case> cases = {
      {{"--kill-prob", "nan"}, "--kill-prob"},
      {{"--kill-prob", "1.5"}, "--kill-prob"},
      {{"--kill-at", "installer@nopoint"}, "--kill-at 'installer@nopoint': unknown yield point 'nopoint'"},
      {{"--kill-at", "installer@install.persistd"}, "did you mean 'install.persisted'?"},
      {{"--kill-at", "nobody@install.begin"}, "no actor named 'nobody'"},
      {{"--kill-at", "installer@sys.openat"}, "system-call point"},
      {{"--grace", "-1"}, "--grace"},
      {{"--seed", "-1"}, "--seed"},
      {{"--progress-every", "-5"}, "--progress-every"},
      {{"--runs", "0"}, "--runs: must be at least 1, not 0"},
      {{"--base-dir", ""}, "--base-dir"},
      {{"--base-dir", "/nonexistent-prunecheck-dir"}, "--base-dir"},
      {{"--json", "/nonexistent-prunecheck-dir/out.json"}, "--json"},
      {{"--json", "/"}, "--json"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    std::vector<std::string> args = base;
    args.insert(args.end(), cases[i].args.begin(), cases[i].args.end());
    if (std::find(args.begin(), args.end(), "--base-dir") == args.end()) {
      args.push_back("--base-dir");
      args.push_back(runs_);
    }
    const std::string log = dir_ + "/log-" + std::to_string(i);
    pid_t h = Start(args, log);
    int status = 0;
    ASSERT_EQ(waitpid(h, &status, 0), h);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 2) << cases[i].args[0] << " " << cases[i].args[1] << "\n" << Slurp(log);
    EXPECT_NE(Slurp(log).find(cases[i].expect), std::string::npos)
        << cases[i].args[0] << " " << cases[i].args[1] << "\n" << Slurp(log);
  }
  EXPECT_TRUE(fs::is_empty(runs_));
  // --runs 0 names its bound plainly, not as a 300-digit float.
  EXPECT_EQ(Slurp(dir_ + "/log-9").find("1797693"), std::string::npos) << Slurp(dir_ + "/log-9");
}

// A --json file that cannot be written after the run is an error, not exit 0.
TEST_F(PrunecheckCliTest, UnwritableJsonResultIsAHarnessError) {
  const std::string log = dir_ + "/log";
  pid_t h = Start({"explore", "--installer", "reference", "--transport", "memory", "--runs", "1", "--base-dir", runs_,
                   "--json", "/dev/full"},
                  log);
  int status = 0;
  ASSERT_EQ(waitpid(h, &status, 0), h);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 4) << Slurp(log);
  EXPECT_NE(Slurp(log).find("--json: io-error: /dev/full: write failed"), std::string::npos) << Slurp(log);
}

// Issue 9 item 13: after a SIGKILL of the harness its run directory stayed
// behind for good. The next prunecheck on the same base directory removes it.
TEST_F(PrunecheckCliTest, RunDirectoryOfAKilledHarnessIsRemovedByTheNextRun) {
  const std::string fifo = dir_ + "/ready";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  pid_t h = Start({"explore", "--installer", "reference", "--black-box", "echo $$ > " + fifo + "; exec sleep 1000",
                   "--runs", "1", "--base-dir", runs_},
                  dir_ + "/log-killed");
  std::ifstream in(fifo);
  pid_t sleeper = 0;
  in >> sleeper;
  ASSERT_GT(sleeper, 0) << Slurp(dir_ + "/log-killed");
  ASSERT_EQ(kill(h, SIGKILL), 0);
  ASSERT_EQ(waitpid(h, nullptr, 0), h);
  kill(sleeper, SIGKILL);  // containment of a killed harness's actors is issue 9 item 5
  while (waitpid(-1, nullptr, 0) > 0) {
  }
  std::vector<std::string> left;
  for (const auto& e : fs::directory_iterator(runs_)) left.push_back(e.path().string());
  ASSERT_EQ(left.size(), 1u) << "the killed harness's run directory";

  const std::string log = dir_ + "/log-next";
  h = Start({"explore", "--installer", "reference", "--transport", "memory", "--runs", "1", "--base-dir", runs_}, log);
  int status = 0;
  ASSERT_EQ(waitpid(h, &status, 0), h);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << Slurp(log);
  EXPECT_NE(Slurp(log).find("removed " + left[0] + ", left behind by a prunecheck process that is gone"),
            std::string::npos)
      << Slurp(log);
  EXPECT_TRUE(fs::is_empty(runs_));
}

// Issue 9 items 1 and 6: a trace or --config that is not a bounded regular
// file, or says what a scenario may not, is bad input (exit 2) with its place.
TEST_F(PrunecheckCliTest, BadTraceAndConfigFilesExitTwoWithFileLineColumn) {
  const std::string fifo = dir_ + "/config.json";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  const std::string trace = dir_ + "/trace.json";
  std::ofstream(trace) << "{\"format\": \"prunecheck-trace/1\", \"seed\": 1, \"choices\": [],\n"
                          " \"config\": {\"actors\": [{\"name\": \"i\", \"role\": \"install\", "
                          "\"profile\": \"reference\", \"package\": \"../../../../PWNED\"}],\n"
                          " \"fixture_files\": 1e9}}\n";
  struct Case {
    std::vector<std::string> args;
    std::string expect;
  };
  const std::vector<Case> cases = {
      {{"explore", "--config", fifo, "--base-dir", runs_}, fifo + ":1:1: is a FIFO, not a regular file"},
      {{"replay", trace, "--base-dir", runs_}, trace + ":2:92: '../../../../PWNED' is not a package name"},
  };
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string log = dir_ + "/log-" + std::to_string(i);
    pid_t h = Start(cases[i].args, log);
    int status = 0;
    ASSERT_EQ(waitpid(h, &status, 0), h);
    ASSERT_TRUE(WIFEXITED(status)) << Slurp(log);
    EXPECT_EQ(WEXITSTATUS(status), 2) << Slurp(log);
    EXPECT_NE(Slurp(log).find(cases[i].expect), std::string::npos) << Slurp(log);
  }
  EXPECT_TRUE(fs::is_empty(runs_));
  EXPECT_FALSE(fs::exists(dir_ + "/PWNED"));
}

TEST_F(PrunecheckCliTest, ViolationExitsOneAndPrintsAReplayCommand) {
  const std::string log = dir_ + "/log";
  pid_t h = Start({"explore", "--installer", "uv-0.8.18", "--pruner", "uv-0.8.18", "--strategy", "pct", "--seed", "1",
                   "--base-dir", runs_, "--trace-out", dir_ + "/trace.json"},
                  log);
  int status = 0;
  ASSERT_EQ(waitpid(h, &status, 0), h);
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 1) << Slurp(log);
  const std::string out = Slurp(log);
  EXPECT_NE(out.find("[no-in-use-removal]"), std::string::npos) << out;
  EXPECT_NE(out.find(" replay " + dir_ + "/trace.json"), std::string::npos) << out;
  h = Start({"replay", dir_ + "/trace.json", "--times", "3", "--base-dir", runs_}, log + ".replay");
  ASSERT_EQ(waitpid(h, &status, 0), h);
  EXPECT_EQ(WEXITSTATUS(status), 1);  // the violation, reproduced
  EXPECT_NE(Slurp(log + ".replay").find("identical event sequence in 3 of 3 replays"), std::string::npos)
      << Slurp(log + ".replay");
  // The last replay failed, so its directory is kept, under --base-dir.
  EXPECT_EQ(std::distance(fs::directory_iterator(runs_), fs::directory_iterator()), 2)
      << "the explore's and the last replay's run directories";
  fs::remove_all(runs_);
}

// Two shards' --json results joined by `merge` equal the unsharded run's
// failing runs; the explore result's format and keys are pinned.
TEST_F(PrunecheckCliTest, ShardedExploreResultsMergeIntoTheUnshardedOnes) {
  auto explore = [&](const std::string& name, std::vector<std::string> extra) {
    std::vector<std::string> args = {"explore",   "--installer", "uv-0.8.18", "--pruner", "uv-0.8.18",
                                     "--transport", "memory",    "--runs",    "60",       "--keep-going",
                                     "--no-minimize", "--trace-out", dir_ + "/t.json", "--json", dir_ + "/" + name};
    args.insert(args.end(), extra.begin(), extra.end());
    int status = 0;
    pid_t h = Start(args, dir_ + "/" + name + ".log");
    EXPECT_EQ(waitpid(h, &status, 0), h);
    EXPECT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 1) << Slurp(dir_ + "/" + name + ".log") << " (seed 1: some run fails)";
    return nlohmann::json::parse(Slurp(dir_ + "/" + name));
  };
  const nlohmann::json all = explore("all.json", {"--jobs", "2"});
  std::vector<std::string> keys;
  for (auto it = all.begin(); it != all.end(); ++it) keys.push_back(it.key());
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(keys, (std::vector<std::string>{"exhausted", "failing", "failures", "format", "runs", "runs_planned",
                                            "seconds", "seed", "shard", "strategy"}));
  EXPECT_EQ(all["format"], "prunecheck-explore/1");
  explore("s0.json", {"--shard", "0/2", "--jobs", "1"});
  explore("s1.json", {"--shard", "1/2", "--jobs", "2"});
  int status = 0;
  pid_t h = Start({"merge", dir_ + "/s1.json", dir_ + "/s0.json", "--json", dir_ + "/merged.json"}, dir_ + "/m.log");
  ASSERT_EQ(waitpid(h, &status, 0), h);
  EXPECT_EQ(WEXITSTATUS(status), 1) << Slurp(dir_ + "/m.log");
  const nlohmann::json merged = nlohmann::json::parse(Slurp(dir_ + "/merged.json"));
  EXPECT_EQ(merged["runs"], all["runs"]);
  EXPECT_EQ(merged["failing"], all["failing"]);
  std::vector<int> a, m;
  for (const auto& f : all["failures"]) a.push_back(f["run_index"].get<int>());
  for (const auto& f : merged["failures"]) m.push_back(f["run_index"].get<int>());
  EXPECT_EQ(m, a);
  // Not shards of one exploration: bad input.
  h = Start({"merge", dir_ + "/s0.json", dir_ + "/s0.json"}, dir_ + "/bad.log");
  ASSERT_EQ(waitpid(h, &status, 0), h);
  EXPECT_EQ(WEXITSTATUS(status), 2) << Slurp(dir_ + "/bad.log");
  EXPECT_NE(Slurp(dir_ + "/bad.log").find("given twice"), std::string::npos) << Slurp(dir_ + "/bad.log");
}

}  // namespace
