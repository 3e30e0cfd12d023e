// Scenario files: one race from the catalogue (docs/design.md §6) with the verdict it
// must produce, in TOML. scenarios/README.md is the user's description of the
// format; this header is its data model.
//
//   [scenario]  name, description, source, expect, check, grace_seconds,
//               transport, fixture_files, max_steps, unresponsive_ms, plant_canaries
//   [schedule]  strategy ("script" | "random" | "pct[:D]" | "dfs[:B]"), seed,
//               runs, steps (script only), kill_probability
//   [[actor]]   name, role, profile, package, link_mode, command, black_box, run_at
//   [[setup]]   op, profile, package, age_seconds
//   [[fault]]   kind = "kill", actor, point, occurrence
//
// Every problem in a file is reported as "FILE:LINE:COL: what was expected",
// at the offending key or value: bad TOML, a value of the wrong type, a
// missing required key, an unknown key (typos are never silently ignored),
// an unknown profile, role, invariant or strategy, a script step naming an
// actor the scenario does not have.
//
// Thread-safety: value types and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "harness/engine/invariant.h"
#include "harness/engine/run_config.h"
#include "harness/scenario/script_strategy.h"
#include "pruner/base/status.h"

namespace prunecheck::harness {

inline constexpr const char* kExpectPass = "pass";

struct ScenarioSchedule {
  std::string strategy = "script";  // script | random | pct[:D] | dfs[:B]
  uint64_t seed = 1;                // run i uses seed + i
  int runs = 1;                     // how many schedules to try
  std::vector<ScriptStep> steps;    // strategy == script
};

struct Scenario {
  std::string path;         // the file it came from (may be empty)
  std::string name;         // defaults to the file's stem
  std::string description;
  std::string source;       // e.g. "astral-sh/uv#17211"
  std::optional<Invariant> expect;  // the invariant that must be violated; nullopt: "pass"
  std::vector<Invariant> check;     // invariants judged (all when the file names none)
  std::string transport;    // "process" | "thread" | "memory" | "" (the runner's default)
  RunConfig config;
  ScenarioSchedule schedule;

  bool expects_pass() const { return !expect.has_value(); }
  bool Checks(Invariant invariant) const;
  // The verdict as files spell it: "pass" or the invariant's id.
  std::string ExpectText() const { return expect ? std::string(InvariantName(*expect)) : kExpectPass; }
};

// Parses `text` as a scenario; `path` names it in error messages and gives
// the default name. kInvalidInput "PATH:LINE:COL: message" on any problem.
Result<Scenario> ParseScenario(const std::string& text, const std::string& path);
// Reads and parses a file.
Result<Scenario> LoadScenario(const std::string& path);

// The scenario files named by `args`: files as given, directories expanded
// to their *.toml files, sorted. kInvalidInput for a path that does not exist.
Result<std::vector<std::string>> ExpandScenarioPaths(const std::vector<std::string>& args);

}  // namespace prunecheck::harness
