// RunDirectoryReaper: removes finished run directories on a thread of its own.
//
// Removing a run directory (a cache, environments, wheels, logs) takes
// longer than most of a controlled run's own steps, and in controlled mode
// only one actor runs at a time, so a second core is idle: the engine hands
// a passed run's directory over and goes on to the next run. At most
// `max_pending` directories wait; Remove() blocks beyond that, so a fast
// explorer cannot fill the disk. Drain() (and the destructor) return only
// once every handed-over directory is gone — callers drain before they exit,
// so nothing is left behind, even after an interrupt.
//
// The thread starts with the first Remove().
//
// Thread-safety: Remove() and Drain() may be called from any thread.
#pragma once

#include <condition_variable>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

namespace prunecheck::harness {

class RunDirectoryReaper {
 public:
  explicit RunDirectoryReaper(size_t max_pending = 2);
  ~RunDirectoryReaper();  // drains, then stops the thread
  RunDirectoryReaper(const RunDirectoryReaper&) = delete;
  RunDirectoryReaper& operator=(const RunDirectoryReaper&) = delete;

  // Queues `dir` (a path on the real disk) for recursive removal.
  void Remove(std::string dir);
  // Waits until every queued directory has been removed.
  void Drain();
  // Directories removed so far, and those whose removal failed (left in place).
  size_t removed() const;
  size_t failed() const;

 private:
  void Loop();

  const size_t max_pending_;
  mutable std::mutex mu_;
  std::condition_variable changed_;
  std::deque<std::string> queue_;
  bool busy_ = false;  // the thread is removing one (not in queue_ any more)
  bool stop_ = false;
  size_t removed_ = 0;
  size_t failed_ = 0;
  std::thread thread_;  // started by the first Remove()
};

}  // namespace prunecheck::harness
