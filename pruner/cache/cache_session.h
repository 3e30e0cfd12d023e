// CacheSession: one actor's use of a uv-style cache under one protocol profile.
//
// A session is what a process of a package manager does to the cache: install
// a wheel (cache hit or fresh), read a cached wheel, refresh it, prune, clean a
// package. How it locks, names, replaces and removes things is decided by its
// ProfileSpec (pruner/profiles/); the yield points and events it passes through
// are listed in pruner/README.md.
//
// A session holds the root directory open for its lifetime, and — for
// profiles whose actors hold `.lock` for the process lifetime (uv 0.8.19) —
// the shared root lock from its first install/read until it is destroyed.
//
// Thread-safety: a session is used by one thread. Several sessions (in one
// process or many) may share one cache; that is the point.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pruner/base/file_lock.h"
#include "pruner/base/file_system.h"
#include "pruner/base/id_source.h"
#include "pruner/base/status.h"
#include "pruner/base/yield_points.h"
#include "pruner/cache/environment_linker.h"
#include "pruner/profiles/profile_spec.h"
#include "pruner/wheel/wheel_name.h"

namespace prunecheck {

struct SessionOptions {
  const ProfileSpec* profile = nullptr;  // REQUIRED
  FileSystem* fs = nullptr;              // default: DefaultFileSystem()
  YieldPoints* points = nullptr;         // default: a NoYieldPoints
  IdSource* ids = nullptr;               // default: a CsprngIdSource
  std::optional<std::chrono::seconds> grace;  // default: profile->default_grace
  std::chrono::milliseconds lock_timeout{30000};
  // Create the cache (root and layout) if missing. Prune, clean and check
  // pass false: they never create a cache, and refuse what is not one.
  bool create = true;
};

struct InstallRequest {
  std::string wheel_path;  // the .whl file (for Read only its filename matters)
  std::string env_path;    // target environment directory (created if missing)
  LinkMode link_mode = LinkMode::kHardlink;
  // The wheel filename that names the cache entry; empty: the basename of
  // wheel_path (set it when wheel_path is a resolved store path).
  std::string wheel_filename;
};

struct InstallOutcome {
  bool cache_hit = false;
  std::string archive_id;
  std::string entry;  // "wheels-v6/pypi/<name>/<version>-<tags>"
  uint64_t files_linked = 0;
  std::string displaced_archive;  // refresh: the archive the entry pointed at before, if any
};

// Something a prune or clean could not remove or could not judge; the rest
// of the operation went on without it (one bad entry never stops the rest).
struct SkippedEntry {
  std::string subject;  // path relative to the cache root, e.g. "archive-v0/<id>"
  std::string reason;
};

struct PruneReport {
  std::vector<std::string> removed_archives;
  std::vector<std::string> removed_temp_dirs;
  std::vector<std::string> removed_other;     // unknown top-level entries, stale replace temps
  std::vector<std::string> skipped_in_use;    // entry lock held
  std::vector<std::string> kept_for_grace;    // unreferenced but younger than the grace
  std::vector<std::string> resumed_from_trash;  // debris of an interrupted prune
  std::vector<SkippedEntry> skipped;          // could not be removed or judged; see reason
  size_t referenced = 0;
  uint64_t removed_bytes = 0;                 // apparent size of what was removed
};

struct CleanReport {
  std::vector<std::string> removed_entries;
  std::vector<std::string> removed_archives;
  std::vector<std::string> skipped_in_use;
  std::vector<SkippedEntry> skipped;
};

struct WipeReport {
  std::vector<std::string> removed;           // top-level names removed whole
  std::vector<std::string> removed_archives;  // archive ids
  std::vector<SkippedEntry> skipped;
};

class CacheSession {
 public:
  // Opens (and with options.create, initializes) the cache at `root_path`.
  // kInvalidInput if the root exists but is not a cache this code can use
  // (e.g. a file, or a symlink where a bucket should be).
  static Result<std::unique_ptr<CacheSession>> Open(const std::string& root_path,
                                                    SessionOptions options);
  ~CacheSession();

