// RemovalWatcher: stamps removals in archive-v0 as they happen (inotify).
//
// A black-box pruner tells the harness nothing, so free mode watches the
// archive bucket itself: every archive directory gets a watch, and the first
// sign of its removal — a file deleted inside it, or the directory moved out
// or deleted — becomes a synthetic remove_begin event for that archive id,
// stamped with CLOCK_MONOTONIC when the harness read it. The checker judges
// those against the in-use intervals the connected actors report.
//
// Stamps are taken when the event is read, so they can only be late, never
// early. Thread-safety: Start/Stop from one thread; the watcher runs its own.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "pruner/base/status.h"
#include "pruner/channel/control_message.h"

namespace prunecheck::harness {

class RemovalWatcher {
 public:
  RemovalWatcher() = default;
  ~RemovalWatcher();
  RemovalWatcher(const RemovalWatcher&) = delete;
  RemovalWatcher& operator=(const RemovalWatcher&) = delete;

  // Begins watching `cache`/archive-v0 (which must exist) and its archives.
  Status Start(const std::string& cache);
  // Stops and returns the synthetic remove_begin events, in the order seen.
  std::vector<ControlMessage> Stop();

 private:
  void Loop();

  int inotify_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  std::string bucket_;
  std::thread thread_;
  std::vector<ControlMessage> events_;
};

}  // namespace prunecheck::harness
