// Running a scenario and judging it against its expected verdict.
//
// The scenario's schedule is explored by the Explorer (harness/engine/
// explorer.h): run i with seed + i, and for random and pct its own strategy
// seeded from (seed, i). Only the invariants the scenario checks count. The verdict:
//   expect = "pass"       every run is free of checked violations
//   expect = INVARIANT    some run violates INVARIANT (the first such run ends
//                         the search; other violations are reported, not judged)
// A script that cannot be followed, or a run the harness cannot carry out, is
// an error: the scenario does not match.
//
// Run directories are removed unless they explain a mismatch (an unexpected
// violation) or RunOptions::keep asks for them.
//
// Thread-safety: one scenario at a time per thread.
#pragma once

#include <string>
#include <vector>

#include "harness/engine/controlled_run.h"
#include "harness/scenario/scenario.h"

namespace prunecheck::harness {

struct ScenarioRunOptions {
  std::string transport;                     // "" = the scenario's own, else process | thread | memory
  std::string default_transport = "process";  // when neither the caller nor the file says
  std::string cache_actor;                   // process transport: path of cache-actor
  std::string base_dir = DefaultRunBaseDir();
  bool keep = false;                         // keep every run directory
  RunDirectoryReaper* reaper = nullptr;      // see RunOptions::reaper
  // Process transport: serving cache-actor processes reused across runs
  // (RunOptions::pool). nullptr: a fresh process per actor per run.
  CacheActorPool* pool = nullptr;
  int jobs = 1;  // parallel workers for random/pct schedules (engine/explorer.h)
};

struct ScenarioOutcome {
  std::string name;
  std::string path;
  std::string expect;
  bool matched = false;  // the runs produced the expected verdict
  bool error = false;    // the scenario could not be carried out at all
  std::string message;   // one line: what was shown, or why it does not match
  std::vector<std::string> details;          // further lines (violations, seeds)
  std::vector<HarnessViolation> violations;  // checked violations of the deciding run
  int runs = 0;          // schedules run
  int steps = 0;         // steps of the deciding (or last) run
  double seconds = 0;
  std::string transport;
  std::string run_dir;   // kept run directory, empty if none
};

// The strategy the scenario's schedule names (a ScriptStrategy for scripts).
Result<std::unique_ptr<Strategy>> MakeScenarioStrategy(const Scenario& s);

ScenarioOutcome RunScenario(const Scenario& s, const ScenarioRunOptions& options);

// "PASS name (0.05 s, 1 run, thread): ..." and its indented detail lines.
std::string FormatOutcome(const ScenarioOutcome& o);

}  // namespace prunecheck::harness
