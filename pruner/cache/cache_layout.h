// CacheLayout: the names of things in a uv-style cache (docs/design.md §1), in one place.
//
//   <root>/CACHEDIR.TAG, .gitignore, .lock
//   <root>/.tmpXXXXXX/                        in-flight unpack dirs
//   <root>/archive-v0/<id>/                   immutable unpacked wheels
//   <root>/wheels-v6/pypi/<name>/<version>-<tags>       -> ../../../archive-v0/<id>
//   <root>/wheels-v6/pypi/<name>/<version>-<tags>.http  pointer file (JSON)
//   <root>/locks/<id>.lock                    per-archive in-use locks (pr-20116, reference)
//   <root>/gc-v0/seen/<id or .tmpX>           reference pruner: first seen unreferenced
//   <root>/gc-v0/trash/<id>                   reference pruner: removal in progress
//
// Thread-safety: constants and pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "pruner/base/status.h"

namespace prunecheck::layout {

inline constexpr std::string_view kCacheDirTag = "CACHEDIR.TAG";
inline constexpr std::string_view kGitignore = ".gitignore";
inline constexpr std::string_view kRootLock = ".lock";
inline constexpr std::string_view kArchiveBucket = "archive-v0";
inline constexpr std::string_view kWheelBucket = "wheels-v6";
inline constexpr std::string_view kWheelIndex = "wheels-v6/pypi";
inline constexpr std::string_view kLocksDir = "locks";
inline constexpr std::string_view kGcDir = "gc-v0";
inline constexpr std::string_view kSeenDir = "gc-v0/seen";
inline constexpr std::string_view kTrashDir = "gc-v0/trash";
inline constexpr std::string_view kTempPrefix = ".tmp";
inline constexpr std::string_view kPointerSuffix = ".http";
// Infix of the temp names used for atomic replace of entries and pointers.
inline constexpr std::string_view kReplaceTempInfix = ".tmp-";

inline constexpr std::string_view kCacheDirTagContent =
    "Signature: 8a477f597d28d172789f06886806bc55\n"
    "# This file is a cache directory tag created by prunecheck (uv layout).\n";
inline constexpr std::string_view kGitignoreContent = "*\n";

// "../../../archive-v0/<id>": the relative symlink target an entry holds.
std::string EntryLinkTarget(std::string_view archive_id);
// Inverse of EntryLinkTarget; nullopt if `target` is not of that form.
std::optional<std::string> ArchiveIdFromLinkTarget(std::string_view target);

// "wheels-v6/pypi/<normalized name>"
std::string PackageDir(std::string_view normalized_name);
// "locks/<id>.lock"
std::string EntryLockName(std::string_view archive_id);

// True for ".tmpXXXXXX" names (in-flight unpack dirs).
bool IsTempDirName(std::string_view name);
// True for leftovers of an interrupted atomic replace ("<entry>.tmp-XXXX").
bool IsReplaceTempName(std::string_view name);

// The pointer file's content: {"archive_id": ..., "filename": ..., "sha256": ...}.
struct Pointer {
  std::string archive_id;
  std::string filename;  // the wheel's filename
  std::string sha256;    // of the .whl file, urlsafe base64
};
std::string FormatPointer(const Pointer& p);
// kInvalidInput naming `source` if the content is not a valid pointer.
Result<Pointer> ParsePointer(std::string_view content, std::string_view source);

}  // namespace prunecheck::layout
