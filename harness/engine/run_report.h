// Reporting a run: the human summary, the JSON result, and trace files that
// `prunecheck replay` reads back.
//
// Thread-safety: pure functions.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "harness/engine/controlled_run.h"
#include "harness/engine/run_config.h"

namespace prunecheck::harness {

// Format versions (docs/design.md §7), pinned by formats_golden_test.cc. A
// trace written before format versions carried "prunecheck_trace": 1 instead
// of "format"; ReadTrace still reads it as kTraceFormat (the fuzz corpus and
// users' saved traces have it).
inline constexpr const char* kTraceFormat = "prunecheck-trace/1";
// `prunecheck replay --json`: ResultJson of the last replay, plus
// "identical_replays" and "replays".
inline constexpr const char* kReplayResultFormat = "prunecheck-replay/1";
// `prunecheck stress --json`: "verdict", "rounds", "actor_runs", "seconds",
// "seed", "violations".
inline constexpr const char* kStressResultFormat = "prunecheck-stress/1";

struct Trace {
  RunConfig config;      // with the faults that were applied made explicit
  uint64_t seed = 0;     // the run's seed (actor ids, fault draws)
  std::string strategy;  // how the choices were made (informational)
  std::string transport = "process";
  std::vector<int> choices;
  std::vector<KillRecord> kills;
  std::string event_digest;
  std::vector<HarnessViolation> violations;
};

// A trace that replays `r`: kills become explicit KillAt faults, random kills off.
Trace MakeTrace(const RunConfig& config, const RunResult& r, uint64_t seed, const std::string& strategy,
                Transport transport);
// The config a replay of `t` runs.
RunConfig ReplayConfig(const Trace& t);

nlohmann::json ToJson(const Trace& t);
Status WriteTrace(const Trace& t, const std::string& path);
// kInvalidInput "FILE:LINE:COL: ..." naming what is wrong, also for a
// missing or unknown "format".
Result<Trace> ReadTrace(const std::string& path);

nlohmann::json ResultJson(const RunConfig& config, const RunResult& r, uint64_t seed, const std::string& strategy);
// Multi-line human summary: verdict, violations, steps, time, run dir.
std::string Summary(const RunConfig& config, const RunResult& r);

// A violation's message as printed: escaped for a terminal, so a name with a
// newline cannot forge a line of the verdict. A sanitizer report, whose line
// structure the harness itself built (summary, then indented frames), keeps
// one line per report line, each escaped on its own.
std::string ViolationForDisplay(const HarnessViolation& v);

}  // namespace prunecheck::harness
