// Reading an input file the user names (scenario, trace, --config) without
// trusting what it is: only a regular file, only up to a size cap.
//
// Why: a scenario path that was a symlink to /dev/zero was read until the
// machine ran out of memory, and a FIFO blocked open() forever (issue 9 item
// 1). The file is opened O_NONBLOCK (a FIFO cannot block the open), fstat()ed
// on the open descriptor (no stat-then-open race), refused unless it is a
// regular file, and read up to max_bytes + 1 so that a file growing while
// read is caught too. The user's path itself is resolved by the kernel as
// usual (a symlink to a regular file is fine): it is a path on the command
// line, not an entry in a cache.
//
// Thread-safety: reentrant.
#pragma once

#include <cstddef>
#include <string>

#include "pruner/base/status.h"

namespace prunecheck {

// The cap for scenario files, traces and run configs: the largest shipped
// scenario is a few KiB, a trace of a 5,000-step run about 30 KiB.
inline constexpr size_t kMaxInputFileBytes = size_t{1} << 20;

// The whole content of `path`, which must be a regular file of at most
// `max_bytes`. kInvalidInput naming the path and what it is (a FIFO, a
// character device, a directory, ...) or the cap it exceeds; kNotFound or
// kIoError for the OS errors of open and read.
Result<std::string> ReadRegularFileBounded(const std::string& path, size_t max_bytes);

// "a FIFO", "a directory", ... for st_mode's file type.
const char* FileTypeDescription(unsigned mode);

}  // namespace prunecheck
