// Trace and --config JSON are checked as strictly as scenario TOML (issue 9
// item 6): same names and ranges, FILE:LINE:COL at the offending place.
#include "harness/engine/run_config_json.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "harness/engine/run_report.h"
#include "pruner/base/scoped_temp_dir.h"

namespace prunecheck::harness {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

constexpr const char* kConfig = R"({
  "actors": [
    {"name": "installer", "role": "install", "profile": "reference"},
    {"name": "pruner", "role": "prune", "profile": "reference", "package": "demo"}
  ],
  "fixture_files": 4
})";

std::string Replace(std::string s, const std::string& from, const std::string& to) {
  const size_t at = s.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) s.replace(at, from.size(), to);
  return s;
}

std::string ErrorOf(const std::string& text) {
  Result<JsonDocument> doc = JsonDocument::Parse(text, "c.json");
  if (!doc.ok()) return doc.status().message();
  Result<RunConfig> c = ReadRunConfig(*doc, "");
  return c.ok() ? "" : c.status().message();
}

TEST(RunConfigJson, ReadsAGoodConfig) {
  EXPECT_EQ(ErrorOf(kConfig), "");
}

TEST(RunConfigJson, SyntaxErrorsNameLineAndColumn) {
  EXPECT_THAT(ErrorOf("{\n  \"actors\": [\n    {\"name\": }\n]}"), StartsWith("c.json:3:14: not valid JSON: "));
  EXPECT_THAT(ErrorOf(""), StartsWith("c.json:1:1: not valid JSON"));
  // A number too large for a double is an error, not an exception.
  EXPECT_THAT(ErrorOf("{\"fixture_files\": 1e999}"), StartsWith("c.json:1:1: not valid JSON"));
}

TEST(RunConfigJson, PackageMustBeADistributionNameNeverAPath) {
  // This package made `replay` write a file outside the run directory.
  EXPECT_THAT(ErrorOf(Replace(kConfig, "\"package\": \"demo\"", "\"package\": \"../../../../PWNED\"")),
              StartsWith("c.json:4:76: '../../../../PWNED' is not a package name"));
  for (const char* bad : {"..", ".hidden", "a/b", "", "demo-", "x\\ny"}) {
    EXPECT_THAT(ErrorOf(Replace(kConfig, "\"package\": \"demo\"", std::string("\"package\": \"") + bad + "\"")),
                HasSubstr("is not a package name"))
        << bad;
  }
}

TEST(RunConfigJson, ActorNamesCannotBePaths) {
  EXPECT_THAT(ErrorOf(Replace(kConfig, "\"name\": \"pruner\"", "\"name\": \"../../x\"")),
              StartsWith("c.json:4:14: actor name '../../x' must be"));
}

TEST(RunConfigJson, NumbersAreRangeCheckedLikeScenarios) {
  // fixture_files: 1e9 ran until SIGKILL.
  EXPECT_THAT(ErrorOf(Replace(kConfig, "\"fixture_files\": 4", "\"fixture_files\": 1e9")),
              StartsWith("c.json:6:20: 'fixture_files' in the run config must be an integer, not a float"));
  EXPECT_THAT(ErrorOf(Replace(kConfig, "\"fixture_files\": 4", "\"fixture_files\": 1000000000")),
              StartsWith("c.json:6:20: 'fixture_files' in the run config must be between 1 and 100000"));
  EXPECT_THAT(ErrorOf(Replace(kConfig, "\"fixture_files\": 4", "\"grace_seconds\": -1")),
              StartsWith("c.json:6:20: 'grace_seconds' in the run config must be between 0 and"));
  EXPECT_THAT(ErrorOf(Replace(kConfig, "\"fixture_files\": 4", "\"kill_probability\": 2")),
              StartsWith("c.json:6:23: 'kill_probability' in the run config must be between"));
  EXPECT_THAT(ErrorOf(Replace(kConfig, "\"fixture_files\": 4", "\"max_steps\": 0")), HasSubstr("'max_steps'"));
  EXPECT_THAT(ErrorOf(Replace(kConfig, "\"fixture_files\": 4", "\"unresponsive_ms\": \"10\"")),
              HasSubstr("'unresponsive_ms' in the run config must be an integer, not a string"));
}

