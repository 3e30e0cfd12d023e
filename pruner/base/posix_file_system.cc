// The posix FileSystem (DefaultFileSystem()), Fd, and the small name tables
// and defaults declared next to the interfaces (FsOpName, EventKindName,
// NoYieldPoints::Blocked).
//
// Every call retries EINTR. Nothing follows a symlink: OpenDir walks relative
// paths one component at a time with O_NOFOLLOW, OpenFile adds O_NOFOLLOW
// (and opens with O_NONBLOCK, refusing FIFOs, sockets and devices),
// Stat/SetTimes use AT_SYMLINK_NOFOLLOW, Link uses linkat(flags = 0).
// Error messages name the operation and the path; for a path relative to a
// directory fd the directory is named through /proc/self/fd (only on the
// error path, so successful calls cost no extra syscalls).
#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <string>
#include <thread>

#include "pruner/base/file_system.h"
#include "pruner/base/virtual_fd.h"
#include "pruner/base/yield_points.h"

#ifndef RENAME_NOREPLACE
#define RENAME_NOREPLACE (1 << 0)
#endif

namespace prunecheck {

// ---------------------------------------------------------------------------
// Fd

Fd& Fd::operator=(Fd&& o) noexcept {
  if (this != &o) {
    reset();
    fd_ = o.fd_;
    o.fd_ = -1;
  }
  return *this;
}

Fd::~Fd() { reset(); }

void Fd::reset() {
  if (fd_ >= 0) {
    if (IsVirtualFd(fd_)) {
      CloseVirtualFd(fd_);  // an in-memory FileSystem's descriptor
    } else {
      // Never retry close() on Linux: the fd is released even when EINTR is returned.
      ::close(fd_);
    }
    fd_ = -1;
  }
}

// ---------------------------------------------------------------------------
// Name tables

std::string_view FsOpName(FsOp op) {
  switch (op) {
    case FsOp::kOpenDir: return "open-dir";
    case FsOp::kOpenFile: return "open-file";
    case FsOp::kRead: return "read";
    case FsOp::kWrite: return "write";
    case FsOp::kFsync: return "fsync";
    case FsOp::kStat: return "stat";
    case FsOp::kFStat: return "fstat";
    case FsOp::kMakeDir: return "make-dir";
    case FsOp::kRename: return "rename";
    case FsOp::kSymlink: return "symlink";
    case FsOp::kReadLink: return "read-link";
    case FsOp::kLink: return "link";
    case FsOp::kUnlink: return "unlink";
    case FsOp::kListDir: return "list-dir";
    case FsOp::kSetTimes: return "set-times";
    case FsOp::kFlock: return "flock";
    case FsOp::kSeek: return "seek";
  }
  return "unknown";
}

std::string_view EventKindName(EventKind kind) {
  switch (kind) {
    case EventKind::kArchivePublished: return "archive_published";
    case EventKind::kReferenced: return "referenced";
    case EventKind::kUseBegin: return "use_begin";
    case EventKind::kUseEnd: return "use_end";
    case EventKind::kRemoveBegin: return "remove_begin";
    case EventKind::kRemoveEnd: return "remove_end";
    case EventKind::kLockAcquired: return "lock_acquired";
    case EventKind::kLockReleased: return "lock_released";
    case EventKind::kLockUnlinked: return "lock_unlinked";
  }
  return "unknown";
}

void NoYieldPoints::Blocked(std::string_view, std::chrono::microseconds backoff) {
  if (backoff.count() > 0) std::this_thread::sleep_for(backoff);
}

namespace {

// ---------------------------------------------------------------------------
// Helpers

// Closes an fd at scope exit.
struct FdCloser {
  int fd;
  explicit FdCloser(int f) : fd(f) {}
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  ~FdCloser() { ::close(fd); }
};

// Retries `f` while it fails with EINTR. `f` returns -1 and sets errno on failure.
template <typename F>
auto RetryEintr(F f) -> decltype(f()) {
  decltype(f()) r;
  do {
    r = f();
  } while (r == -1 && errno == EINTR);
  return r;
}

// A human-readable name for a directory fd; used only to build error messages.
std::string DirName(int dirfd) {
  if (dirfd == AT_FDCWD) return ".";
  char link[64];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", dirfd);
  char buf[4096];
  ssize_t n = ::readlink(link, buf, sizeof buf);
  if (n <= 0 || static_cast<size_t>(n) >= sizeof buf) return "<fd " + std::to_string(dirfd) + ">";
  return std::string(buf, static_cast<size_t>(n));
}

// "<dir>/<name>" for messages; an absolute name or an empty name stands alone.
std::string PathOf(int dirfd, std::string_view name) {
  if (!name.empty() && name.front() == '/') return std::string(name);
  std::string dir = DirName(dirfd);
  if (name.empty()) return dir;
  if (dir == "/") return dir + std::string(name);
  return dir + "/" + std::string(name);
}

Status ErrnoStatus(int err, std::string_view op, int dirfd, std::string_view name) {
  std::string ctx(op);
  ctx += " ";
  ctx += PathOf(dirfd, name);
  return Status::FromErrno(err, ctx);
}

std::string FdName(int fd) { return "fd " + std::to_string(fd) + " (" + DirName(fd) + ")"; }

// `err` is taken before FdName() runs: its readlink() may overwrite errno
// (an argument list like FromErrno(errno, FdName(fd)) has no evaluation order).
Status FdErrno(int err, std::string_view op, int fd) {
  return Status::FromErrno(err, std::string(op) + " " + FdName(fd));
}

FileType TypeOfMode(mode_t m) {
  if (S_ISREG(m)) return FileType::kRegular;
  if (S_ISDIR(m)) return FileType::kDirectory;
  if (S_ISLNK(m)) return FileType::kSymlink;
  return FileType::kOther;
}

FileStat ToFileStat(const struct stat& st) {
  FileStat fs;
  fs.type = TypeOfMode(st.st_mode);
  fs.dev = static_cast<uint64_t>(st.st_dev);
  fs.ino = static_cast<uint64_t>(st.st_ino);
  fs.size = static_cast<uint64_t>(st.st_size);
  fs.mode = static_cast<uint32_t>(st.st_mode & 07777);
  fs.nlink = static_cast<uint64_t>(st.st_nlink);
  fs.mtime = st.st_mtim;
  return fs;
}

// What a file that is neither regular nor a directory is, for messages.
std::string NonRegularKind(mode_t m) {
  if (S_ISFIFO(m)) return "FIFO";
  if (S_ISSOCK(m)) return "socket";
  if (S_ISCHR(m)) return "character device";
  if (S_ISBLK(m)) return "block device";
  return "special file";
}

constexpr int kDirFlags = O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC;

// ---------------------------------------------------------------------------
// PosixFileSystem

class PosixFileSystem final : public FileSystem {
 public:
  Result<Fd> OpenDir(int dirfd, std::string_view path) override {
    const std::string spath(path);
    if (!path.empty() && path.front() == '/' && dirfd == AT_FDCWD) {
      // The caller chose this absolute path (e.g. --cache): let the kernel resolve it.
      int fd = RetryEintr([&] { return ::open(spath.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); });
      if (fd < 0) return Status::FromErrno(errno, "open directory " + spath);
      return Fd(fd);
    }

    // Component walk, each step O_NOFOLLOW. An absolute path with a real dirfd
    // walks from "/" under the same rule.
    Fd cur;
    int base = dirfd;
    if (!path.empty() && path.front() == '/') {
      int fd = RetryEintr([] { return ::open("/", kDirFlags); });
      if (fd < 0) return Status::FromErrno(errno, "open directory /");
      cur = Fd(fd);
      base = cur.get();
    }
    size_t pos = 0;
    bool opened_any = cur.valid();
    while (pos <= path.size()) {
      size_t slash = path.find('/', pos);
      if (slash == std::string_view::npos) slash = path.size();
      std::string comp(path.substr(pos, slash - pos));
      pos = slash + 1;
      if (comp.empty() || comp == ".") continue;
      int fd = RetryEintr([&] { return ::openat(base, comp.c_str(), kDirFlags); });
      if (fd < 0) {
        int err = errno;
        std::string ctx = "open directory " + PathOf(dirfd, path);
        if (err == ENOTDIR || err == ELOOP) {
          // O_NOFOLLOW|O_DIRECTORY on a symlink reports ENOTDIR; say what it was.
          struct stat st;
          if (::fstatat(base, comp.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
            return Status::FromErrno(ELOOP, ctx + " (component '" + comp + "' is a symlink)");
          }
        }
        return Status::FromErrno(err, ctx + " (at component '" + comp + "')");
      }
      cur = Fd(fd);
      base = cur.get();
      opened_any = true;
    }
    if (!opened_any) {
      // Empty path or only "." components: a fresh fd for dirfd itself.
      int fd = RetryEintr([&] { return ::openat(dirfd, ".", kDirFlags); });
      if (fd < 0) return ErrnoStatus(errno, "open directory", dirfd, "");
      return Fd(fd);
    }
    return cur;
  }

  Result<Fd> OpenFile(int dirfd, std::string_view name, int flags, mode_t mode) override {
    const std::string sname(name);
    // O_NONBLOCK: opening a FIFO someone planted (a lock file, a lease, a
    // RECORD) would otherwise block until a writer appears, i.e. forever,
    // possibly while holding the cache lock. Non-blocking, the open returns
    // at once and the fstat below refuses it.
    int fd = RetryEintr([&] {
      return ::openat(dirfd, sname.c_str(), flags | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC, mode);
    });
    if (fd < 0) {
      const int err = errno;
      struct stat st;
      // ENXIO: a FIFO without a reader opened for writing, or a socket.
      if (err == ENXIO && ::fstatat(dirfd, sname.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && !S_ISREG(st.st_mode)) {
        return Status(StatusCode::kInvalidInput, "open file " + PathOf(dirfd, name) + ": is a " +
                                                     NonRegularKind(st.st_mode) +
                                                     ", not a regular file; refusing to use it",
                      err);
      }
      if (err == ELOOP) {
        return Status::FromErrno(err, "open file " + PathOf(dirfd, name) + " (a symlink, never followed)");
      }
      return ErrnoStatus(err, "open file", dirfd, name);
    }
    Fd owned(fd);
    struct stat st;
    if (RetryEintr([&] { return ::fstat(fd, &st); }) != 0) return ErrnoStatus(errno, "open file", dirfd, name);
    if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
      return Status(StatusCode::kInvalidInput, "open file " + PathOf(dirfd, name) + ": is a " +
                                                   NonRegularKind(st.st_mode) +
                                                   ", not a regular file; refusing to use it");
    }
    if (!(flags & O_NONBLOCK)) {
      const int fl = ::fcntl(fd, F_GETFL);
      if (fl < 0 || ::fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) != 0) {
        return ErrnoStatus(errno, "open file (clearing O_NONBLOCK)", dirfd, name);
      }
    }
    return owned;
  }

