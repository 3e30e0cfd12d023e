#include "harness/engine/run_config.h"

#include <set>

#include "pruner/profiles/profile_registry.h"

namespace prunecheck::harness {

namespace {

template <typename T>
Status Get(const nlohmann::json& j, const char* key, T* out, const std::string& where, bool required = false) {
  auto it = j.find(key);
  if (it == j.end()) {
    if (required) return Status(StatusCode::kInvalidInput, where + ": missing field '" + key + "'");
    return Status::Ok();
  }
  try {
    *out = it->get<T>();
  } catch (const nlohmann::json::exception& e) {
    return Status(StatusCode::kInvalidInput, where + ": field '" + key + "' has the wrong type");
  }
  return Status::Ok();
}

}  // namespace

nlohmann::json ToJson(const RunConfig& c) {
  nlohmann::ordered_json j;
  j["actors"] = nlohmann::json::array();
  for (const ActorSpec& a : c.actors) {
    nlohmann::ordered_json ja{{"name", a.name}, {"role", a.role}};
    if (!a.profile.empty()) ja["profile"] = a.profile;
    ja["package"] = a.package;
    ja["link_mode"] = a.link_mode;
    if (!a.command.empty()) ja["command"] = a.command;
    if (a.black_box) ja["black_box"] = true;
    if (a.free_running) ja["free_running"] = true;
    if (!a.run_at.point.empty()) {
      ja["run_at"] = a.run_at.actor + "@" + a.run_at.point + "#" + std::to_string(a.run_at.occurrence);
    }
    j["actors"].push_back(ja);
  }
  j["setup"] = nlohmann::json::array();
  for (const SetupOp& s : c.setup) {
    j["setup"].push_back({{"op", s.op}, {"profile", s.profile}, {"package", s.package}, {"age_seconds", s.age_seconds}});
  }
  j["kills"] = nlohmann::json::array();
  for (const KillAt& k : c.kills) {
    j["kills"].push_back({{"actor", k.actor}, {"point", k.point}, {"occurrence", k.occurrence}});
  }
  j["kill_probability"] = c.kill_probability;
  j["grace_seconds"] = c.grace_seconds;
  j["fixture_files"] = c.fixture_files;
  j["max_steps"] = c.max_steps;
  j["unresponsive_ms"] = c.unresponsive_ms;
  j["plant_canaries"] = c.plant_canaries;
  return j;
}

Result<RunConfig> RunConfigFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return Status(StatusCode::kInvalidInput, "run config: not a JSON object");
  RunConfig c;
  auto actors = j.find("actors");
  if (actors == j.end() || !actors->is_array()) {
    return Status(StatusCode::kInvalidInput, "run config: 'actors' must be an array");
  }
  for (size_t i = 0; i < actors->size(); ++i) {
    const auto& ja = (*actors)[i];
    std::string where = "run config: actors[" + std::to_string(i) + "]";
    if (!ja.is_object()) return Status(StatusCode::kInvalidInput, where + ": not an object");
    ActorSpec a;
    PC_RETURN_IF_ERROR(Get(ja, "name", &a.name, where, true));
    PC_RETURN_IF_ERROR(Get(ja, "role", &a.role, where, true));
    PC_RETURN_IF_ERROR(Get(ja, "profile", &a.profile, where));
    PC_RETURN_IF_ERROR(Get(ja, "package", &a.package, where));
    PC_RETURN_IF_ERROR(Get(ja, "link_mode", &a.link_mode, where));
    PC_RETURN_IF_ERROR(Get(ja, "command", &a.command, where));
    PC_RETURN_IF_ERROR(Get(ja, "black_box", &a.black_box, where));
    PC_RETURN_IF_ERROR(Get(ja, "free_running", &a.free_running, where));
    std::string run_at;
    PC_RETURN_IF_ERROR(Get(ja, "run_at", &run_at, where));
    if (!run_at.empty()) {
      Result<ActorSpec::At> at = ParseAt(run_at);
      if (!at.ok()) return at.status().Annotate(where + ".run_at");
      a.run_at = *at;
    }
    c.actors.push_back(std::move(a));
  }
  if (auto setup = j.find("setup"); setup != j.end()) {
    if (!setup->is_array()) return Status(StatusCode::kInvalidInput, "run config: 'setup' must be an array");
    for (size_t i = 0; i < setup->size(); ++i) {
      std::string where = "run config: setup[" + std::to_string(i) + "]";
      SetupOp s;
      PC_RETURN_IF_ERROR(Get((*setup)[i], "op", &s.op, where, true));
      PC_RETURN_IF_ERROR(Get((*setup)[i], "profile", &s.profile, where));
      PC_RETURN_IF_ERROR(Get((*setup)[i], "package", &s.package, where));
      PC_RETURN_IF_ERROR(Get((*setup)[i], "age_seconds", &s.age_seconds, where));
      c.setup.push_back(std::move(s));
    }
  }
  if (auto kills = j.find("kills"); kills != j.end()) {
    if (!kills->is_array()) return Status(StatusCode::kInvalidInput, "run config: 'kills' must be an array");
    for (size_t i = 0; i < kills->size(); ++i) {
      std::string where = "run config: kills[" + std::to_string(i) + "]";
      KillAt k;
      PC_RETURN_IF_ERROR(Get((*kills)[i], "actor", &k.actor, where));
      PC_RETURN_IF_ERROR(Get((*kills)[i], "point", &k.point, where, true));
      PC_RETURN_IF_ERROR(Get((*kills)[i], "occurrence", &k.occurrence, where));
      c.kills.push_back(std::move(k));
    }
  }
  const std::string where = "run config";
  PC_RETURN_IF_ERROR(Get(j, "kill_probability", &c.kill_probability, where));
  PC_RETURN_IF_ERROR(Get(j, "grace_seconds", &c.grace_seconds, where));
  PC_RETURN_IF_ERROR(Get(j, "fixture_files", &c.fixture_files, where));
  PC_RETURN_IF_ERROR(Get(j, "max_steps", &c.max_steps, where));
  PC_RETURN_IF_ERROR(Get(j, "unresponsive_ms", &c.unresponsive_ms, where));
  PC_RETURN_IF_ERROR(Get(j, "plant_canaries", &c.plant_canaries, where));
  PC_RETURN_IF_ERROR(Validate(c));
  return c;
}

