// Physical checks of a run's tree, and the faults that work on files.
//
// PlantCanaries puts files outside the cache root and, inside the root,
// symlinks that point at them — bait for any deletion that follows symlinks:
// one under a temp-dir name (`.tmpcanary/escape`, which prunes visit), and
// two at the top level under ordinary names (a directory symlink and a file
// symlink), which scripts that skip dot-names still visit. Deleting a bait
// symlink is fine; touching what is behind it is a containment violation. CheckTreeAtQuiescence runs once every actor is gone:
// ScanCache invariants, locks left held, bounded growth (a final prune, then
// the grace elapses, then another), and the canaries.
//
// Thread-safety: reentrant; only for trees no actor is using.
#pragma once

#include <chrono>
#include <string>

#include "harness/engine/invariant_checker.h"
#include "harness/engine/run_config.h"
#include "pruner/base/file_system.h"
#include "pruner/base/status.h"

namespace prunecheck::harness {

inline constexpr const char* kCanaryContent = "prunecheck canary: must survive every prune\n";
inline constexpr const char* kCanaryBait = ".tmpcanary";  // a temp dir in the root, bait for pruners
// Top-level bait in the root: a symlink to a directory outside holding a
// canary, and a symlink to a canary file outside (docs/design.md §5, containment).
inline constexpr const char* kTopLevelDirBait = "builds-v0";
inline constexpr const char* kTopLevelFileBait = "cache-notes.txt";

// All of these work through `fsys` (the real disk, or a MemFileSystem for the
// memory transport).
Status PlantCanaries(FileSystem& fsys, const std::string& run_dir, const std::string& cache);

// Moves mtimes back by `by` for every archive, temp dir and first-seen marker:
// how a run makes an hour pass without waiting for it.
Status AgeCache(FileSystem& fsys, const std::string& cache, std::chrono::seconds by);

// Whether archive-v0/`id` is a directory in `cache` now (an id that is not a
// plain name is not an archive: false).
bool ArchivePresent(FileSystem& fsys, const std::string& cache, const std::string& id);

// `pruner`: the first prune actor, whose profile does the final prunes (none:
// bounded growth is not judged).
void CheckTreeAtQuiescence(FileSystem& fsys, const RunConfig& config, const std::string& cache,
                           const std::string& run_dir, const ActorSpec* pruner, InvariantChecker* checker);

}  // namespace prunecheck::harness
