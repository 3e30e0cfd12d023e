#include "pruner/base/virtual_fd.h"

#include <functional>
#include <mutex>
#include <queue>
#include <vector>

namespace prunecheck {

namespace {

// Stands in for an owner that was destroyed: closing just frees the number.
class OrphanOwner final : public VirtualFdOwner {
 public:
  void CloseVirtualFd(int fd) override { ReleaseVirtualFd(fd); }
  std::string VirtualFdPath(int) override { return {}; }
};

class Registry {
 public:
  int Allocate(VirtualFdOwner* owner) {
    std::lock_guard<std::mutex> l(mu_);
    size_t slot;
    if (!free_.empty()) {
      slot = free_.top();
      free_.pop();
    } else {
      slot = owners_.size();
      owners_.push_back(nullptr);
    }
    owners_[slot] = owner;
    return kFirstVirtualFd + static_cast<int>(slot);
  }

  void Release(int fd) {
    std::lock_guard<std::mutex> l(mu_);
    VirtualFdOwner** o = Slot(fd);
    if (o == nullptr || *o == nullptr) return;
    *o = nullptr;
    free_.push(static_cast<size_t>(fd - kFirstVirtualFd));
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
    if (!IsVirtualFd(fd)) return nullptr;
    size_t slot = static_cast<size_t>(fd - kFirstVirtualFd);
    return slot < owners_.size() ? &owners_[slot] : nullptr;
  }

  std::mutex mu_;
  std::vector<VirtualFdOwner*> owners_;  // index: fd - kFirstVirtualFd; nullptr = free
  std::priority_queue<size_t, std::vector<size_t>, std::greater<size_t>> free_;
  OrphanOwner orphan_;
};

Registry& TheRegistry() {
  // Leaked on purpose: Fds may be closed from static destructors.
  static Registry* const r = new Registry();
  return *r;
}

}  // namespace

int AllocateVirtualFd(VirtualFdOwner* owner) { return TheRegistry().Allocate(owner); }
void ReleaseVirtualFd(int fd) { TheRegistry().Release(fd); }
VirtualFdOwner* FindVirtualFdOwner(int fd) { return TheRegistry().Find(fd); }
void OrphanVirtualFd(int fd) { TheRegistry().Orphan(fd); }

void CloseVirtualFd(int fd) {
  if (VirtualFdOwner* o = TheRegistry().Find(fd)) o->CloseVirtualFd(fd);
}

std::string VirtualFdPath(int fd) {
  VirtualFdOwner* o = TheRegistry().Find(fd);
  return o != nullptr ? o->VirtualFdPath(fd) : std::string();
}

}  // namespace prunecheck
