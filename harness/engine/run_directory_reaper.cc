#include "harness/engine/run_directory_reaper.h"

#include <filesystem>

namespace prunecheck::harness {

RunDirectoryReaper::RunDirectoryReaper(size_t max_pending) : max_pending_(max_pending == 0 ? 1 : max_pending) {}

RunDirectoryReaper::~RunDirectoryReaper() {
  Drain();
  {
    std::lock_guard<std::mutex> l(mu_);
    stop_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void RunDirectoryReaper::Remove(std::string dir) {
  std::unique_lock<std::mutex> l(mu_);
  // Started at the first directory: a process with a second thread pays for
  // it in every malloc (glibc drops its single-thread fast paths), and runs
  // in memory never hand anything over.
  if (!thread_.joinable()) thread_ = std::thread([this] { Loop(); });
  changed_.wait(l, [&] { return queue_.size() < max_pending_; });
  queue_.push_back(std::move(dir));
  changed_.notify_all();
}

void RunDirectoryReaper::Drain() {
  std::unique_lock<std::mutex> l(mu_);
  changed_.wait(l, [&] { return queue_.empty() && !busy_; });
}

size_t RunDirectoryReaper::removed() const {
  std::lock_guard<std::mutex> l(mu_);
  return removed_;
}

size_t RunDirectoryReaper::failed() const {
  std::lock_guard<std::mutex> l(mu_);
  return failed_;
}

void RunDirectoryReaper::Loop() {
  std::unique_lock<std::mutex> l(mu_);
  for (;;) {
    changed_.wait(l, [&] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stop_, and nothing left
    std::string dir = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    changed_.notify_all();  // room in the queue
    l.unlock();
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    l.lock();
    busy_ = false;
    ++(ec ? failed_ : removed_);
    changed_.notify_all();
  }
}

}  // namespace prunecheck::harness
