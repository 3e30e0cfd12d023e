#include "harness/engine/run_report.h"

#include <fstream>
#include <sstream>

#include "harness/engine/did_you_mean.h"
#include "pruner/base/display_escape.h"
#include "harness/engine/run_config_json.h"

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

namespace {

// "format" first, then the fields in the order people read them.
nlohmann::ordered_json OrderedTraceJson(const Trace& t) {
  nlohmann::ordered_json j;
  j["format"] = kTraceFormat;
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

}  // namespace

nlohmann::json ToJson(const Trace& t) { return OrderedTraceJson(t); }

Status WriteTrace(const Trace& t, const std::string& path) {
  std::ofstream out(path);
  out << OrderedTraceJson(t).dump(2) << "\n";
  out.close();
  if (!out) return Status(StatusCode::kIoError, "could not write trace " + path);
  return Status::Ok();
}

Result<Trace> ReadTrace(const std::string& path) {
  // A regular file of at most 1 MiB, checked as strictly as a scenario file
  // (issue 9 items 1 and 6): a trace is input like any other.
  PC_ASSIGN_OR_RETURN(JsonDocument doc, JsonDocument::Load(path));
  const nlohmann::json& j = doc.root();
  if (!j.is_object()) return doc.FailAtValue("", "a trace must be a JSON object, not " + std::string(JsonTypeName(j)));
  JsonObjectReader r(doc, j, "", "the trace");
  if (r.Has("prunecheck_trace") && !r.Has("format")) {
    // Written before format versions: "prunecheck_trace": 1 is kTraceFormat.
    int64_t version = 0;
    PC_RETURN_IF_ERROR(r.Int("prunecheck_trace", &version, 1, 1));
  } else {
    PC_RETURN_IF_ERROR(RequireFormat(doc, kTraceFormat, "trace"));
    if (r.Has("prunecheck_trace")) {
      return doc.FailAtKey("/prunecheck_trace", "a trace with \"format\" has no \"prunecheck_trace\" (the old version key)");
    }
  }
  PC_RETURN_IF_ERROR(r.CheckKeys({"format", "prunecheck_trace", "seed", "strategy", "transport", "config", "choices",
                                  "kills", "event_digest", "violations"}));
  Trace t;
  PC_RETURN_IF_ERROR(r.Uint64("seed", &t.seed, true));
  PC_RETURN_IF_ERROR(r.String("strategy", &t.strategy));
  t.transport = "process";
  PC_RETURN_IF_ERROR(r.String("transport", &t.transport));
  if (!ParseTransport(t.transport).ok()) {
    return r.FailAt("transport", "unknown transport '" + t.transport + "'" +
                                     Suggest(t.transport, {"process", "thread", "memory"}) +
                                     "; expected \"process\", \"thread\" or \"memory\"");
  }
  PC_RETURN_IF_ERROR(r.String("event_digest", &t.event_digest));
  if (!r.Has("config")) return r.Missing("config", "the run config the trace belongs to");
  PC_ASSIGN_OR_RETURN(t.config, ReadRunConfig(doc, "/config"));
  if (t.transport != "process") {
    for (const ActorSpec& a : t.config.actors) {
      if (a.role == Role::kCommand) {
        return r.FailAt("transport", "actor '" + a.name + "' runs a command, which needs transport \"process\"");
      }
    }
  }
  PC_ASSIGN_OR_RETURN(const nlohmann::json* choices, r.Array("choices", true));
  for (size_t i = 0; i < choices->size(); ++i) {
    const nlohmann::json& c = (*choices)[i];
    const std::string p = JsonPointerChild("/choices", i);
    if (!c.is_number_integer()) return doc.FailAtValue(p, "a choice must be an integer, not " + std::string(JsonTypeName(c)));
    if (c.is_number_unsigned() ? c.get<uint64_t>() >= t.config.actors.size() : true) {
      return doc.FailAtValue(p, "choice " + c.dump() + " names no actor (the run has " +
                                    std::to_string(t.config.actors.size()) + ")");
    }
    t.choices.push_back(c.get<int>());
  }
  PC_ASSIGN_OR_RETURN(const nlohmann::json* kills, r.Array("kills"));
  if (kills != nullptr) {
    if (kills->size() > kMaxKills) return r.FailAt("kills", "more than " + std::to_string(kMaxKills) + " kills");
    for (size_t i = 0; i < kills->size(); ++i) {
      const std::string p = JsonPointerChild("/kills", i);
      const nlohmann::json& jk = (*kills)[i];
      if (!jk.is_object()) {
        return doc.FailAtValue(p, "kills[" + std::to_string(i) + "] must be an object, not " + JsonTypeName(jk));
      }
      JsonObjectReader kr(doc, jk, p, "kills[" + std::to_string(i) + "]");
      PC_RETURN_IF_ERROR(kr.CheckKeys({"actor", "point", "occurrence", "step"}));
      KillAt k;
      PC_RETURN_IF_ERROR(ReadKill(kr, t.config, &k));
      KillRecord rec{k.actor, k.point, k.occurrence, 0};
      PC_RETURN_IF_ERROR(kr.Int("step", &rec.step, 0, kMaxMaxSteps));
      t.kills.push_back(std::move(rec));
    }
  }
  // "violations" is what explore saw, for people (replay judges afresh); read
  // as strictly as the rest, so a trace reads back to what was written.
  PC_ASSIGN_OR_RETURN(const nlohmann::json* violations, r.Array("violations"));
  if (violations != nullptr) {
    if (violations->size() > kMaxKills) {
      return r.FailAt("violations", "more than " + std::to_string(kMaxKills) + " violations");
    }
    for (size_t i = 0; i < violations->size(); ++i) {
      const std::string p = JsonPointerChild("/violations", i);
      const nlohmann::json& jv = (*violations)[i];
      if (!jv.is_object()) {
        return doc.FailAtValue(p, "violations[" + std::to_string(i) + "] must be an object, not " + JsonTypeName(jv));
      }
      JsonObjectReader vr(doc, jv, p, "violations[" + std::to_string(i) + "]");
      PC_RETURN_IF_ERROR(vr.CheckKeys({"invariant", "actor", "subject", "step", "message"}));
      std::string invariant;
      PC_RETURN_IF_ERROR(vr.String("invariant", &invariant, true, "the id of the invariant violated"));
      std::optional<Invariant> parsed = ParseInvariant(invariant);
      if (!parsed) {
        return vr.FailAt("invariant", "unknown invariant '" + invariant + "'" + Suggest(invariant, InvariantNames()));
      }
      HarnessViolation v;
      v.invariant = *parsed;
      PC_RETURN_IF_ERROR(vr.String("actor", &v.actor));
      PC_RETURN_IF_ERROR(vr.String("subject", &v.subject));
      PC_RETURN_IF_ERROR(vr.Int("step", &v.step, -1, kMaxMaxSteps));
      PC_RETURN_IF_ERROR(vr.String("message", &v.message));
      t.violations.push_back(std::move(v));
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

std::string ViolationForDisplay(const HarnessViolation& v) {
  if (v.invariant != Invariant::kSanitizer) return EscapeForDisplay(v.message);
  std::string out;
  size_t start = 0;
  for (;;) {
    const size_t nl = v.message.find('\n', start);
    out += EscapeForDisplay(v.message.substr(start, nl == std::string::npos ? std::string::npos : nl - start));
    if (nl == std::string::npos) break;
    out += '\n';
    start = nl + 1;
  }
  return out;
}

std::string Summary(const RunConfig& config, const RunResult& r) {
  std::ostringstream s;
  if (!r.error.ok()) {
    s << "ERROR: " << EscapeForDisplay(r.error.ToString()) << "\n";
  } else if (r.passed) {
    s << "PASS: " << r.steps << " steps, no invariant violated\n";
  } else {
    s << "VIOLATION: " << r.violations.size() << " invariant violation(s) in " << r.steps << " steps\n";
    // Messages name archives, entries and files another process made: escaped,
    // so a name with a newline cannot forge a line of the verdict.
    for (const HarnessViolation& v : r.violations) s << "  [" << InvariantName(v.invariant) << "] " << ViolationForDisplay(v) << "\n";
  }
  for (size_t i = 0; i < r.outcomes.size(); ++i) {
    const ActorOutcome& o = r.outcomes[i];
    s << "  actor " << o.name << " (" << RoleName(o.role) << ", " << config.actors[i].profile << "): "
      << (o.killed ? "killed" : std::string(StopKindName(o.end.kind)) + ", exit " + std::to_string(o.end.exit_code))
      << "\n";
  }
  if (r.run_dir_kept) s << "  run directory kept: " << EscapeForDisplay(r.run_dir) << "\n";
  return s.str();
}

}  // namespace prunecheck::harness
