// The yield points of syscall-controlled black boxes (harness/syscall/):
// "sys.<call>" for every system call the harness intercepts. Listed here,
// beside the actors' own point names, so input validation (--kill-at,
// scenario faults, traces) can accept them without depending on the harness.
// harness/syscall/syscall_filter_test.cc pins this list to the filter's.
//
// Thread-safety: constants.
#pragma once

#include <array>
#include <string_view>

namespace prunecheck {

inline constexpr std::array<std::string_view, 23> kSyscallPoints = {
    "sys.open",     "sys.openat",    "sys.openat2",  "sys.creat",     "sys.mkdir",    "sys.mkdirat",
    "sys.rename",   "sys.renameat",  "sys.renameat2", "sys.unlink",   "sys.unlinkat", "sys.rmdir",
    "sys.symlink",  "sys.symlinkat", "sys.link",     "sys.linkat",    "sys.flock",    "sys.fcntl",
    "sys.utimensat", "sys.utimes",   "sys.truncate", "sys.ftruncate",
    // Not a system call: every task of the actor sleeps outside any
    // intercepted call (a `sleep`, a pipe read); reported as blocked.
    "sys.wait",
};

inline bool IsSyscallPoint(std::string_view point) {
  for (std::string_view p : kSyscallPoints) {
    if (p == point) return true;
  }
  return false;
}

}  // namespace prunecheck
