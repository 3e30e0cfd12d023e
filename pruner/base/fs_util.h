// Helpers built on FileSystem: whole-file reads and atomic writes, tree
// removal through directory fds, recursive copy. They add no OS access of
// their own, so faults injected into the FileSystem reach them too.
//
// Thread-safety: as the FileSystem they are given.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "pruner/base/file_system.h"
#include "pruner/base/status.h"

namespace prunecheck {

// Size of the buffers files are read through. Below 64 KiB on purpose:
// glibc's free() of a chunk of 64 KiB or more consolidates the whole heap,
// once per file read, which showed in profiles of small-file workloads.
inline constexpr size_t kReadChunkBytes = 32 * 1024;

// The deepest directory nesting a cache tree may have: a wheel entry with more
// path components is refused at extraction, and the tree walks that verify
// or link an archive refuse anything deeper, so every recursive walk over
// an archive is bounded (RemoveTree needs no bound: it is iterative).
inline constexpr int kMaxTreeDepth = 256;

}  // namespace prunecheck

namespace prunecheck {

Result<std::string> ReadFileToString(FileSystem& fs, int dirfd, std::string_view name);

// Writes `data` to `name` under `dirfd` with no temp file (O_CREAT|O_TRUNC).
Status WriteFile(FileSystem& fs, int dirfd, std::string_view name, std::string_view data,
                 mode_t mode = 0644);

// Writes `data` to a temp file `<name>.tmp-<suffix>` next to `name`, fsyncs it,
// and renames it over `name`: readers see the old content or the new, never a mix.
Status WriteFileAtomic(FileSystem& fs, int dirfd, std::string_view name, std::string_view data,
                       std::string_view temp_suffix);

// Creates each directory of the relative `path` under `dirfd` that is missing.
// Fails if any component exists as a non-directory or a symlink.
Status MakeDirs(FileSystem& fs, int dirfd, std::string_view path, mode_t mode = 0755);

struct RemoveTreeOptions {
  // Called before each unlink with the path relative to the tree's parent.
  // Returning false stops the removal (used by yield points / crash tests).
  std::function<bool(std::string_view relpath)> before_unlink;
  // MUTANT ONLY: when true, a symlink to a directory is entered and its target's
  // contents are removed too (the bug the containment invariant catches).
  bool follow_symlinks = false;
  // Walk the tree exactly as a removal would, unlinking nothing: the result
  // says whether every directory in it can be opened and listed (`check`
  // uses it to find trash a prune could not empty).
  bool dry_run = false;
};

// Removes `name` under `dirfd` and everything below it, deepest first, file by
// file, through directory fds. Symlinks are unlinked, never followed (unless
// the mutant option says so). A missing `name` is OK (already removed).
// Any depth the file system allows is removed, iteratively, with a bounded
// number of descriptors open (not one per level). An entry that cannot be removed does
// not stop the rest: everything else goes, and the returned error names the
// first failure and how many more there were.
Status RemoveTree(FileSystem& fs, int dirfd, std::string_view name,
                  const RemoveTreeOptions& options = {});

}  // namespace prunecheck

namespace prunecheck {

// `mkdir -p` of a path the user gave (absolute, or relative to the working
// directory): creates each missing component. The kernel resolves the
// existing part as usual — this is for user paths such as --cache and --env,
// never for paths inside the cache.
Status MakeUserDirs(FileSystem& fs, const std::string& path, mode_t mode = 0755);

}  // namespace prunecheck
