// MemFileSystem: a complete in-memory FileSystem, for the in-process harness
// (thousands of controlled schedules per second instead of tens) and tests.
//
// A POSIX-like tree of inodes (directories, regular files, symlinks) with
// dev/ino/nlink/mode/size/mtime, hard links, and open file descriptions with
// their own offsets and flocks. It mirrors what PosixFileSystem does on Linux
// for the same calls, including the errno (and so the StatusCode) of every
// failure; pruner/base/file_system_conformance_test.cc runs one suite against
// both. Details:
//   - Descriptors are virtual numbers (>= kFirstVirtualFd, pruner/base/
//     virtual_fd.h); Fd closes them here. A kernel descriptor number, or one
//     from another MemFileSystem, fails with EBADF.
//   - The tree has its own root "/"; the working directory (AT_FDCWD) is "/".
//     Paths given to the *at-style calls resolve like the kernel's: every
//     component but the last follows symlinks (40 at most, then ELOOP), the
//     last never does (OpenFile adds O_NOFOLLOW). OpenDir walks components
//     with O_NOFOLLOW (a symlink component is ELOOP -> kInvalidInput), except
//     an absolute path with AT_FDCWD, which — as in PosixFileSystem — is
//     resolved like open(2) would (symlinks followed).
//   - An unlinked file stays readable/writable through open fds; a removed
//     directory still FStats (nlink 0) and lists as empty, and creating in it
//     fails with ENOENT. An inode is freed when it has neither names nor fds.
//   - rename follows renameat2 (replace file over file and dir over empty
//     dir; ENOTEMPTY, EISDIR, ENOTDIR; EINVAL for a directory moved into its
//     own subtree; EEXIST with no_replace; same inode: no-op).
//   - flock per open file description; converting a held lock first drops
//     it, as Linux does. Blocking Flock waits on a condition variable.
//   - ReadLink(AT_FDCWD, "/proc/self/fd/<N>") for one of this file system's
//     descriptors returns its path, as /proc does for kernel descriptors.
//   - Permission bits are recorded, never enforced; no umask is applied.
//   - Now() is the real system clock and SleepFor() really sleeps (grace
//     periods compare mtimes set from Now()).
//
// Thread-safety: thread-safe; one mutex guards the whole tree. Destroy it only
// when no other thread uses it; Fds still open then stay harmless (closing
// them later does nothing but free the number).
#pragma once

#include <sys/types.h>

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "pruner/base/file_system.h"
#include "pruner/base/status.h"
#include "pruner/base/virtual_fd.h"

namespace prunecheck {

class MemFileSystem final : public FileSystem, private VirtualFdOwner {
 public:
  MemFileSystem();
  ~MemFileSystem() override;
  MemFileSystem(const MemFileSystem&) = delete;
  MemFileSystem& operator=(const MemFileSystem&) = delete;

  // FileSystem
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
  std::chrono::system_clock::time_point Now() override;
  void SleepFor(std::chrono::microseconds d) override;

  // Helpers for tests and the harness. Paths are absolute (a relative path is
  // taken from "/"); leading components resolve as in the *at calls above.

  // Creates or truncates the file, creating missing parent directories.
  Status WriteWholeFile(const std::string& abs_path, std::string_view data);
  Result<std::string> ReadWholeFile(const std::string& abs_path);
  // mkdir -p; kInvalidInput if a component exists as a non-directory.
  Status MakeDirs(const std::string& abs_path);
  // rm -rf (never follows a symlink); a missing path is OK.
  Status RemoveAll(const std::string& abs_path);
  // lstat succeeds.
  bool Exists(const std::string& abs_path);
  // Live inodes (the root included): linked somewhere or held by an open fd.
  size_t InodeCount();
  // Open descriptors of this file system.
  size_t OpenFdCount();

 private:
  struct Inode;
  struct OpenFileDesc;
  struct Resolved;

  // VirtualFdOwner
  void CloseVirtualFd(int fd) override;
  std::string VirtualFdPath(int fd) override;

  // All below: REQUIRES mu_ held.
  Inode* NewInode(FileType type, uint32_t mode);
  void MaybeFree(Inode* node);
  OpenFileDesc* FindFd(int fd);
  int NewFd(Inode* node, int flags, std::string path);
  // The directory a relative name is resolved from, or an errno.
  int StartDir(int dirfd, std::string_view name, Inode** out);
  // Resolves every component but the last (following symlinks); sets
  // r->dir/r->leaf/r->node. Returns 0 or an errno.
  int Resolve(int dirfd, std::string_view path, Resolved* r);
  // Walks `path` from `start`, following symlinks (the last one too if
  // `follow_last`). Returns 0 or an errno.
  int Walk(Inode* start, std::string_view path, bool follow_last, int* symlink_budget, Inode** out);
  int FollowSymlink(Inode* dir, Inode* link, int* symlink_budget, Inode** out);
  Inode* ParentOf(Inode* dir);
  std::string PathOfInode(const Inode* node);
  void AppendPathOfInode(const Inode* node, std::string* out);
  void AppendPathOfInodeSlow(const Inode* node, std::string* out);
  void AppendDirName(int dirfd, std::string* out);
  std::string DirName(int dirfd);
  std::string PathOf(int dirfd, std::string_view name);
  std::string FdName(int fd);
  Status Err(int err, std::string_view op, int dirfd, std::string_view name);
  FileStat StatOf(const Inode* node) const;
  void Touch(Inode* dir);
  void AddEntry(Inode* dir, const std::string& name, Inode* node);
  void RemoveEntry(Inode* dir, const std::string& name);
  void ReleaseLock(OpenFileDesc* ofd);
  struct timespec NowSpec();

  std::mutex mu_;
  std::condition_variable lock_cv_;  // signalled whenever a flock is released
  const uint64_t dev_;
  uint64_t next_ino_ = 2;
  Inode* root_ = nullptr;
  std::unordered_map<const Inode*, std::unique_ptr<Inode>> inodes_;
  std::unordered_map<int, std::unique_ptr<OpenFileDesc>> fds_;
};

}  // namespace prunecheck
