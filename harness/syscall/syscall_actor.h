// SyscallActor: an unmodified binary as a controlled actor (issue 8;
// docs/design.md §8; harness/README.md "Syscall-controlled black boxes").
//
// The command runs under a seccomp filter (syscall_filter.h) installed just
// before exec and inherited by every descendant, so `bash` -> `rm`, `flock`,
// `mv`, `python3`, static and Go binaries are all covered (the filter works
// at the system-call level; vDSO calls are clock reads, never file
// operations; io_uring is refused with ENOSYS). Each intercepted call is
// resolved to a path (cache_path.h): a call outside the cache is continued at
// once; a call inside it is a yield point "sys.<call>" whose subject is the
// cache-relative path ("sys.unlinkat archive-v0/<id>/pkg/a.py"; two-path
// calls say "FROM -> TO"). The actor is held there until the scheduler picks
// it, then continued (SECCOMP_USER_NOTIF_FLAG_CONTINUE) to its next point.
//
// A stop is reported only when the actor is quiescent: every task of its
// process tree is held at a notification, asleep (state S/T/Z in
// /proc/PID/task/TID/stat), or gone, twice in a row. When several of its
// processes are held at once (a pipeline, xargs -P), "the" point is the one
// with the smallest (subject, point, arrival) — a function of what the
// processes do, not of which the kernel ran first. A blocking lock call
// (flock without LOCK_NB, F_SETLKW, F_OFD_SETLKW) is probed from the harness
// before it is continued; when another process holds the lock it is reported
// as StopKind::kBlocked and probed again when picked, so a lock-respecting
// black box never deadlocks the scheduler. Every task asleep outside any
// call (a `sleep`) is reported as kBlocked at point "sys.wait".
//
// Events are synthesised from the calls (remove_begin/remove_end,
// archive_published, referenced, use_begin, lock_acquired/lock_released with
// the lock file's inode as subject) so the same InvariantChecker judges
// black boxes; use_end is reported for every archive it opened only at the
// actor's exit (conservative: an archive it has finished with still counts
// as in use until then).
//
// Arguments are read from the caller's memory (process_vm_readv) after the
// call stopped, and the notification id is checked afterwards. This is
// TOCTOU-prone by nature: another thread of the caller could change the
// string between our read and the kernel's. The harness controls its actors
// and judges the cache by physical checks too; a hostile multithreaded actor
// could mislead the schedule, never the final checks.
//
// Containment: the command runs under a tiny init that is PID 1 of a new PID
// namespace and dies with the harness (PR_SET_PDEATHSIG), so a SIGKILL of
// the harness takes every descendant with it. Where CLONE_NEWPID is refused
// (unprivileged), the init is a child subreaper that kills its process group
// when it dies — weaker: a descendant that left the group survives.
//
// Thread-safety: an endpoint is driven by one harness thread.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "harness/engine/actor_endpoint.h"
#include "pruner/base/status.h"

namespace prunecheck::harness {

struct SyscallActorSpec {
  std::string name;
  std::vector<std::string> argv;  // argv[0]: a path, or a name looked up in PATH
  std::vector<std::pair<std::string, std::string>> env;  // added to the harness's environment
  std::string cache;              // calls on paths under this root are yield points
  std::string stdout_path;        // empty: /dev/null
  std::string stderr_path;        // empty: the harness's stderr
  // false (free mode): every call is continued at once, after a seeded
  // random delay of up to max_delay_us at each point inside the cache.
  bool controlled = true;
  uint64_t seed = 0;
  int64_t max_delay_us = 0;
};

// Starts the command. On failure nothing is left running.
Result<std::unique_ptr<ActorEndpoint>> StartSyscallActor(const SyscallActorSpec& spec);

// True when actors are put in a PID namespace of their own (needs
// CAP_SYS_ADMIN); false: the subreaper fallback. Probed once.
bool SyscallActorsUsePidNamespace();

}  // namespace prunecheck::harness
