#include "pruner/base/fault_injecting_file_system.h"

#include <unistd.h>

#include "pruner/base/virtual_fd.h"

#include <cstdio>
#include <string>

namespace prunecheck {

namespace {

// Operations that take an fd instead of a name (Read, Write, Fsync, FStat,
// ListDir, Flock/Unlock) are matched against the path the fd currently has
// (/proc/self/fd/N), so a fault such as {kWrite, ENOSPC, ".http"} can target
// writes to one file. The path is looked up only when a fault for that
// operation has a non-empty `name_contains`. The wrapper passes the fd to
// Check() through this thread-local so the header stays unchanged.
thread_local int tls_fd_under_check = -1;

std::string PathOfFd(int fd) {
  if (IsVirtualFd(fd)) return VirtualFdPath(fd);  // an in-memory FileSystem's fd
  char link[64];
  std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
  char buf[4096];
  ssize_t n = ::readlink(link, buf, sizeof buf);
  if (n <= 0 || static_cast<size_t>(n) >= sizeof buf) return {};
  return std::string(buf, static_cast<size_t>(n));
}

// Sets tls_fd_under_check for the duration of one Check() call.
class FdUnderCheck {
 public:
  explicit FdUnderCheck(int fd) { tls_fd_under_check = fd; }
  ~FdUnderCheck() { tls_fd_under_check = -1; }
  FdUnderCheck(const FdUnderCheck&) = delete;
  FdUnderCheck& operator=(const FdUnderCheck&) = delete;
};

bool Contains(std::string_view hay, std::string_view needle) {
  return hay.find(needle) != std::string_view::npos;
}

}  // namespace

void FaultInjectingFileSystem::AddFault(Fault fault) {
  std::lock_guard<std::mutex> l(mu_);
  faults_.push_back(std::move(fault));
}

void FaultInjectingFileSystem::ClearFaults() {
  std::lock_guard<std::mutex> l(mu_);
  faults_.clear();
}

int FaultInjectingFileSystem::CallCount(FsOp op) const {
  std::lock_guard<std::mutex> l(mu_);
  return calls_[static_cast<size_t>(op)];
}

int FaultInjectingFileSystem::InjectedCount() const {
  std::lock_guard<std::mutex> l(mu_);
  return injected_;
}

// Every call is counted. Each fault independently counts the calls it matches:
// its first `skip` matches pass, the next `count` fail. When several faults
// fire on the same call, the first one added decides the errno (the others
// still use up one of their failures).
Status FaultInjectingFileSystem::Check(FsOp op, std::string_view name1, std::string_view name2) {
  std::lock_guard<std::mutex> l(mu_);
  calls_[static_cast<size_t>(op)]++;
  std::string fd_path;
  bool fd_path_known = false;
  int fire_err = 0;
  for (Fault& f : faults_) {
    if (f.op != op) continue;
    if (!f.name_contains.empty()) {
      bool match = (!name1.empty() && Contains(name1, f.name_contains)) ||
                   (!name2.empty() && Contains(name2, f.name_contains));
      if (!match && tls_fd_under_check >= 0) {
        if (!fd_path_known) {
          fd_path = PathOfFd(tls_fd_under_check);
          fd_path_known = true;
        }
        match = !fd_path.empty() && Contains(fd_path, f.name_contains);
      }
      if (!match) continue;
    }
    if (f.skip > 0) {
      --f.skip;
      continue;
    }
    if (f.count == 0) continue;
    if (f.count > 0) --f.count;
    if (fire_err == 0) fire_err = f.err;
  }
  if (fire_err == 0) return Status::Ok();
  ++injected_;
  std::string ctx = "injected fault: ";
  ctx += FsOpName(op);
  if (!name1.empty()) {
    ctx += " ";
    ctx += name1;
  }
  if (!name2.empty()) {
    ctx += " -> ";
    ctx += name2;
  }
  if (tls_fd_under_check >= 0) {
    ctx += " fd ";
    ctx += std::to_string(tls_fd_under_check);
    if (fd_path_known && !fd_path.empty()) ctx += " (" + fd_path + ")";
  }
  return Status::FromErrno(fire_err, ctx);
}

Result<Fd> FaultInjectingFileSystem::OpenDir(int dirfd, std::string_view path) {
  PC_RETURN_IF_ERROR(Check(FsOp::kOpenDir, path));
  return base_->OpenDir(dirfd, path);
}

Result<Fd> FaultInjectingFileSystem::OpenFile(int dirfd, std::string_view name, int flags,
                                              mode_t mode) {
  PC_RETURN_IF_ERROR(Check(FsOp::kOpenFile, name));
  return base_->OpenFile(dirfd, name, flags, mode);
}

Result<size_t> FaultInjectingFileSystem::Read(int fd, void* buf, size_t n) {
  {
    FdUnderCheck c(fd);
    PC_RETURN_IF_ERROR(Check(FsOp::kRead, {}));
  }
  return base_->Read(fd, buf, n);
}

Status FaultInjectingFileSystem::Write(int fd, const void* buf, size_t n) {
  {
    FdUnderCheck c(fd);
    PC_RETURN_IF_ERROR(Check(FsOp::kWrite, {}));
  }
  return base_->Write(fd, buf, n);
}

Result<int64_t> FaultInjectingFileSystem::Seek(int fd, int64_t offset, int whence) {
  {
    FdUnderCheck c(fd);
    PC_RETURN_IF_ERROR(Check(FsOp::kSeek, {}));
  }
  return base_->Seek(fd, offset, whence);
}

Status FaultInjectingFileSystem::Fsync(int fd) {
  {
    FdUnderCheck c(fd);
    PC_RETURN_IF_ERROR(Check(FsOp::kFsync, {}));
  }
  return base_->Fsync(fd);
}

Result<FileStat> FaultInjectingFileSystem::Stat(int dirfd, std::string_view name) {
  PC_RETURN_IF_ERROR(Check(FsOp::kStat, name));
  return base_->Stat(dirfd, name);
}

Result<FileStat> FaultInjectingFileSystem::FStat(int fd) {
  {
    FdUnderCheck c(fd);
    PC_RETURN_IF_ERROR(Check(FsOp::kFStat, {}));
  }
  return base_->FStat(fd);
}

Status FaultInjectingFileSystem::MakeDir(int dirfd, std::string_view name, mode_t mode) {
  PC_RETURN_IF_ERROR(Check(FsOp::kMakeDir, name));
  return base_->MakeDir(dirfd, name, mode);
}

Status FaultInjectingFileSystem::Rename(int olddirfd, std::string_view oldname, int newdirfd,
                                        std::string_view newname, bool no_replace) {
  PC_RETURN_IF_ERROR(Check(FsOp::kRename, oldname, newname));
  return base_->Rename(olddirfd, oldname, newdirfd, newname, no_replace);
}

Status FaultInjectingFileSystem::Symlink(std::string_view target, int dirfd,
                                         std::string_view name) {
  // Matches the link's name or its target.
  PC_RETURN_IF_ERROR(Check(FsOp::kSymlink, name, target));
  return base_->Symlink(target, dirfd, name);
}

Result<std::string> FaultInjectingFileSystem::ReadLink(int dirfd, std::string_view name) {
  PC_RETURN_IF_ERROR(Check(FsOp::kReadLink, name));
  return base_->ReadLink(dirfd, name);
}

Status FaultInjectingFileSystem::Link(int olddirfd, std::string_view oldname, int newdirfd,
                                      std::string_view newname) {
  PC_RETURN_IF_ERROR(Check(FsOp::kLink, oldname, newname));
  return base_->Link(olddirfd, oldname, newdirfd, newname);
}

Status FaultInjectingFileSystem::Unlink(int dirfd, std::string_view name, bool is_dir) {
  PC_RETURN_IF_ERROR(Check(FsOp::kUnlink, name));
  return base_->Unlink(dirfd, name, is_dir);
}

Result<std::vector<DirEntry>> FaultInjectingFileSystem::ListDir(int dirfd) {
  {
    FdUnderCheck c(dirfd);
    PC_RETURN_IF_ERROR(Check(FsOp::kListDir, {}));
  }
  return base_->ListDir(dirfd);
}

Status FaultInjectingFileSystem::SetTimes(int dirfd, std::string_view name,
                                          struct timespec mtime) {
  PC_RETURN_IF_ERROR(Check(FsOp::kSetTimes, name));
  return base_->SetTimes(dirfd, name, mtime);
}

Status FaultInjectingFileSystem::Flock(int fd, LockMode mode, bool nonblocking) {
  {
    FdUnderCheck c(fd);
    PC_RETURN_IF_ERROR(Check(FsOp::kFlock, {}));
  }
  return base_->Flock(fd, mode, nonblocking);
}

// Unlock has no FsOp of its own; it is counted (and can be failed) as kFlock.
Status FaultInjectingFileSystem::Unlock(int fd) {
  {
    FdUnderCheck c(fd);
    PC_RETURN_IF_ERROR(Check(FsOp::kFlock, {}));
  }
  return base_->Unlock(fd);
}

}  // namespace prunecheck