  Result<size_t> Read(int fd, void* buf, size_t n) override {
    ssize_t r = RetryEintr([&] { return ::read(fd, buf, n); });
    if (r < 0) return FdErrno(errno, "read", fd);
    return static_cast<size_t>(r);
  }

  Status Write(int fd, const void* buf, size_t n) override {
    const char* p = static_cast<const char*>(buf);
    while (n > 0) {
      ssize_t r = RetryEintr([&] { return ::write(fd, p, n); });
      if (r < 0) return FdErrno(errno, "write", fd);
      if (r == 0) return Status(StatusCode::kIoError, "write " + FdName(fd) + ": wrote 0 bytes");
      p += r;
      n -= static_cast<size_t>(r);
    }
    return Status::Ok();
  }

  Result<int64_t> Seek(int fd, int64_t offset, int whence) override {
    off_t r = ::lseek(fd, static_cast<off_t>(offset), whence);
    if (r < 0) return FdErrno(errno, "seek", fd);
    return static_cast<int64_t>(r);
  }

  Status Fsync(int fd) override {
    if (RetryEintr([&] { return ::fsync(fd); }) != 0) {
      return FdErrno(errno, "fsync", fd);
    }
    return Status::Ok();
  }

  Result<FileStat> Stat(int dirfd, std::string_view name) override {
    const std::string sname(name);
    struct stat st;
    int flags = AT_SYMLINK_NOFOLLOW | (name.empty() ? AT_EMPTY_PATH : 0);
    if (RetryEintr([&] { return ::fstatat(dirfd, sname.c_str(), &st, flags); }) != 0) {
      return ErrnoStatus(errno, "stat", dirfd, name);
    }
    return ToFileStat(st);
  }

