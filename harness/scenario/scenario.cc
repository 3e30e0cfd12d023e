#include "harness/scenario/scenario.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include <toml++/toml.h>

#include "harness/engine/controlled_run.h"
#include "harness/engine/did_you_mean.h"
#include "harness/engine/invariant_checker.h"
#include "pruner/base/bounded_read.h"
#include "pruner/base/yield_points.h"
#include "pruner/profiles/profile_registry.h"

namespace prunecheck::harness {

namespace fs = std::filesystem;

bool Scenario::Checks(Invariant invariant) const {
  return check.empty() || std::find(check.begin(), check.end(), invariant) != check.end();
}

namespace {

const char* TypeName(toml::node_type t) {
  switch (t) {
    case toml::node_type::none: return "nothing";
    case toml::node_type::table: return "a table";
    case toml::node_type::array: return "an array";
    case toml::node_type::string: return "a string";
    case toml::node_type::integer: return "an integer";
    case toml::node_type::floating_point: return "a float";
    case toml::node_type::boolean: return "a boolean";
    case toml::node_type::date: return "a date";
    case toml::node_type::time: return "a time";
    case toml::node_type::date_time: return "a date-time";
  }
  return "a value";
}

std::string JoinQuoted(const std::vector<std::string>& v) {
  std::string s;
  for (const std::string& x : v) s += (s.empty() ? "" : ", ") + x;
  return s;
}

std::vector<std::string> InvariantIds() { return InvariantNames(); }

std::vector<std::string> ProfileNames() {
  std::vector<std::string> names;
  for (const ProfileSpec* p : AllProfiles()) names.push_back(p->name);
  return names;
}

// Positions and messages: everything the parser complains about goes through here.
class Errors {
 public:
  explicit Errors(std::string path) : path_(std::move(path)) {}

