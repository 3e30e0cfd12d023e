#include "harness/scenario/mutation_score.h"

#include <algorithm>
#include <optional>

#include "harness/engine/explorer.h"
#include "harness/scenario/scenario.h"
#include "pruner/profiles/profile_registry.h"

namespace prunecheck::harness {

double MedianSchedules(const std::vector<int>& schedules) {
  if (schedules.empty()) return -1;
  std::vector<int> v = schedules;
  if (std::find(v.begin(), v.end(), -1) != v.end()) return -1;
  std::sort(v.begin(), v.end());
  const size_t n = v.size();
  return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

Result<std::vector<MutantScore>> ScoreMutants(const MutationScoreOptions& o) {
  PC_ASSIGN_OR_RETURN(std::vector<std::string> paths, ExpandScenarioPaths(o.scenario_paths));
  std::vector<Scenario> stories;
  for (const std::string& path : paths) {
    PC_ASSIGN_OR_RETURN(Scenario s, LoadScenario(path));
    if (!s.expects_pass()) stories.push_back(std::move(s));
  }
  std::vector<MutantScore> scores;
  for (const ProfileSpec* p : AllProfiles()) {
    if (!p->mutant) continue;
    MutantScore score;
    score.mutant = p->name;
    const Scenario* story = nullptr;
    for (const Scenario& s : stories) {
      for (const ActorSpec& a : s.config.actors) {
        if (a.profile == p->name && story == nullptr) story = &s;
      }
    }
    if (story == nullptr) {
      scores.push_back(score);
      continue;
    }
    score.scenario = story->path;
    score.invariant = story->expect;
    for (const std::string& strategy : o.strategies) {
      std::vector<int> per_seed;
      for (int seed = 1; seed <= o.seeds; ++seed) {
        ExplorerOptions eo;
        eo.strategy = strategy;
        eo.seed = static_cast<uint64_t>(seed);
        eo.runs = o.budget;
        eo.jobs = o.jobs;
        eo.minimize = false;
        eo.remove_failed_run_dirs = true;
        eo.run.transport = o.transport;
        eo.run.cache_actor = o.cache_actor;
        eo.failing_invariant = [story](const RunResult& r) -> std::optional<std::string> {
          for (const HarnessViolation& v : r.violations) {
            if (v.invariant == story->expect) return v.invariant;
          }
          return std::nullopt;
        };
        PC_RETURN_IF_ERROR(ValidateExplorerOptions(eo));
        ExploreResult er = Explore(story->config, eo);
        if (er.interrupted) return Status(StatusCode::kBusy, "interrupted");
        if (!er.error.ok()) return er.error.Annotate(p->name + " (" + story->path + ", " + strategy + ")");
        per_seed.push_back(er.failures.empty() ? -1 : er.failures.front().index + 1);
      }
      if (!score.killed && std::find(per_seed.begin(), per_seed.end(), -1) == per_seed.end()) {
        score.killed = true;
        score.killed_by = strategy;
      }
      score.schedules.push_back(per_seed);
    }
    scores.push_back(score);
  }
  return scores;
}

nlohmann::ordered_json MutationScoreJson(const MutationScoreOptions& o, const std::vector<MutantScore>& scores) {
  auto median_json = [](double m) { return m < 0 ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(m); };
  nlohmann::ordered_json j;
  j["format"] = kMutationScoreFormat;
  j["budget"] = o.budget;
  j["seeds"] = o.seeds;
  j["transport"] = std::string(TransportName(o.transport));
  j["strategies"] = o.strategies;
  int killed = 0;
  for (const MutantScore& s : scores) killed += s.killed ? 1 : 0;
  j["killed"] = killed;
  j["mutants"] = scores.size();
  nlohmann::ordered_json results = nlohmann::ordered_json::array();
  for (const MutantScore& s : scores) {
    nlohmann::ordered_json r;
    r["mutant"] = s.mutant;
    r["scenario"] = s.scenario;
    r["invariant"] = s.invariant;
    r["killed"] = s.killed;
    r["killed_by"] = s.killed_by;
    nlohmann::ordered_json by = nlohmann::ordered_json::object();
    for (size_t k = 0; k < s.schedules.size() && k < o.strategies.size(); ++k) {
      nlohmann::ordered_json per = nlohmann::ordered_json::array();
      for (int n : s.schedules[k]) per.push_back(n < 0 ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(n));
      by[o.strategies[k]] = {{"schedules", per}, {"median", median_json(MedianSchedules(s.schedules[k]))}};
    }
    r["by_strategy"] = by;
    results.push_back(r);
  }
  j["results"] = results;
  // Per strategy: the median over mutants of each mutant's median (killed mutants only).
  nlohmann::ordered_json overall = nlohmann::ordered_json::object();
  for (size_t k = 0; k < o.strategies.size(); ++k) {
    std::vector<double> medians;
    for (const MutantScore& s : scores) {
      if (k < s.schedules.size()) {
        const double m = MedianSchedules(s.schedules[k]);
        if (m >= 0) medians.push_back(m);
      }
    }
    std::sort(medians.begin(), medians.end());
    const size_t n = medians.size();
    overall[o.strategies[k]] =
        n == 0 ? nlohmann::ordered_json(nullptr)
               : nlohmann::ordered_json(n % 2 == 1 ? medians[n / 2] : (medians[n / 2 - 1] + medians[n / 2]) / 2.0);
  }
  j["median_by_strategy"] = overall;
  return j;
}

}  // namespace prunecheck::harness
