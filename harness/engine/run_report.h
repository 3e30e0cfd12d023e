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
// kInvalidInput naming the file and what is wrong.
Result<Trace> ReadTrace(const std::string& path);

nlohmann::json ResultJson(const RunConfig& config, const RunResult& r, uint64_t seed, const std::string& strategy);
// Multi-line human summary: verdict, violations, steps, time, run dir.
std::string Summary(const RunConfig& config, const RunResult& r);

}  // namespace prunecheck::harness
