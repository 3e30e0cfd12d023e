// Which archives the cache's entries reference (the pruner's mark phase).
//
// Walks wheels-v6/pypi/<package>/<entry> without following symlinks: an entry
// symlink "../../../archive-v0/<id>" references <id>; so does a ".http"
// pointer naming it; so does a leftover replace-temp symlink of a crashed
// installer (conservatively: it may be renamed into place still).
//
// Thread-safety: reentrant.
#pragma once

#include <set>
#include <string>
#include <vector>

#include "pruner/base/file_system.h"
#include "pruner/base/status.h"

namespace prunecheck {

struct EntryReference {
  std::string package;     // directory under wheels-v6/pypi
  std::string name;        // entry file name (symlink, pointer or temp)
  std::string archive_id;  // empty if the entry does not name a valid archive
  enum class Kind { kSymlink, kPointer, kReplaceTemp } kind = Kind::kSymlink;
  bool pointer_parse_error = false;
};

struct ReferenceScan {
  std::vector<EntryReference> entries;
  std::set<std::string> by_symlink;  // ids referenced by entry symlinks (incl. replace temps)
  std::set<std::string> by_pointer;  // ids referenced by .http pointers
  std::set<std::string> All() const;
};

// A missing wheels-v6 bucket is an empty scan, not an error.
Result<ReferenceScan> ScanReferences(FileSystem& fs, int root_fd);

}  // namespace prunecheck
