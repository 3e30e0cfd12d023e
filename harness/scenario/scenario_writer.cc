#include "harness/scenario/scenario_writer.h"

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <set>

namespace prunecheck::harness {

namespace fs = std::filesystem;

std::string TomlQuote(const std::string& s) {
  std::string q = "\"";
  for (char ch : s) {
    const unsigned char c = static_cast<unsigned char>(ch);
    switch (ch) {
      case '"': q += "\\\""; break;
      case '\\': q += "\\\\"; break;
      case '\n': q += "\\n"; break;
      case '\r': q += "\\r"; break;
      case '\t': q += "\\t"; break;
      default:
        if (c < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\u%04x", c);
          q += buf;
        } else {
          q += ch;
        }
    }
  }
  return q + "\"";
}

namespace {

std::string QuotedList(const std::vector<std::string>& v) {
  std::string s = "[";
  for (size_t i = 0; i < v.size(); ++i) s += (i ? ", " : "") + TomlQuote(v[i]);
  return s + "]";
}

// Wraps the engine's strategy and records, for each pick, the state it was made in.
class RecordingStrategy final : public Strategy {
 public:
  explicit RecordingStrategy(Strategy& inner) : inner_(inner) {}
  std::string name() const override { return inner_.name(); }
  void BeginRun() override {
    states.clear();
    picks.clear();
    inner_.BeginRun();
  }
  int Pick(const SchedulingState& state) override {
    const int a = inner_.Pick(state);
    states.push_back(state);
    picks.push_back(a);
    return a;
  }
  void EndRun(int steps) override { inner_.EndRun(steps); }
  bool exhausted() const override { return inner_.exhausted(); }
  Status error() const override { return inner_.error(); }
  bool diverged() const override { return inner_.diverged(); }

  std::vector<SchedulingState> states;  // the state of each pick
  std::vector<int> picks;

 private:
  Strategy& inner_;
};

// Named steps for a recorded run: each run of consecutive picks of one actor
// becomes "ACTOR until POINT[#N]" (where it stopped next) or "ACTOR to end".
std::vector<ScriptStep> NameSteps(const RecordingStrategy& rec, const std::vector<std::string>& names) {
  std::vector<ScriptStep> steps;
  PointTracker tracker;
  tracker.Reset();
  const size_t k = rec.picks.size();
  size_t i = 0;
  while (i < k) {
    tracker.Observe(rec.states[i]);
    const int a = rec.picks[i];
    const PointTracker at_start = tracker;  // arrival counts before the group, for the short form
    const std::string start_point = tracker.point(a);
    size_t j = i;
    while (j + 1 < k && rec.picks[j + 1] == a) {
      tracker.Picked(a);
      ++j;
      tracker.Observe(rec.states[j]);
    }
    tracker.Picked(a);
    ScriptStep s;
    s.actor = names[static_cast<size_t>(a)];
    s.actor_index = a;
    if (j + 1 < k) {
      // The state after the group shows where the actor stopped.
      PointTracker after = tracker;
      after.Observe(rec.states[j + 1]);
      if (after.alive(a) && !after.point(a).empty()) {
        s.kind = ScriptStep::Kind::kUntil;
        s.point = after.point(a);
        const int n = after.arrivals(a, s.point);
        // "until P" means the next arrival, unless the actor already stands at P.
        const bool short_form = start_point != s.point && n == at_start.arrivals(a, s.point) + 1;
        s.occurrence = short_form ? 0 : n;
      } else {
        s.kind = ScriptStep::Kind::kToEnd;
      }
    } else {
      s.kind = ScriptStep::Kind::kToEnd;  // the run ended after this group
    }
    s.text = FormatScriptStep(s);
    steps.push_back(std::move(s));
    i = j + 1;
  }
  return steps;
}

std::vector<ScriptStep> SingleSteps(const std::vector<int>& choices, const std::vector<std::string>& names) {
  std::vector<ScriptStep> steps;
  for (int a : choices) {
    ScriptStep s;
    s.kind = ScriptStep::Kind::kOne;
    s.actor = names[static_cast<size_t>(a)];
    s.actor_index = a;
    s.text = s.actor;
    steps.push_back(std::move(s));
  }
  return steps;
}

std::string Slug(const std::string& s) {
  std::string out;
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    out += ok ? c : '-';
  }
  return out;
}

}  // namespace

