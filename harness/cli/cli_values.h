// Checks of prunecheck's command-line values, as CLI11 validators: every bad
// value is refused before anything runs, with a message naming the flag
// (CLI11 prefixes it) and exit 2 (docs/design.md: bad input is exit 2).
// A value that only makes sense against the run's actors (--kill-at's point)
// is checked by Validate(RunConfig) instead (harness/engine/run_config.h).
//
// Thread-safety: the validators are stateless; use them from one thread.
#pragma once

#include <string>

#include <CLI/CLI.hpp>

#include "pruner/base/status.h"

namespace prunecheck::harness {

// An integer of at least `min` (decimal, no sign for min >= 0): a count,
// seed or period. "-1" is refused rather than wrapped to 2^64-1.
CLI::Validator IntegerAtLeast(long long min);

// A finite number within [0, 1] (NaN and infinities are refused).
CLI::Validator Probability();

// A finite number of seconds greater than 0.
CLI::Validator PositiveSeconds();

// A path that is an existing directory this process can create entries in
// (never ""), e.g. --base-dir: run directories go there.
CLI::Validator WritableDirectory();

// A path a result file can be written to: not "", not a directory, and
// either a writable file or a new name in a writable directory. Checked
// before the run, so an hour of exploring is not lost to a typo.
CLI::Validator WritableFilePath();

// Why `path` cannot be used by WritableDirectory (empty: it can).
std::string WritableDirectoryProblem(const std::string& path);
// Why `path` cannot be used by WritableFilePath (empty: it can).
std::string WritableFilePathProblem(const std::string& path);

// Writes `text` to the result file `path` (--json, ...). kIoError naming the
// path when it cannot be written completely: a result that was not written
// must not look like one that was.
Status WriteResultFile(const std::string& path, const std::string& text);

}  // namespace prunecheck::harness
