// RunConfig: everything that, with a strategy and a seed, determines a run.
//
// Actors are roles (install, read, refresh, prune, clean) played by
// cache-actor under a profile, or any command ("bring your own actor").
// Setup operations run sequentially before the scheduled part, to put the
// cache in the state a story starts from. Faults are kills at named points
// (or at random, seeded) and mtime ageing. A RunConfig round-trips through
// JSON so a trace file can carry the run it belongs to.
//
// Thread-safety: value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pruner/base/status.h"

namespace prunecheck::harness {

struct ActorSpec {
  std::string name;             // unique in the run, e.g. "installer"
  std::string role;             // install | read | refresh | prune | clean | command
  std::string profile;          // protocol profile (not for command)
  std::string package = "demo"; // fixture wheel's distribution name
  std::string link_mode = "hardlink";
  std::vector<std::string> command;  // role == command: argv; {cache} {run} are substituted
  bool black_box = false;       // role == command and it does not speak the protocol
  // Black boxes: run free, judged only physically (inotify stamps, tree
  // checks), instead of as a syscall-controlled actor (harness/syscall/).
  bool free_running = false;
  // Black boxes only: instead of running free from the start, run to
  // completion — alone, every other actor held — when actor `run_at.actor`
  // is chosen at its `occurrence`-th arrival at `run_at.point`. Makes a
  // black box's effect on a controlled run deterministic. Empty point: free.
  struct At {
    std::string actor;
    std::string point;
    int occurrence = 1;
  } run_at;
};

// Parses "ACTOR@POINT[#N]" (kill and run-at specifications).
Result<ActorSpec::At> ParseAt(const std::string& text);

struct SetupOp {
  std::string op;       // install | refresh | prune | age
  std::string profile = "reference";
  std::string package = "demo";
  int64_t age_seconds = 0;  // op == age: move every archive's and marker's mtime back this far
};

// Kill `actor` (or any actor when "*") instead of resuming it when it is
// chosen at its `occurrence`-th arrival (1-based) at yield point `point`.
struct KillAt {
  std::string actor = "*";
  std::string point;
  int occurrence = 1;
};

struct RunConfig {
  std::vector<ActorSpec> actors;
  std::vector<SetupOp> setup;
  std::vector<KillAt> kills;
  double kill_probability = 0.0;   // per step, seeded
  int64_t grace_seconds = 0;       // given to every pruner; time is compressed in runs
  int fixture_files = 4;           // files per fixture wheel
  int max_steps = 5000;            // progress bound
  int64_t unresponsive_ms = 10000; // a connected actor silent this long is treated as blocked
  bool plant_canaries = true;      // files and symlinks outside the root, for containment
};

nlohmann::json ToJson(const RunConfig& c);
// kInvalidInput naming the field when the JSON does not describe a RunConfig.
Result<RunConfig> RunConfigFromJson(const nlohmann::json& j);

// Validates roles, profiles and names; kInvalidInput with what is wrong.
Status Validate(const RunConfig& c);

}  // namespace prunecheck::harness
