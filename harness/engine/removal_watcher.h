// RemovalWatcher: stamps removals in archive-v0 as they happen (inotify).
//
// A black-box pruner tells the harness nothing, so free mode watches the
// archive bucket itself: every archive directory gets a watch, and the first
// sign of its removal — a file deleted inside it, or the directory moved out
// or deleted — becomes a synthetic remove_begin event for that archive id,
// stamped with CLOCK_MONOTONIC when the harness read it. The checker judges
// those against the in-use intervals the connected actors report.
//
// With `watch_entries`, it also watches wheels-v6 (recursively, as package
// directories appear) and judges every entry symlink or `.http` pointer that
// appears or is replaced, when it appears: an entry naming a missing archive
// is no-dangling-reference, one naming an archive without its RECORD or
// incomplete against it is no-partial-archive (no-dangling-reference if the
// archive was seen being removed). A finding is kept only if the entry is
// still the same inode with the same target after the archive was checked,
// so an entry replaced in between (a refresh) is never blamed for what its
// old archive became. Free mode judges continuously, not only at the end.
//
// Stamps are taken when the event is read, so they can only be late, never
// early. Thread-safety: Start/Stop from one thread; the watcher runs its own.
#pragma once

#include <atomic>
#include <future>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "pruner/base/status.h"
#include "harness/engine/invariant_checker.h"
#include "pruner/channel/control_message.h"

namespace prunecheck::harness {

// Why `bucket`/`id` (bucket: the absolute path of archive-v0) is not a
// complete archive now: no RECORD, or the tree does not verify against it.
// Empty when it is complete; *missing is set when it does not exist.
std::string ArchiveProblem(const std::string& bucket, const std::string& id, bool* missing);

class RemovalWatcher {
 public:
  RemovalWatcher() = default;
  ~RemovalWatcher();
  RemovalWatcher(const RemovalWatcher&) = delete;
  RemovalWatcher& operator=(const RemovalWatcher&) = delete;

  // Begins watching `cache`/archive-v0 (which must exist) and its archives,
  // and with `watch_entries` `cache`/wheels-v6 too.
  Status Start(const std::string& cache, bool watch_entries = false);
  // Stops and returns the synthetic remove_begin events, in the order seen.
  std::vector<ControlMessage> Stop();
  // REQUIRES: after Stop. Violations the entry watch found (step -1).
  std::vector<HarnessViolation> TakeFindings() { return std::move(findings_); }

 private:
  void Loop(std::promise<void>* ready);  // sets *ready once the initial watches are in place

  int inotify_fd_ = -1;
  int stop_pipe_[2] = {-1, -1};
  std::string cache_;
  std::string bucket_;
  bool watch_entries_ = false;
  std::thread thread_;
  std::vector<ControlMessage> events_;
  std::vector<HarnessViolation> findings_;
};

}  // namespace prunecheck::harness