  // uv's install path: a cache hit if the entry resolves to an existing
  // archive, else a fresh install (unpack, persist, reference, link).
  Result<InstallOutcome> Install(const InstallRequest& request);
  // Cache hit only: kNotFound if the wheel is not cached.
  Result<InstallOutcome> Read(const InstallRequest& request);
  // Re-"download": unpack a new archive and atomically repoint the entry,
  // displacing the old archive (which other processes may still be using).
  Result<InstallOutcome> Refresh(const InstallRequest& request);
  // Removes what this profile's prune rules say (docs/design.md §1, §2, §3).
  // kBusy when a try-lock pruner found the cache in use; kLockTimeout when a
  // blocking one gave up. kInvalidInput, touching nothing, when the root is
  // not a cache (VerifyIsCache). An entry that cannot be removed or judged
  // (a symlinked or FIFO lease, an unreadable archive, a trash entry that
  // resists removal) is listed in PruneReport::skipped and the prune goes on.
  Result<PruneReport> Prune();
  // `uv cache clean <package>`: removes the package's entries and archives.
  // Refuses a root that is not a cache, like Prune.
  Result<CleanReport> Clean(std::string_view package);
  // `uv cache clean` with no package (or `rm -rf` of the cache): removes
  // every bucket, lease, marker and temp dir this version owns, then unlinks
  // `.lock` while holding it (pruner/cache/wipe_operation.cc says why). The
  // root stays a cache. Locks like a prune of the same profile.
  Result<WipeReport> Wipe();

  const std::string& root_path() const { return root_path_; }
  int root_fd() const { return root_.get(); }
  const ProfileSpec& profile() const { return *profile_; }
  std::chrono::seconds grace() const { return grace_; }

 private:
  CacheSession() = default;
  Status InitLayout();
  // Acquires the root lock as this profile's installers/readers do. For
  // per-operation profiles the returned lock is the operation's; for
  // process-lifetime profiles it is empty and process_lock_ is held.
  Result<FileLock> AcquireActorRootLock();
  // Early release: drops whichever root lock the actor holds.
  void ReleaseActorRootLock(FileLock& op_lock);
  Result<FileLock> AcquirePrunerRootLock(std::string_view op);
  Result<FileLock> AcquireEntryLock(std::string_view archive_id, LockMode mode, LockRequest::Wait wait);
  Status EnsureDirs(std::string_view relpath);
  Result<Fd> OpenEnvironment(const std::string& env_path);
  // Resolves the entry for `wheel` to an archive id; kNotFound if absent.
  Result<std::string> ResolveEntry(const WheelName& wheel);
  // Links archive `id` into the environment, re-reads RECORD from the archive
  // and verifies the environment. The caller has reported kUseBegin.
  Result<uint64_t> LinkAndVerify(std::string_view id, const InstallRequest& request);
  // Unpacks `request.wheel_path` into a new archive and points the entry at it.
  Result<InstallOutcome> FreshInstall(const InstallRequest& request, const WheelName& wheel,
                                      FileLock& op_lock);
  Result<InstallOutcome> UseCached(const InstallRequest& request, const WheelName& wheel,
                                   FileLock& op_lock);
  // For profiles that honour entry leases: try-locks locks/<id>.lock
  // exclusive into *lease. Returns false when someone holds it (in use).
  Result<bool> TakeRemovalLease(std::string_view id, FileLock* lease);
  // Removes archive `id` per the profile's removal mode, reporting events.
  // `lease` (may be empty) is the exclusive entry lock, released/unlinked here.
  Status RemoveArchive(std::string_view id, FileLock lease);
  Status RemoveTopLevel(std::string_view name, std::string_view point);
  // Apparent size of the tree `rel` (bytes of its regular files); 0 if it
  // cannot be walked. For the prune summary only.
  uint64_t TreeBytes(int dirfd, std::string_view name);

  std::string root_path_;
  Fd root_;
  const ProfileSpec* profile_ = nullptr;
  FileSystem* fs_ = nullptr;
  YieldPoints* points_ = nullptr;
  IdSource* ids_ = nullptr;
  std::unique_ptr<YieldPoints> owned_points_;
  std::unique_ptr<IdSource> owned_ids_;
  std::chrono::seconds grace_{3600};
  std::chrono::milliseconds lock_timeout_{30000};
  FileLock process_lock_;  // kSharedForProcess profiles
};

}  // namespace prunecheck
