// The seccomp filter that turns an unmodified binary's cache-touching system
// calls into harness yield points (docs/design.md §8, harness/README.md
// "Syscall-controlled black boxes").
//
// The filter is built once, in the harness, with libseccomp and exported as a
// classic-BPF program, so that the child only has to call seccomp(2) between
// fork and exec (libseccomp allocates; the child of a multithreaded harness
// may only make async-signal-safe calls). Every call that can create, open,
// rename, remove, link, lock or touch a path returns SECCOMP_RET_USER_NOTIF to
// the harness; fcntl only for its record-lock commands; io_uring_setup fails
// with ENOSYS (io_uring would bypass the filter: such binaries fall back to
// ordinary calls); everything else is allowed.
//
// Thread-safety: SyscallFilterProgram() is safe to call from any thread
// (built once, then immutable); the rest are pure functions.
#pragma once

#include <linux/filter.h>

#include <string_view>
#include <vector>

#include "pruner/base/status.h"

namespace prunecheck::harness {

// The BPF program, built on first use. kIoError when libseccomp refuses.
Result<const std::vector<sock_filter>*> SyscallFilterProgram();

// The intercepted system calls' names, as their yield points use them
// ("openat" -> point "sys.openat"). Stable: traces and --kill-at name them.
const std::vector<std::string_view>& InterceptedSyscallNames();

// "openat" for the x86-64 number of openat; "" for a call not intercepted.
std::string_view InterceptedSyscallName(int nr);

}  // namespace prunecheck::harness