std::string ScenarioToToml(const Scenario& s, const std::vector<std::string>& header) {
  std::string t;
  for (const std::string& h : header) t += h.empty() ? "#\n" : "# " + h + "\n";
  if (!header.empty()) t += "\n";
  const RunConfig& c = s.config;
  const RunConfig defaults;
  t += "[scenario]\n";
  t += "name = " + TomlQuote(s.name) + "\n";
  if (!s.description.empty()) t += "description = " + TomlQuote(s.description) + "\n";
  if (!s.source.empty()) t += "source = " + TomlQuote(s.source) + "\n";
  t += "expect = " + TomlQuote(s.ExpectText()) + "\n";
  if (!s.check.empty()) {
    std::vector<std::string> check;
    for (Invariant i : s.check) check.emplace_back(InvariantName(i));
    t += "check = " + QuotedList(check) + "\n";
  }
  t += "grace_seconds = " + std::to_string(c.grace_seconds) + "\n";
  if (!s.transport.empty()) t += "transport = " + TomlQuote(s.transport) + "\n";
  if (c.fixture_files != defaults.fixture_files) t += "fixture_files = " + std::to_string(c.fixture_files) + "\n";
  if (c.max_steps != defaults.max_steps) t += "max_steps = " + std::to_string(c.max_steps) + "\n";
  if (c.unresponsive_ms != defaults.unresponsive_ms) {
    t += "unresponsive_ms = " + std::to_string(c.unresponsive_ms) + "\n";
  }
  if (c.plant_canaries != defaults.plant_canaries) {
    t += std::string("plant_canaries = ") + (c.plant_canaries ? "true" : "false") + "\n";
  }

  t += "\n[schedule]\n";
  t += "strategy = " + TomlQuote(s.schedule.strategy) + "\n";
  t += "seed = " + std::to_string(s.schedule.seed) + "\n";
  if (s.schedule.runs != 1) t += "runs = " + std::to_string(s.schedule.runs) + "\n";
  if (c.kill_probability > 0) {
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%.17g", c.kill_probability);
    std::string v = buf;
    if (v.find_first_of(".e") == std::string::npos) v += ".0";
    t += "kill_probability = " + v + "\n";
  }
  if (s.schedule.strategy == "script") {
    if (s.schedule.steps.empty()) {
      t += "steps = []  # the finishing order alone shows it: each actor runs to its end, in order\n";
    } else {
      t += "steps = [\n";
      for (const ScriptStep& st : s.schedule.steps) t += "  " + TomlQuote(FormatScriptStep(st)) + ",\n";
      t += "]\n";
    }
  }

  for (const ActorSpec& a : c.actors) {
    t += "\n[[actor]]\n";
    t += "name = " + TomlQuote(a.name) + "\n";
    t += "role = " + TomlQuote(std::string(RoleName(a.role))) + "\n";
    if (a.role != Role::kCommand) t += "profile = " + TomlQuote(a.profile) + "\n";
    if (a.package != "demo") t += "package = " + TomlQuote(a.package) + "\n";
    if (a.link_mode != "hardlink") t += "link_mode = " + TomlQuote(a.link_mode) + "\n";
    if (a.role == Role::kCommand) {
      t += "command = " + QuotedList(a.command) + "\n";
      if (a.black_box) t += "black_box = true\n";
      if (a.free_running) t += "free_running = true\n";
    }
    if (!a.run_at.point.empty()) {
      t += "run_at = " + TomlQuote(a.run_at.actor + "@" + a.run_at.point + "#" + std::to_string(a.run_at.occurrence)) +
           "\n";
    }
  }
  for (const SetupOp& op : c.setup) {
    t += "\n[[setup]]\n";
    t += "op = " + TomlQuote(std::string(SetupKindName(op.op))) + "\n";
    if (op.op == SetupKind::kAge) {
      t += "age_seconds = " + std::to_string(op.age_seconds) + "\n";
    } else {
      t += "profile = " + TomlQuote(op.profile) + "\n";
    }
    if (op.package != "demo") t += "package = " + TomlQuote(op.package) + "\n";
  }
  for (const KillAt& k : c.kills) {
    t += "\n[[fault]]\n";
    t += "kind = \"kill\"\n";
    t += "actor = " + TomlQuote(k.actor) + "\n";
    t += "point = " + TomlQuote(k.point) + "\n";
    if (k.occurrence != 1) t += "occurrence = " + std::to_string(k.occurrence) + "\n";
  }
  return t;
}