TEST(RunConfigJson, UnknownKeysAreRefusedWithASuggestion) {
  EXPECT_THAT(ErrorOf(Replace(kConfig, "\"fixture_files\"", "\"fixture_file\"")),
              StartsWith("c.json:6:3: unknown key 'fixture_file' in the run config (did you mean 'fixture_files'?)"));
  EXPECT_THAT(ErrorOf(Replace(kConfig, "\"role\": \"prune\"", "\"rol\": \"prune\"")),
              StartsWith("c.json:4:24: unknown key 'rol' in actors[1] (did you mean 'role'?)"));
}

TEST(RunConfigJson, NamesAreCheckedLikeScenarios) {
  EXPECT_THAT(ErrorOf(Replace(kConfig, "\"profile\": \"reference\", \"package\"", "\"profile\": \"uv-0.8.17\", \"package\"")),
              StartsWith("c.json:4:52: unknown profile 'uv-0.8.17' (did you mean 'uv-0.8.18'?)"));
  EXPECT_THAT(ErrorOf(Replace(kConfig, "\"role\": \"prune\"", "\"role\": \"prun\"")),
              StartsWith("c.json:4:32: unknown role 'prun' (did you mean 'prune'?)"));
  EXPECT_THAT(ErrorOf(Replace(kConfig, "\"fixture_files\": 4",
                              "\"kills\": [{\"actor\": \"pruner\", \"point\": \"prune.remove-progress\"}]")),
              HasSubstr("unknown yield point 'prune.remove-progress' for actor 'pruner' (played by cache-actor) (did "
                        "you mean 'prune.remove_progress'?)"));
  EXPECT_THAT(ErrorOf(Replace(kConfig, "\"name\": \"pruner\"", "\"name\": \"installer\"")),
              HasSubstr("actor name 'installer' is used twice"));
}

TEST(RunConfigJson, DeepNestingIsRefused) {
  std::string deep = "{\"actors\": " + std::string(200, '[') + std::string(200, ']') + "}";
  EXPECT_THAT(ErrorOf(deep), HasSubstr("nested more than 64 levels deep"));
}

class TraceFileTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(tmp_.ok()); }
  std::string Write(const std::string& text) {
    const std::string path = tmp_.path() + "/trace.json";
    std::ofstream(path) << text;
    return path;
  }
  std::string Good() {
    return std::string("{\n\"format\": \"prunecheck-trace/1\",\n\"seed\": 7,\n\"transport\": \"memory\",\n\"config\": ") + kConfig +
           ",\n\"choices\": [0, 1, 0],\n\"kills\": [],\n\"event_digest\": \"x\"\n}\n";
  }
  ScopedTempDir tmp_{"trace-file"};
};

TEST_F(TraceFileTest, ReadsAGoodTrace) {
  Result<Trace> t = ReadTrace(Write(Good()));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->seed, 7u);
  EXPECT_EQ(t->choices, (std::vector<int>{0, 1, 0}));
}

TEST_F(TraceFileTest, ConfigErrorsNameTheTraceFileLineAndColumn) {
  const std::string path = Write(Replace(Good(), "\"package\": \"demo\"", "\"package\": \"../../../../PWNED\""));
  Result<Trace> t = ReadTrace(path);
  ASSERT_FALSE(t.ok());
  EXPECT_EQ(t.status().code(), StatusCode::kInvalidInput);
  EXPECT_THAT(t.status().message(), StartsWith(path + ":8:76: '../../../../PWNED' is not a package name"));
}

TEST_F(TraceFileTest, TopLevelErrors) {
  const std::string bad_choice = Write(Replace(Good(), "[0, 1, 0]", "[0, 5, 0]"));
  EXPECT_THAT(ReadTrace(bad_choice).status().message(), StartsWith(bad_choice + ":12:16: choice 5 names no actor"));
  const std::string neg_seed = Write(Replace(Good(), "\"seed\": 7", "\"seed\": -7"));
  EXPECT_THAT(ReadTrace(neg_seed).status().message(), StartsWith(neg_seed + ":3:9: 'seed' in the trace must be at least 0"));
  const std::string typo = Write(Replace(Good(), "\"transport\": \"memory\"", "\"transport\": \"memroy\""));
  EXPECT_THAT(ReadTrace(typo).status().message(), HasSubstr("unknown transport 'memroy' (did you mean 'memory'?)"));
  const std::string key = Write(Replace(Good(), "\"choices\"", "\"choice\""));
  EXPECT_THAT(ReadTrace(key).status().message(), HasSubstr("unknown key 'choice' in the trace (did you mean 'choices'?)"));
}

