// Virtual file descriptors: descriptor numbers that belong to an in-memory
// FileSystem (MemFileSystem) instead of the kernel.
//
// Fd closes its number on destruction. For a kernel descriptor that is
// close(2); a virtual one must go back to the FileSystem that issued it (which
// drops its flock and, for an unlinked file, maybe the inode). So every
// virtual number is registered here with its owner, and Fd::reset() looks the
// owner up. Numbers start at kFirstVirtualFd, above any kernel descriptor
// (the default RLIMIT_NOFILE hard limit is 1 << 20), and are unique in the
// process across all owners. The number space is split into shards, each
// with its own mutex; a thread allocates from its own shard (lowest free
// number first), so parallel explorer workers do not serialize here.
//
// An owner that is destroyed while Fds still hold its numbers calls
// OrphanVirtualFd() for each: closing such an Fd later only frees the number
// (which is not reused before then, so a stale Fd never closes a stranger's).
//
// Thread-safety: thread-safe (a mutex per shard, never held while calling
// an owner).
#pragma once

#include <string>

namespace prunecheck {

inline constexpr int kFirstVirtualFd = 1 << 20;

inline bool IsVirtualFd(int fd) { return fd >= kFirstVirtualFd; }

class VirtualFdOwner {
 public:
  virtual ~VirtualFdOwner() = default;
  // Closes `fd`, which this owner issued; must call ReleaseVirtualFd(fd).
  virtual void CloseVirtualFd(int fd) = 0;
  // The path `fd` refers to, for messages and fault matching; "" if unknown.
  virtual std::string VirtualFdPath(int fd) = 0;
};

// Reserves the lowest free virtual number for `owner`.
int AllocateVirtualFd(VirtualFdOwner* owner);
// Frees `fd` for reuse. No-op for a number that is not allocated.
void ReleaseVirtualFd(int fd);
// The owner `fd` was allocated to, or nullptr.
VirtualFdOwner* FindVirtualFdOwner(int fd);
// The owner of `fd` is going away: keep the number reserved until its Fd is
// closed (the close then only releases it).
void OrphanVirtualFd(int fd);

// Closes a virtual fd through its owner (what Fd::reset() does); no-op if
// the number is not allocated.
void CloseVirtualFd(int fd);
// VirtualFdOwner::VirtualFdPath of the owner, or "".
std::string VirtualFdPath(int fd);

}  // namespace prunecheck
