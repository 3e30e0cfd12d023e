// Fixture wheels: deterministic synthetic .whl files, so tests and scenarios
// need nothing from outside. The same spec always yields the same bytes
// (fixed mtimes, seeded content and sizes). Also builds hostile wheels for
// the extractor's refusal tests.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pruner/base/status.h"

namespace prunecheck {

// An extra zip entry written verbatim (no sanitizing): for hostile fixtures.
struct RawZipEntry {
  enum class Kind { kFile, kDirectory, kSymlink, kHardlink };
  Kind kind = Kind::kFile;
  std::string path;
  std::string data;         // file content
  std::string link_target;  // symlink / hardlink target
  bool in_record = false;   // also list it in RECORD (with correct hash)
};

struct FixtureWheelSpec {
  std::string distribution = "demo";
  std::string version = "1.0.0";
  std::string tags = "py3-none-any";
  uint64_t seed = 1;
  int file_count = 8;          // regular files besides the dist-info ones
  uint64_t min_file_size = 16;
  uint64_t max_file_size = 4096;
  int max_depth = 3;           // directory nesting of generated files
  std::vector<RawZipEntry> extra_entries;
  // RECORD hash of the first generated file is wrong (verification test).
  bool corrupt_record_hash = false;
  // Data of the first generated file is larger than the zip entry declares.
  bool understate_entry_size = false;
};

// "<distribution>-<version>-<tags>.whl"
std::string FixtureWheelFilename(const FixtureWheelSpec& spec);

// The complete .whl file content. Same spec -> same bytes.
Result<std::string> BuildFixtureWheel(const FixtureWheelSpec& spec);

// Writes BuildFixtureWheel(spec) to `<dir>/<FixtureWheelFilename(spec)>` and
// returns that path. (Test/fixture tooling: writes with plain stdio.)
Result<std::string> WriteFixtureWheel(const std::string& dir, const FixtureWheelSpec& spec);

}  // namespace prunecheck
