#include "harness/engine/run_config_json.h"

#include <algorithm>
#include <cmath>
#include <set>

#include "harness/engine/did_you_mean.h"
#include "pruner/base/bounded_read.h"
#include "pruner/profiles/profile_registry.h"

namespace prunecheck::harness {

namespace {

std::string Join(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

std::vector<std::string> ProfileNames() {
  std::vector<std::string> names;
  for (const ProfileSpec* p : AllProfiles()) names.push_back(p->name);
  return names;
}

}  // namespace

const char* JsonTypeName(const nlohmann::json& j) {
  switch (j.type()) {
    case nlohmann::json::value_t::null: return "null";
    case nlohmann::json::value_t::object: return "an object";
    case nlohmann::json::value_t::array: return "an array";
    case nlohmann::json::value_t::string: return "a string";
    case nlohmann::json::value_t::boolean: return "a boolean";
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned: return "an integer";
    case nlohmann::json::value_t::number_float: return "a float";
    case nlohmann::json::value_t::binary: return "binary data";
    case nlohmann::json::value_t::discarded: return "nothing";
  }
  return "a value";
}

Result<JsonDocument> JsonDocument::Parse(std::string text, const std::string& path) {
  JsonDocument d;
  d.path_ = path;
  d.text_ = std::make_unique<std::string>(std::move(text));
  const std::string_view t = *d.text_;
  try {
    d.root_ = nlohmann::json::parse(t);
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte counts the bytes read, the offending one included.
    const size_t offset = e.byte == 0 ? 0 : e.byte - 1;
    const TextPosition p = PositionOf(t, offset);
    std::string why = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 2: syntax error ..." -> "syntax error ..."
    if (size_t colon = why.find(": "); colon != std::string::npos) why.erase(0, colon + 2);
    return Status(StatusCode::kInvalidInput,
                  path + ":" + std::to_string(p.line) + ":" + std::to_string(p.column) + ": not valid JSON: " + why);
  } catch (const nlohmann::json::exception& e) {
    // out_of_range.406 ("number overflow", e.g. 1e999) carries no position.
    std::string why = e.what();
    if (size_t bracket = why.find("] "); bracket != std::string::npos) why.erase(0, bracket + 2);
    return Status(StatusCode::kInvalidInput, path + ":1:1: not valid JSON: " + why);
  }
  size_t error_offset = 0;
  Result<JsonPositions> positions = JsonPositions::Scan(t, &error_offset);
  if (!positions.ok()) {
    const TextPosition p = PositionOf(t, error_offset);
    return Status(StatusCode::kInvalidInput, path + ":" + std::to_string(p.line) + ":" + std::to_string(p.column) +
                                                 ": " + positions.status().message());
  }
  d.positions_ = std::move(*positions);
  return d;
}

Result<JsonDocument> JsonDocument::Load(const std::string& path, size_t max_bytes) {
  Result<std::string> text = ReadRegularFileBounded(path, max_bytes);
  if (!text.ok()) {
    std::string why = text.status().message();
    if (why.rfind(path + ": ", 0) == 0) why.erase(0, path.size() + 2);
    return Status(StatusCode::kInvalidInput, path + ":1:1: " + why);
  }
  return Parse(std::move(*text), path);
}

std::string JsonDocument::ValueWhere(const std::string& pointer) const {
  const TextPosition p = positions_.ValueAt(pointer);
  return path_ + ":" + std::to_string(p.line) + ":" + std::to_string(p.column);
}

std::string JsonDocument::KeyWhere(const std::string& pointer) const {
  const TextPosition p = positions_.KeyAt(pointer);
  return path_ + ":" + std::to_string(p.line) + ":" + std::to_string(p.column);
}

Status JsonDocument::FailAtValue(const std::string& pointer, const std::string& message) const {
  return Status(StatusCode::kInvalidInput, ValueWhere(pointer) + ": " + message);
}

Status JsonDocument::FailAtKey(const std::string& pointer, const std::string& message) const {
  return Status(StatusCode::kInvalidInput, KeyWhere(pointer) + ": " + message);
}

Status RequireFormat(const JsonDocument& doc, std::string_view expected, std::string_view what) {
  const nlohmann::json& root = doc.root();
  const std::string want(expected);
  if (!root.is_object()) {
    return doc.FailAtValue("", "not a prunecheck " + std::string(what) + ": a JSON object with \"format\": \"" + want +
                                   "\" was expected, not " + JsonTypeName(root));
  }
  auto it = root.find("format");
  if (it == root.end()) {
    return doc.FailAtValue("", "not a prunecheck " + std::string(what) + ": no \"format\" (expected \"format\": \"" +
                                   want + "\")");
  }
  if (!it->is_string()) {
    return doc.FailAtValue("/format", "\"format\" must be a string such as \"" + want + "\", not " + JsonTypeName(*it));
  }
  const std::string got = it->get<std::string>();
  if (got == want) return Status::Ok();
  const std::string kind = want.substr(0, want.rfind('/') + 1);  // "prunecheck-trace/"
  if (got.rfind(kind, 0) == 0) {
    return doc.FailAtValue("/format", "unsupported " + std::string(what) + " format \"" + got +
                                          "\": this prunecheck reads \"" + want + "\" (written by another version?)");
  }
  return doc.FailAtValue("/format", "format \"" + got + "\" is not a prunecheck " + std::string(what) +
                                        " (expected \"" + want + "\")");
}

Status JsonObjectReader::CheckKeys(const std::vector<std::string>& allowed) const {
  for (auto it = j_.begin(); it != j_.end(); ++it) {
    if (std::find(allowed.begin(), allowed.end(), it.key()) != allowed.end()) continue;
    return doc_.FailAtKey(JsonPointerChild(pointer_, it.key()), "unknown key '" + it.key() + "' in " + what_ +
                                                                    Suggest(it.key(), allowed) +
                                                                    "; expected one of: " + Join(allowed));
  }
  return Status::Ok();
}

Status JsonObjectReader::FailAt(const char* key, const std::string& message) const {
  return Has(key) ? doc_.FailAtValue(Pointer(key), message) : doc_.FailAtValue(pointer_, message);
}

Status JsonObjectReader::Missing(const char* key, const std::string& hint) const {
  return doc_.FailAtValue(pointer_, what_ + " is missing the required key '" + key + "'" +
                                        (hint.empty() ? "" : " (" + hint + ")"));
}

Status JsonObjectReader::WrongType(const char* key, const nlohmann::json& v, const std::string& expected) const {
  return doc_.FailAtValue(Pointer(key), "'" + std::string(key) + "' in " + what_ + " must be " + expected + ", not " +
                                            JsonTypeName(v));
}

Status JsonObjectReader::String(const char* key, std::string* out, bool required, const std::string& hint) const {
  auto it = j_.find(key);
  if (it == j_.end()) return required ? Missing(key, hint) : Status::Ok();
  if (!it->is_string()) return WrongType(key, *it, "a string");
  *out = it->get<std::string>();
  return Status::Ok();
}

Status JsonObjectReader::Int(const char* key, int64_t* out, int64_t min, int64_t max, bool required) const {
  auto it = j_.find(key);
  if (it == j_.end()) return required ? Missing(key, "") : Status::Ok();
  if (!it->is_number_integer()) return WrongType(key, *it, "an integer");
  const bool in_range = it->is_number_unsigned() ? it->get<uint64_t>() <= static_cast<uint64_t>(std::max<int64_t>(max, 0)) &&
                                                       static_cast<int64_t>(it->get<uint64_t>()) >= min
                                                 : it->get<int64_t>() >= min && it->get<int64_t>() <= max;
  if (!in_range) {
    return doc_.FailAtValue(Pointer(key), "'" + std::string(key) + "' in " + what_ + " must be between " +
                                              std::to_string(min) + " and " + std::to_string(max) + ", not " +
                                              it->dump());
  }
  *out = it->get<int64_t>();
  return Status::Ok();
}

Status JsonObjectReader::Int(const char* key, int* out, int min, int max, bool required) const {
  int64_t v = *out;
  PC_RETURN_IF_ERROR(Int(key, &v, min, max, required));
  *out = static_cast<int>(v);
  return Status::Ok();
}

Status JsonObjectReader::Uint64(const char* key, uint64_t* out, bool required) const {
  auto it = j_.find(key);
  if (it == j_.end()) return required ? Missing(key, "") : Status::Ok();
  if (!it->is_number_unsigned()) {
    if (it->is_number_integer()) {
      return doc_.FailAtValue(Pointer(key), "'" + std::string(key) + "' in " + what_ + " must be at least 0, not " +
                                                it->dump());
    }
    return WrongType(key, *it, "an integer");
  }
  *out = it->get<uint64_t>();
  return Status::Ok();
}

Status JsonObjectReader::Float(const char* key, double* out, double min, double max) const {
  auto it = j_.find(key);
  if (it == j_.end()) return Status::Ok();
  if (!it->is_number()) return WrongType(key, *it, "a number");
  const double v = it->get<double>();
  if (!(std::isfinite(v) && v >= min && v <= max)) {
    return doc_.FailAtValue(Pointer(key), "'" + std::string(key) + "' in " + what_ + " must be between " +
                                              std::to_string(min) + " and " + std::to_string(max) + ", not " +
                                              it->dump());
  }
  *out = v;
  return Status::Ok();
}

Status JsonObjectReader::Bool(const char* key, bool* out) const {
  auto it = j_.find(key);
  if (it == j_.end()) return Status::Ok();
  if (!it->is_boolean()) return WrongType(key, *it, "true or false");
  *out = it->get<bool>();
  return Status::Ok();
}

Status JsonObjectReader::Strings(const char* key, std::vector<std::string>* out) const {
  auto it = j_.find(key);
  if (it == j_.end()) return Status::Ok();
  if (!it->is_array()) return WrongType(key, *it, "an array of strings");
  out->clear();
  for (size_t i = 0; i < it->size(); ++i) {
    const nlohmann::json& e = (*it)[i];
    if (!e.is_string()) {
      return doc_.FailAtValue(JsonPointerChild(Pointer(key), i), "every element of '" + std::string(key) + "' in " +
                                                                     what_ + " must be a string, not " +
                                                                     JsonTypeName(e));
    }
    out->push_back(e.get<std::string>());
  }
  return Status::Ok();
}

Result<const nlohmann::json*> JsonObjectReader::Array(const char* key, bool required) const {
  auto it = j_.find(key);
  if (it == j_.end()) {
    if (required) return Missing(key, "");
    return static_cast<const nlohmann::json*>(nullptr);
  }
  if (!it->is_array()) return WrongType(key, *it, "an array");
  return &*it;
}

namespace {

Status ReadActor(const JsonDocument& doc, const nlohmann::json& j, const std::string& pointer, size_t index,
                 ActorSpec* a) {
  if (!j.is_object()) {
    return doc.FailAtValue(pointer, "actors[" + std::to_string(index) + "] must be an object, not " + JsonTypeName(j));
  }
  {
    JsonObjectReader r0(doc, j, pointer, "actors[" + std::to_string(index) + "]");
    PC_RETURN_IF_ERROR(r0.CheckKeys({"name", "role", "profile", "package", "link_mode", "command", "black_box", "free_running", "run_at"}));
    PC_RETURN_IF_ERROR(r0.String("name", &a->name, true, "a unique name used by faults"));
    if (!IsActorName(a->name)) return r0.FailAt("name", ActorNameRule(a->name));
  }
  JsonObjectReader r(doc, j, pointer, "actor '" + a->name + "'");
  const std::vector<std::string> kRoles = RoleNames();
  std::string role;
  PC_RETURN_IF_ERROR(r.String("role", &role, true, "install, read, refresh, prune, clean or command"));
  std::optional<Role> parsed_role = ParseRole(role);
  if (!parsed_role) {
    return r.FailAt("role", "unknown role '" + role + "'" + Suggest(role, kRoles) + "; expected one of: " +
                                Join(kRoles));
  }
  a->role = *parsed_role;
  PC_RETURN_IF_ERROR(r.String("profile", &a->profile));
  if (a->role != Role::kCommand) {
    if (!r.Has("profile")) return r.Missing("profile", "the protocol version it plays, e.g. reference");
    if (!FindProfile(a->profile).ok()) {
      return r.FailAt("profile", "unknown profile '" + a->profile + "'" + Suggest(a->profile, ProfileNames()) +
                                     "; known profiles: " + Join(ProfileNames()));
    }
  } else if (r.Has("profile")) {
    return r.FailAt("profile", "a command actor has no profile (it is whatever its command does)");
  }
  PC_RETURN_IF_ERROR(r.String("package", &a->package));
  if (!IsPackageName(a->package)) return r.FailAt("package", PackageNameRule(a->package));
  PC_RETURN_IF_ERROR(r.String("link_mode", &a->link_mode));
  if (a->link_mode != "hardlink" && a->link_mode != "copy" && a->link_mode != "symlink") {
    return r.FailAt("link_mode", "unknown link mode '" + a->link_mode + "'; expected hardlink, copy or symlink");
  }
  PC_RETURN_IF_ERROR(r.Strings("command", &a->command));
  PC_RETURN_IF_ERROR(r.Bool("black_box", &a->black_box));
  PC_RETURN_IF_ERROR(r.Bool("free_running", &a->free_running));
  if (a->free_running && !a->black_box) {
    return r.FailAt("free_running", "free_running is for black boxes (black_box: true) only");
  }
  if (a->role == Role::kCommand && a->command.empty()) {
    return r.Missing("command", "the argv to run; {cache} {run} {wheel} {env} are substituted");
  }
  if (a->role != Role::kCommand && (r.Has("command") || r.Has("black_box"))) {
    return r.FailAt(r.Has("command") ? "command" : "black_box", "'command' and 'black_box' are for role \"command\"");
  }
  std::string run_at;
  PC_RETURN_IF_ERROR(r.String("run_at", &run_at));
  if (r.Has("run_at")) {
    Result<ActorSpec::At> at = ParseAt(run_at);
    if (!at.ok()) return r.FailAt("run_at", "run_at " + at.status().message());
    if (!a->black_box) return r.FailAt("run_at", "run_at is for black boxes (black_box: true) only");
    a->run_at = *at;
  }
  return Status::Ok();
}

Status ReadSetup(const JsonDocument& doc, const nlohmann::json& j, const std::string& pointer, size_t index,
                 SetupOp* s) {
  if (!j.is_object()) {
    return doc.FailAtValue(pointer, "setup[" + std::to_string(index) + "] must be an object, not " + JsonTypeName(j));
  }
  JsonObjectReader r(doc, j, pointer, "setup[" + std::to_string(index) + "]");
  PC_RETURN_IF_ERROR(r.CheckKeys({"op", "profile", "package", "age_seconds"}));
  const std::vector<std::string> kOps = SetupKindNames();
  std::string op;
  PC_RETURN_IF_ERROR(r.String("op", &op, true, "install, refresh, prune or age"));
  std::optional<SetupKind> kind = ParseSetupKind(op);
  if (!kind) {
    return r.FailAt("op", "unknown setup op '" + op + "'" + Suggest(op, kOps) +
                              "; expected install, refresh, prune or age");
  }
  s->op = *kind;
  PC_RETURN_IF_ERROR(r.String("profile", &s->profile));
  if (!FindProfile(s->profile).ok()) {
    return r.FailAt("profile", "unknown profile '" + s->profile + "'" + Suggest(s->profile, ProfileNames()) +
                                   "; known profiles: " + Join(ProfileNames()));
  }
  PC_RETURN_IF_ERROR(r.String("package", &s->package));
  if (!IsPackageName(s->package)) return r.FailAt("package", PackageNameRule(s->package));
  PC_RETURN_IF_ERROR(r.Int("age_seconds", &s->age_seconds, 0, kMaxAgeSeconds));
  if (s->op == SetupKind::kAge && !r.Has("age_seconds")) return r.Missing("age_seconds", "how far to move mtimes back");
  // Traces write age_seconds: 0 for every op; a non-zero age is for op "age".
  if (s->op != SetupKind::kAge && s->age_seconds != 0) return r.FailAt("age_seconds", "age_seconds is for op \"age\"");
  return Status::Ok();
}

}  // namespace

Result<RunConfig> ReadRunConfig(const JsonDocument& doc, const std::string& pointer) {
  const nlohmann::json* j = &doc.root();
  if (!pointer.empty()) {
    const nlohmann::json::json_pointer p(pointer);
    if (!doc.root().contains(p)) return doc.FailAtValue("", "missing the run config ('" + pointer.substr(1) + "')");
    j = &doc.root().at(p);
  }
  if (!j->is_object()) return doc.FailAtValue(pointer, "a run config must be an object, not " + std::string(JsonTypeName(*j)));
  JsonObjectReader r(doc, *j, pointer, "the run config");
  PC_RETURN_IF_ERROR(r.CheckKeys({"actors", "setup", "kills", "kill_probability", "grace_seconds", "fixture_files",
                                  "max_steps", "unresponsive_ms", "plant_canaries"}));
  RunConfig c;
  PC_ASSIGN_OR_RETURN(const nlohmann::json* actors, r.Array("actors", true));
  if (actors->empty()) return r.FailAt("actors", "no actors: a run needs at least one");
  if (actors->size() > kMaxActors) {
    return r.FailAt("actors", "more than " + std::to_string(kMaxActors) + " actors");
  }
  std::set<std::string> names;
  for (size_t i = 0; i < actors->size(); ++i) {
    const std::string p = JsonPointerChild(r.Pointer("actors"), i);
    ActorSpec a;
    PC_RETURN_IF_ERROR(ReadActor(doc, (*actors)[i], p, i, &a));
    if (!names.insert(a.name).second) {
      return doc.FailAtValue(JsonPointerChild(p, "name"), "actor name '" + a.name + "' is used twice");
    }
    c.actors.push_back(std::move(a));
  }
  for (size_t i = 0; i < c.actors.size(); ++i) {
    const ActorSpec& a = c.actors[i];
    if (a.run_at.point.empty()) continue;
    const std::string p = JsonPointerChild(JsonPointerChild(r.Pointer("actors"), i), "run_at");
    bool known = false;
    for (const ActorSpec& b : c.actors) known |= (b.name == a.run_at.actor && !b.black_box);
    if (!known) {
      return doc.FailAtValue(p, "run_at names '" + a.run_at.actor + "', which is not a connected actor of this run");
    }
    if (Status s = CheckYieldPointFor(c, a.run_at.actor, a.run_at.point); !s.ok()) {
      return doc.FailAtValue(p, "run_at: " + s.message());
    }
  }
  PC_ASSIGN_OR_RETURN(const nlohmann::json* setup, r.Array("setup"));
  if (setup != nullptr) {
    if (setup->size() > kMaxSetupOps) return r.FailAt("setup", "more than " + std::to_string(kMaxSetupOps) + " setup ops");
    for (size_t i = 0; i < setup->size(); ++i) {
      SetupOp s;
      PC_RETURN_IF_ERROR(ReadSetup(doc, (*setup)[i], JsonPointerChild(r.Pointer("setup"), i), i, &s));
      c.setup.push_back(std::move(s));
    }
  }
  PC_ASSIGN_OR_RETURN(const nlohmann::json* kills, r.Array("kills"));
  if (kills != nullptr) {
    if (kills->size() > kMaxKills) return r.FailAt("kills", "more than " + std::to_string(kMaxKills) + " kills");
    for (size_t i = 0; i < kills->size(); ++i) {
      const std::string p = JsonPointerChild(r.Pointer("kills"), i);
      const nlohmann::json& jk = (*kills)[i];
      if (!jk.is_object()) return doc.FailAtValue(p, "kills[" + std::to_string(i) + "] must be an object, not " + JsonTypeName(jk));
      JsonObjectReader kr(doc, jk, p, "kills[" + std::to_string(i) + "]");
      PC_RETURN_IF_ERROR(kr.CheckKeys({"actor", "point", "occurrence"}));
      KillAt k;
      PC_RETURN_IF_ERROR(ReadKill(kr, c, &k));
      c.kills.push_back(std::move(k));
    }
  }
  PC_RETURN_IF_ERROR(r.Float("kill_probability", &c.kill_probability, 0.0, 1.0));
  PC_RETURN_IF_ERROR(r.Int("grace_seconds", &c.grace_seconds, 0, kMaxGraceSeconds));
  PC_RETURN_IF_ERROR(r.Int("fixture_files", &c.fixture_files, kMinFixtureFiles, kMaxFixtureFiles));
  PC_RETURN_IF_ERROR(r.Int("max_steps", &c.max_steps, 1, kMaxMaxSteps));
  PC_RETURN_IF_ERROR(r.Int("unresponsive_ms", &c.unresponsive_ms, 1, kMaxUnresponsiveMs));
  PC_RETURN_IF_ERROR(r.Bool("plant_canaries", &c.plant_canaries));
  // Everything above has a position; this catches what only the whole shows.
  if (Status v = Validate(c); !v.ok()) return doc.FailAtValue(pointer, v.message());
  return c;
}

Status ReadKill(const JsonObjectReader& r, const RunConfig& c, KillAt* k) {
  PC_RETURN_IF_ERROR(r.String("actor", &k->actor));
  if (k->actor != "*") {
    bool known = false;
    std::vector<std::string> names;
    for (const ActorSpec& a : c.actors) {
      known |= a.name == k->actor;
      names.push_back(a.name);
    }
    if (!known) {
      return r.FailAt("actor", "kill names actor '" + k->actor + "', which is not an actor of this run" +
                                   Suggest(k->actor, names) + "; actors: " + Join(names) + " (or \"*\")");
    }
  }
  PC_RETURN_IF_ERROR(r.String("point", &k->point, true, "the yield point, e.g. prune.remove_progress"));
  if (k->point.empty()) return r.FailAt("point", "point must not be empty");
  if (Status s = CheckYieldPointFor(c, k->actor, k->point); !s.ok()) return r.FailAt("point", s.message());
  PC_RETURN_IF_ERROR(r.Int("occurrence", &k->occurrence, 1, kMaxOccurrence));
  return Status::Ok();
}

Result<RunConfig> LoadRunConfigFile(const std::string& path) {
  PC_ASSIGN_OR_RETURN(JsonDocument doc, JsonDocument::Load(path));
  return ReadRunConfig(doc, "");
}

Result<RunConfig> RunConfigFromJson(const nlohmann::json& j) {
  PC_ASSIGN_OR_RETURN(JsonDocument doc, JsonDocument::Parse(j.dump(2), "run config"));
  return ReadRunConfig(doc, "");
}

}  // namespace prunecheck::harness
