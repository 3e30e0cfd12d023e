// ScanCache: a full physical check of a cache at quiescence.
//
// Judges the invariants that can be read off the tree alone (docs/design.md §5):
//   no-dangling-reference  every entry symlink / pointer names an existing archive
//   no-partial-archive     every archive in archive-v0 verifies against its RECORD
//                          (complete, nothing missing, nothing unlisted)
//   no-corruption          (same check, reported for referenced archives)
// and lists debris (temp dirs, trash, replace temps) for the bounded-growth check.
//
// Thread-safety: reentrant. Only meaningful when no actor is running.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "pruner/base/file_system.h"
#include "pruner/base/status.h"
#include "pruner/cache/cache_references.h"

namespace prunecheck {

struct Violation {
  std::string invariant;  // stable id, e.g. "no-dangling-reference"
  std::string subject;    // archive id or entry path
  std::string message;
};

struct CacheScan {
  struct Archive {
    std::string id;
    bool referenced = false;
    bool complete = false;
    std::string problem;  // why not complete
  };
  std::vector<EntryReference> entries;
  std::vector<Archive> archives;
  std::vector<std::string> temp_dirs;  // root .tmp*
  std::vector<std::string> trash;      // gc-v0/trash/*
  std::vector<Violation> violations;
  // Broken shapes no invariant covers but that stop or hamper a prune: a
  // bucket that is a file or a symlink, a lock file that is not a regular
  // file, a trash entry that cannot be removed. `invariant` is the kind
  // ("cache-structure", "unusable-lease", "unremovable-trash").
  std::vector<Violation> findings;

  size_t UnreferencedArchives() const;
};

// OK if the directory `root_fd` is a cache: it holds a regular CACHEDIR.TAG
// with the standard signature, or an archive-v0 or wheels-v6 directory.
// Otherwise kInvalidInput naming `root_path` — prune, clean and check refuse
// it, because a uv profile deletes every unknown top-level entry of a cache
// and a home directory full of them must never be taken for one.
Status VerifyIsCache(FileSystem& fs, int root_fd, std::string_view root_path);

// `verify_content`: hash every file of every archive (slow on big caches).
Result<CacheScan> ScanCache(FileSystem& fs, int root_fd, bool verify_content = true);

}  // namespace prunecheck
