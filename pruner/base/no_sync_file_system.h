// NoSyncFileSystem: a FileSystem that forwards everything but makes Fsync a
// no-op.
//
// For test harnesses only. The harness's crash model is a killed process,
// which loses nothing that reached the page cache; fsync protects against
// power loss, which no run simulates, and costs milliseconds per call on
// some disks. Production use (cache-actor without --no-fsync) keeps every
// fsync.
//
// Thread-safety: as the wrapped FileSystem.
#pragma once

#include "pruner/base/forwarding_file_system.h"

namespace prunecheck {

class NoSyncFileSystem final : public ForwardingFileSystem {
 public:
  explicit NoSyncFileSystem(FileSystem* base) : ForwardingFileSystem(base) {}
  Status Fsync(int) override { return Status::Ok(); }
};

}  // namespace prunecheck
