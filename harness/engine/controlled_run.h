// RunControlled: one controlled-mode run of a RunConfig under a strategy.
//
// Lays out a fresh run directory (cache, environments, fixture wheels,
// canaries outside the root), runs the setup operations, launches every
// actor, and then, step by step, lets the strategy pick exactly one actor to
// run from its yield point to its next one — or kills it, when a fault says
// so. Every message is logged with its step; the checker judges the log
// online and the tree at the end. (config, strategy, seed) determine the run;
// the choices and kills are returned as a trace that replays it.
//
// Thread-safety: one run at a time per thread; runs share nothing.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "harness/engine/actor_host.h"
#include "harness/engine/invariant_checker.h"
#include "harness/engine/run_config.h"
#include "harness/engine/run_directory.h"
#include "harness/engine/run_directory_reaper.h"
#include "harness/strategy/strategy.h"

namespace prunecheck::harness {

// kProcess: real processes (cache-actor, or any command), on the real disk.
// kThread: the same actor code in this process (each actor a fiber on the
//   engine's thread: harness/engine/fiber.h), on the real disk. The name is
//   kept from when actors were threads; scenario files say "thread".
// kMemory: in-process on a MemFileSystem of the run's own: no disk at all, the
//   fastest; the run's tree exists only in memory (replay with another
//   transport to look at it).
enum class Transport { kProcess, kThread, kMemory };

Result<Transport> ParseTransport(const std::string& name);
std::string_view TransportName(Transport t);

struct RunOptions {
  Transport transport = Transport::kProcess;
  std::string cache_actor;         // process transport: path of cache-actor
  std::string base_dir = DefaultRunBaseDir();  // run directories go here
  // Set: passed runs' directories are removed on the reaper's thread while
  // the next run goes on. Null: removed before RunControlled returns.
  RunDirectoryReaper* reaper = nullptr;
  // Process transport: run cache-actor roles on this pool's serving processes
  // (reused from run to run) instead of starting fresh ones. nullptr: a fresh
  // process per actor per run. Not owned; must outlive the call. RunControlled
  // only: RunFree always starts fresh processes.
  CacheActorPool* pool = nullptr;
  bool keep = false;               // keep the run directory even when it passed
  bool keep_failed = true;         // keep it when the run failed (minimization turns this off)
  int64_t lock_timeout_ms = 30000;
  // A run_at trigger or kill fault that never fired in a run without a
  // violation makes the run an error (true), or is only listed in
  // RunResult::unfired (false) for a search that judges its triggers over
  // all its runs with TriggerTally: a random search may legitimately miss
  // a point in some runs, but not in every one.
  bool unfired_trigger_is_error = true;
  // Thread transport only: actors do their file I/O through this instead of
  // the real disk (tests inject ENOSPC, EIO, ... with a
  // FaultInjectingFileSystem). Not owned. Null: the real disk.
  FileSystem* thread_actor_fs = nullptr;
};

struct LoggedMessage {
  int step = -1;   // engine step during which it arrived (-1: before the first)
  int actor = -1;  // index into RunConfig::actors
  ControlMessage message;
};

struct KillRecord {
  std::string actor;
  std::string point;
  int occurrence = 1;
  int step = 0;
};

// Where a run's wall-clock time went (seconds), for progress reports and
// benchmarks: laying out the run directory and setup operations, starting
// the actors (up to each one's first point), the schedule itself, letting
// every actor end, the checks at quiescence, and removing the run directory.
struct RunPhaseSeconds {
  double prepare = 0;
  double launch = 0;
  double schedule = 0;
  double finish = 0;
  double check = 0;
  double cleanup = 0;
};

struct RunResult {
  bool passed = false;
  std::vector<HarnessViolation> violations;
  std::vector<int> choices;        // actor index chosen at each step
  std::vector<KillRecord> kills;   // faults applied (to replay them exactly)
  std::vector<ActorOutcome> outcomes;
  std::vector<LoggedMessage> log;
  int steps = 0;
  std::string event_digest;        // sha256 of the normalized event sequence
  std::string run_dir;
  bool run_dir_kept = false;
  double seconds = 0;
  RunPhaseSeconds phases;
  Status error;                    // set when the run could not be carried out at all
  // run_at triggers and kill faults of the config that never fired in this
  // run: "the fault 'kill A@P#N'" / "the trigger 'A@P#N' of black box B",
  // each with why ("A was never scheduled there").
  struct Unfired {
    std::string trigger;
    std::string why;
  };
  std::vector<Unfired> unfired;
};

// Over the runs of one search: which triggers never fired in any run.
class TriggerTally {
 public:
  void Add(const RunResult& r);
  // kNotFound naming every trigger that was unfired in every run added
  // (with the last run's reason); Ok otherwise or when no run was added.
  Status Check() const;

 private:
  int runs_ = 0;
  std::map<std::string, std::pair<int, std::string>> unfired_;  // trigger -> (runs unfired, why)
};

RunResult RunControlled(const RunConfig& config, Strategy& strategy, uint64_t seed, const RunOptions& options);

// The message log as text lines "step actor type point|kind subject detail",
// with the run directory replaced by "<run>": what the digest is over.
std::vector<std::string> NormalizedEventLines(const RunResult& r, const RunConfig& config);

}  // namespace prunecheck::harness
