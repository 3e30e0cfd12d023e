// CacheSession::Prune: the mark-and-sweep of every profile (docs/design.md §1–§3).
//
// The profile decides: which root lock (none / exclusive blocking / try /
// mutant shared), whether unknown top-level entries and .tmp dirs go, which
// unreferenced archives are eligible (all / dir mtime older than the grace /
// first seen unreferenced longer than the grace ago), whether entry leases are
// honoured and references re-checked after locking, and whether removal is in
// place or rename-to-trash-then-delete.
#include <fcntl.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "pruner/base/fs_util.h"
#include "pruner/cache/cache_layout.h"
#include "pruner/cache/cache_references.h"
#include "pruner/cache/cache_scan.h"
#include "pruner/cache/cache_session.h"

namespace prunecheck {

namespace {

std::chrono::system_clock::time_point ToTimePoint(const struct timespec& ts) {
  return std::chrono::system_clock::time_point(
      std::chrono::duration_cast<std::chrono::system_clock::duration>(std::chrono::seconds(ts.tv_sec) +
                                                                      std::chrono::nanoseconds(ts.tv_nsec)));
}

bool KnownTopLevel(const ProfileSpec& p, std::string_view name) {
  if (name == layout::kCacheDirTag || name == layout::kGitignore || name == layout::kRootLock ||
      name == layout::kArchiveBucket || name == layout::kWheelBucket) {
    return true;
  }
  if (name == layout::kLocksDir) return p.entry_locks || p.pruner_honours_entry_locks;
  if (name == layout::kGcDir) {
    return p.selection == PruneSelection::kSeenLongerThanGrace || p.removal == RemovalMode::kTrashThenDelete;
  }
  return false;
}

// Grace bookkeeping for the reference: gc-v0/seen/<name> exists from the first
// prune that saw <name> unreferenced; its mtime is that moment (the harness
// ages it with utimensat instead of waiting). A marker whose subject is
// referenced again, or gone, is dropped, so the clock restarts.
class SeenMarkers {
 public:
  SeenMarkers(FileSystem& fs, int seen_fd) : fs_(fs), seen_fd_(seen_fd) {}

  // How long `name` has been seen unreferenced (zero on first sighting).
  Result<std::chrono::seconds> AgeOf(const std::string& name, std::chrono::system_clock::time_point now) {
    live_.insert(name);
    Result<FileStat> st = fs_.Stat(seen_fd_, name);
    if (st.ok()) {
      auto age = now - ToTimePoint(st->mtime);
      return std::max(std::chrono::seconds(0), std::chrono::duration_cast<std::chrono::seconds>(age));
    }
    if (!st.status().Is(StatusCode::kNotFound)) return st.status();
    PC_RETURN_IF_ERROR(WriteFile(fs_, seen_fd_, name, ""));
    return std::chrono::seconds(0);
  }

  Status Forget(const std::string& name) {
    Status st = fs_.Unlink(seen_fd_, name, false);
    return st.Is(StatusCode::kNotFound) ? Status::Ok() : st;
  }

  // Drops markers for anything not looked up in this pass.
  Status DropStale() {
    PC_ASSIGN_OR_RETURN(std::vector<DirEntry> markers, fs_.ListDir(seen_fd_));
    for (const DirEntry& m : markers) {
      if (!live_.count(m.name)) PC_RETURN_IF_ERROR(Forget(m.name));
    }
    return Status::Ok();
  }

