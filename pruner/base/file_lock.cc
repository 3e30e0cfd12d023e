#include "pruner/base/file_lock.h"

#include <fcntl.h>

#include <algorithm>
#include <string>
#include <utility>

namespace prunecheck {

namespace {

constexpr int kMaxInodeRetries = 1000;
constexpr std::chrono::microseconds kFirstBackoff{100};
constexpr std::chrono::microseconds kMaxBackoff{5000};

std::string_view ModeName(LockMode m) { return m == LockMode::kShared ? "shared" : "exclusive"; }

std::string Detail(std::string_view name, LockMode mode) {
  std::string d(name);
  d += ' ';
  d += ModeName(mode);
  return d;
}

std::string Point(std::string_view label, std::string_view what) {
  std::string p = "lock.";
  p += label;
  p += '.';
  p += what;
  return p;
}

}  // namespace

FileLock::FileLock(FileLock&& o) noexcept
    : fs_(o.fs_),
      points_(o.points_),
      dirfd_(o.dirfd_),
      name_(std::move(o.name_)),
      label_(std::move(o.label_)),
      mode_(o.mode_),
      inode_(std::move(o.inode_)),
      fd_(std::move(o.fd_)) {}

FileLock& FileLock::operator=(FileLock&& o) noexcept {
  if (this != &o) {
    // Whatever this held is released (as by the destructor) when `old` dies.
    FileLock old(std::move(*this));
    fs_ = o.fs_;
    points_ = o.points_;
    dirfd_ = o.dirfd_;
    name_ = std::move(o.name_);
    label_ = std::move(o.label_);
    mode_ = o.mode_;
    inode_ = std::move(o.inode_);
    fd_ = std::move(o.fd_);
  }
  return *this;
}

FileLock::~FileLock() {
  if (!fd_.valid()) return;
  // No yield point here: the destructor may run during unwinding or after the
  // harness connection is gone. The event is still reported.
  (void)fs_->Unlock(fd_.get());
  fd_.reset();
  try {
    points_->Report(Event{EventKind::kLockReleased, inode_, Detail(name_, mode_)});
  } catch (...) {
    // A reporting failure must not escape a destructor.
  }
}

Result<FileLock> FileLock::Acquire(FileSystem& fs, YieldPoints& points, int dirfd,
                                   std::string name, const LockRequest& request) {
  points.Yield(Point(request.label, "acquire"), name);

  const auto start = std::chrono::steady_clock::now();
  const auto deadline = start + request.timeout;
  std::chrono::microseconds backoff = kFirstBackoff;
  const int open_flags = O_RDONLY | (request.create ? O_CREAT : 0);
  int inode_retries = 0;

  Fd fd;
  Result<FileStat> held = FileStat{};
  for (;;) {
    if (!fd.valid()) {
      // O_RDONLY is enough for flock and works on a lock file someone else created.
      Result<Fd> opened = fs.OpenFile(dirfd, name, open_flags, 0644);
      if (!opened.ok()) return opened.status().Annotate("lock " + name);
      fd = std::move(opened).value();
    }

    Status locked = fs.Flock(fd.get(), request.mode, /*nonblocking=*/true);
    if (locked.Is(StatusCode::kWouldBlock)) {
      if (request.wait == LockRequest::Wait::kTry) {
        return Status(StatusCode::kWouldBlock,
                      std::string(ModeName(request.mode)) + " lock on " + name +
                          " is held by another process",
                      locked.os_error());
      }
      const auto now = std::chrono::steady_clock::now();
      if (now >= deadline) {
        return Status(StatusCode::kLockTimeout,
                      "timed out after " + std::to_string(request.timeout.count()) +
                          " ms waiting for " + std::string(ModeName(request.mode)) +
                          " lock on " + name);
      }
      // Keep the fd across waits; the inode check after success catches a
      // file that was replaced while we waited.
      auto remaining = std::chrono::duration_cast<std::chrono::microseconds>(deadline - now);
      points.Blocked(Point(request.label, "wait"),
                     std::max(std::chrono::microseconds(1), std::min(backoff, remaining)));
      backoff = std::min(backoff * 2, kMaxBackoff);
      continue;
    }
    if (!locked.ok()) return locked.Annotate("lock " + name);

    // The inode is reported with the lock events (the lock-exclusion
    // invariant tells a replaced lock file by it), so it is read even when
    // a mutant skips the check below.
    held = fs.FStat(fd.get());
    if (!held.ok()) return held.status().Annotate("lock " + name);
    if (request.verify_inode) {
      // Lock, then check the inode: if `name` was unlinked or replaced between
      // our open and our flock, we hold a lock nobody else can see. Retry.
      Result<FileStat> linked = fs.Stat(dirfd, name);
      bool same = linked.ok() && linked->dev == held->dev && linked->ino == held->ino;
      if (!linked.ok() && !linked.status().Is(StatusCode::kNotFound)) {
        return linked.status().Annotate("lock " + name);
      }
      if (!same) {
        fd.reset();  // closing drops the stale lock
        if (++inode_retries > kMaxInodeRetries) {
          return Status(StatusCode::kIoError,
                        "lock " + name + ": lock file kept being replaced (" +
                            std::to_string(kMaxInodeRetries) + " retries)");
        }
        continue;
      }
    }
    break;
  }

  FileLock lock;
  lock.fs_ = &fs;
  lock.points_ = &points;
  lock.dirfd_ = dirfd;
  lock.name_ = std::move(name);
  lock.label_ = request.label;
  lock.mode_ = request.mode;
  lock.fd_ = std::move(fd);
  lock.inode_ = std::to_string(held->ino);
  // A lock on a file that is no longer linked (only a mutant keeps one)
  // excludes nobody: whoever locks the name next opens a new file. The event
  // says so, and the lock-exclusion invariant judges it.
  std::string detail = Detail(lock.name_, lock.mode_);
  if (held->nlink == 0) detail += " unlinked";
  points.Report(Event{EventKind::kLockAcquired, lock.inode_, detail});
  points.Yield(Point(lock.label_, "acquired"), lock.name_);
  return lock;
}

Status FileLock::Release() {
  if (!fd_.valid()) return Status::Ok();
  points_->Yield(Point(label_, "release"), name_);
  Status s = fs_->Unlock(fd_.get());
  // Closing the fd drops the flock even if the explicit unlock failed, so the
  // lock counts as released either way; the error is still returned.
  fd_.reset();
  points_->Report(Event{EventKind::kLockReleased, inode_, Detail(name_, mode_)});
  if (!s.ok()) return s.Annotate("release lock " + name_);
  return Status::Ok();
}

Status FileLock::UnlinkAndRelease() {
  if (!fd_.valid()) {
    return Status(StatusCode::kInvalidInput, "unlink lock " + name_ + ": not held");
  }
  if (mode_ != LockMode::kExclusive) {
    return Status(StatusCode::kInvalidInput,
                  "unlink lock " + name_ + ": requires an exclusive lock");
  }
  // Unlink only the file we hold: if `name` now links another inode (a mutant
  // replaced it), removing that would pull the lock from under its holder.
  Status unlinked = Status::Ok();
  Result<FileStat> held = fs_->FStat(fd_.get());
  Result<FileStat> linked = fs_->Stat(dirfd_, name_);
  if (!held.ok()) {
    unlinked = held.status();
  } else if (linked.ok()) {
    if (linked->dev == held->dev && linked->ino == held->ino) {
      unlinked = fs_->Unlink(dirfd_, name_, /*is_dir=*/false);
      if (unlinked.ok()) points_->Report(Event{EventKind::kLockUnlinked, inode_, name_});
      if (unlinked.Is(StatusCode::kNotFound)) unlinked = Status::Ok();
    }
  } else if (!linked.status().Is(StatusCode::kNotFound)) {
    unlinked = linked.status();
  }
  Status released = Release();
  if (!unlinked.ok()) return unlinked.Annotate("unlink lock " + name_);
  return released;
}

}  // namespace prunecheck
