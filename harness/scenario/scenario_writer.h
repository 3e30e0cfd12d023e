// Writing scenarios: a Scenario as TOML text, and a failing run found by
// `prunecheck explore` as a regression scenario (`explore --save-failure DIR`).
//
// A trace's choices are actor indices per step. The writer replays the trace
// once, watching where each actor stops, and turns each run of consecutive
// choices into a named script step ("installer until install.persisted",
// "pruner to end"); then it drops trailing steps the script's own finishing
// order reproduces, and runs the result to check it shows the same invariant
// violation. If the named form does not reproduce (it always should), it falls
// back to one step per choice, which is the trace itself.
//
// Thread-safety: one call at a time per thread (they run the engine).
#pragma once

#include <string>

#include "harness/engine/run_report.h"
#include "harness/scenario/scenario.h"
#include "harness/scenario/scenario_runner.h"

namespace prunecheck::harness {

// TOML text LoadScenario reads back to an equal Scenario. `header` lines are
// written first as comments (without the "# ").
std::string ScenarioToToml(const Scenario& s, const std::vector<std::string>& header = {});

// Quotes a string as a TOML basic string.
std::string TomlQuote(const std::string& s);

struct SavedScenario {
  std::string path;
  Scenario scenario;
  bool verified = false;     // running it showed the expected violation
  std::string verification;  // the runner's one-line message
};

// The scenario reproducing `t` (which must carry at least one violation);
// runs the engine (see above) with `options`.
Result<SavedScenario> ScenarioFromTrace(const Trace& t, const ScenarioRunOptions& options);

// ScenarioFromTrace, then writes it to DIR/<name>.toml (a fresh name; DIR is
// created if missing). Returns what was written.
Result<SavedScenario> SaveFailureScenario(const Trace& t, const std::string& dir, const ScenarioRunOptions& options);

}  // namespace prunecheck::harness