// Every trace carries "format" (run_report.h); a missing or unknown one is
// bad input at its place, never read as some other version.
TEST_F(TraceFileTest, FormatIsCheckedAtItsPlace) {
  const std::string missing = Write(Replace(Good(), "\"format\": \"prunecheck-trace/1\",\n", ""));
  EXPECT_THAT(ReadTrace(missing).status().message(),
              StartsWith(missing + ":1:1: not a prunecheck trace: no \"format\" (expected \"format\": \"prunecheck-trace/1\")"));
  const std::string future = Write(Replace(Good(), "prunecheck-trace/1", "prunecheck-trace/2"));
  EXPECT_THAT(ReadTrace(future).status().message(),
              StartsWith(future + ":2:11: unsupported trace format \"prunecheck-trace/2\": this prunecheck reads "
                                  "\"prunecheck-trace/1\""));
  const std::string other = Write(Replace(Good(), "prunecheck-trace/1", "prunecheck-explore/1"));
  EXPECT_THAT(ReadTrace(other).status().message(),
              StartsWith(other + ":2:11: format \"prunecheck-explore/1\" is not a prunecheck trace"));
  const std::string number = Write(Replace(Good(), "\"prunecheck-trace/1\"", "1"));
  EXPECT_THAT(ReadTrace(number).status().message(), StartsWith(number + ":2:11: \"format\" must be a string"));
  const std::string array = Write("[1, 2]\n");
  EXPECT_THAT(ReadTrace(array).status().message(), StartsWith(array + ":1:1: a trace must be a JSON object"));
}

// Traces written before format versions ("prunecheck_trace": 1, as in
// fuzz/corpus/trace_parse/) are still read, as prunecheck-trace/1.
TEST_F(TraceFileTest, ReadsTheOldVersionKey) {
  Result<Trace> t = ReadTrace(Write(Replace(Good(), "\"format\": \"prunecheck-trace/1\"", "\"prunecheck_trace\": 1")));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->seed, 7u);
  const std::string v2 = Write(Replace(Good(), "\"format\": \"prunecheck-trace/1\"", "\"prunecheck_trace\": 2"));
  EXPECT_THAT(ReadTrace(v2).status().message(),
              StartsWith(v2 + ":2:21: 'prunecheck_trace' in the trace must be between 1 and 1, not 2"));
  const std::string both =
      Write(Replace(Good(), "\"format\": \"prunecheck-trace/1\"", "\"format\": \"prunecheck-trace/1\", \"prunecheck_trace\": 1"));
  EXPECT_THAT(ReadTrace(both).status().message(), HasSubstr("a trace with \"format\" has no \"prunecheck_trace\""));
}

TEST_F(TraceFileTest, OnlyBoundedRegularFilesAreRead) {
  const std::string fifo = tmp_.path() + "/fifo.json";
  ASSERT_EQ(mkfifo(fifo.c_str(), 0600), 0);
  EXPECT_THAT(ReadTrace(fifo).status().message(), StartsWith(fifo + ":1:1: is a FIFO, not a regular file"));
  const std::string zero = tmp_.path() + "/zero.json";
  ASSERT_EQ(symlink("/dev/zero", zero.c_str()), 0);
  EXPECT_THAT(ReadTrace(zero).status().message(), StartsWith(zero + ":1:1: is a character device"));
  EXPECT_THAT(LoadRunConfigFile(zero).status().message(), StartsWith(zero + ":1:1: is a character device"));
  const std::string big = Write(Good() + std::string(1 << 20, ' '));
  EXPECT_THAT(ReadTrace(big).status().message(), HasSubstr("larger than 1 MiB"));
}

}  // namespace
}  // namespace prunecheck::harness
