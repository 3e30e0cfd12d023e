#include "harness/engine/run_directory.h"

#include <linux/magic.h>
#include <stdlib.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cerrno>
#include <fcntl.h>

#include <map>
#include <mutex>
#include <tuple>

#include "harness/engine/physical_checks.h"
#include "harness/engine/run_directory_owner.h"
#include "pruner/base/fs_util.h"
#include "pruner/base/id_source.h"
#include "pruner/base/no_sync_file_system.h"
#include "pruner/cache/cache_session.h"
#include "pruner/profiles/profile_registry.h"
#include "pruner/wheel/fixture_wheel.h"

namespace prunecheck::harness {

namespace {

// Fixture wheels are a pure function of their spec, and building one (random
// content, zip, RECORD hashes) was the largest single cost of preparing an
// in-memory run: each distinct spec is built once per process. PrepareRun
// sets only the fields in the key; the rest keep their defaults.
Result<std::string> FixtureWheelBytes(const FixtureWheelSpec& spec) {
  static std::mutex mu;
  static std::map<std::tuple<std::string, std::string, int, uint64_t>, std::string>* built =
      new std::map<std::tuple<std::string, std::string, int, uint64_t>, std::string>;
  const auto key = std::make_tuple(spec.distribution, spec.version, spec.file_count, spec.seed);
  {
    std::lock_guard<std::mutex> l(mu);
    if (auto it = built->find(key); it != built->end()) return it->second;
  }
  PC_ASSIGN_OR_RETURN(std::string bytes, BuildFixtureWheel(spec));
  std::lock_guard<std::mutex> l(mu);
  if (built->size() < 256) built->emplace(key, bytes);
  return bytes;
}

uint64_t ActorSeed(uint64_t seed, size_t index) { return seed * 1000003ull + index + 1; }

// RunConfig::setup, sequentially and in-process, before any actor starts.
Status Setup(FileSystem& fsys, const RunConfig& config, const PreparedRun& run, uint64_t seed) {
  SeededIdSource ids(seed ^ 0x5e7u);
  int n = 0;
  for (const SetupOp& op : config.setup) {
    ++n;
    if (op.op == SetupKind::kAge) {
      PC_RETURN_IF_ERROR(AgeCache(fsys, run.cache, std::chrono::seconds(op.age_seconds)));
      continue;
    }
    NoSyncFileSystem no_sync(&fsys);
    SessionOptions o;
    o.profile = *FindProfile(op.profile);
    o.fs = &no_sync;
    o.ids = &ids;
    o.grace = std::chrono::seconds(config.grace_seconds);
    PC_ASSIGN_OR_RETURN(std::unique_ptr<CacheSession> s, CacheSession::Open(run.cache, o));
    InstallRequest req{run.wheels.at(op.package), run.run_dir + "/env-setup", LinkMode::kHardlink, ""};
    Status st;
    if (op.op == SetupKind::kInstall) st = s->Install(req).status();
    if (op.op == SetupKind::kRefresh) st = s->Refresh(req).status();
    if (op.op == SetupKind::kPrune) st = s->Prune().status();
    if (!st.ok()) return st.Annotate("setup step " + std::to_string(n) + " (" + std::string(SetupKindName(op.op)) + ")");
  }
  return Status::Ok();
}

}  // namespace

std::string DefaultRunBaseDir() {
  struct statfs sfs {};
  if (::statfs("/dev/shm", &sfs) == 0 && sfs.f_type == TMPFS_MAGIC && ::access("/dev/shm", W_OK | X_OK) == 0) {
    return "/dev/shm";
  }
  if (const char* t = ::getenv("TMPDIR"); t != nullptr && t[0] == '/') return t;
  return "/tmp";
}

Result<PreparedRun> PrepareRun(FileSystem& fsys, const RunConfig& config, uint64_t seed,
                               const std::string& base_dir, std::string* run_dir_out) {
  PreparedRun run;
  if (&fsys == DefaultFileSystem()) {
    std::string tmpl = base_dir + "/prunecheck-run-XXXXXX";
    if (mkdtemp(tmpl.data()) == nullptr) {
      return Status::FromErrno(errno, "creating a run directory under " + base_dir);
    }
    run.run_dir = tmpl;
    // Marked as ours while in use: a later harness removes it if we die (issue 9 item 13).
    if (Status m = WriteOwnerMarker(run.run_dir); !m.ok()) {
      *run_dir_out = run.run_dir;
      return m.Annotate("marking the run directory with its owner");
    }
  } else {
    run.run_dir = base_dir + "/prunecheck-run-memory";
    PC_RETURN_IF_ERROR(MakeUserDirs(fsys, run.run_dir));
  }
  *run_dir_out = run.run_dir;
  run.cache = run.run_dir + "/cache";
  run.log_dir = run.run_dir + "/logs";
  PC_RETURN_IF_ERROR(MakeUserDirs(fsys, run.log_dir).Annotate("laying out " + run.run_dir));
  PC_RETURN_IF_ERROR(MakeUserDirs(fsys, run.run_dir + "/wheels").Annotate("laying out " + run.run_dir));

  // Fixture wheels, one per package named anywhere in the config.
  auto add_wheel = [&](const std::string& pkg) -> Status {
    if (run.wheels.count(pkg)) return Status::Ok();
    FixtureWheelSpec spec;
    spec.distribution = pkg;
    spec.file_count = config.fixture_files;
    spec.seed = run.wheels.size() + 1;
    PC_ASSIGN_OR_RETURN(std::string bytes, FixtureWheelBytes(spec));
    const std::string path = run.run_dir + "/wheels/" + FixtureWheelFilename(spec);
    PC_RETURN_IF_ERROR(WriteFile(fsys, AT_FDCWD, path, bytes));
    run.wheels[pkg] = path;
    return Status::Ok();
  };
  for (const ActorSpec& a : config.actors) PC_RETURN_IF_ERROR(add_wheel(a.package));
  for (const SetupOp& s : config.setup) PC_RETURN_IF_ERROR(add_wheel(s.package));

  // Lay the cache out before any actor starts, so no actor's start-up races another's.
  {
    NoSyncFileSystem no_sync(&fsys);
    SessionOptions o;
    o.profile = *FindProfile("reference");
    o.fs = &no_sync;
    PC_RETURN_IF_ERROR(CacheSession::Open(run.cache, o).status());
  }
  PC_RETURN_IF_ERROR(Setup(fsys, config, run, seed));
  if (config.plant_canaries) PC_RETURN_IF_ERROR(PlantCanaries(fsys, run.run_dir, run.cache));
  return run;
}

ActorLaunchContext LaunchContext(const PreparedRun& run, const RunConfig& config, size_t index, uint64_t seed,
                                 int64_t lock_timeout_ms) {
  const ActorSpec& spec = config.actors[index];
  ActorLaunchContext ctx;
  ctx.run_dir = run.run_dir;
  ctx.cache = run.cache;
  ctx.wheel = run.wheels.at(spec.package);
  ctx.env = run.run_dir + "/env-" + spec.name;
  ctx.log_dir = run.log_dir;
  ctx.seed = ActorSeed(seed, index);
  ctx.grace_seconds = config.grace_seconds;
  ctx.controlled = true;
  ctx.lock_timeout_ms = lock_timeout_ms;
  return ctx;
}

}  // namespace prunecheck::harness
