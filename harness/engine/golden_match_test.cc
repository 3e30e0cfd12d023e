#include "harness/engine/golden_match.h"

#include <gtest/gtest.h>

namespace prunecheck::harness {
namespace {

TEST(GoldenMatchTest, LiteralLinesMustBeIdentical) {
  EXPECT_EQ(GoldenMismatch("a\nb\n", "a\nb\n"), "");
  EXPECT_EQ(GoldenMismatch("a\nc\n", "a\nb\n"), "line 2:\n  golden: b\n  actual: c");
  EXPECT_NE(GoldenMismatch("a\n", "a\nb\n"), "");   // a missing line
  EXPECT_NE(GoldenMismatch("a\nb\n", "a\n"), "");   // an extra line
  EXPECT_NE(GoldenMismatch("a", "a\n"), "");        // the final newline counts
  // Regex characters in golden text are literals.
  EXPECT_EQ(GoldenMismatch("x.y [1] (z)*\n", "x.y [1] (z)*\n"), "");
  EXPECT_NE(GoldenMismatch("xzy\n", "x.y {{int}}\n"), "");
}

TEST(GoldenMatchTest, PlaceholdersMatchOnlyTheirKind) {
  EXPECT_EQ(GoldenMismatch("  \"seconds\": 0.0123,\n", "  \"seconds\": {{float}},\n"), "");
  EXPECT_EQ(GoldenMismatch("  \"seconds\": 2e-05,\n", "  \"seconds\": {{float}},\n"), "");
  EXPECT_EQ(GoldenMismatch("  \"runs\": -12,\n", "  \"runs\": {{int}},\n"), "");
  EXPECT_NE(GoldenMismatch("  \"runs\": 1.5,\n", "  \"runs\": {{int}},\n"), "");
  EXPECT_NE(GoldenMismatch("  \"runs\": \"7\",\n", "  \"runs\": {{int}},\n"), "");
  EXPECT_EQ(GoldenMismatch("digest 0af3\n", "digest {{hex}}\n"), "");
  EXPECT_NE(GoldenMismatch("digest 0AF3\n", "digest {{hex}}\n"), "");
  EXPECT_EQ(GoldenMismatch("\"run_dir\": \"/dev/shm/x/y\",\n", "\"run_dir\": \"{{any}}\",\n"), "");
  EXPECT_NE(GoldenMismatch("\"run_dir\": \"/dev/shm/x/y\"\n", "\"run_dir\": \"{{any}}\",\n"), "");
}

}  // namespace
}  // namespace prunecheck::harness
