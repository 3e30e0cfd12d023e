#include "harness/engine/physical_checks.h"

#include <optional>

#include <fcntl.h>
#include <sys/stat.h>


#include "pruner/base/file_lock.h"
#include "pruner/base/file_system.h"
#include "pruner/base/fs_util.h"
#include "pruner/cache/cache_layout.h"
#include "pruner/cache/cache_scan.h"
#include "pruner/cache/cache_session.h"
#include "pruner/profiles/profile_registry.h"

namespace prunecheck::harness {

Status PlantCanaries(FileSystem& fsys, const std::string& run_dir, const std::string& cache) {
  const std::string outside = run_dir + "/outside";
  const std::string bait = cache + "/" + kCanaryBait;
  Status st = MakeUserDirs(fsys, outside);
  if (st.ok()) st = WriteFile(fsys, AT_FDCWD, outside + "/canary.txt", kCanaryContent);
  if (st.ok()) st = MakeUserDirs(fsys, bait);
  if (st.ok()) st = fsys.Symlink(outside, AT_FDCWD, bait + "/escape");
  // Top-level bait under ordinary names: run/outside-dir/ and run/outside-file.txt.
  if (st.ok()) st = MakeUserDirs(fsys, run_dir + "/outside-dir");
  if (st.ok()) st = WriteFile(fsys, AT_FDCWD, run_dir + "/outside-dir/canary.txt", kCanaryContent);
  if (st.ok()) st = WriteFile(fsys, AT_FDCWD, run_dir + "/outside-file.txt", kCanaryContent);
  if (st.ok()) st = fsys.Symlink(run_dir + "/outside-dir", AT_FDCWD, cache + "/" + kTopLevelDirBait);
  if (st.ok()) st = fsys.Symlink(run_dir + "/outside-file.txt", AT_FDCWD, cache + "/" + kTopLevelFileBait);
  return st.Annotate("planting canaries");
}

Status AgeCache(FileSystem& fs_ref, const std::string& cache, std::chrono::seconds by) {
  FileSystem* fsys = &fs_ref;
  PC_ASSIGN_OR_RETURN(Fd root, fsys->OpenDir(AT_FDCWD, cache));
  auto age_all_in = [&](const std::string& rel, bool temps_only) -> Status {
    Result<Fd> dir = rel.empty() ? fsys->OpenDir(root.get(), ".") : fsys->OpenDir(root.get(), rel);
    if (!dir.ok()) return dir.status().Is(StatusCode::kNotFound) ? Status::Ok() : dir.status();
    PC_ASSIGN_OR_RETURN(std::vector<DirEntry> entries, fsys->ListDir(dir->get()));
    for (const DirEntry& e : entries) {
      if (temps_only && !layout::IsTempDirName(e.name)) continue;
      Result<FileStat> st = fsys->Stat(dir->get(), e.name);
      if (!st.ok()) continue;
      struct timespec t = st->mtime;
      t.tv_sec -= by.count();
      PC_RETURN_IF_ERROR(fsys->SetTimes(dir->get(), e.name, t));
    }
    return Status::Ok();
  };
  PC_RETURN_IF_ERROR(age_all_in(std::string(layout::kArchiveBucket), false));
  PC_RETURN_IF_ERROR(age_all_in(std::string(layout::kSeenDir), false));
  PC_RETURN_IF_ERROR(age_all_in("", true));
  return Status::Ok();
}

bool ArchivePresent(FileSystem& fsys, const std::string& cache, const std::string& id) {
  if (id.empty() || id == "." || id == ".." || id.find('/') != std::string::npos) return false;
  Result<Fd> root = fsys.OpenDir(AT_FDCWD, cache);
  if (!root.ok()) return false;
  Result<FileStat> st = fsys.Stat(root->get(), std::string(layout::kArchiveBucket) + "/" + id);
  return st.ok() && st->type == FileType::kDirectory;
}

namespace {

void AddScanViolations(const Result<CacheScan>& scan, const std::string& when, InvariantChecker* checker) {
  if (!scan.ok()) {
    checker->Add({Invariant::kNoPartialArchive, "", "", -1, "scanning the cache " + when + " failed: " + scan.status().ToString()});
    return;
  }
  for (const Violation& v : scan->violations) {
    // The scan (pruner/) names invariants as text; this is where they enter the harness.
    std::optional<Invariant> invariant = ParseInvariant(v.invariant);
    if (!invariant) {
      checker->Add({Invariant::kNoCorruption, "", v.subject, -1,
                    "the scan reported an invariant this harness does not know ('" + v.invariant + "'): " + v.message +
                        " (" + when + ")"});
      continue;
    }
    checker->Add({*invariant, "", v.subject, -1, v.message + " (" + when + ")"});
  }
}

void CheckLocksReleased(FileSystem& fsys, int root, InvariantChecker* checker) {
  NoYieldPoints none;
  auto try_lock = [&](const std::string& name) {
    LockRequest req;
    req.mode = LockMode::kExclusive;
    req.wait = LockRequest::Wait::kTry;
    req.create = false;
    Result<FileLock> l = FileLock::Acquire(fsys, none, root, name, req);
    if (!l.ok() && l.status().Is(StatusCode::kWouldBlock)) {
      checker->Add({Invariant::kCrashConsistency, "", name, -1, name + " is still locked after every actor is gone"});
    }
  };
  try_lock(std::string(layout::kRootLock));
  Result<Fd> locks = fsys.OpenDir(root, layout::kLocksDir);
  if (!locks.ok()) return;
  Result<std::vector<DirEntry>> files = fsys.ListDir(locks->get());
  if (!files.ok()) return;
  for (const DirEntry& f : *files) try_lock(std::string(layout::kLocksDir) + "/" + f.name);
}

void CheckCanaries(FileSystem& fsys, const std::string& run_dir, InvariantChecker* checker) {
  struct Canary {
    const char* path;  // under the run directory
    std::string bait;  // the symlink in the root that leads to it
  };
  const Canary canaries[] = {
      {"/outside/canary.txt", std::string(kCanaryBait) + "/escape"},
      {"/outside-dir/canary.txt", kTopLevelDirBait},
      {"/outside-file.txt", kTopLevelFileBait},
  };
  for (const Canary& c : canaries) {
    const std::string canary = run_dir + c.path;
    Result<std::string> content = ReadFileToString(fsys, AT_FDCWD, canary);
    if (!content.ok()) {
      checker->Add({Invariant::kContainment, "", canary, -1,
                    "the canary outside the cache root is gone (" + content.status().ToString() +
                        "): a deletion followed the symlink <cache>/" + c.bait + " out of the root"});
    } else if (*content != kCanaryContent) {
      checker->Add({Invariant::kContainment, "", canary, -1,
                    "the canary outside the cache root was changed: a write followed the symlink <cache>/" + c.bait +
                        " out of the root"});
    }
  }
}

}  // namespace

void CheckTreeAtQuiescence(FileSystem& fs_ref, const RunConfig& config, const std::string& cache,
                           const std::string& run_dir, const ActorSpec* pruner, InvariantChecker* checker) {
  FileSystem* fsys = &fs_ref;
  Result<Fd> root = fsys->OpenDir(AT_FDCWD, cache);
  if (!root.ok()) {
    checker->Add({Invariant::kContainment, "", cache, -1, "the cache root itself is gone: " + root.status().ToString()});
    return;
  }
  AddScanViolations(ScanCache(*fsys, root->get(), /*verify_content=*/true), "at quiescence", checker);
  CheckLocksReleased(*fsys, root->get(), checker);

  if (pruner != nullptr) {
    // Bounded growth: a prune, the grace elapses, a prune; then nothing
    // unreferenced and no temp dir may remain.
    SessionOptions o;
    o.profile = *FindProfile(pruner->profile);
    o.fs = fsys;
    o.grace = std::chrono::seconds(config.grace_seconds);
    o.lock_timeout = std::chrono::milliseconds(5000);
    Result<std::unique_ptr<CacheSession>> s = CacheSession::Open(cache, o);
    Status st = s.status();
    if (st.ok()) st = (*s)->Prune().status();
    if (st.ok()) st = AgeCache(*fsys, cache, std::chrono::seconds(config.grace_seconds + 7200));
    if (st.ok()) st = (*s)->Prune().status();
    if (!st.ok()) {
      checker->Add({Invariant::kBoundedGrowth, pruner->name, "", -1, "the final prune failed: " + st.ToString()});
    } else {
      // Without hashing: every archive left was verified at quiescence, and
      // a prune only removes whole archives (one that fails half-way fails
      // the prune, reported above).
      Result<CacheScan> scan = ScanCache(*fsys, root->get(), /*verify_content=*/false);
      if (scan.ok()) {
        std::vector<std::string> left;
        for (const auto& a : scan->archives) {
          if (!a.referenced) left.push_back("archive " + a.id);
        }
        for (const std::string& t : scan->temp_dirs) {
          if (t != kCanaryBait) left.push_back("temp dir " + t);  // our bait is not the run's debris
        }
        if (!left.empty()) {
          std::string what;
          for (const std::string& l : left) what += (what.empty() ? "" : ", ") + l;
          checker->Add({Invariant::kBoundedGrowth, pruner->name, "", -1,
                        "after the grace elapsed, a final prune by profile " + pruner->profile + " left " + what});
        }
      }
      AddScanViolations(scan, "after the final prune", checker);
    }
  }
  if (config.plant_canaries) CheckCanaries(*fsys, run_dir, checker);
}

}  // namespace prunecheck::harness