  Result<FileStat> FStat(int fd) override {
    struct stat st;
    if (RetryEintr([&] { return ::fstat(fd, &st); }) != 0) {
      return FdErrno(errno, "fstat", fd);
    }
    return ToFileStat(st);
  }

  Status MakeDir(int dirfd, std::string_view name, mode_t mode) override {
    const std::string sname(name);
    if (RetryEintr([&] { return ::mkdirat(dirfd, sname.c_str(), mode); }) != 0) {
      return ErrnoStatus(errno, "make directory", dirfd, name);
    }
    return Status::Ok();
  }

  Status Rename(int olddirfd, std::string_view oldname, int newdirfd, std::string_view newname,
                bool no_replace) override {
    const std::string o(oldname), n(newname);
    unsigned flags = no_replace ? RENAME_NOREPLACE : 0;
    int r = RetryEintr([&] {
      return static_cast<int>(
          ::syscall(SYS_renameat2, olddirfd, o.c_str(), newdirfd, n.c_str(), flags));
    });
    if (r != 0) {
      int err = errno;
      return Status::FromErrno(err, std::string(no_replace ? "rename (no-replace) " : "rename ") +
                                        PathOf(olddirfd, oldname) + " -> " +
                                        PathOf(newdirfd, newname));
    }
    return Status::Ok();
  }

