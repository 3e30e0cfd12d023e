// FileSystem: the one seam through which prunecheck touches the disk.
//
// Like LevelDB's Env: every OS call the cache code makes goes through this
// interface, so tests can substitute a FaultInjectingFileSystem that fails a
// chosen call with ENOSPC, EIO or EACCES, and the harness can observe calls.
// Everything works relative to directory file descriptors; nothing here
// follows a symlink unless the method says so (OpenDir walks each path
// component with O_NOFOLLOW, Stat is lstat, Unlink is unlinkat).
//
// Thread-safety: implementations must be safe for concurrent use; the posix
// implementation is stateless. Fd objects are not shared between threads.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "pruner/base/status.h"

namespace prunecheck {

// An owned file descriptor; closed on destruction. Move-only. A number from
// an in-memory FileSystem (pruner/base/virtual_fd.h) is closed through it.
class Fd {
 public:
  Fd() = default;
  explicit Fd(int fd) : fd_(fd) {}
  Fd(Fd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  Fd& operator=(Fd&& o) noexcept;
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd();

  int get() const { return fd_; }
  bool valid() const { return fd_ >= 0; }
  int release() { int f = fd_; fd_ = -1; return f; }
  void reset();

 private:
  int fd_ = -1;
};

enum class FileType { kRegular, kDirectory, kSymlink, kOther };

struct FileStat {
  FileType type = FileType::kOther;
  uint64_t dev = 0;
  uint64_t ino = 0;
  uint64_t size = 0;
  uint32_t mode = 0;  // permission bits only
  uint64_t nlink = 0;
  struct timespec mtime {};
};

struct DirEntry {
  std::string name;
  FileType type = FileType::kOther;  // from lstat, never from a followed link
};

enum class LockMode { kShared, kExclusive };

// Which operation a call is; FaultInjectingFileSystem matches on it.
enum class FsOp {
  kOpenDir, kOpenFile, kRead, kWrite, kFsync, kStat, kFStat, kMakeDir,
  kRename, kSymlink, kReadLink, kLink, kUnlink, kListDir, kSetTimes, kFlock,
  kSeek,
};
std::string_view FsOpName(FsOp op);

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Opens the directory `path` relative to `dirfd` (AT_FDCWD or an absolute
  // path allowed). Every component is opened with O_NOFOLLOW: a symlink
  // anywhere in `path` fails with kInvalidInput (ELOOP) or kNotFound.
  // Exception: an absolute `path` given with dirfd == AT_FDCWD is resolved by
  // the kernel (the caller chose it, e.g. --cache /home/u/.cache/uv).
  virtual Result<Fd> OpenDir(int dirfd, std::string_view path) = 0;

  // openat(dirfd, name, flags | O_NOFOLLOW | O_CLOEXEC, mode).
  // REQUIRES: `name` is a single component or a relative path the caller trusts.
  virtual Result<Fd> OpenFile(int dirfd, std::string_view name, int flags, mode_t mode = 0644) = 0;

  // Reads up to `n` bytes; returns 0 at end of file.
  virtual Result<size_t> Read(int fd, void* buf, size_t n) = 0;
  // Writes all `n` bytes (retrying short writes) or fails.
  virtual Status Write(int fd, const void* buf, size_t n) = 0;
  // lseek(fd, offset, whence): moves the file offset; returns the new one.
  virtual Result<int64_t> Seek(int fd, int64_t offset, int whence) = 0;
  virtual Status Fsync(int fd) = 0;

  // fstatat(dirfd, name, AT_SYMLINK_NOFOLLOW). An empty name stats dirfd itself.
  virtual Result<FileStat> Stat(int dirfd, std::string_view name) = 0;
  virtual Result<FileStat> FStat(int fd) = 0;

  virtual Status MakeDir(int dirfd, std::string_view name, mode_t mode = 0755) = 0;

  // renameat2. With `no_replace`, fails kAlreadyExists instead of replacing.
  virtual Status Rename(int olddirfd, std::string_view oldname, int newdirfd,
                        std::string_view newname, bool no_replace = false) = 0;
  virtual Status Symlink(std::string_view target, int dirfd, std::string_view name) = 0;
  virtual Result<std::string> ReadLink(int dirfd, std::string_view name) = 0;
  // Hard link; never follows a symlink at `oldname`.
  virtual Status Link(int olddirfd, std::string_view oldname, int newdirfd,
                      std::string_view newname) = 0;
  // unlinkat; `is_dir` selects AT_REMOVEDIR.
  virtual Status Unlink(int dirfd, std::string_view name, bool is_dir) = 0;
  // Entries of the open directory `dirfd` (not . and ..), sorted by name.
  virtual Result<std::vector<DirEntry>> ListDir(int dirfd) = 0;
  // utimensat(..., AT_SYMLINK_NOFOLLOW): sets atime and mtime.
  virtual Status SetTimes(int dirfd, std::string_view name, struct timespec mtime) = 0;

  // flock(fd, mode | (nonblocking ? LOCK_NB : 0)); kWouldBlock if held elsewhere.
  virtual Status Flock(int fd, LockMode mode, bool nonblocking) = 0;
  virtual Status Unlock(int fd) = 0;

  // Wall-clock time, as file mtimes use it (grace periods compare against it).
  virtual std::chrono::system_clock::time_point Now() = 0;
  // Sleeps; used only for lock-wait backoff in free-running (non-harness) use.
  virtual void SleepFor(std::chrono::microseconds d) = 0;
};

// The process-wide posix implementation. Never null; never destroyed.
FileSystem* DefaultFileSystem();

}  // namespace prunecheck
