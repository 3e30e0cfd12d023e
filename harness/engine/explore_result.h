// The JSON result of `prunecheck explore --json` and joining the results of
// sharded CI jobs (`prunecheck merge`).
//
// Format (version kExploreResultFormat, pinned by explore_result_test.cc):
//   {"format": "prunecheck-explore/1", "strategy", "seed", "runs_planned",
//    "shard": {"index", "count"}, "runs", "failing", "seconds", "exhausted",
//    "failures": [ResultJson of each failing run + "run_index"]}
// A merged result has the same shape with "shard": {"index": 0, "count": 1}
// when every shard of one exploration is present ("merged_shards" lists the
// ones joined); its failures are in run-index order, so the first one is the
// failure the unsharded exploration would have reported (with --keep-going).
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pruner/base/status.h"

namespace prunecheck::harness {

inline constexpr const char* kExploreResultFormat = "prunecheck-explore/1";

// Joins shard results of one exploration (same strategy, seed and planned
// runs; distinct shards of one count). `names` name each input in errors.
// kInvalidInput naming the input and the field when they do not fit.
Result<nlohmann::ordered_json> MergeExploreResults(const std::vector<nlohmann::json>& results,
                                                   const std::vector<std::string>& names);

}  // namespace prunecheck::harness