  Status Symlink(std::string_view target, int dirfd, std::string_view name) override {
    const std::string t(target), n(name);
    if (RetryEintr([&] { return ::symlinkat(t.c_str(), dirfd, n.c_str()); }) != 0) {
      int err = errno;
      return Status::FromErrno(err, "symlink " + PathOf(dirfd, name) + " -> " + t);
    }
    return Status::Ok();
  }

  Result<std::string> ReadLink(int dirfd, std::string_view name) override {
    const std::string sname(name);
    std::string buf(256, '\0');
    for (;;) {
      ssize_t r = RetryEintr([&] { return ::readlinkat(dirfd, sname.c_str(), buf.data(), buf.size()); });
      if (r < 0) return ErrnoStatus(errno, "read link", dirfd, name);
      if (static_cast<size_t>(r) < buf.size()) {
        buf.resize(static_cast<size_t>(r));
        return buf;
      }
      buf.resize(buf.size() * 2);  // possibly truncated: grow and retry
    }
  }

  Status Link(int olddirfd, std::string_view oldname, int newdirfd,
              std::string_view newname) override {
    const std::string o(oldname), n(newname);
    // flags = 0: a symlink at `oldname` is linked itself, never its target.
    if (RetryEintr([&] { return ::linkat(olddirfd, o.c_str(), newdirfd, n.c_str(), 0); }) != 0) {
      int err = errno;
      return Status::FromErrno(err, "link " + PathOf(olddirfd, oldname) + " -> " +
                                        PathOf(newdirfd, newname));
    }
    return Status::Ok();
  }

  Status Unlink(int dirfd, std::string_view name, bool is_dir) override {
    const std::string sname(name);
    if (RetryEintr([&] { return ::unlinkat(dirfd, sname.c_str(), is_dir ? AT_REMOVEDIR : 0); }) != 0) {
      return ErrnoStatus(errno, is_dir ? "remove directory" : "unlink", dirfd, name);
    }
    return Status::Ok();
  }

