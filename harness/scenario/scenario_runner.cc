#include "harness/scenario/scenario_runner.h"

#include "pruner/base/display_escape.h"

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "harness/engine/interrupt.h"

namespace prunecheck::harness {

namespace {

std::string Seconds(double s) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.2f s", s);
  return buf;
}

std::string ViolationLine(const HarnessViolation& v) { return "[" + v.invariant + "] " + v.message; }

void RemoveRunDir(const RunResult& r) {
  if (!r.run_dir_kept || r.run_dir.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(r.run_dir, ec);
}

}  // namespace

Result<std::unique_ptr<Strategy>> MakeScenarioStrategy(const Scenario& s) {
  if (s.schedule.strategy == "script") return std::unique_ptr<Strategy>(new ScriptStrategy(s.schedule.steps));
  return MakeStrategy(s.schedule.strategy, s.schedule.seed);
}

ScenarioOutcome RunScenario(const Scenario& s, const ScenarioRunOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  ScenarioOutcome out;
  out.name = s.name;
  out.path = s.path;
  out.expect = s.expect;
  out.transport = !options.transport.empty() ? options.transport
                  : !s.transport.empty()     ? s.transport
                                             : options.default_transport;
  auto finish = [&]() -> ScenarioOutcome {
    out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return out;
  };

  Result<std::unique_ptr<Strategy>> strategy = MakeScenarioStrategy(s);
  if (!strategy.ok()) {
    out.error = true;
    out.message = "cannot build the schedule: " + strategy.status().ToString();
    return finish();
  }
  auto* script = dynamic_cast<ScriptStrategy*>(strategy->get());

  Result<Transport> transport = ParseTransport(out.transport);
  if (!transport.ok()) {
    out.error = true;
    out.message = transport.status().message();
    return finish();
  }
  RunOptions ro;
  ro.transport = *transport;
  ro.cache_actor = options.cache_actor;
  ro.pool = options.pool;
  ro.base_dir = options.base_dir;
  ro.reaper = options.reaper;
  ro.keep = options.keep;
  ro.keep_failed = true;

  std::vector<std::string> other;  // unchecked or unexpected violations seen on the way
  bool found = false;
  int runs_with_kills = 0;
  for (int i = 0; i < s.schedule.runs; ++i) {
    const uint64_t seed = s.schedule.seed + static_cast<uint64_t>(i);
    RunResult r = RunControlled(s.config, **strategy, seed, ro);
    if (InterruptSignal() != 0) {
      out.error = true;
      out.message = "interrupted by signal " + std::to_string(InterruptSignal()) + " in run " + std::to_string(i + 1);
      return finish();
    }
    ++out.runs;
    out.steps = r.steps;
    if (!r.kills.empty()) ++runs_with_kills;
    const std::string which = s.schedule.runs == 1 ? "the run" : "run " + std::to_string(i + 1) + " (seed " +
                                                                      std::to_string(seed) + ")";
    if (script != nullptr && !script->error().empty()) {
      out.error = true;
      out.message = script->error();
      if (r.run_dir_kept) out.run_dir = r.run_dir;
      return finish();
    }
    if (!r.error.ok()) {
      out.error = true;
      out.message = which + " could not be carried out: " + r.error.ToString();
      if (r.run_dir_kept) out.run_dir = r.run_dir;
      return finish();
    }
    std::vector<HarnessViolation> checked;
    for (const HarnessViolation& v : r.violations) {
      if (s.Checks(v.invariant)) checked.push_back(v);
    }
    if (s.expects_pass()) {
      if (!checked.empty()) {
        out.violations = checked;
        out.message = "expected pass, but: " + ViolationLine(checked.front());
        if (s.schedule.runs > 1) out.details.push_back("in " + which + " of " + std::to_string(s.schedule.runs));
        for (size_t k = 1; k < checked.size(); ++k) out.details.push_back("also " + ViolationLine(checked[k]));
        if (r.run_dir_kept) out.run_dir = r.run_dir;
        return finish();
      }
      if (!options.keep) RemoveRunDir(r);
    } else {
      for (const HarnessViolation& v : checked) {
        if (v.invariant == s.expect) found = true;
      }
      if (found) {
        out.matched = true;
        out.violations = checked;
        const HarnessViolation* first = nullptr;
        for (const HarnessViolation& v : checked) {
          if (v.invariant == s.expect && first == nullptr) first = &v;
        }
        out.message = "violated as expected" + (s.schedule.runs > 1 ? " in " + which : std::string()) + ": " +
                      ViolationLine(*first);
        for (const HarnessViolation& v : checked) {
          if (&v != first) out.details.push_back("also " + ViolationLine(v));
        }
        if (options.keep && r.run_dir_kept) {
          out.run_dir = r.run_dir;
        } else {
          RemoveRunDir(r);
        }
        return finish();
      }
      for (const HarnessViolation& v : checked) other.push_back(ViolationLine(v));
      if (!options.keep) RemoveRunDir(r);
    }
    if ((*strategy)->exhausted()) break;
  }

  if (s.expects_pass()) {
    out.matched = true;
    out.message = "no checked invariant violated in " +
                  (out.runs == 1 ? std::string("the run")
                                 : std::to_string(out.runs) + " runs (" + s.schedule.strategy + ")") +
                  ((*strategy)->exhausted() ? ", schedule space exhausted" : "");
    if (!s.config.kills.empty() || s.config.kill_probability > 0) {
      out.message += "; a fault killed an actor in " + std::to_string(runs_with_kills) + " of " +
                     std::to_string(out.runs) + (out.runs == 1 ? " run" : " runs");
    }
    return finish();
  }
  std::string actors;
  for (const ActorSpec& a : s.config.actors) {
    actors += (actors.empty() ? "" : ", ") + a.name + " (" + a.role + (a.profile.empty() ? "" : ", " + a.profile) + ")";
  }
  if (out.runs == 1) {
    out.message = "expected " + s.expect + ", but the run " + (other.empty() ? "passed" : "did not violate it");
    out.details.push_back("the run took " + std::to_string(out.steps) + " steps; actors: " + actors);
  } else {
    out.message = "expected " + s.expect + ", but none of " + std::to_string(out.runs) + " runs (" +
                  s.schedule.strategy + ") violated it";
    out.details.push_back("actors: " + actors);
  }
  for (const std::string& o : other) out.details.push_back("other violation: " + o);
  return finish();
}

std::string FormatOutcome(const ScenarioOutcome& o) {
  std::string line = std::string(o.matched ? "PASS" : o.error ? "ERROR" : "FAIL") + " " + o.name + " (" +
                     Seconds(o.seconds) + ", " + std::to_string(o.runs) + (o.runs == 1 ? " run" : " runs") + ", " +
                     o.transport + "): " + EscapeForDisplay(o.message) + "\n";
  // Details quote violation messages, which name files other processes made.
  for (const std::string& d : o.details) line += "    " + EscapeForDisplay(d) + "\n";
  if (!o.matched) line += "    file: " + EscapeForDisplay(o.path) + "\n";
  if (!o.run_dir.empty()) line += "    run directory kept: " + EscapeForDisplay(o.run_dir) + "\n";
  return line;
}

}  // namespace prunecheck::harness