 private:
  FileSystem& fs_;
  int seen_fd_;
  std::set<std::string> live_;
};

}  // namespace

Result<bool> CacheSession::TakeRemovalLease(std::string_view id, FileLock* lease) {
  if (!profile_->pruner_honours_entry_locks) return true;
  Result<FileLock> l = AcquireEntryLock(id, LockMode::kExclusive, LockRequest::Wait::kTry);
  if (!l.ok()) {
    if (l.status().Is(StatusCode::kWouldBlock)) return false;
    return l.status();
  }
  *lease = std::move(l).value();
  return true;
}

Status CacheSession::RemoveTopLevel(std::string_view name, std::string_view point) {
  points_->Yield(point, name);
  points_->Report({EventKind::kRemoveBegin, std::string(name), "top-level"});
  RemoveTreeOptions opts;
  opts.follow_symlinks = profile_->follow_symlinks_on_delete;
  Status st = RemoveTree(*fs_, root_.get(), name, opts);
  if (!st.ok()) return st.Annotate("removing " + root_path_ + "/" + std::string(name));
  points_->Report({EventKind::kRemoveEnd, std::string(name), "top-level"});
  return Status::Ok();
}

Status CacheSession::RemoveArchive(std::string_view id, FileLock lease) {
  const std::string sid(id);
  const std::string archive_rel = std::string(layout::kArchiveBucket) + "/" + sid;
  RemoveTreeOptions opts;
  opts.follow_symlinks = profile_->follow_symlinks_on_delete;
  int unlinks = 0;
  // One yield after the first file is gone: the moment a reader could see a
  // half-deleted tree (in place) or a crash leaves debris (trash).
  opts.before_unlink = [&](std::string_view) {
    if (++unlinks == 2) points_->Yield("prune.remove_progress", sid);
    return true;
  };
  points_->Report({EventKind::kRemoveBegin, sid, std::string(RemovalModeName(profile_->removal))});
  if (profile_->removal == RemovalMode::kTrashThenDelete) {
    PC_RETURN_IF_ERROR(EnsureDirs(layout::kTrashDir));
    const std::string trash_rel = std::string(layout::kTrashDir) + "/" + sid;
    Status mv = fs_->Rename(root_.get(), archive_rel, root_.get(), trash_rel, /*no_replace=*/true);
    if (!mv.ok()) return mv.Annotate("moving " + archive_rel + " to trash");
    points_->Yield("prune.trashed", sid);
    if (lease.held()) PC_RETURN_IF_ERROR(lease.UnlinkAndRelease());
    PC_ASSIGN_OR_RETURN(Fd trash, fs_->OpenDir(root_.get(), layout::kTrashDir));
    PC_RETURN_IF_ERROR(RemoveTree(*fs_, trash.get(), sid, opts).Annotate("emptying trash"));
  } else {
    PC_ASSIGN_OR_RETURN(Fd bucket, fs_->OpenDir(root_.get(), layout::kArchiveBucket));
    PC_RETURN_IF_ERROR(RemoveTree(*fs_, bucket.get(), sid, opts).Annotate("removing " + archive_rel));
    // pr-20116 leaves its lock files in place; only the reference tidies them.
    if (lease.held()) PC_RETURN_IF_ERROR(lease.Release());
  }
  points_->Report({EventKind::kRemoveEnd, sid, ""});
  return Status::Ok();
}

uint64_t CacheSession::TreeBytes(int dirfd, std::string_view name) {
  // Bounded like every archive walk (fs_util.h); only for the summary.
  uint64_t bytes = 0;
  std::function<void(int, std::string_view, int)> walk = [&](int dir, std::string_view n, int depth) {
    Result<FileStat> st = fs_->Stat(dir, n);
    if (!st.ok()) return;
    if (st->type != FileType::kDirectory) {
      if (st->type == FileType::kRegular) bytes += st->size;
      return;
    }
    if (depth >= kMaxTreeDepth) return;
    Result<Fd> sub = fs_->OpenDir(dir, n);
    if (!sub.ok()) return;
    Result<std::vector<DirEntry>> entries = fs_->ListDir(sub->get());
    if (!entries.ok()) return;
    for (const DirEntry& e : *entries) walk(sub->get(), e.name, depth + 1);
  };
  walk(dirfd, name, 0);
  return bytes;
}

Result<PruneReport> CacheSession::Prune() {
  PruneReport report;
  const int root = root_.get();
  PC_RETURN_IF_ERROR(VerifyIsCache(*fs_, root, root_path_).Annotate("prune"));
  PC_ASSIGN_OR_RETURN(FileLock root_lock, AcquirePrunerRootLock("prune"));
  auto skip = [&](std::string subject, const Status& why) {
    report.skipped.push_back({std::move(subject), why.ToString()});
  };
  points_->Yield("prune.begin", "");
  const auto now = fs_->Now();
  const bool seen_grace = profile_->selection == PruneSelection::kSeenLongerThanGrace;

  // Resume: an earlier prune that crashed after moving archives to trash.
  if (profile_->removal == RemovalMode::kTrashThenDelete) {
    Result<Fd> trash = fs_->OpenDir(root, layout::kTrashDir);
    Result<std::vector<DirEntry>> debris =
        trash.ok() ? fs_->ListDir(trash->get()) : Result<std::vector<DirEntry>>(trash.status());
    if (debris.ok()) {
      for (const DirEntry& d : *debris) {
        points_->Yield("prune.resume", d.name);
        uint64_t bytes = TreeBytes(trash->get(), d.name);
        Status rm = RemoveTree(*fs_, trash->get(), d.name);
        if (rm.Is(StatusCode::kBusy)) return rm.Annotate("resuming removal of trash");  // interrupted
        if (!rm.ok()) {
          skip(std::string(layout::kTrashDir) + "/" + d.name, rm);
          continue;
        }
        report.removed_bytes += bytes;
        report.resumed_from_trash.push_back(d.name);
      }
    } else if (!debris.status().Is(StatusCode::kNotFound)) {
      // A trash that is not a directory inside the root (a symlink out of
      // it, a file) is never entered; the rest of the prune goes on.
      skip(std::string(layout::kTrashDir), debris.status());
    }
  }

  std::optional<SeenMarkers> markers;
  Fd seen_fd;
  if (seen_grace) {
    PC_RETURN_IF_ERROR(EnsureDirs(layout::kSeenDir));
    PC_ASSIGN_OR_RETURN(seen_fd, fs_->OpenDir(root, layout::kSeenDir));
    markers.emplace(*fs_, seen_fd.get());
  }
  auto past_grace = [&](const std::string& marker_name, const std::string& rel) -> Result<bool> {
    switch (profile_->selection) {
      case PruneSelection::kAllUnreferenced:
        return true;
      case PruneSelection::kMtimeOlderThanGrace: {
        Result<FileStat> st = fs_->Stat(root, rel);
        if (!st.ok()) return st.status();
        return now - ToTimePoint(st->mtime) >= grace_;
      }
      case PruneSelection::kSeenLongerThanGrace: {
        PC_ASSIGN_OR_RETURN(std::chrono::seconds age, markers->AgeOf(marker_name, now));
        return age >= grace_;
      }
    }
    return false;
  };

  // Top level: unknown entries (uv) and in-flight .tmp dirs.
  PC_ASSIGN_OR_RETURN(std::vector<DirEntry> top, fs_->ListDir(root));
  for (const DirEntry& e : top) {
    if (layout::IsTempDirName(e.name)) {
      if (!profile_->prune_temp_dirs) continue;
      bool eligible = true;
      if (seen_grace) {
        PC_ASSIGN_OR_RETURN(eligible, past_grace(e.name, e.name));
      }
      if (!eligible) {
        report.kept_for_grace.push_back(e.name);
        continue;
      }
      uint64_t bytes = TreeBytes(root, e.name);
      Status rm = RemoveTopLevel(e.name, "prune.before_remove_temp");
      if (rm.Is(StatusCode::kBusy)) return rm;  // interrupted: a crash test stops here
      if (!rm.ok()) {
        skip(e.name, rm);
        continue;
      }
      if (markers) PC_RETURN_IF_ERROR(markers->Forget(e.name));
      report.removed_bytes += bytes;
      report.removed_temp_dirs.push_back(e.name);
    } else if (!KnownTopLevel(*profile_, e.name) && profile_->prune_unknown_top_level) {
      uint64_t bytes = TreeBytes(root, e.name);
      Status rm = RemoveTopLevel(e.name, "prune.before_remove_unknown");
      if (rm.Is(StatusCode::kBusy)) return rm;
      if (!rm.ok()) {
        skip(e.name, rm);
        continue;
      }
      report.removed_bytes += bytes;
      report.removed_other.push_back(e.name);
    }
  }

  // Mark: what the entries reference.
  PC_ASSIGN_OR_RETURN(ReferenceScan refs, ScanReferences(*fs_, root));
  std::set<std::string> referenced = refs.All();
  report.referenced = referenced.size();

  // The reference also removes replace-temps left by crashed installers once
  // they are older than the grace (they otherwise pin archives forever).
  if (seen_grace) {
    for (const EntryReference& r : refs.entries) {
      if (r.kind != EntryReference::Kind::kReplaceTemp) continue;
      std::string rel = layout::PackageDir(r.package) + "/" + r.name;
      Result<FileStat> st = fs_->Stat(root, rel);
      if (!st.ok() || now - ToTimePoint(st->mtime) < grace_) continue;
      Result<Fd> pkg = fs_->OpenDir(root, layout::PackageDir(r.package));
      if (!pkg.ok()) continue;
      Status rm = fs_->Unlink(pkg->get(), r.name, false);
      if (!rm.ok() && !rm.Is(StatusCode::kNotFound)) return rm;
      report.removed_other.push_back(rel);
    }
    PC_ASSIGN_OR_RETURN(refs, ScanReferences(*fs_, root));
    referenced = refs.All();
  }

  // Sweep candidates: archives nothing references.
  Result<Fd> bucket = fs_->OpenDir(root, layout::kArchiveBucket);
  std::vector<DirEntry> archives;
  if (bucket.ok()) {
    PC_ASSIGN_OR_RETURN(archives, fs_->ListDir(bucket->get()));
  } else if (!bucket.status().Is(StatusCode::kNotFound)) {
    return bucket.status();
  }
  std::vector<std::string> eligible;
  for (const DirEntry& a : archives) {
    if (referenced.count(a.name)) continue;
    Result<bool> old_enough = past_grace(a.name, std::string(layout::kArchiveBucket) + "/" + a.name);
    if (!old_enough.ok()) {
      skip(std::string(layout::kArchiveBucket) + "/" + a.name, old_enough.status());
      continue;
    }
    if (*old_enough) {
      eligible.push_back(a.name);
    } else {
      report.kept_for_grace.push_back(a.name);
    }
  }
  if (markers) PC_RETURN_IF_ERROR(markers->DropStale());
  points_->Yield("prune.listed", "");

  // Lease check, in batches: lock every candidate, re-read the references
  // once, then remove what is still unreferenced.
  constexpr size_t kBatch = 256;
  for (size_t start = 0; start < eligible.size(); start += kBatch) {
    std::vector<std::pair<std::string, FileLock>> batch;
    for (size_t i = start; i < std::min(eligible.size(), start + kBatch); ++i) {
      const std::string& id = eligible[i];
      points_->Yield("prune.before_remove", id);
      FileLock lease;
      Result<bool> free = TakeRemovalLease(id, &lease);
      if (!free.ok()) {
        // A lease that cannot be taken (a symlink, a FIFO, unreadable): the
        // archive may be in use, so it stays; the others go on.
        skip(std::string(layout::kArchiveBucket) + "/" + id, free.status());
        continue;
      }
      if (!*free) {
        report.skipped_in_use.push_back(id);
        continue;
      }
      batch.emplace_back(id, std::move(lease));
    }
    if (profile_->recheck_before_delete && !batch.empty()) {
      points_->Yield("prune.recheck", "");
      PC_ASSIGN_OR_RETURN(ReferenceScan again, ScanReferences(*fs_, root));
      std::set<std::string> now_referenced = again.All();
      std::erase_if(batch, [&](auto& b) { return now_referenced.count(b.first) > 0; });
    }
    for (auto& [id, lease] : batch) {
      if (profile_->recheck_before_delete) {
        // Bazel's rule: re-stat right before the delete; someone may have removed it.
        Result<FileStat> st = fs_->Stat(root, std::string(layout::kArchiveBucket) + "/" + id);
        if (!st.ok()) continue;
      }
      uint64_t bytes = TreeBytes(root, std::string(layout::kArchiveBucket) + "/" + id);
      Status rm = RemoveArchive(id, std::move(lease));
      if (rm.Is(StatusCode::kBusy)) return rm;  // interrupted: a crash test stops here
      if (!rm.ok()) {
        skip(std::string(layout::kArchiveBucket) + "/" + id, rm);
        continue;
      }
      if (markers) PC_RETURN_IF_ERROR(markers->Forget(id));
      report.removed_bytes += bytes;
      report.removed_archives.push_back(id);
      points_->Yield("prune.after_remove", id);
    }
  }

  // Reference: lock files whose archive is gone are debris; remove them under
  // an exclusive lock so nobody can be holding them.
  if (seen_grace) {
    Result<Fd> locks = fs_->OpenDir(root, layout::kLocksDir);
    if (locks.ok()) {
      PC_ASSIGN_OR_RETURN(std::vector<DirEntry> files, fs_->ListDir(locks->get()));
      for (const DirEntry& f : files) {
        if (!f.name.ends_with(".lock")) continue;
        std::string id = f.name.substr(0, f.name.size() - 5);
        Result<FileStat> st = fs_->Stat(root, std::string(layout::kArchiveBucket) + "/" + id);
        if (st.ok() || !st.status().Is(StatusCode::kNotFound)) continue;
        if (f.type != FileType::kRegular) {
          skip(std::string(layout::kLocksDir) + "/" + f.name,
               Status(StatusCode::kInvalidInput, "not a regular lock file; left in place"));
          continue;
        }
        Result<FileLock> l = AcquireEntryLock(id, LockMode::kExclusive, LockRequest::Wait::kTry);
        if (l.ok()) {
          Status un = l->UnlinkAndRelease();
          if (!un.ok()) skip(std::string(layout::kLocksDir) + "/" + f.name, un);
        }
      }
    }
  }
  points_->Yield("prune.done", "");
  return report;
}

}  // namespace prunecheck