  Result<std::vector<DirEntry>> ListDir(int dirfd) override {
    // A new open file description (not dup): its own directory offset, so
    // listing the same dirfd twice, or from two threads, is independent.
    // Read with getdents64 directly: fdopendir/readdir add an fcntl per
    // listing and a 32 KiB allocation, and a run lists hundreds of dirs.
    int fd = RetryEintr([&] { return ::openat(dirfd, ".", kDirFlags); });
    if (fd < 0) return ErrnoStatus(errno, "list directory", dirfd, "");
    FdCloser closer{fd};
    std::vector<DirEntry> out;
    alignas(struct dirent64) char buf[8192];
    for (;;) {
      const ssize_t got = RetryEintr([&] { return ::getdents64(fd, buf, sizeof buf); });
      // ENOENT: the directory was removed; it is empty (as glibc's readdir says).
      if (got < 0 && errno == ENOENT) break;
      if (got < 0) return ErrnoStatus(errno, "list directory", dirfd, "");
      if (got == 0) break;
      for (ssize_t off = 0; off < got;) {
        const auto* de = reinterpret_cast<const struct dirent64*>(buf + off);
        off += de->d_reclen;
        std::string_view name(de->d_name);
        if (name == "." || name == "..") continue;
        DirEntry e;
        e.name = std::string(name);
        switch (de->d_type) {
          case DT_REG: e.type = FileType::kRegular; break;
          case DT_DIR: e.type = FileType::kDirectory; break;
          case DT_LNK: e.type = FileType::kSymlink; break;
          case DT_UNKNOWN: {
            struct stat st;
            if (RetryEintr([&] { return ::fstatat(fd, de->d_name, &st, AT_SYMLINK_NOFOLLOW); }) != 0) {
              int err = errno;
              if (err == ENOENT) continue;  // removed since getdents saw it
              return ErrnoStatus(err, "stat", dirfd, name);
            }
            e.type = TypeOfMode(st.st_mode);
            break;
          }
          default: e.type = FileType::kOther; break;
        }
        out.push_back(std::move(e));
      }
    }
    std::sort(out.begin(), out.end(),
              [](const DirEntry& a, const DirEntry& b) { return a.name < b.name; });
    return out;
  }

  Status SetTimes(int dirfd, std::string_view name, struct timespec mtime) override {
    struct timespec times[2] = {mtime, mtime};
    int r;
    if (name.empty()) {
      r = RetryEintr([&] { return ::futimens(dirfd, times); });
    } else {
      const std::string sname(name);
      r = RetryEintr([&] { return ::utimensat(dirfd, sname.c_str(), times, AT_SYMLINK_NOFOLLOW); });
    }
    if (r != 0) return ErrnoStatus(errno, "set times of", dirfd, name);
    return Status::Ok();
  }

  Status Flock(int fd, LockMode mode, bool nonblocking) override {
    int op = (mode == LockMode::kShared ? LOCK_SH : LOCK_EX) | (nonblocking ? LOCK_NB : 0);
    if (RetryEintr([&] { return ::flock(fd, op); }) != 0) {
      int err = errno;
      return Status::FromErrno(err, std::string(mode == LockMode::kShared ? "shared" : "exclusive") +
                                        " flock on " + FdName(fd));
    }
    return Status::Ok();
  }

  Status Unlock(int fd) override {
    if (RetryEintr([&] { return ::flock(fd, LOCK_UN); }) != 0) {
      return FdErrno(errno, "unlock", fd);
    }
    return Status::Ok();
  }

  std::chrono::system_clock::time_point Now() override { return std::chrono::system_clock::now(); }

  void SleepFor(std::chrono::microseconds d) override {
    if (d.count() > 0) std::this_thread::sleep_for(d);
  }
};

}  // namespace

FileSystem* DefaultFileSystem() {
  // Leaked on purpose: usable from static destructors and other threads at exit.
  static FileSystem* const fs = new PosixFileSystem();
  return fs;
}

}  // namespace prunecheck
