// ProcessActorHost: actors as real OS processes (Boost.Process v2 on Asio).
//
// Every actor gets its own process group (so a kill takes its children too)
// and PR_SET_PDEATHSIG(SIGKILL) (so it dies if the harness dies), and — unless
// it is a black box — one end of a socketpair whose fd number is in
// PRUNECHECK_CONTROL_FD. The host answers each actor's hello with a welcome
// (mode, seed, delay noise) and turns the message stream into ActorStops.
// Destroying the host kills every group still alive and reaps every child:
// no zombie, no orphan. InstallHarnessSignalHandlers() extends that to
// SIGINT/SIGTERM of the harness. CacheActorPool keeps `cache-actor serve`
// processes alive between runs, so that a run need not start any.
//
// Boost.Process headers are slow to compile: they are included only by
// process_actor.cc.
//
// Thread-safety: a host and its endpoints are driven by one thread; the
// signal handler only reads an async-signal-safe table of live groups.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "harness/engine/actor_endpoint.h"
#include "pruner/base/status.h"

namespace prunecheck::harness {

struct ProcessSpec {
  std::string name;                 // actor name, unique in a run
  std::vector<std::string> argv;    // argv[0]: executable (path, or name looked up in PATH)
  std::vector<std::pair<std::string, std::string>> env;  // added to the harness's environment
  std::string working_dir;          // empty: inherit
  bool use_channel = true;          // false: black box, no control fd
  bool controlled = true;           // welcome mode: controlled (wait for go) or free
  uint64_t seed = 0;                // welcome seed (free-mode delay noise)
  int64_t max_delay_us = 0;         // welcome max_delay_us
  std::string stdout_path;          // empty: /dev/null
  std::string stderr_path;          // empty: inherit the harness's stderr
};

// One operation for a serving process (`cache-actor serve`): a `run`
// message (harness/PROTOCOL.md §5).
struct ServeRunSpec {
  std::string name;                // actor name in this run
  std::vector<std::string> args;   // one cache-actor command line, without argv[0]
  bool controlled = true;          // the run's mode: controlled (wait for go) or free
  uint64_t seed = 0;               // free-mode delay noise
  int64_t max_delay_us = 0;
  std::string stdout_path;         // empty: /dev/null
  std::string stderr_path;         // empty: the harness's stderr
  std::string sanitizer_log;       // log_path prefix for sanitizer reports of this run; empty: stderr
};

// CacheActorPool: idle `cache-actor serve` processes, reused across runs.
//
// Starting a cache-actor costs tens of milliseconds (fork, exec, dynamic
// linking), several times what a whole controlled schedule costs once it
// runs. A serving process pays that once and then runs one operation per
// `run` message. A ProcessActorHost built on a pool takes an idle process for
// each SpawnPooled() (starting one when none is idle) and, when the host is
// destroyed, gives back every process whose run ended with a result; every
// other one (killed, died, timed out, protocol error, run not finished) is
// SIGKILLed and reaped, and replaced when one is next needed.
//
// Pooled processes stay in the signal handlers' table while alive (see
// InstallHarnessSignalHandlers); the destructor SIGKILLs and reaps all of
// them: no zombie, no orphan.
//
// Thread-safety: none. A pool and every host built on it are used by one
// thread, which must outlive the pool's processes (PR_SET_PDEATHSIG fires
// when the thread that forked a process exits). Hosts built on a pool must be
// destroyed before it.
// The cache-actor binary to run when none is named: $PRUNECHECK_CACHE_ACTOR;
// else the one built beside the calling executable (build/<preset>/harness/
// prunecheck next to build/<preset>/pruner/cache-actor, or in the same
// directory); else "cache-actor", looked up in PATH. `argv0` stands in for
// /proc/self/exe when that cannot be read (nullptr: no fallback).
std::string DefaultCacheActorPath(const char* argv0 = nullptr);

class CacheActorPool {
 public:
  // `cache_actor`: the binary (a path, or a name looked up in PATH).
  explicit CacheActorPool(std::string cache_actor);
  ~CacheActorPool();  // kills every process, reaps every child
  CacheActorPool(const CacheActorPool&) = delete;
  CacheActorPool& operator=(const CacheActorPool&) = delete;

  const std::string& cache_actor() const;
  // Pids of the idle processes, most recently used last (for tests).
  std::vector<pid_t> IdlePids() const;
  // Serving processes started so far.
  int started() const;

 private:
  friend class ProcessActorHost;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class ProcessActorHost {
 public:
  ProcessActorHost();
  // A host that can also run operations on `pool`'s processes (nullptr: the
  // same as the default constructor). REQUIRES: `pool` outlives the host.
  explicit ProcessActorHost(CacheActorPool* pool);
  // Kills every live group and reaps every child, except pooled processes
  // that ended their run cleanly: those go back to the pool.
  ~ProcessActorHost();
  ProcessActorHost(const ProcessActorHost&) = delete;
  ProcessActorHost& operator=(const ProcessActorHost&) = delete;

  // Starts the process. The endpoint stays owned by the host.
  Result<ActorEndpoint*> Spawn(const ProcessSpec& spec);
  // Runs `run` on an idle serving process of the pool. The endpoint behaves
  // like a spawned cache-actor's, except that its run ends (kFinished) as
  // soon as the result arrives: the process does not exit. It stays owned by
  // the host until the host is destroyed. REQUIRES: built with a pool.
  Result<ActorEndpoint*> SpawnPooled(const ServeRunSpec& run);
  // SIGKILLs every live group and reaps them.
  void KillAll();
  // Pids of children not yet reaped (for tests).
  std::vector<pid_t> LivePids() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// SIGINT/SIGTERM: kill every live actor group of every host and restore the
// default action. Then, by default, re-raise (the harness dies of the
// signal at once); with `defer_exit`, record it (harness/engine/interrupt.h)
// so the engine can remove the run directory first and re-raise itself.
// A second signal is fatal at once either way. Idempotent (the last
// `defer_exit` given wins).
void InstallHarnessSignalHandlers(bool defer_exit = false);

// The handlers' table of process groups to SIGKILL, for actors started
// outside ProcessActorHost (harness/syscall/). Async-signal-safe.
void RegisterLiveProcessGroup(pid_t pgid);
void UnregisterLiveProcessGroup(pid_t pgid);

}  // namespace prunecheck::harness
