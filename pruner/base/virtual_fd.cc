#include "pruner/base/virtual_fd.h"

#include <atomic>
#include <cstdlib>
#include <functional>
#include <new>
#include <mutex>
#include <queue>
#include <vector>

namespace prunecheck {

namespace {

// 64 shards of 2^16 numbers: [2^20, 2^20 + 2^22), well inside int.
constexpr size_t kShards = 64;
constexpr int kShardSpan = 1 << 16;

// Stands in for an owner that was destroyed: closing just frees the number.
class OrphanOwner final : public VirtualFdOwner {
 public:
  void CloseVirtualFd(int fd) override { ReleaseVirtualFd(fd); }
  std::string VirtualFdPath(int) override { return {}; }
};

// One shard of the number space: kShardSpan numbers, its own mutex.
class Registry {
 public:
  explicit Registry(int first) : first_(first) {}

  // -1 when the shard's numbers are all taken.
  int Allocate(VirtualFdOwner* owner) {
    std::lock_guard<std::mutex> l(mu_);
    size_t slot;
    if (!free_.empty()) {
      slot = free_.top();
      free_.pop();
    } else {
      if (owners_.size() >= static_cast<size_t>(kShardSpan)) return -1;
      slot = owners_.size();
      owners_.push_back(nullptr);
    }
    owners_[slot] = owner;
    return first_ + static_cast<int>(slot);
  }

  void Release(int fd) {
    std::lock_guard<std::mutex> l(mu_);
    VirtualFdOwner** o = Slot(fd);
    if (o == nullptr || *o == nullptr) return;
    *o = nullptr;
    free_.push(static_cast<size_t>(fd - first_));
  }

  VirtualFdOwner* Find(int fd) {
    std::lock_guard<std::mutex> l(mu_);
    VirtualFdOwner** o = Slot(fd);
    return o == nullptr ? nullptr : *o;
  }

  void Orphan(int fd) {
    std::lock_guard<std::mutex> l(mu_);
    VirtualFdOwner** o = Slot(fd);
    if (o != nullptr && *o != nullptr) *o = &orphan_;
  }

 private:
  VirtualFdOwner** Slot(int fd) {
    if (fd < first_) return nullptr;
    size_t slot = static_cast<size_t>(fd - first_);
    return slot < owners_.size() ? &owners_[slot] : nullptr;
  }

  const int first_;
  std::mutex mu_;
  std::vector<VirtualFdOwner*> owners_;  // index: fd - first_; nullptr = free
  std::priority_queue<size_t, std::vector<size_t>, std::greater<size_t>> free_;
  OrphanOwner orphan_;
};

// The shards, built on first use. Leaked on purpose: Fds may be closed from
// static destructors.
Registry& Shard(size_t i) {
  static Registry* const shards = [] {
    auto* r = static_cast<Registry*>(::operator new(sizeof(Registry) * kShards));
    for (size_t k = 0; k < kShards; ++k) new (&r[k]) Registry(kFirstVirtualFd + static_cast<int>(k) * kShardSpan);
    return r;
  }();
  return shards[i];
}

// The shard this thread allocates from: threads take shards round robin, so
// parallel explorer workers (each its own MemFileSystem) never wait on each
// other's mutex. Any thread may close or look up any number.
size_t HomeShard() {
  static std::atomic<size_t> next{0};
  thread_local const size_t home = next.fetch_add(1) % kShards;
  return home;
}

Registry* ShardOf(int fd) {
  if (!IsVirtualFd(fd)) return nullptr;
  const size_t i = static_cast<size_t>(fd - kFirstVirtualFd) / static_cast<size_t>(kShardSpan);
  return i < kShards ? &Shard(i) : nullptr;
}

}  // namespace

int AllocateVirtualFd(VirtualFdOwner* owner) {
  const size_t home = HomeShard();
  // A full home shard (kShardSpan open numbers on one thread) borrows the next one.
  for (size_t k = 0; k < kShards; ++k) {
    const int fd = Shard((home + k) % kShards).Allocate(owner);
    if (fd >= 0) return fd;
  }
  std::abort();  // kShards * kShardSpan virtual descriptors open at once
}
void ReleaseVirtualFd(int fd) {
  if (Registry* r = ShardOf(fd)) r->Release(fd);
}
VirtualFdOwner* FindVirtualFdOwner(int fd) {
  Registry* r = ShardOf(fd);
  return r != nullptr ? r->Find(fd) : nullptr;
}
void OrphanVirtualFd(int fd) {
  if (Registry* r = ShardOf(fd)) r->Orphan(fd);
}

void CloseVirtualFd(int fd) {
  if (VirtualFdOwner* o = FindVirtualFdOwner(fd)) o->CloseVirtualFd(fd);
}

std::string VirtualFdPath(int fd) {
  VirtualFdOwner* o = FindVirtualFdOwner(fd);
  return o != nullptr ? o->VirtualFdPath(fd) : std::string();
}

}  // namespace prunecheck