Result<ActorSpec::At> ParseAt(const std::string& text) {
  size_t at = text.find('@');
  if (at == std::string::npos || at == 0 || at + 1 == text.size()) {
    return Status(StatusCode::kInvalidInput, "'" + text + "': expected ACTOR@POINT[#N]");
  }
  ActorSpec::At r;
  r.actor = text.substr(0, at);
  std::string rest = text.substr(at + 1);
  size_t hash = rest.find('#');
  r.point = rest.substr(0, hash);
  if (hash != std::string::npos) {
    const std::string num = rest.substr(hash + 1);
    if (num.empty() || num.find_first_not_of("0123456789") != std::string::npos || num.size() > 6) {
      return Status(StatusCode::kInvalidInput, "'" + text + "': occurrence '" + num + "' is not a number");
    }
    r.occurrence = std::stoi(num);
  }
  if (r.point.empty()) return Status(StatusCode::kInvalidInput, "'" + text + "': no point given");
  if (r.occurrence < 1) return Status(StatusCode::kInvalidInput, "'" + text + "': occurrence must be >= 1");
  return r;
}

Status Validate(const RunConfig& c) {
  static const std::set<std::string> kRoles = {"install", "read", "refresh", "prune", "clean", "command"};
  static const std::set<std::string> kSetupOps = {"install", "refresh", "prune", "age"};
  if (c.actors.empty()) return Status(StatusCode::kInvalidInput, "run config: no actors");
  std::set<std::string> names;
  for (const ActorSpec& a : c.actors) {
    std::string where = "actor '" + a.name + "'";
    if (a.name.empty()) return Status(StatusCode::kInvalidInput, "an actor has an empty name");
    if (!names.insert(a.name).second) return Status(StatusCode::kInvalidInput, where + ": name used twice");
    if (!kRoles.count(a.role)) {
      return Status(StatusCode::kInvalidInput,
                    where + ": unknown role '" + a.role + "' (expected install, read, refresh, prune, clean or command)");
    }
    if (a.role == "command") {
      if (a.command.empty()) return Status(StatusCode::kInvalidInput, where + ": role command needs a command");
    } else {
      Result<const ProfileSpec*> p = FindProfile(a.profile);
      if (!p.ok()) return p.status().Annotate(where);
    }
    if (!a.run_at.point.empty()) {
      if (!a.black_box) return Status(StatusCode::kInvalidInput, where + ": run_at is for black boxes only");
      bool known = false;
      for (const ActorSpec& b : c.actors) known |= (b.name == a.run_at.actor && !b.black_box);
      if (!known) {
        return Status(StatusCode::kInvalidInput,
                      where + ": run_at names '" + a.run_at.actor + "', which is not a connected actor of this run");
      }
    }
    if (a.link_mode != "hardlink" && a.link_mode != "copy" && a.link_mode != "symlink") {
      return Status(StatusCode::kInvalidInput, where + ": unknown link mode '" + a.link_mode + "'");
    }
  }
  for (const SetupOp& s : c.setup) {
    if (!kSetupOps.count(s.op)) {
      return Status(StatusCode::kInvalidInput, "setup: unknown op '" + s.op + "' (expected install, refresh, prune or age)");
    }
    if (s.op != "age") PC_RETURN_IF_ERROR(FindProfile(s.profile).status().Annotate("setup"));
  }
  for (const KillAt& k : c.kills) {
    if (k.point.empty()) return Status(StatusCode::kInvalidInput, "kill: no point given");
    if (k.actor != "*" && !names.count(k.actor)) {
      return Status(StatusCode::kInvalidInput, "kill: unknown actor '" + k.actor + "'");
    }
    if (k.occurrence < 1) return Status(StatusCode::kInvalidInput, "kill: occurrence must be >= 1");
  }
  if (c.kill_probability < 0 || c.kill_probability > 1) {
    return Status(StatusCode::kInvalidInput, "kill probability must be within [0, 1]");
  }
  if (c.max_steps < 1) return Status(StatusCode::kInvalidInput, "max_steps must be >= 1");
  return Status::Ok();
}

}  // namespace prunecheck::harness
