// ForwardingFileSystem: forwards every call to another FileSystem.
//
// The base of wrappers that change one or two calls (NoSyncFileSystem, the
// fault-simulating file systems in tests), so each says only what it changes.
//
// Thread-safety: as the wrapped FileSystem.
#pragma once

#include "pruner/base/file_system.h"

namespace prunecheck {

class ForwardingFileSystem : public FileSystem {
 public:
  explicit ForwardingFileSystem(FileSystem* base) : base_(base) {}
  Result<Fd> OpenDir(int dirfd, std::string_view path) override { return base_->OpenDir(dirfd, path); }
  Result<Fd> OpenFile(int dirfd, std::string_view name, int flags, mode_t mode) override {
    return base_->OpenFile(dirfd, name, flags, mode);
  }
  Result<size_t> Read(int fd, void* buf, size_t n) override { return base_->Read(fd, buf, n); }
  Status Write(int fd, const void* buf, size_t n) override { return base_->Write(fd, buf, n); }
  Result<int64_t> Seek(int fd, int64_t off, int whence) override { return base_->Seek(fd, off, whence); }
  Status Fsync(int fd) override { return base_->Fsync(fd); }
  Result<FileStat> Stat(int dirfd, std::string_view name) override { return base_->Stat(dirfd, name); }
  Result<FileStat> FStat(int fd) override { return base_->FStat(fd); }
  Status MakeDir(int dirfd, std::string_view name, mode_t mode) override {
    return base_->MakeDir(dirfd, name, mode);
  }
  Status Rename(int od, std::string_view on, int nd, std::string_view nn, bool nr) override {
    return base_->Rename(od, on, nd, nn, nr);
  }
  Status Symlink(std::string_view target, int dirfd, std::string_view name) override {
    return base_->Symlink(target, dirfd, name);
  }
  Result<std::string> ReadLink(int dirfd, std::string_view name) override {
    return base_->ReadLink(dirfd, name);
  }
  Status Link(int od, std::string_view on, int nd, std::string_view nn) override {
    return base_->Link(od, on, nd, nn);
  }
  Status Unlink(int dirfd, std::string_view name, bool is_dir) override {
    return base_->Unlink(dirfd, name, is_dir);
  }
  Result<std::vector<DirEntry>> ListDir(int dirfd) override { return base_->ListDir(dirfd); }
  Status SetTimes(int dirfd, std::string_view name, struct timespec t) override {
    return base_->SetTimes(dirfd, name, t);
  }
  Status Flock(int fd, LockMode mode, bool nb) override { return base_->Flock(fd, mode, nb); }
  Status Unlock(int fd) override { return base_->Unlock(fd); }
  std::chrono::system_clock::time_point Now() override { return base_->Now(); }
  void SleepFor(std::chrono::microseconds d) override { base_->SleepFor(d); }

 protected:
  FileSystem* base_;
};

}  // namespace prunecheck
