// Every JSON file prunecheck writes — traces, explore / replay / stress /
// merge / matrix / mutation-score results — and the matrix's Markdown,
// produced by the real binary on fixed inputs and compared with golden files
// in harness/testdata/golden/ (in the style of Google Benchmark's output
// tests: harness/engine/golden_match.h; times and temp paths are
// placeholders, everything else is pinned). Each result is then read back:
// traces by ReadTrace, explore results by `prunecheck merge`, and a file
// with a missing or unknown "format" is refused (exit 2, FILE:LINE:COL).
//
// docs/design.md §7 ("File formats") says when a golden file may change. To
// see what the binary writes now: PRUNECHECK_GOLDEN_OUT=/some/dir.
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "harness/engine/explore_result.h"
#include "harness/engine/golden_match.h"
#include "harness/engine/run_report.h"
#include "harness/scenario/matrix.h"
#include "harness/scenario/mutation_score.h"
#include "pruner/base/scoped_temp_dir.h"

namespace prunecheck::harness {
namespace {

namespace fs = std::filesystem;

std::string Slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Runs prunecheck with `args` (stdout and stderr to `log`); its exit code, or -1.
int RunPrunecheck(const std::vector<std::string>& args, const std::string& log) {
  const char* b = std::getenv("PRUNECHECK_BINARY");
  std::string bin = b != nullptr ? b : "prunecheck";
  pid_t pid = fork();
  if (pid == 0) {
    int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<std::string> copy = args;
    std::vector<char*> argv{bin.data()};
    for (std::string& a : copy) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(bin.c_str(), argv.data());
    _exit(127);
  }
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status)) return -1;
  return WEXITSTATUS(status);
}

void ExpectGolden(const std::string& name, const std::string& actual) {
  const std::string golden = ReadGolden(name);
  if (golden.empty()) {
    const std::string saved = SaveActualForGolden(name, actual);
    FAIL() << "no golden file " << GoldenPath(name) << (saved.empty() ? "" : "; the actual output is in " + saved);
  }
  const std::string mismatch = GoldenMismatch(actual, golden);
  if (!mismatch.empty()) {
    const std::string saved = SaveActualForGolden(name, actual);
    ADD_FAILURE() << name << " differs from " << GoldenPath(name) << " at " << mismatch
                  << (saved.empty() ? "\n(PRUNECHECK_GOLDEN_OUT=DIR saves the actual output)" : "\nactual: " + saved);
  }
}

class FormatsGoldenTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(tmp_.ok());
    dir_ = tmp_.path();
    runs_ = dir_ + "/runs";
    fs::create_directories(runs_);
  }
  std::string Log(const std::string& name) { return dir_ + "/" + name + ".log"; }
  ScopedTempDir tmp_{"prunecheck-golden"};
  std::string dir_, runs_;
};

// explore --json and its trace, replay --json of that trace, merge of the
// result: a failing exploration of the uv-0.8.18 race, seed 1, in memory.
TEST_F(FormatsGoldenTest, ExploreTraceReplayAndMerge) {
  const std::string explore_json = dir_ + "/explore.json", trace = dir_ + "/trace.json";
  ASSERT_EQ(RunPrunecheck({"explore", "--installer", "uv-0.8.18", "--pruner", "uv-0.8.18", "--transport", "memory", "--seed",
                 "1", "--runs", "50", "--jobs", "1", "--base-dir", runs_, "--json", explore_json, "--trace-out", trace},
                Log("explore")),
            1)
      << Slurp(Log("explore"));
  ExpectGolden("explore.json", Slurp(explore_json));
  ExpectGolden("trace.json", Slurp(trace));

  // The trace reads back to the same document.
  Result<Trace> t = ReadTrace(trace);
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(nlohmann::json(ToJson(*t)), nlohmann::json::parse(Slurp(trace)));

  const std::string replay_json = dir_ + "/replay.json";
  ASSERT_EQ(RunPrunecheck({"replay", trace, "--base-dir", runs_, "--json", replay_json}, Log("replay")), 1)
      << Slurp(Log("replay"));
  ExpectGolden("replay.json", Slurp(replay_json));

  // merge reads the explore result back: one complete shard is the same result.
  const std::string merged_json = dir_ + "/merged.json";
  ASSERT_EQ(RunPrunecheck({"merge", explore_json, "--json", merged_json}, Log("merge")), 1) << Slurp(Log("merge"));
  ExpectGolden("merged.json", Slurp(merged_json));
  nlohmann::json merged = nlohmann::json::parse(Slurp(merged_json));
  merged.erase("merged_shards");
  merged.erase("complete");
  EXPECT_EQ(merged, nlohmann::json::parse(Slurp(explore_json)));
}

