// Fiber: a function running on a stack of its own, switched to and from
// explicitly on the calling thread (ucontext), for the in-process transports.
//
// Why fibers and not threads: a controlled run lets exactly one actor run at
// a time, so actors need only their own stacks, not their own threads. A
// thread handoff costs two futex wake-ups per step, which on a virtual
// machine dominated an in-memory schedule; a fiber switch costs two
// rt_sigprocmask calls. The actor code is unchanged: its yield points
// Suspend() instead of waiting on a condition variable.
//
// Per fiber, the switch also swaps the thread's locale (uselocale is per
// thread, and actors hold a C.UTF-8 scope across yield points while
// extracting) and tells ASan/TSan about the stack change when they are on.
//
// Stacks (1 MiB of address space, a guard page below, committed on touch)
// are reused across fibers from a process-wide free list.
//
// Thread-safety: a fiber is resumed only from the thread that created it.
// Distinct fibers on distinct threads are independent.
#pragma once

#include <functional>
#include <memory>

namespace prunecheck::harness {

class Fiber {
 public:
  // The body runs at the first Resume(). It must not let an exception escape
  // (the process is terminated if one does: there is no frame to unwind to).
  explicit Fiber(std::function<void()> body);
  // REQUIRES: finished(), or never resumed (an unstarted body never runs).
  ~Fiber();
  Fiber(const Fiber&) = delete;
  Fiber& operator=(const Fiber&) = delete;

  // Runs the fiber until it calls Suspend() or its body returns.
  // REQUIRES: called from outside this fiber; !finished().
  void Resume();
  // Called from inside the fiber: returns control to the Resume() caller.
  void Suspend();

  bool started() const;
  bool finished() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace prunecheck::harness
