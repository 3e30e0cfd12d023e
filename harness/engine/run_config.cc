#include "harness/engine/run_config.h"

#include <algorithm>
#include <set>

#include "harness/engine/did_you_mean.h"
#include "pruner/base/yield_points.h"
#include "pruner/profiles/profile_registry.h"

namespace prunecheck::harness {

namespace {

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}
bool IsAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

std::string Printable(const std::string& s) {
  std::string out;
  for (unsigned char c : s.substr(0, 80)) {
    if (c < 0x20 || c == 0x7f) {
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return s.size() > 80 ? out + "..." : out;
}

}  // namespace

std::string_view RoleName(Role r) {
  switch (r) {
    case Role::kInstall: return "install";
    case Role::kRead: return "read";
    case Role::kRefresh: return "refresh";
    case Role::kPrune: return "prune";
    case Role::kClean: return "clean";
    case Role::kWipe: return "wipe";
    case Role::kCommand: return "command";
  }
  return "?";
}

std::optional<Role> ParseRole(std::string_view text) {
  for (Role r : kAllRoles) {
    if (RoleName(r) == text) return r;
  }
  return std::nullopt;
}

std::vector<std::string> RoleNames() {
  std::vector<std::string> names;
  for (Role r : kAllRoles) names.emplace_back(RoleName(r));
  return names;
}

std::string_view SetupKindName(SetupKind k) {
  switch (k) {
    case SetupKind::kInstall: return "install";
    case SetupKind::kRefresh: return "refresh";
    case SetupKind::kPrune: return "prune";
    case SetupKind::kAge: return "age";
  }
  return "?";
}

std::optional<SetupKind> ParseSetupKind(std::string_view text) {
  for (SetupKind k : kAllSetupKinds) {
    if (SetupKindName(k) == text) return k;
  }
  return std::nullopt;
}

std::vector<std::string> SetupKindNames() {
  std::vector<std::string> names;
  for (SetupKind k : kAllSetupKinds) names.emplace_back(SetupKindName(k));
  return names;
}

bool IsActorName(std::string_view name) {
  return !name.empty() && name.size() <= 64 && IsAlnum(name.front()) &&
         std::all_of(name.begin(), name.end(), IsNameChar);
}

std::string ActorNameRule(const std::string& name) {
  return "actor name '" + Printable(name) +
         "' must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit";
}

bool IsPackageName(std::string_view name) {
  return !name.empty() && name.size() <= 100 && IsAlnum(name.front()) && IsAlnum(name.back()) &&
         std::all_of(name.begin(), name.end(), IsNameChar);
}

std::string PackageNameRule(const std::string& name) {
  return "'" + Printable(name) +
         "' is not a package name (letters, digits, '.', '_', '-', beginning and ending with a letter or digit)";
}


nlohmann::json ToJson(const RunConfig& c) {
  nlohmann::ordered_json j;
  j["actors"] = nlohmann::json::array();
  for (const ActorSpec& a : c.actors) {
    nlohmann::ordered_json ja{{"name", a.name}, {"role", RoleName(a.role)}};
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
    j["setup"].push_back({{"op", SetupKindName(s.op)}, {"profile", s.profile}, {"package", s.package}, {"age_seconds", s.age_seconds}});
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

Status CheckYieldPointFor(const RunConfig& c, const std::string& actor, const std::string& point) {
  bool any_command = false;
  for (const ActorSpec& a : c.actors) {
    if (a.role == Role::kCommand && (actor == "*" || a.name == actor)) any_command = true;
  }
  if (any_command || IsKnownYieldPoint(point)) return Status::Ok();
  const std::string who = actor == "*" ? "its actors (all played by cache-actor)" : "actor '" + actor + "' (played by cache-actor)";
  if (point.rfind("sys.", 0) == 0) {
    return Status(StatusCode::kInvalidInput, "'" + point + "' is a system-call point, for command and black-box "
                                             "actors only; " + who + " yields only at cache-actor's points");
  }
  return Status(StatusCode::kInvalidInput, "unknown yield point '" + point + "' for " + who +
                                               Suggest(point, KnownYieldPoints()) +
                                               "; cache-actor's points are listed in pruner/README.md");
}

Status Validate(const RunConfig& c) {
  if (c.actors.empty()) return Status(StatusCode::kInvalidInput, "run config: no actors");
  if (c.actors.size() > kMaxActors || c.setup.size() > kMaxSetupOps || c.kills.size() > kMaxKills) {
    return Status(StatusCode::kInvalidInput, "run config: more than " + std::to_string(kMaxActors) + " actors, " +
                                                 std::to_string(kMaxSetupOps) + " setup ops or " +
                                                 std::to_string(kMaxKills) + " kills");
  }
  std::set<std::string> names;
  for (const ActorSpec& a : c.actors) {
    std::string where = "actor '" + a.name + "'";
    if (!IsActorName(a.name)) return Status(StatusCode::kInvalidInput, ActorNameRule(a.name));
    if (!IsPackageName(a.package)) return Status(StatusCode::kInvalidInput, where + ": " + PackageNameRule(a.package));
    if (!names.insert(a.name).second) return Status(StatusCode::kInvalidInput, where + ": name used twice");
    if (a.role == Role::kCommand) {
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
      PC_RETURN_IF_ERROR(CheckYieldPointFor(c, a.run_at.actor, a.run_at.point).Annotate(where + ": run_at"));
    }
    if (a.link_mode != "hardlink" && a.link_mode != "copy" && a.link_mode != "symlink") {
      return Status(StatusCode::kInvalidInput, where + ": unknown link mode '" + a.link_mode + "'");
    }
  }
  for (const SetupOp& s : c.setup) {
    if (s.op != SetupKind::kAge) PC_RETURN_IF_ERROR(FindProfile(s.profile).status().Annotate("setup"));
    if (!IsPackageName(s.package)) return Status(StatusCode::kInvalidInput, "setup: " + PackageNameRule(s.package));
    if (s.age_seconds < 0 || s.age_seconds > kMaxAgeSeconds) {
      return Status(StatusCode::kInvalidInput, "setup: age_seconds must be between 0 and " + std::to_string(kMaxAgeSeconds));
    }
  }
  for (const KillAt& k : c.kills) {
    if (k.point.empty()) return Status(StatusCode::kInvalidInput, "kill: no point given");
    if (k.actor != "*" && !names.count(k.actor)) {
      return Status(StatusCode::kInvalidInput, "kill: unknown actor '" + k.actor + "'");
    }
    if (k.occurrence < 1 || k.occurrence > kMaxOccurrence) {
      return Status(StatusCode::kInvalidInput, "kill: occurrence must be between 1 and " + std::to_string(kMaxOccurrence));
    }
    PC_RETURN_IF_ERROR(CheckYieldPointFor(c, k.actor, k.point).Annotate("kill"));
  }
  if (!(c.kill_probability >= 0 && c.kill_probability <= 1)) {  // NaN fails too
    return Status(StatusCode::kInvalidInput, "kill probability must be within [0, 1]");
  }
  auto range = [](const char* name, int64_t v, int64_t min, int64_t max) {
    if (v >= min && v <= max) return Status::Ok();
    return Status(StatusCode::kInvalidInput, std::string(name) + " must be between " + std::to_string(min) + " and " +
                                                 std::to_string(max) + ", not " + std::to_string(v));
  };
  PC_RETURN_IF_ERROR(range("grace_seconds", c.grace_seconds, 0, kMaxGraceSeconds));
  PC_RETURN_IF_ERROR(range("fixture_files", c.fixture_files, kMinFixtureFiles, kMaxFixtureFiles));
  PC_RETURN_IF_ERROR(range("max_steps", c.max_steps, 1, kMaxMaxSteps));
  PC_RETURN_IF_ERROR(range("unresponsive_ms", c.unresponsive_ms, 1, kMaxUnresponsiveMs));
  return Status::Ok();
}

}  // namespace prunecheck::harness
