// cache-actor's documented exit codes, and the mapping from Status codes.
#pragma once

#include "pruner/base/status.h"

namespace prunecheck {

enum ExitCode : int {
  kExitOk = 0,
  kExitInternal = 1,       // a bug or an unexpected condition
  kExitBadInput = 2,       // bad arguments, wheel, scenario or cache tree
  kExitLock = 3,           // lock not obtained: timed out, or try-lock found the cache busy
  kExitVerification = 4,   // content does not match RECORD; archive vanished in use; check found violations
  kExitIo = 5,             // I/O error: EIO, ENOSPC, EACCES, ...
  kExitNotCached = 6,      // `read` of a wheel that is not in the cache
};

inline int ExitCodeFor(const Status& st) {
  switch (st.code()) {
    case StatusCode::kOk: return kExitOk;
    case StatusCode::kInvalidInput: return kExitBadInput;
    case StatusCode::kWouldBlock:
    case StatusCode::kLockTimeout:
    case StatusCode::kBusy: return kExitLock;
    case StatusCode::kVerificationFailed: return kExitVerification;
    case StatusCode::kNotFound:  // `read` maps its cache miss to kExitNotCached itself
    case StatusCode::kIoError:
    case StatusCode::kNoSpace:
    case StatusCode::kPermissionDenied:
    case StatusCode::kAlreadyExists: return kExitIo;
  }
  return kExitInternal;
}

inline constexpr const char* kExitCodeHelp =
    "Exit codes:\n"
    "  0  success\n"
    "  1  internal error\n"
    "  2  bad input (arguments, wheel, cache tree)\n"
    "  3  lock not obtained (timeout, or the cache is busy for a try-lock pruner)\n"
    "  4  verification failed (RECORD mismatch, archive vanished while in use, check found violations)\n"
    "  5  I/O error (EIO, ENOSPC, EACCES, ...)\n"
    "  6  not cached (read of a wheel that is not in the cache)\n";

}  // namespace prunecheck
