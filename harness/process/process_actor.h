// ProcessActorHost: actors as real OS processes (Boost.Process v2 on Asio).
//
// Every actor gets its own process group (so a kill takes its children too)
// and PR_SET_PDEATHSIG(SIGKILL) (so it dies if the harness dies), and — unless
// it is a black box — one end of a socketpair whose fd number is in
// PRUNECHECK_CONTROL_FD. The host answers each actor's hello with a welcome
// (mode, seed, delay noise) and turns the message stream into ActorStops.
// Destroying the host kills every group still alive and reaps every child:
// no zombie, no orphan. InstallHarnessSignalHandlers() extends that to
// SIGINT/SIGTERM of the harness.
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

class ProcessActorHost {
 public:
  ProcessActorHost();
  ~ProcessActorHost();  // kills every live group, reaps every child
  ProcessActorHost(const ProcessActorHost&) = delete;
  ProcessActorHost& operator=(const ProcessActorHost&) = delete;

  // Starts the process. The endpoint stays owned by the host.
  Result<ActorEndpoint*> Spawn(const ProcessSpec& spec);
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

}  // namespace prunecheck::harness