  std::string At(const toml::source_region& r) const {
    const auto line = r.begin.line == 0 ? 1u : r.begin.line;
    const auto col = r.begin.column == 0 ? 1u : r.begin.column;
    return path_ + ":" + std::to_string(line) + ":" + std::to_string(col);
  }
  std::string Start() const { return path_ + ":1:1"; }
  Status Fail(const toml::source_region& r, const std::string& message) const {
    return Status(StatusCode::kInvalidInput, At(r) + ": " + message);
  }
  Status FailAtStart(const std::string& message) const {
    return Status(StatusCode::kInvalidInput, Start() + ": " + message);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

// One TOML table of the scenario: checks its keys, reads typed values with
// their positions.
class TableReader {
 public:
  TableReader(const toml::table& t, std::string what, const Errors& errors)
      : t_(t), what_(std::move(what)), errors_(errors) {}

  const toml::table& table() const { return t_; }
  const std::string& what() const { return what_; }

  Status CheckKeys(const std::vector<std::string>& allowed) const {
    for (auto&& [key, node] : t_) {
      const std::string k(key.str());
      if (std::find(allowed.begin(), allowed.end(), k) != allowed.end()) continue;
      return errors_.Fail(key.source(), "unknown key '" + k + "' in " + what_ + Suggest(k, allowed) +
                                            "; expected one of: " + JoinQuoted(allowed));
    }
    return Status::Ok();
  }

  const toml::node* Node(const char* key) const { return t_.get(key); }
  std::string Where(const char* key) const {
    const toml::node* n = Node(key);
    return n ? errors_.At(n->source()) : errors_.At(t_.source());
  }
  Status FailAt(const char* key, const std::string& message) const {
    const toml::node* n = Node(key);
    return n ? errors_.Fail(n->source(), message) : errors_.Fail(t_.source(), message);
  }

  Status Missing(const char* key, const std::string& hint) const {
    return errors_.Fail(t_.source(), what_ + " is missing the required key '" + key + "'" + (hint.empty() ? "" : " (" + hint + ")"));
  }
  Status WrongType(const char* key, const toml::node& n, const std::string& expected) const {
    return errors_.Fail(n.source(), "'" + std::string(key) + "' in " + what_ + " must be " + expected + ", not " +
                                        TypeName(n.type()));
  }

  Status String(const char* key, std::string* out, bool required = false, const std::string& hint = "") const {
    const toml::node* n = Node(key);
    if (n == nullptr) return required ? Missing(key, hint) : Status::Ok();
    if (!n->is_string()) return WrongType(key, *n, "a string");
    *out = n->as_string()->get();
    return Status::Ok();
  }

  Status Int(const char* key, int64_t* out, int64_t min, int64_t max, bool required = false) const {
    const toml::node* n = Node(key);
    if (n == nullptr) return required ? Missing(key, "") : Status::Ok();
    if (!n->is_integer()) return WrongType(key, *n, "an integer");
    const int64_t v = n->as_integer()->get();
    if (v < min || v > max) {
      return errors_.Fail(n->source(), "'" + std::string(key) + "' in " + what_ + " must be between " +
                                           std::to_string(min) + " and " + std::to_string(max) + ", not " +
                                           std::to_string(v));
    }
    *out = v;
    return Status::Ok();
  }
  Status Int(const char* key, int* out, int min, int max) const {
    int64_t v = *out;
    PC_RETURN_IF_ERROR(Int(key, &v, min, max));
    *out = static_cast<int>(v);
    return Status::Ok();
  }

  Status Float(const char* key, double* out, double min, double max) const {
    const toml::node* n = Node(key);
    if (n == nullptr) return Status::Ok();
    double v = 0;
    if (n->is_floating_point()) {
      v = n->as_floating_point()->get();
    } else if (n->is_integer()) {
      v = static_cast<double>(n->as_integer()->get());
    } else {
      return WrongType(key, *n, "a number");
    }
    if (!(v >= min && v <= max)) {
      return errors_.Fail(n->source(), "'" + std::string(key) + "' in " + what_ + " must be between " +
                                           std::to_string(min) + " and " + std::to_string(max));
    }
    *out = v;
    return Status::Ok();
  }

  Status Bool(const char* key, bool* out) const {
    const toml::node* n = Node(key);
    if (n == nullptr) return Status::Ok();
    if (!n->is_boolean()) return WrongType(key, *n, "true or false");
    *out = n->as_boolean()->get();
    return Status::Ok();
  }

  // An array of strings, with each element's position.
  Status Strings(const char* key, std::vector<std::string>* out, std::vector<toml::source_region>* where) const {
    const toml::node* n = Node(key);
    if (n == nullptr) return Status::Ok();
    if (!n->is_array()) return WrongType(key, *n, "an array of strings");
    out->clear();
    for (const toml::node& e : *n->as_array()) {
      if (!e.is_string()) {
        return errors_.Fail(e.source(), "every element of '" + std::string(key) + "' in " + what_ +
                                            " must be a string, not " + TypeName(e.type()));
      }
      out->push_back(e.as_string()->get());
      if (where) where->push_back(e.source());
    }
    return Status::Ok();
  }

 private:
  const toml::table& t_;
  std::string what_;
  const Errors& errors_;
};

// The array of tables `key` ([[actor]] etc.), or an error when `key` is something else.
Status TablesOf(const toml::table& root, const char* key, const Errors& errors,
                std::vector<const toml::table*>* out) {
  const toml::node* n = root.get(key);
  if (n == nullptr) return Status::Ok();
  const std::string header = "[[" + std::string(key) + "]]";
  if (!n->is_array()) {
    return errors.Fail(n->source(), "'" + std::string(key) + "' must be written as " + header + " tables, not " +
                                        TypeName(n->type()));
  }
  for (const toml::node& e : *n->as_array()) {
    if (!e.is_table()) {
      return errors.Fail(e.source(), "'" + std::string(key) + "' must be written as " + header + " tables, not " +
                                         TypeName(e.type()));
    }
    out->push_back(e.as_table());
  }
  return Status::Ok();
}

Status ParseActor(const toml::table& t, size_t index, const Errors& errors, ActorSpec* a,
                  toml::source_region* name_where) {
  {
    TableReader r0(t, "[[actor]] #" + std::to_string(index + 1), errors);
    PC_RETURN_IF_ERROR(r0.CheckKeys(
        {"name", "role", "profile", "package", "link_mode", "command", "black_box", "free_running", "run_at"}));
    PC_RETURN_IF_ERROR(r0.String("name", &a->name, true, "a unique name used by script steps and faults"));
    if (!IsActorName(a->name)) return r0.FailAt("name", ActorNameRule(a->name));
    *name_where = r0.Node("name")->source();
  }
  const TableReader r(t, "[[actor]] '" + a->name + "'", errors);
  std::string role;
  PC_RETURN_IF_ERROR(r.String("role", &role, true, "install, read, refresh, prune, clean or command"));
  std::optional<Role> parsed_role = ParseRole(role);
  if (!parsed_role) {
    return r.FailAt("role", "unknown role '" + role + "'" + Suggest(role, RoleNames()) + "; expected one of: " +
                                JoinQuoted(RoleNames()));
  }
  a->role = *parsed_role;
  PC_RETURN_IF_ERROR(r.String("profile", &a->profile));
  if (a->role != Role::kCommand) {
    if (r.Node("profile") == nullptr) return r.Missing("profile", "the protocol version it plays, e.g. reference");
    Result<const ProfileSpec*> p = FindProfile(a->profile);
    if (!p.ok()) {
      return r.FailAt("profile", "unknown profile '" + a->profile + "'" + Suggest(a->profile, ProfileNames()) +
                                     "; known profiles: " + JoinQuoted(ProfileNames()));
    }
  } else if (r.Node("profile") != nullptr) {
    return r.FailAt("profile", "a command actor has no profile (it is whatever its command does)");
  }
  PC_RETURN_IF_ERROR(r.String("package", &a->package));
  if (!IsPackageName(a->package)) return r.FailAt("package", PackageNameRule(a->package));
  PC_RETURN_IF_ERROR(r.String("link_mode", &a->link_mode));
  if (a->link_mode != "hardlink" && a->link_mode != "copy" && a->link_mode != "symlink") {
    return r.FailAt("link_mode", "unknown link mode '" + a->link_mode + "'; expected hardlink, copy or symlink");
  }
  PC_RETURN_IF_ERROR(r.Strings("command", &a->command, nullptr));
  PC_RETURN_IF_ERROR(r.Bool("black_box", &a->black_box));
  PC_RETURN_IF_ERROR(r.Bool("free_running", &a->free_running));
  if (a->free_running && !a->black_box) {
    return r.FailAt("free_running", "free_running is for black boxes (black_box = true) only");
  }
  if (a->role == Role::kCommand && a->command.empty()) {
    return r.Missing("command", "the argv to run; {cache} {run} {wheel} {env} are substituted");
  }
  if (a->role != Role::kCommand && (r.Node("command") != nullptr || r.Node("black_box") != nullptr)) {
    return r.FailAt(r.Node("command") ? "command" : "black_box", "'command' and 'black_box' are for role = \"command\"");
  }
  std::string run_at;
  PC_RETURN_IF_ERROR(r.String("run_at", &run_at));
  if (r.Node("run_at") != nullptr) {
    Result<ActorSpec::At> at = ParseAt(run_at);
    if (!at.ok()) return r.FailAt("run_at", "run_at " + at.status().message());
    if (!a->black_box) return r.FailAt("run_at", "run_at is for black boxes (black_box = true) only");
    a->run_at = *at;
  }
  return Status::Ok();
}

Status ParseSetup(const toml::table& t, size_t index, const Errors& errors, SetupOp* s) {
  TableReader r(t, "[[setup]] #" + std::to_string(index + 1), errors);
  PC_RETURN_IF_ERROR(r.CheckKeys({"op", "profile", "package", "age_seconds"}));
  std::string op;
  PC_RETURN_IF_ERROR(r.String("op", &op, true, "install, refresh, prune or age"));
  std::optional<SetupKind> kind = ParseSetupKind(op);
  if (!kind) {
    return r.FailAt("op", "unknown setup op '" + op + "'" + Suggest(op, SetupKindNames()) +
                              "; expected install, refresh, prune or age");
  }
  s->op = *kind;
  PC_RETURN_IF_ERROR(r.String("profile", &s->profile));
  if (!FindProfile(s->profile).ok()) {
    return r.FailAt("profile", "unknown profile '" + s->profile + "'" + Suggest(s->profile, ProfileNames()) +
                                   "; known profiles: " + JoinQuoted(ProfileNames()));
  }
  PC_RETURN_IF_ERROR(r.String("package", &s->package));
  if (!IsPackageName(s->package)) return r.FailAt("package", PackageNameRule(s->package));
  PC_RETURN_IF_ERROR(r.Int("age_seconds", &s->age_seconds, 0, kMaxAgeSeconds));
  if (s->op == SetupKind::kAge && r.Node("age_seconds") == nullptr) {
    return r.Missing("age_seconds", "how far to move mtimes back");
  }
  if (s->op != SetupKind::kAge && r.Node("age_seconds") != nullptr) {
    return r.FailAt("age_seconds", "age_seconds is for op = \"age\"");
  }
  return Status::Ok();
}

Status ParseFault(const toml::table& t, size_t index, const Errors& errors, const std::set<std::string>& actors,
                  KillAt* k) {
  TableReader r(t, "[[fault]] #" + std::to_string(index + 1), errors);
  PC_RETURN_IF_ERROR(r.CheckKeys({"kind", "actor", "point", "occurrence"}));
  std::string kind;
  PC_RETURN_IF_ERROR(r.String("kind", &kind, true, "\"kill\""));
  if (kind != "kill") {
    return r.FailAt("kind", "unknown fault kind '" + kind + "'; expected \"kill\" (SIGKILL the actor when it is "
                            "scheduled at the point)");
  }
  PC_RETURN_IF_ERROR(r.String("actor", &k->actor));
  if (k->actor != "*" && !actors.count(k->actor)) {
    std::vector<std::string> names(actors.begin(), actors.end());
    return r.FailAt("actor", "fault names actor '" + k->actor + "', which is not an actor of this scenario" +
                                 Suggest(k->actor, names) + "; actors: " + JoinQuoted(names) + " (or \"*\")");
  }
  PC_RETURN_IF_ERROR(r.String("point", &k->point, true, "the yield point, e.g. prune.remove_progress"));
  if (k->point.empty()) return r.FailAt("point", "point must not be empty");
  int64_t occ = k->occurrence;
  PC_RETURN_IF_ERROR(r.Int("occurrence", &occ, 1, kMaxOccurrence));
  k->occurrence = static_cast<int>(occ);
  return Status::Ok();
}

Status CheckPoint(const std::string& point, const toml::source_region& where, const Errors& errors,
                  const std::string& what) {
  const std::vector<std::string>& known = KnownYieldPoints();
  if (std::find(known.begin(), known.end(), point) != known.end()) return Status::Ok();
  return errors.Fail(where, what + "unknown yield point '" + point + "'" + Suggest(point, known) +
                                "; cache-actor's points are listed in pruner/README.md");
}

}  // namespace

Result<Scenario> ParseScenario(const std::string& text, const std::string& path) {
  const Errors errors(path);
  toml::table root;
  try {
    root = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    return errors.Fail(e.source(), "not valid TOML: " + std::string(e.description()));
  }

  Scenario s;
  s.path = path;
  s.name = fs::path(path).stem().string();

  static const std::vector<std::string> kTop = {"scenario", "schedule", "actor", "setup", "fault"};
  for (auto&& [key, node] : root) {
    const std::string k(key.str());
    if (std::find(kTop.begin(), kTop.end(), k) == kTop.end()) {
      return errors.Fail(key.source(), "unknown key '" + k + "' at the top level" + Suggest(k, kTop) +
                                           "; expected the tables [scenario], [schedule], [[actor]], [[setup]], "
                                           "[[fault]]");
    }
  }

  // [scenario]
  const toml::node* sn = root.get("scenario");
  if (sn == nullptr) return errors.FailAtStart("missing the [scenario] table (name, expect, ...)");
  if (!sn->is_table()) return errors.Fail(sn->source(), "'scenario' must be a table ([scenario]), not " + std::string(TypeName(sn->type())));
  TableReader sc(*sn->as_table(), "[scenario]", errors);
  PC_RETURN_IF_ERROR(sc.CheckKeys({"name", "description", "source", "expect", "check", "grace_seconds", "transport",
                                   "fixture_files", "max_steps", "unresponsive_ms", "plant_canaries"}));
  PC_RETURN_IF_ERROR(sc.String("name", &s.name));
  if (s.name.empty() || s.name.find_first_of(" \t\n") != std::string::npos) {
    return sc.FailAt("name", "name must be non-empty and without spaces (it names the test)");
  }
  PC_RETURN_IF_ERROR(sc.String("description", &s.description));
  PC_RETURN_IF_ERROR(sc.String("source", &s.source));
  const std::vector<std::string> invariants = InvariantIds();
  std::vector<std::string> verdicts = invariants;
  verdicts.insert(verdicts.begin(), kExpectPass);
  std::string expect;
  PC_RETURN_IF_ERROR(sc.String("expect", &expect, true, "\"pass\" or the invariant that must be violated: " +
                                                            JoinQuoted(invariants)));
  if (std::find(verdicts.begin(), verdicts.end(), expect) == verdicts.end()) {
    return sc.FailAt("expect", "unknown verdict '" + expect + "'" + Suggest(expect, verdicts) +
                                   "; expected \"pass\" or an invariant id: " + JoinQuoted(invariants));
  }
  s.expect = ParseInvariant(expect);  // nullopt for "pass"
  std::vector<std::string> check;
  std::vector<toml::source_region> check_where;
  PC_RETURN_IF_ERROR(sc.Strings("check", &check, &check_where));
  if (sc.Node("check") != nullptr && check.empty()) {
    return sc.FailAt("check", "check must name at least one invariant (leave it out to judge all)");
  }
  for (size_t i = 0; i < check.size(); ++i) {
    std::optional<Invariant> invariant = ParseInvariant(check[i]);
    if (!invariant) {
      return errors.Fail(check_where[i], "unknown invariant '" + check[i] + "'" + Suggest(check[i], invariants) +
                                             "; known invariants: " + JoinQuoted(invariants));
    }
    s.check.push_back(*invariant);
  }
  if (s.expect && !s.Checks(*s.expect)) {
    return sc.FailAt("check", "expect = \"" + expect + "\" but check does not include it");
  }
  PC_RETURN_IF_ERROR(sc.Int("grace_seconds", &s.config.grace_seconds, 0, kMaxGraceSeconds));
  PC_RETURN_IF_ERROR(sc.String("transport", &s.transport));
  if (sc.Node("transport") != nullptr && !ParseTransport(s.transport).ok()) {
    return sc.FailAt("transport", "unknown transport '" + s.transport + "'" +
                                      Suggest(s.transport, {"process", "thread", "memory"}) +
                                      "; expected \"process\", \"thread\" or \"memory\"");
  }
  PC_RETURN_IF_ERROR(sc.Int("fixture_files", &s.config.fixture_files, kMinFixtureFiles, kMaxFixtureFiles));
  PC_RETURN_IF_ERROR(sc.Int("max_steps", &s.config.max_steps, 1, kMaxMaxSteps));
  PC_RETURN_IF_ERROR(sc.Int("unresponsive_ms", &s.config.unresponsive_ms, 1, kMaxUnresponsiveMs));
  PC_RETURN_IF_ERROR(sc.Bool("plant_canaries", &s.config.plant_canaries));

  // [[actor]]
  std::vector<const toml::table*> actor_tables;
  PC_RETURN_IF_ERROR(TablesOf(root, "actor", errors, &actor_tables));
  if (actor_tables.empty()) return errors.FailAtStart("no [[actor]] tables: a scenario needs at least one actor");
  std::set<std::string> names;
  std::vector<std::string> ordered_names;
  for (size_t i = 0; i < actor_tables.size(); ++i) {
    ActorSpec a;
    toml::source_region name_where;
    PC_RETURN_IF_ERROR(ParseActor(*actor_tables[i], i, errors, &a, &name_where));
    if (!names.insert(a.name).second) {
      return errors.Fail(name_where, "actor name '" + a.name + "' is used twice");
    }
    ordered_names.push_back(a.name);
    s.config.actors.push_back(std::move(a));
  }
  for (size_t i = 0; i < s.config.actors.size(); ++i) {
    const ActorSpec& a = s.config.actors[i];
    if (a.run_at.point.empty()) continue;
    bool known = false;
    for (const ActorSpec& b : s.config.actors) known |= (b.name == a.run_at.actor && !b.black_box);
    if (!known) {
      return TableReader(*actor_tables[i], "[[actor]]", errors)
          .FailAt("run_at", "run_at names '" + a.run_at.actor + "', which is not a connected actor of this scenario");
    }
  }
  if (s.transport == "thread" || s.transport == "memory") {
    for (size_t i = 0; i < s.config.actors.size(); ++i) {
      if (s.config.actors[i].role == Role::kCommand) {
        return sc.FailAt("transport", "actor '" + s.config.actors[i].name +
                                          "' runs a command, which needs transport = \"process\"");
      }
    }
  }

  // [[setup]]
  std::vector<const toml::table*> setup_tables;
  PC_RETURN_IF_ERROR(TablesOf(root, "setup", errors, &setup_tables));
  for (size_t i = 0; i < setup_tables.size(); ++i) {
    SetupOp op;
    PC_RETURN_IF_ERROR(ParseSetup(*setup_tables[i], i, errors, &op));
    s.config.setup.push_back(std::move(op));
  }

  // [[fault]]
  std::vector<const toml::table*> fault_tables;
  PC_RETURN_IF_ERROR(TablesOf(root, "fault", errors, &fault_tables));
  bool any_command = false;
  for (const ActorSpec& a : s.config.actors) any_command |= a.role == Role::kCommand;
  for (size_t i = 0; i < fault_tables.size(); ++i) {
    KillAt k;
    PC_RETURN_IF_ERROR(ParseFault(*fault_tables[i], i, errors, names, &k));
    bool command = any_command;
    for (const ActorSpec& a : s.config.actors) {
      if (a.name == k.actor) command = a.role == Role::kCommand;
    }
    if (!command) {
      PC_RETURN_IF_ERROR(CheckPoint(k.point, fault_tables[i]->get("point")->source(), errors, "fault: "));
    }
    s.config.kills.push_back(std::move(k));
  }

  // [schedule]
  const toml::node* schn = root.get("schedule");
  if (schn == nullptr) return errors.FailAtStart("missing the [schedule] table (strategy, seed, runs, steps)");
  if (!schn->is_table()) {
    return errors.Fail(schn->source(), "'schedule' must be a table ([schedule]), not " + std::string(TypeName(schn->type())));
  }
  TableReader sch(*schn->as_table(), "[schedule]", errors);
  PC_RETURN_IF_ERROR(sch.CheckKeys({"strategy", "seed", "runs", "steps", "kill_probability"}));
  PC_RETURN_IF_ERROR(sch.String("strategy", &s.schedule.strategy));
  int64_t seed = 1;
  PC_RETURN_IF_ERROR(sch.Int("seed", &seed, 0, INT64_MAX));
  s.schedule.seed = static_cast<uint64_t>(seed);
  PC_RETURN_IF_ERROR(sch.Int("runs", &s.schedule.runs, 1, 1000000));
  PC_RETURN_IF_ERROR(sch.Float("kill_probability", &s.config.kill_probability, 0.0, 1.0));
  if (s.schedule.strategy == "script") {
    std::vector<std::string> steps;
    std::vector<toml::source_region> where;
    PC_RETURN_IF_ERROR(sch.Strings("steps", &steps, &where));
    if (sch.Node("steps") == nullptr) {
      return sch.Missing("steps", "the script: \"ACTOR\", \"ACTOR until POINT\" or \"ACTOR to end\" per step");
    }
    for (size_t i = 0; i < steps.size(); ++i) {
      Result<ScriptStep> step = ParseScriptStep(steps[i], ordered_names);
      if (!step.ok()) return errors.Fail(where[i], step.status().message());
      if (step->kind == ScriptStep::Kind::kUntil &&
          s.config.actors[static_cast<size_t>(step->actor_index)].role != Role::kCommand) {
        PC_RETURN_IF_ERROR(CheckPoint(step->point, where[i], errors, "script step \"" + steps[i] + "\": "));
      }
      step->where = errors.At(where[i]);
      s.schedule.steps.push_back(std::move(*step));
    }
  } else {
    Result<std::unique_ptr<Strategy>> st = MakeStrategy(s.schedule.strategy, s.schedule.seed);
    if (!st.ok()) {
      return sch.FailAt("strategy", "unknown strategy '" + s.schedule.strategy +
                                        "'; expected \"script\", \"random\", \"pct[:DEPTH]\" or \"dfs[:BOUND]\" (" +
                                        st.status().message() + ")");
    }
    if (sch.Node("steps") != nullptr) {
      return sch.FailAt("steps", "steps are only for strategy = \"script\" (this schedule searches with " +
                                     s.schedule.strategy + ")");
    }
  }

  if (Status v = Validate(s.config); !v.ok()) return errors.FailAtStart(v.message());
  return s;
}

Result<Scenario> LoadScenario(const std::string& path) {
  // Only a regular file, at most 1 MiB: never /dev/zero, never a FIFO (issue 9 item 1).
  Result<std::string> text = ReadRegularFileBounded(path, kMaxInputFileBytes);
  if (!text.ok()) {
    std::string why = text.status().message();
    if (why.rfind(path + ": ", 0) == 0) why.erase(0, path.size() + 2);
    return Status(StatusCode::kInvalidInput, path + ":1:1: " + why);
  }
  return ParseScenario(*text, path);
}

Result<std::vector<std::string>> ExpandScenarioPaths(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const std::string& a : args) {
    std::error_code ec;
    if (fs::is_directory(a, ec)) {
      std::vector<std::string> files;
      // Bounded: a directory of scenarios, not a file system to walk.
      constexpr size_t kMaxScenarioFiles = 100000;
      for (const fs::directory_entry& e : fs::directory_iterator(a, ec)) {
        if (e.path().extension() != ".toml" || e.is_directory()) continue;
        if (files.size() == kMaxScenarioFiles) {
          return Status(StatusCode::kInvalidInput,
                        a + ": more than " + std::to_string(kMaxScenarioFiles) + " *.toml files in this directory");
        }
        files.push_back(e.path().string());
      }
      if (ec) return Status(StatusCode::kInvalidInput, a + ": cannot list: " + ec.message());
      std::sort(files.begin(), files.end());
      if (files.empty()) return Status(StatusCode::kInvalidInput, a + ": no *.toml scenario files in this directory");
      out.insert(out.end(), files.begin(), files.end());
    } else if (fs::exists(a, ec)) {
      out.push_back(a);
    } else {
      return Status(StatusCode::kInvalidInput, a + ": no such file or directory");
    }
  }
  return out;
}

}  // namespace prunecheck::harness