TEST_F(FormatsGoldenTest, MatrixJsonAndMarkdown) {
  const std::string json = dir_ + "/matrix.json", md = dir_ + "/matrix.md";
  ASSERT_EQ(RunPrunecheck({"matrix", "--clients", "uv-0.8.19,reference", "--pruners", "uv-0.8.18,reference", "--schedules",
                 "20", "--jobs", "1", "--transport", "memory", "--base-dir", runs_, "--save-failure",
                 dir_ + "/found", "--json", json, "--markdown", md},
                Log("matrix")),
            0)
      << Slurp(Log("matrix"));
  ExpectGolden("matrix.md", Slurp(md));
  ExpectGolden("matrix.json", Slurp(json));
  const nlohmann::json j = nlohmann::json::parse(Slurp(json));
  EXPECT_EQ(j["format"], kMatrixFormat);
}

TEST_F(FormatsGoldenTest, MutationScore) {
  const char* src = std::getenv("PRUNECHECK_SOURCE_DIR");
  ASSERT_NE(src, nullptr);
  const std::string json = dir_ + "/mutation-score.json";
  // One mutant's story: it is killed, every other mutant "survives" for
  // want of a story (exit 1); the report lists them all.
  ASSERT_EQ(RunPrunecheck({"mutation-score", std::string(src) + "/scenarios/mutant-no-recheck.toml", "--strategies",
                 "random,pct:3", "--seeds", "2", "--budget", "100", "--jobs", "1", "--json", json},
                Log("mutation-score")),
            1)
      << Slurp(Log("mutation-score"));
  ExpectGolden("mutation-score.json", Slurp(json));
  EXPECT_EQ(nlohmann::json::parse(Slurp(json))["format"], kMutationScoreFormat);
}

TEST_F(FormatsGoldenTest, Stress) {
  const std::string json = dir_ + "/stress.json";
  ASSERT_EQ(RunPrunecheck({"stress", "--reader", "reference", "--pruner", "reference", "--rounds", "2", "--duration", "10",
                 "--base-dir", runs_, "--json", json},
                Log("stress")),
            0)
      << Slurp(Log("stress"));
  ExpectGolden("stress.json", Slurp(json));
}

// A file without "format", or with another version, is bad input at its place.
TEST_F(FormatsGoldenTest, ReadersRefuseMissingAndUnknownFormats) {
  const std::string none = dir_ + "/none.json";
  std::ofstream(none) << "{\"strategy\": \"pct\", \"runs\": 3}\n";
  ASSERT_EQ(RunPrunecheck({"merge", none}, Log("none")), 2);
  EXPECT_NE(Slurp(Log("none")).find(none + ":1:1: not a prunecheck explore --json result: no \"format\""),
            std::string::npos)
      << Slurp(Log("none"));

  const std::string future = dir_ + "/future.json";
  std::ofstream(future) << "{\n  \"format\": \"prunecheck-explore/2\"\n}\n";
  ASSERT_EQ(RunPrunecheck({"merge", future}, Log("future")), 2);
  EXPECT_NE(Slurp(Log("future")).find(future + ":2:13: unsupported explore --json result format "
                                               "\"prunecheck-explore/2\": this prunecheck reads \"prunecheck-explore/1\""),
            std::string::npos)
      << Slurp(Log("future"));

  const std::string trace = dir_ + "/trace.json";
  std::ofstream(trace) << "{\"format\": \"prunecheck-matrix/1\", \"seed\": 1}\n";
  ASSERT_EQ(RunPrunecheck({"replay", trace, "--base-dir", runs_}, Log("trace")), 2);
  EXPECT_NE(Slurp(Log("trace")).find(trace + ":1:12: format \"prunecheck-matrix/1\" is not a prunecheck trace"),
            std::string::npos)
      << Slurp(Log("trace"));
}

}  // namespace
}  // namespace prunecheck::harness
