// CacheSession::Clean: `uv cache clean <package>` (the operation of uv #15704).
//
// Removes the package's entry directory, then the archives its entries
// referenced. Locks like a prune of the same profile. The reference removes
// the references first (so no new reader resolves them), then each archive
// through the trash, skipping archives whose lease is held — those become
// unreferenced and a later prune takes them after their grace.
#include <set>

#include "pruner/base/fs_util.h"
#include "pruner/cache/cache_layout.h"
#include "pruner/cache/cache_references.h"
#include "pruner/cache/cache_scan.h"
#include "pruner/cache/cache_session.h"

namespace prunecheck {

Result<CleanReport> CacheSession::Clean(std::string_view package) {
  const std::string name = NormalizePackageName(package);
  if (!IsSafeComponent(name)) {
    return Status(StatusCode::kInvalidInput, "'" + std::string(package) + "' is not a valid package name");
  }
  CleanReport report;
  const int root = root_.get();
  PC_RETURN_IF_ERROR(VerifyIsCache(*fs_, root, root_path_).Annotate("clean"));
  PC_ASSIGN_OR_RETURN(FileLock root_lock, AcquirePrunerRootLock("clean"));
  points_->Yield("clean.begin", name);

  const std::string pkg_rel = layout::PackageDir(name);
  PC_ASSIGN_OR_RETURN(ReferenceScan refs, ScanReferences(*fs_, root));
  std::set<std::string> ids;
  for (const EntryReference& r : refs.entries) {
    if (r.package != name) continue;
    report.removed_entries.push_back(pkg_rel + "/" + r.name);
    if (!r.archive_id.empty()) ids.insert(r.archive_id);
  }
  Result<Fd> index = fs_->OpenDir(root, layout::kWheelIndex);
  if (index.ok()) {
    points_->Yield("clean.before_remove_entries", name);
    PC_RETURN_IF_ERROR(RemoveTree(*fs_, index->get(), name).Annotate("removing " + pkg_rel));
  } else if (!index.status().Is(StatusCode::kNotFound)) {
    return index.status();
  }

  // An archive another package still references stays (ids are unique per
  // install, so this only matters for hand-made caches).
  PC_ASSIGN_OR_RETURN(ReferenceScan after, ScanReferences(*fs_, root));
  std::set<std::string> still = after.All();
  for (const std::string& id : ids) {
    if (still.count(id)) continue;
    Result<FileStat> st = fs_->Stat(root, std::string(layout::kArchiveBucket) + "/" + id);
    if (!st.ok()) continue;
    points_->Yield("clean.before_remove", id);
    FileLock lease;
    Result<bool> free = TakeRemovalLease(id, &lease);
    if (!free.ok()) {
      report.skipped.push_back({std::string(layout::kArchiveBucket) + "/" + id, free.status().ToString()});
      continue;
    }
    if (!*free) {
      report.skipped_in_use.push_back(id);
      continue;
    }
    Status rm = RemoveArchive(id, std::move(lease));
    if (rm.Is(StatusCode::kBusy)) return rm;  // interrupted: a crash test stops here
    if (!rm.ok()) {
      report.skipped.push_back({std::string(layout::kArchiveBucket) + "/" + id, rm.ToString()});
      continue;
    }
    report.removed_archives.push_back(id);
  }
  points_->Yield("clean.done", name);
  return report;
}

}  // namespace prunecheck
