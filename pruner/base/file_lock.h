// FileLock: an flock(2) held on a lock file inside the cache, RAII.
//
// Acquire() opens (creating if needed) `name` under `dirfd` without following
// symlinks, takes the flock in the requested mode, and then verifies that the
// file it locked is still the one linked at `name` (same dev/ino). If a pruner
// unlinked or replaced the lock file between our open and our flock, we would
// otherwise hold a lock nobody else can see; in that case Acquire() closes and
// retries. This is the "lock, then check the inode" rule of docs/design.md §3.
//
// Waiting: kTry fails at once with kWouldBlock; kBlocking retries with
// non-blocking attempts until `timeout`, calling YieldPoints::Blocked between
// attempts (so a harness scheduler is never deadlocked by a lock wait), then
// fails with kLockTimeout.
//
// Every acquire/release is a yield point ("lock.<label>.acquire",
// "lock.<label>.acquired", "lock.<label>.release") and reports
// kLockAcquired/kLockReleased with detail "<name> shared|exclusive" and the
// locked file's inode number as subject; UnlinkAndRelease reports
// kLockUnlinked (inode, name) once the file is gone.
//
// Thread-safety: a FileLock is owned by one thread. flock locks belong to the
// open file description, so two FileLocks in one process on the same file do
// conflict with each other, exactly as two processes would.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "pruner/base/file_system.h"
#include "pruner/base/status.h"
#include "pruner/base/yield_points.h"

namespace prunecheck {

struct LockRequest {
  LockMode mode = LockMode::kShared;
  enum class Wait { kTry, kBlocking } wait = Wait::kBlocking;
  std::chrono::milliseconds timeout{30000};  // for kBlocking
  // Short name used in yield point names: "root" for .lock, "entry" for locks/<id>.lock.
  std::string label = "root";
  // Mutants may turn the inode re-check off; everything else leaves it on.
  bool verify_inode = true;
  // Create the lock file if it does not exist (O_CREAT).
  bool create = true;
};

class FileLock {
 public:
  FileLock() = default;
  FileLock(FileLock&&) noexcept;
  FileLock& operator=(FileLock&&) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();  // releases if held (reporting kLockReleased)

  // Returns a held lock, or kWouldBlock (kTry), kLockTimeout (kBlocking),
  // kNotFound (create == false and no file), or an I/O error.
  // REQUIRES: fs and points outlive the returned lock. dirfd stays open while held.
  static Result<FileLock> Acquire(FileSystem& fs, YieldPoints& points, int dirfd,
                                  std::string name, const LockRequest& request);

  bool held() const { return fd_.valid(); }
  LockMode mode() const { return mode_; }
  const std::string& name() const { return name_; }

  // Releases the lock (a yield point before it). Idempotent.
  Status Release();

  // Unlinks the lock file and then releases it, so that no process can hold
  // "the same" lock through the old inode while another locks a new one: any
  // process that opened the old file will fail its inode check and retry.
  // REQUIRES: held in kExclusive mode.
  Status UnlinkAndRelease();

 private:
  FileSystem* fs_ = nullptr;
  YieldPoints* points_ = nullptr;
  int dirfd_ = -1;
  std::string name_;
  std::string label_;
  LockMode mode_ = LockMode::kShared;
  std::string inode_;  // of the locked file, decimal: reported with every lock event
  Fd fd_;
};

}  // namespace prunecheck
