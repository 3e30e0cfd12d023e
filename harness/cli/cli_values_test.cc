#include "harness/cli/cli_values.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "pruner/base/scoped_temp_dir.h"

namespace prunecheck::harness {
namespace {

using ::testing::HasSubstr;

// Parses `args` for one option checked by `v`; returns CLI11's error, or "" when accepted.
template <typename T>
std::string ParseError(const std::vector<std::string>& args, T* out, const CLI::Validator& v) {
  CLI::App app;
  app.add_option("--x", *out)->check(v);
  std::vector<std::string> reversed(args.rbegin(), args.rend());
  try {
    app.parse(reversed);
  } catch (const CLI::ParseError& e) {
    return e.what();
  }
  return "";
}

TEST(CliValues, IntegerAtLeastRefusesNegativesGarbageAndSaysTheBound) {
  long long v = 0;
  EXPECT_EQ(ParseError({"--x", "5"}, &v, IntegerAtLeast(0)), "");
  EXPECT_EQ(v, 5);
  EXPECT_THAT(ParseError({"--x", "-1"}, &v, IntegerAtLeast(0)), HasSubstr("must be at least 0, not -1"));
  EXPECT_THAT(ParseError({"--x", "0"}, &v, IntegerAtLeast(1)), HasSubstr("must be at least 1, not 0"));
  EXPECT_THAT(ParseError({"--x", "1x"}, &v, IntegerAtLeast(1)), HasSubstr("'1x' is not an integer"));
  EXPECT_THAT(ParseError({"--x", ""}, &v, IntegerAtLeast(1)), HasSubstr("is not an integer"));
  // A seed is unsigned: "-1" must not wrap to 2^64-1.
  uint64_t seed = 7;
  EXPECT_THAT(ParseError({"--x", "-1"}, &seed, IntegerAtLeast(0)), HasSubstr("must be at least 0"));
  EXPECT_EQ(ParseError({"--x", "18446744073709551615"}, &seed, IntegerAtLeast(0)), "");
  EXPECT_EQ(seed, 18446744073709551615ull);
}

TEST(CliValues, ProbabilityIsFiniteWithinZeroAndOne) {
  double p = 0;
  EXPECT_EQ(ParseError({"--x", "0.25"}, &p, Probability()), "");
  EXPECT_EQ(p, 0.25);
  EXPECT_EQ(ParseError({"--x", "1"}, &p, Probability()), "");
  for (const char* bad : {"nan", "NaN", "inf", "-inf", "-0.1", "1.0001", "1e999"}) {
    EXPECT_NE(ParseError({"--x", bad}, &p, Probability()), "") << bad;
  }
  EXPECT_THAT(ParseError({"--x", "nan"}, &p, Probability()), HasSubstr("within [0, 1], not nan"));
}

TEST(CliValues, PositiveSecondsRefusesZeroNanAndHuge) {
  double s = 0;
  EXPECT_EQ(ParseError({"--x", "0.5"}, &s, PositiveSeconds()), "");
  for (const char* bad : {"0", "-1", "nan", "inf", "1e300"}) EXPECT_NE(ParseError({"--x", bad}, &s, PositiveSeconds()), "") << bad;
}

TEST(CliValues, WritableDirectoryRefusesEmptyMissingAndFiles) {
  ScopedTempDir tmp("cli-values");
  ASSERT_TRUE(tmp.ok());
  EXPECT_EQ(WritableDirectoryProblem(tmp.path()), "");
  EXPECT_THAT(WritableDirectoryProblem(""), HasSubstr("not \"\""));
  EXPECT_THAT(WritableDirectoryProblem(tmp.path() + "/missing"), HasSubstr("No such file or directory"));
  ASSERT_EQ(WriteResultFile(tmp.path() + "/f", "x").ok(), true);
  EXPECT_THAT(WritableDirectoryProblem(tmp.path() + "/f"), HasSubstr("is not a directory"));
}

TEST(CliValues, WritableFilePathRefusesDirectoriesAndMissingParents) {
  ScopedTempDir tmp("cli-values");
  ASSERT_TRUE(tmp.ok());
  EXPECT_EQ(WritableFilePathProblem(tmp.path() + "/new.json"), "");
  EXPECT_THAT(WritableFilePathProblem(""), HasSubstr("not \"\""));
  EXPECT_THAT(WritableFilePathProblem(tmp.path()), HasSubstr("is a directory"));
  EXPECT_THAT(WritableFilePathProblem(tmp.path() + "/no/such/dir/x.json"), HasSubstr("cannot be created"));
}

TEST(CliValues, WriteResultFileFailsLoudly) {
  ScopedTempDir tmp("cli-values");
  ASSERT_TRUE(tmp.ok());
  EXPECT_TRUE(WriteResultFile(tmp.path() + "/ok.json", "{}\n").ok());
  Status s = WriteResultFile(tmp.path() + "/missing/x.json", "{}\n");
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("missing/x.json: cannot open for writing"));
  // A full device: the open succeeds, the write does not.
  s = WriteResultFile("/dev/full", std::string(1 << 16, 'x'));
  EXPECT_FALSE(s.ok());
  EXPECT_THAT(s.message(), HasSubstr("/dev/full: write failed"));
}

}  // namespace
}  // namespace prunecheck::harness
