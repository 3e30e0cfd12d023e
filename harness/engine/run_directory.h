// PreparedRun: a fresh run directory laid out for a RunConfig.
//
//   <run>/cache           the cache root, laid out and set up (RunConfig::setup)
//   <run>/wheels/*.whl    one fixture wheel per package named in the config
//   <run>/env-<actor>     each actor's environment (created by the actor)
//   <run>/logs/           each actor's stdout and stderr
//   <run>/outside/        canaries outside the root (RunConfig::plant_canaries)
//
// Thread-safety: reentrant.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "harness/engine/actor_host.h"
#include "harness/engine/run_config.h"
#include "pruner/base/file_system.h"
#include "pruner/base/status.h"

namespace prunecheck::harness {

struct PreparedRun {
  std::string run_dir;
  std::string cache;
  std::string log_dir;
  std::map<std::string, std::string> wheels;  // package -> wheel path
};

// Where run directories go unless the user says otherwise: /dev/shm when it
// is a writable tmpfs, else $TMPDIR, else /tmp. A run directory is scratch
// that lives for one run: what the checks judge is interleavings, and kills
// are process kills, not power loss, so durability buys nothing — while on
// a disk each run's mkdirs, unlinks and removal go through the journal
// (measured on this project's CI VM, ext4 with discard: removing one run
// directory took 8-20 ms, on tmpfs 1.6 ms). --base-dir picks another file
// system to test on.
std::string DefaultRunBaseDir();

// Creates `<base_dir>/prunecheck-run-XXXXXX` and everything above, through
// `fsys` (the real disk, or a MemFileSystem, where the name is fixed: the
// file system is the run's own). On failure the directory (if created) is
// named in *run_dir_out.
Result<PreparedRun> PrepareRun(FileSystem& fsys, const RunConfig& config, uint64_t seed,
                               const std::string& base_dir, std::string* run_dir_out);

// The launch context of actor `index` in a prepared run.
ActorLaunchContext LaunchContext(const PreparedRun& run, const RunConfig& config, size_t index, uint64_t seed,
                                 int64_t lock_timeout_ms);

}  // namespace prunecheck::harness
