// Golden-file matching for the output-format tests, in the style of Google
// Benchmark's test/output_test.h: an output is compared line by line with a
// file checked into harness/testdata/golden/, where volatile fields (times,
// temp paths) are written as placeholders:
//
//   {{int}}    an integer              {{float}}  a JSON/printf number
//   {{hex}}    lowercase hex digits    {{any}}    anything on the rest of the line up to the next literal
//
// Everything else must match byte for byte, line count included. A golden
// file without placeholders is therefore an exact pin.
//
// Thread-safety: pure functions.
#pragma once

#include <string>

namespace prunecheck::harness {

// "" when `actual` matches `golden`; otherwise the first differing line of
// each, numbered, for a test message.
std::string GoldenMismatch(const std::string& actual, const std::string& golden);

// The golden file harness/testdata/golden/<name> of the source tree
// ($PRUNECHECK_SOURCE_DIR), or "" when it cannot be read.
std::string ReadGolden(const std::string& name);
std::string GoldenPath(const std::string& name);

// When $PRUNECHECK_GOLDEN_OUT names a directory, writes `actual` there as
// <name> (to diff against, or to start a new golden file from) and returns
// its path; "" otherwise.
std::string SaveActualForGolden(const std::string& name, const std::string& actual);

}  // namespace prunecheck::harness
