// NoSyncFileSystem: a FileSystem that forwards everything but makes Fsync a
// no-op.
//
// For test harnesses only. The harness's crash model is a killed process,
// which loses nothing that reached the page cache; fsync protects against
// power loss, which no run simulates, and costs milliseconds per call on
// some disks — most of a controlled schedule's wall time. Production use
// (cache-actor without --no-fsync) keeps every fsync.
//
// Thread-safety: as the wrapped FileSystem.
#pragma once

#include "pruner/base/file_system.h"

namespace prunecheck {

class NoSyncFileSystem final : public FileSystem {
 public:
  explicit NoSyncFileSystem(FileSystem* base) : base_(base) {}

  Result<Fd> OpenDir(int dirfd, std::string_view path) override { return base_->OpenDir(dirfd, path); }
  Result<Fd> OpenFile(int dirfd, std::string_view name, int flags, mode_t mode) override {
    return base_->OpenFile(dirfd, name, flags, mode);
  }
  Result<size_t> Read(int fd, void* buf, size_t n) override { return base_->Read(fd, buf, n); }
  Status Write(int fd, const void* buf, size_t n) override { return base_->Write(fd, buf, n); }
  Result<int64_t> Seek(int fd, int64_t offset, int whence) override { return base_->Seek(fd, offset, whence); }
  Status Fsync(int) override { return Status::Ok(); }
  Result<FileStat> Stat(int dirfd, std::string_view name) override { return base_->Stat(dirfd, name); }
  Result<FileStat> FStat(int fd) override { return base_->FStat(fd); }
  Status MakeDir(int dirfd, std::string_view name, mode_t mode) override { return base_->MakeDir(dirfd, name, mode); }
  Status Rename(int olddirfd, std::string_view oldname, int newdirfd, std::string_view newname,
                bool no_replace) override {
    return base_->Rename(olddirfd, oldname, newdirfd, newname, no_replace);
  }
  Status Symlink(std::string_view target, int dirfd, std::string_view name) override {
    return base_->Symlink(target, dirfd, name);
  }
  Result<std::string> ReadLink(int dirfd, std::string_view name) override { return base_->ReadLink(dirfd, name); }
  Status Link(int olddirfd, std::string_view oldname, int newdirfd, std::string_view newname) override {
    return base_->Link(olddirfd, oldname, newdirfd, newname);
  }
  Status Unlink(int dirfd, std::string_view name, bool is_dir) override { return base_->Unlink(dirfd, name, is_dir); }
  Result<std::vector<DirEntry>> ListDir(int dirfd) override { return base_->ListDir(dirfd); }
  Status SetTimes(int dirfd, std::string_view name, struct timespec mtime) override {
    return base_->SetTimes(dirfd, name, mtime);
  }
  Status Flock(int fd, LockMode mode, bool nonblocking) override { return base_->Flock(fd, mode, nonblocking); }
  Status Unlock(int fd) override { return base_->Unlock(fd); }
  std::chrono::system_clock::time_point Now() override { return base_->Now(); }
  void SleepFor(std::chrono::microseconds d) override { base_->SleepFor(d); }

 private:
  FileSystem* base_;
};

}  // namespace prunecheck
