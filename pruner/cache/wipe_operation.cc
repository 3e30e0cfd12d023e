// CacheSession::Wipe: `uv cache clean` with no package, or `rm -rf` of the
// cache: everything this version owns goes, the root lock file included.
//
// Why `.lock` goes too: that is what a whole-cache clean does in practice
// (the directory is removed and the next process re-creates it), and it is
// the case the "lock, then check the inode" rule exists for (docs/design.md
// §3). A process that opened the old `.lock` and was waiting for it would,
// without the check, hold a lock on a file nobody else can see once the
// wiper lets go. The wiper unlinks `.lock` last, while still holding it, so
// every waiter wakes on an unlinked file and retries on a fresh one.
//
// The identity files (CACHEDIR.TAG, .gitignore) and the empty buckets stay,
// so the root is still a cache afterwards; names this version does not own stay too (a newer
// version's bucket is not ours, as for prune). Every archive's removal is
// reported (remove_begin/remove_end), so the harness judges a wipe like any
// other removal.
#include "pruner/base/fs_util.h"
#include "pruner/cache/cache_layout.h"
#include "pruner/cache/cache_scan.h"
#include "pruner/cache/cache_session.h"

namespace prunecheck {

Result<WipeReport> CacheSession::Wipe() {
  WipeReport report;
  const int root = root_.get();
  PC_RETURN_IF_ERROR(VerifyIsCache(*fs_, root, root_path_).Annotate("wipe"));
  PC_ASSIGN_OR_RETURN(FileLock root_lock, AcquirePrunerRootLock("wipe"));
  points_->Yield("wipe.begin", "");

  auto skip = [&](std::string what, const Status& st) { report.skipped.push_back({std::move(what), st.ToString()}); };

  // Entries first, so no reader resolves an archive that is about to go.
  if (Result<Fd> wheels = fs_->OpenDir(root, layout::kWheelBucket); wheels.ok()) {
    points_->Yield("wipe.before_remove_entries", "");
    if (Status st = RemoveTree(*fs_, root, layout::kWheelBucket); !st.ok()) {
      skip(std::string(layout::kWheelBucket), st);
    } else {
      report.removed.emplace_back(layout::kWheelBucket);
      // Empty buckets stay behind, as a fresh cache has them: the next
      // prune or reader finds a cache, not a hole.
      PC_RETURN_IF_ERROR(EnsureDirs(layout::kWheelIndex));
    }
  } else if (!wheels.status().Is(StatusCode::kNotFound)) {
    skip(std::string(layout::kWheelBucket), wheels.status());
  }

  RemoveTreeOptions opts;
  opts.follow_symlinks = profile_->follow_symlinks_on_delete;
  if (Result<Fd> bucket = fs_->OpenDir(root, layout::kArchiveBucket); bucket.ok()) {
    PC_ASSIGN_OR_RETURN(std::vector<DirEntry> archives, fs_->ListDir(bucket->get()));
    for (const DirEntry& a : archives) {
      points_->Yield("wipe.before_remove", a.name);
      points_->Report({EventKind::kRemoveBegin, a.name, "wipe"});
      if (Status st = RemoveTree(*fs_, bucket->get(), a.name, opts); !st.ok()) {
        skip(std::string(layout::kArchiveBucket) + "/" + a.name, st);
        continue;
      }
      points_->Report({EventKind::kRemoveEnd, a.name, ""});
      report.removed_archives.push_back(a.name);
    }
  } else if (!bucket.status().Is(StatusCode::kNotFound)) {
    skip(std::string(layout::kArchiveBucket), bucket.status());
  }

  // The rest this version owns: leases, grace markers and trash, temp dirs.
  PC_ASSIGN_OR_RETURN(std::vector<DirEntry> top, fs_->ListDir(root));
  for (const DirEntry& e : top) {
    const bool owned = e.name == layout::kLocksDir || e.name == layout::kGcDir || layout::IsTempDirName(e.name);
    if (!owned) continue;
    points_->Yield("wipe.before_remove_top_level", e.name);
    if (Status st = RemoveTree(*fs_, root, e.name, opts); !st.ok()) {
      skip(e.name, st);
    } else {
      report.removed.push_back(e.name);
    }
  }

  points_->Yield("wipe.before_unlink_lock", "");
  if (root_lock.held() && root_lock.mode() == LockMode::kExclusive) {
    if (Status st = root_lock.UnlinkAndRelease(); !st.ok()) skip(std::string(layout::kRootLock), st);
  } else {
    // A profile that wipes without the exclusive lock pulls `.lock` from
    // under whoever holds it: that is its bug, reported as it happens.
    Status st = fs_->Unlink(root, layout::kRootLock, /*is_dir=*/false);
    if (!st.ok() && !st.Is(StatusCode::kNotFound)) skip(std::string(layout::kRootLock), st);
    (void)root_lock.Release();
  }
  points_->Yield("wipe.done", "");
  return report;
}

}  // namespace prunecheck
