// ActorHost: starts the actors of one run, as processes or in-process fibers.
//
// The engine asks the host for an endpoint per ActorSpec; the host owns the
// endpoints and, on destruction, guarantees none is left running.
//
// Thread-safety: driven by one harness thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "harness/engine/actor_endpoint.h"
#include "harness/engine/run_config.h"
#include "pruner/base/file_system.h"
#include "pruner/base/status.h"

namespace prunecheck::harness {

// Where an actor works and what it is told.
struct ActorLaunchContext {
  std::string run_dir;
  std::string cache;       // cache root
  std::string wheel;       // fixture wheel for the actor's package
  std::string env;         // the actor's environment directory
  std::string log_dir;     // per-actor stdout/stderr files
  uint64_t seed = 0;       // the actor's own seed (archive ids, delay noise)
  int64_t grace_seconds = 0;
  bool controlled = true;
  int64_t max_delay_us = 0;  // free mode
  int64_t lock_timeout_ms = 30000;
};

class ActorHost {
 public:
  virtual ~ActorHost() = default;
  virtual Result<ActorEndpoint*> Launch(const ActorSpec& spec, const ActorLaunchContext& ctx) = 0;
  virtual void KillAll() = 0;
};

class CacheActorPool;  // harness/process/process_actor.h

// Real processes: cache-actor (at `cache_actor_path`) for the built-in roles,
// the given argv for role "command". With a `pool`, the built-in roles run on
// its serving processes instead (the pool's binary, not `cache_actor_path`);
// "command" actors and black boxes are always fresh processes. REQUIRES:
// `pool` outlives the host. Defined in process_launcher.cc.
std::unique_ptr<ActorHost> MakeProcessActorHost(std::string cache_actor_path, CacheActorPool* pool = nullptr);
// The same actor code as fibers on the calling thread (controlled mode
// only), working through `fs` (REQUIRES: outlives the host).
std::unique_ptr<ActorHost> MakeInProcessActorHost(FileSystem* fs);

// The cache-actor arguments that play `spec` in `ctx` (without argv[0]).
std::vector<std::string> CacheActorArgs(const ActorSpec& spec, const ActorLaunchContext& ctx);

}  // namespace prunecheck::harness
