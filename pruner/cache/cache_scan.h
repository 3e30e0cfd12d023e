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

  size_t UnreferencedArchives() const;
};

// `verify_content`: hash every file of every archive (slow on big caches).
Result<CacheScan> ScanCache(FileSystem& fs, int root_fd, bool verify_content = true);

}  // namespace prunecheck
