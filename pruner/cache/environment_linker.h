// Linking an unpacked archive into an environment (uv's install step 6) and
// verifying an environment against RECORD.
//
// Thread-safety: reentrant.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "pruner/base/file_system.h"
#include "pruner/base/status.h"
#include "pruner/base/yield_points.h"
#include "pruner/wheel/record.h"

namespace prunecheck {

enum class LinkMode { kHardlink, kCopy, kSymlink };

std::string_view LinkModeName(LinkMode mode);
// "hardlink" | "copy" | "symlink"; kInvalidInput otherwise.
Result<LinkMode> ParseLinkMode(std::string_view name);

// Links every file of the archive open at `archive_fd` into `env_fd`,
// creating directories and replacing files already there. Symlink mode links
// to `archive_abs_path`/<path> (an absolute path into the cache).
// Yields "link.begin", "link.progress" (after the first file and every 64th),
// all with subject `archive_id`. Returns the number of files linked.
Result<uint64_t> LinkArchive(FileSystem& fs, YieldPoints& points, int archive_fd,
                             const std::string& archive_abs_path, int env_fd, LinkMode mode,
                             std::string_view archive_id);

// Verifies the environment holds every RECORD file with the recorded content
// (following symlinks in symlink mode). kVerificationFailed on mismatch.
Status VerifyEnvironment(FileSystem& fs, int env_fd, const Record& record, LinkMode mode);

}  // namespace prunecheck