Result<SavedScenario> ScenarioFromTrace(const Trace& t, const ScenarioRunOptions& options) {
  if (t.violations.empty()) {
    return Status(StatusCode::kInvalidInput, "the trace shows no violation: there is no failure to save");
  }
  SavedScenario saved;
  Scenario& s = saved.scenario;
  s.config = ReplayConfig(t);
  s.expect = t.violations.front().invariant;
  s.transport = t.transport;
  s.description = t.violations.front().message;
  s.schedule.strategy = "script";
  s.schedule.seed = t.seed;
  s.schedule.runs = 1;
  std::set<std::string> profiles;
  std::vector<std::string> names;
  for (const ActorSpec& a : s.config.actors) {
    names.push_back(a.name);
    if (!a.profile.empty()) profiles.insert(a.profile);
  }
  s.name = "found-" + s.ExpectText();
  for (const std::string& p : profiles) s.name += "-" + Slug(p);
  s.name += "-seed" + std::to_string(t.seed);

  ScenarioRunOptions quiet = options;
  quiet.keep = false;
  quiet.transport = s.transport;
  auto reproduces = [&](const std::vector<ScriptStep>& steps, std::string* message) {
    Scenario candidate = s;
    candidate.schedule.steps = steps;
    ScenarioOutcome o = RunScenario(candidate, quiet);
    if (!o.run_dir.empty()) {
      std::error_code ec;
      fs::remove_all(o.run_dir, ec);
    }
    if (message) *message = o.message;
    return o.matched;
  };

  // Replay the trace once, recording where each actor stops.
  std::unique_ptr<ReplayStrategy> replay = MakeReplayStrategy(t.choices);
  RecordingStrategy rec(*replay);
  RunOptions ro;
  PC_ASSIGN_OR_RETURN(ro.transport, ParseTransport(s.transport));
  ro.cache_actor = options.cache_actor;
  ro.base_dir = options.base_dir;
  ro.keep = false;
  ro.keep_failed = false;
  RunResult r = RunControlled(s.config, rec, t.seed, ro);
  if (!r.error.ok()) return r.error.Annotate("replaying the trace to name its steps");

  std::vector<ScriptStep> steps = NameSteps(rec, names);
  std::string message;
  if (reproduces(steps, &message)) {
    // Drop trailing steps while the script's finishing order still shows it.
    while (!steps.empty()) {
      std::vector<ScriptStep> shorter(steps.begin(), steps.end() - 1);
      if (!reproduces(shorter, nullptr)) break;
      steps = std::move(shorter);
    }
  } else {
    steps = SingleSteps(r.choices, names);
  }
  s.schedule.steps = steps;
  saved.verified = reproduces(steps, &saved.verification);
  return saved;
}

Result<SavedScenario> SaveFailureScenario(const Trace& t, const std::string& dir, const ScenarioRunOptions& options) {
  PC_ASSIGN_OR_RETURN(SavedScenario saved, ScenarioFromTrace(t, options));
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Status(StatusCode::kIoError, "creating " + dir + ": " + ec.message());
  std::string path = (fs::path(dir) / (saved.scenario.name + ".toml")).string();
  for (int n = 2; fs::exists(path, ec); ++n) {
    path = (fs::path(dir) / (saved.scenario.name + "-" + std::to_string(n) + ".toml")).string();
  }
  saved.path = path;
  saved.scenario.path = path;

  char date[32] = "";
  const std::time_t now = std::time(nullptr);
  struct tm tm_now {};
  if (gmtime_r(&now, &tm_now) != nullptr) std::strftime(date, sizeof(date), "%Y-%m-%d", &tm_now);
  std::vector<std::string> header = {
      "Found by `prunecheck explore` (" + t.strategy + ", seed " + std::to_string(t.seed) + ") on " + date +
          " and saved with --save-failure.",
      "What it shows:",
  };
  for (const HarnessViolation& v : t.violations) header.push_back("  [" + std::string(InvariantName(v.invariant)) + "] " + v.message);
  header.push_back("");
  header.push_back(saved.verified ? "Checked when saved: `prunecheck run` reproduces it."
                                  : "WARNING: when saved, running this file did not reproduce the violation (" +
                                        saved.verification + ").");
  header.push_back("Tell the story here (which protocol, which race, where it was reported), then keep the file");
  header.push_back("as a regression test: prunecheck run " + path);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << ScenarioToToml(saved.scenario, header);
  out.close();
  if (!out) return Status(StatusCode::kIoError, "could not write " + path);
  return saved;
}

}  // namespace prunecheck::harness
