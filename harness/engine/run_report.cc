#include "harness/engine/run_report.h"

#include <fstream>
#include <sstream>

namespace prunecheck::harness {

namespace {

nlohmann::json ViolationsJson(const std::vector<HarnessViolation>& vs) {
  nlohmann::json a = nlohmann::json::array();
  for (const HarnessViolation& v : vs) {
    a.push_back({{"invariant", InvariantName(v.invariant)}, {"actor", v.actor}, {"subject", v.subject}, {"step", v.step},
                 {"message", v.message}});
  }
  return a;
}

nlohmann::json KillsJson(const std::vector<KillRecord>& ks) {
  nlohmann::json a = nlohmann::json::array();
  for (const KillRecord& k : ks) {
    a.push_back({{"actor", k.actor}, {"point", k.point}, {"occurrence", k.occurrence}, {"step", k.step}});
  }
  return a;
}

}  // namespace

Trace MakeTrace(const RunConfig& config, const RunResult& r, uint64_t seed, const std::string& strategy,
                Transport transport) {
  Trace t;
  t.config = config;
  t.seed = seed;
  t.strategy = strategy;
  t.transport = std::string(TransportName(transport));
  t.choices = r.choices;
  t.kills = r.kills;
  t.event_digest = r.event_digest;
  t.violations = r.violations;
  return t;
}

RunConfig ReplayConfig(const Trace& t) {
  RunConfig c = t.config;
  c.kill_probability = 0;
  c.kills.clear();
  for (const KillRecord& k : t.kills) c.kills.push_back({k.actor, k.point, k.occurrence});
  return c;
}

nlohmann::json ToJson(const Trace& t) {
  nlohmann::ordered_json j;
  j["prunecheck_trace"] = 1;
  j["seed"] = t.seed;
  j["strategy"] = t.strategy;
  j["transport"] = t.transport;
  j["config"] = ToJson(t.config);
  j["choices"] = t.choices;
  j["kills"] = KillsJson(t.kills);
  j["event_digest"] = t.event_digest;
  j["violations"] = ViolationsJson(t.violations);
  return j;
}

Status WriteTrace(const Trace& t, const std::string& path) {
  std::ofstream out(path);
  out << ToJson(t).dump(2) << "\n";
  out.close();
  if (!out) return Status(StatusCode::kIoError, "could not write trace " + path);
  return Status::Ok();
}

Result<Trace> ReadTrace(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status(StatusCode::kInvalidInput, path + ": cannot open trace file");
  nlohmann::json j = nlohmann::json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return Status(StatusCode::kInvalidInput, path + ": not a JSON object");
  if (!j.contains("prunecheck_trace")) {
    return Status(StatusCode::kInvalidInput, path + ": not a prunecheck trace (no 'prunecheck_trace' field)");
  }
  Trace t;
  try {
    t.seed = j.at("seed").get<uint64_t>();
    t.strategy = j.value("strategy", "");
    t.transport = j.value("transport", "process");
    t.choices = j.at("choices").get<std::vector<int>>();
    for (const auto& k : j.value("kills", nlohmann::json::array())) {
      t.kills.push_back({k.at("actor").get<std::string>(), k.at("point").get<std::string>(),
                         k.at("occurrence").get<int>(), k.value("step", 0)});
    }
    t.event_digest = j.value("event_digest", "");
  } catch (const nlohmann::json::exception& e) {
    return Status(StatusCode::kInvalidInput, path + ": " + e.what());
  }
  if (!ParseTransport(t.transport).ok()) {
    return Status(StatusCode::kInvalidInput, path + ": transport must be process, thread or memory");
  }
  Result<RunConfig> c = RunConfigFromJson(j.value("config", nlohmann::json()));
  if (!c.ok()) return c.status().Annotate(path);
  t.config = *c;
  for (int a : t.choices) {
    if (a < 0 || static_cast<size_t>(a) >= t.config.actors.size()) {
      return Status(StatusCode::kInvalidInput, path + ": choice " + std::to_string(a) + " names no actor");
    }
  }
  return t;
}

nlohmann::json ResultJson(const RunConfig& config, const RunResult& r, uint64_t seed, const std::string& strategy) {
  nlohmann::ordered_json j;
  j["verdict"] = r.passed ? "pass" : (r.error.ok() ? "violation" : "error");
  if (!r.error.ok()) j["error"] = r.error.ToString();
  j["violations"] = ViolationsJson(r.violations);
  j["seed"] = seed;
  j["strategy"] = strategy;
  j["steps"] = r.steps;
  j["seconds"] = r.seconds;
  j["phase_seconds"] = {{"prepare", r.phases.prepare}, {"launch", r.phases.launch},
                        {"schedule", r.phases.schedule}, {"finish", r.phases.finish},
                        {"check", r.phases.check},     {"cleanup", r.phases.cleanup}};
  j["event_digest"] = r.event_digest;
  j["run_dir"] = r.run_dir_kept ? r.run_dir : "";
  nlohmann::json actors = nlohmann::json::array();
  for (size_t i = 0; i < r.outcomes.size(); ++i) {
    const ActorOutcome& o = r.outcomes[i];
    actors.push_back({{"name", o.name},
                      {"role", RoleName(o.role)},
                      {"profile", config.actors[i].profile},
                      {"end", StopKindName(o.end.kind)},
                      {"exit_code", o.end.exit_code},
                      {"killed", o.killed}});
  }
  j["actors"] = actors;
  j["kills"] = KillsJson(r.kills);
  return j;
}

std::string Summary(const RunConfig& config, const RunResult& r) {
  std::ostringstream s;
  if (!r.error.ok()) {
    s << "ERROR: " << r.error.ToString() << "\n";
  } else if (r.passed) {
    s << "PASS: " << r.steps << " steps, no invariant violated\n";
  } else {
    s << "VIOLATION: " << r.violations.size() << " invariant violation(s) in " << r.steps << " steps\n";
    for (const HarnessViolation& v : r.violations) s << "  [" << InvariantName(v.invariant) << "] " << v.message << "\n";
  }
  for (size_t i = 0; i < r.outcomes.size(); ++i) {
    const ActorOutcome& o = r.outcomes[i];
    s << "  actor " << o.name << " (" << RoleName(o.role) << ", " << config.actors[i].profile << "): "
      << (o.killed ? "killed" : std::string(StopKindName(o.end.kind)) + ", exit " + std::to_string(o.end.exit_code))
      << "\n";
  }
  if (r.run_dir_kept) s << "  run directory kept: " << r.run_dir << "\n";
  return s.str();
}

}  // namespace prunecheck::harness
