#include "harness/engine/explore_result.h"

#include <algorithm>
#include <set>

namespace prunecheck::harness {
namespace {

Status Bad(const std::string& name, const std::string& why) {
  return Status(StatusCode::kInvalidInput, name + ": " + why);
}

}  // namespace

Result<nlohmann::ordered_json> MergeExploreResults(const std::vector<nlohmann::json>& results,
                                                   const std::vector<std::string>& names) {
  if (results.empty()) return Status(StatusCode::kInvalidInput, "merge: no results given");
  nlohmann::json first;
  std::set<int> shards;
  int shard_count = 0;
  long long runs = 0;
  long long failing = 0;
  double seconds = 0;
  bool exhausted = false;
  std::vector<nlohmann::json> failures;
  for (size_t k = 0; k < results.size(); ++k) {
    const nlohmann::json& r = results[k];
    const std::string name = k < names.size() ? names[k] : "result " + std::to_string(k + 1);
    if (!r.is_object()) return Bad(name, "not a JSON object");
    if (!r.contains("format") || r["format"] != kExploreResultFormat) {
      return Bad(name, std::string("\"format\" is not \"") + kExploreResultFormat + "\" (not a prunecheck explore --json result, or another version)");
    }
    for (const char* key : {"strategy", "seed", "runs_planned", "shard", "runs", "failing", "seconds", "exhausted", "failures"}) {
      if (!r.contains(key)) return Bad(name, std::string("missing \"") + key + "\"");
    }
    if (!r["shard"].is_object() || !r["shard"].contains("index") || !r["shard"].contains("count") ||
        !r["shard"]["index"].is_number_integer() || !r["shard"]["count"].is_number_integer()) {
      return Bad(name, "\"shard\" must be {\"index\": I, \"count\": N}");
    }
    if (!r["runs"].is_number_integer() || !r["failing"].is_number_integer() || !r["seconds"].is_number() ||
        !r["exhausted"].is_boolean() || !r["failures"].is_array()) {
      return Bad(name, "\"runs\", \"failing\", \"seconds\", \"exhausted\" or \"failures\" has the wrong type");
    }
    const int index = r["shard"]["index"].get<int>();
    const int count = r["shard"]["count"].get<int>();
    if (k == 0) {
      first = r;
      shard_count = count;
    } else {
      for (const char* key : {"strategy", "seed", "runs_planned"}) {
        if (r[key] != first[key]) {
          return Bad(name, std::string("\"") + key + "\" differs from " + names[0] + "'s: not shards of one exploration");
        }
      }
      if (count != shard_count) return Bad(name, "shard count differs from " + names[0] + "'s");
    }
    if (count < 1 || index < 0 || index >= count) return Bad(name, "shard index out of range");
    if (!shards.insert(index).second) return Bad(name, "shard " + std::to_string(index) + " given twice");
    runs += r["runs"].get<long long>();
    failing += r["failing"].get<long long>();
    seconds = std::max(seconds, r["seconds"].get<double>());  // shards run side by side
    exhausted = exhausted || r["exhausted"].get<bool>();
    for (const nlohmann::json& f : r["failures"]) {
      if (!f.is_object() || !f.contains("run_index") || !f["run_index"].is_number_integer()) {
        return Bad(name, "a failure without an integer \"run_index\"");
      }
      failures.push_back(f);
    }
  }
  std::stable_sort(failures.begin(), failures.end(), [](const nlohmann::json& x, const nlohmann::json& y) {
    return x["run_index"].get<long long>() < y["run_index"].get<long long>();
  });
  const bool complete = static_cast<int>(shards.size()) == shard_count;
  nlohmann::ordered_json out;
  out["format"] = kExploreResultFormat;
  out["strategy"] = first["strategy"];
  out["seed"] = first["seed"];
  out["runs_planned"] = first["runs_planned"];
  out["shard"] = complete ? nlohmann::ordered_json{{"index", 0}, {"count", 1}}
                          : nlohmann::ordered_json{{"index", *shards.begin()}, {"count", shard_count}};
  out["merged_shards"] = std::vector<int>(shards.begin(), shards.end());
  out["complete"] = complete;
  out["runs"] = runs;
  out["failing"] = failing;
  out["seconds"] = seconds;
  out["exhausted"] = exhausted;
  out["failures"] = failures;
  return out;
}

}  // namespace prunecheck::harness
