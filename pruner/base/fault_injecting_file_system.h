// FaultInjectingFileSystem: a FileSystem that forwards to another and fails
// chosen calls with a chosen errno. Like LevelDB's ErrorEnv, for tests and the
// harness's in-process I/O faults (ENOSPC during extraction, EIO on rename,
// EACCES on unlink, ...).
//
// A Fault matches calls by operation and, optionally, by a substring of the
// name argument (for Rename, either name). The first `skip` matching calls go
// through; then `count` calls fail with `err` (count < 0: every later call).
// Calls are counted per operation so tests can assert what was attempted.
//
// Thread-safety: thread-safe (an internal mutex guards faults and counters).
#pragma once

#include <array>
#include <mutex>
#include <string>
#include <vector>

#include "pruner/base/file_system.h"

namespace prunecheck {

struct Fault {
  FsOp op;
  int err;                       // errno to fail with, e.g. ENOSPC
  std::string name_contains;     // empty: any name
  int skip = 0;                  // matching calls that still succeed first
  int count = 1;                 // how many to fail; < 0 means forever
};

class FaultInjectingFileSystem final : public FileSystem {
 public:
  explicit FaultInjectingFileSystem(FileSystem* base) : base_(base) {}

  void AddFault(Fault fault);
  void ClearFaults();
  int CallCount(FsOp op) const;
  int InjectedCount() const;  // how many calls have been failed so far

  Result<Fd> OpenDir(int dirfd, std::string_view path) override;
  Result<Fd> OpenFile(int dirfd, std::string_view name, int flags, mode_t mode) override;
  Result<size_t> Read(int fd, void* buf, size_t n) override;
  Status Write(int fd, const void* buf, size_t n) override;
  Result<int64_t> Seek(int fd, int64_t offset, int whence) override;
  Status Fsync(int fd) override;
  Result<FileStat> Stat(int dirfd, std::string_view name) override;
  Result<FileStat> FStat(int fd) override;
  Status MakeDir(int dirfd, std::string_view name, mode_t mode) override;
  Status Rename(int olddirfd, std::string_view oldname, int newdirfd, std::string_view newname,
                bool no_replace) override;
  Status Symlink(std::string_view target, int dirfd, std::string_view name) override;
  Result<std::string> ReadLink(int dirfd, std::string_view name) override;
  Status Link(int olddirfd, std::string_view oldname, int newdirfd,
              std::string_view newname) override;
  Status Unlink(int dirfd, std::string_view name, bool is_dir) override;
  Result<std::vector<DirEntry>> ListDir(int dirfd) override;
  Status SetTimes(int dirfd, std::string_view name, struct timespec mtime) override;
  Status Flock(int fd, LockMode mode, bool nonblocking) override;
  Status Unlock(int fd) override;
  std::chrono::system_clock::time_point Now() override { return base_->Now(); }
  void SleepFor(std::chrono::microseconds d) override { base_->SleepFor(d); }

 private:
  // Returns a failure Status if a fault matches this call, else OK.
  Status Check(FsOp op, std::string_view name1, std::string_view name2 = {});

  FileSystem* base_;
  mutable std::mutex mu_;
  std::vector<Fault> faults_;
  std::array<int, static_cast<size_t>(FsOp::kSeek) + 1> calls_{};  // kSeek is the last FsOp
  int injected_ = 0;
};

}  // namespace prunecheck
