#include "harness/scenario/scenario_runner.h"

#include <algorithm>
#include <chrono>
#include <optional>
#include <cstdio>
#include <filesystem>

#include "harness/engine/explorer.h"
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

  // A schedule that cannot be built is an error before anything runs.
  if (Result<std::unique_ptr<Strategy>> probe = MakeScenarioStrategy(s); !probe.ok()) {
    out.error = true;
    out.message = "cannot build the schedule: " + probe.status().ToString();
    return finish();
  }
  Result<Transport> transport = ParseTransport(out.transport);
  if (!transport.ok()) {
    out.error = true;
    out.message = transport.status().message();
    return finish();
  }
  ExplorerOptions eo;
  if (s.schedule.strategy == "script") {
    eo.make_strategy = [&s](int) -> Result<std::unique_ptr<Strategy>> {
      return std::unique_ptr<Strategy>(new ScriptStrategy(s.schedule.steps));
    };
  } else {
    eo.strategy = s.schedule.strategy;
  }
  eo.seed = s.schedule.seed;
  eo.runs = s.schedule.runs;
  eo.jobs = std::max(1, options.jobs);
  eo.run.transport = *transport;
  eo.run.cache_actor = options.cache_actor;
  eo.run.pool = options.pool;
  eo.run.base_dir = options.base_dir;
  eo.run.keep = options.keep;
  eo.run.keep_failed = true;
  eo.pooled = options.pool != nullptr;
  eo.minimize = false;
  // Only checked invariants count; expecting a violation, only that one.
  eo.failing_invariant = [&s](const RunResult& r) -> std::optional<std::string> {
    for (const HarnessViolation& v : r.violations) {
      if (!s.Checks(v.invariant)) continue;
      if (s.expects_pass() || v.invariant == s.expect) return v.invariant;
    }
    return std::nullopt;
  };
  std::vector<std::string> other;  // checked violations other than the expected one, seen on the way
  int runs_with_kills = 0;
  eo.on_run = [&](int, const RunResult& r) {
    out.steps = r.steps;
    if (!r.kills.empty()) ++runs_with_kills;
    if (s.expects_pass()) return;
    bool has_expected = false;
    for (const HarnessViolation& v : r.violations) has_expected = has_expected || v.invariant == s.expect;
    if (has_expected) return;
    for (const HarnessViolation& v : r.violations) {
      if (s.Checks(v.invariant)) other.push_back(ViolationLine(v));
    }
  };
  ExploreResult er = Explore(s.config, eo);
  out.runs = er.done;
  if (er.interrupted) {
    out.error = true;
    out.message = "interrupted by signal " + std::to_string(InterruptSignal()) + " in run " + std::to_string(er.done);
    return finish();
  }
  auto which_run = [&](int index) {
    const uint64_t seed = s.schedule.seed + static_cast<uint64_t>(index);
    return s.schedule.runs == 1 ? std::string("the run")
                                : "run " + std::to_string(index + 1) + " (seed " + std::to_string(seed) + ")";
  };
  if (!er.error.ok()) {
    out.error = true;
    out.message = er.error_from_strategy ? er.error.message()
                                         : which_run(er.error_index) + " could not be carried out: " + er.error.ToString();
    out.run_dir = er.error_run_dir;
    return finish();
  }
  if (!er.failures.empty()) {
    const ExploreFailure& f = er.failures.front();
    std::vector<HarnessViolation> checked;
    for (const HarnessViolation& v : f.result.violations) {
      if (s.Checks(v.invariant)) checked.push_back(v);
    }
    out.violations = checked;
    out.steps = f.result.steps;
    if (s.expects_pass()) {
      out.message = "expected pass, but: " + ViolationLine(checked.front());
      if (s.schedule.runs > 1) {
        out.details.push_back("in " + which_run(f.index) + " of " + std::to_string(s.schedule.runs));
      }
      for (size_t k = 1; k < checked.size(); ++k) out.details.push_back("also " + ViolationLine(checked[k]));
      if (f.result.run_dir_kept) out.run_dir = f.result.run_dir;
      return finish();
    }
    out.matched = true;
    const HarnessViolation* first = nullptr;
    for (const HarnessViolation& v : checked) {
      if (v.invariant == s.expect && first == nullptr) first = &v;
    }
    out.message = "violated as expected" + (s.schedule.runs > 1 ? " in " + which_run(f.index) : std::string()) +
                  ": " + ViolationLine(*first);
    for (const HarnessViolation& v : checked) {
      if (&v != first) out.details.push_back("also " + ViolationLine(v));
    }
    if (options.keep && f.result.run_dir_kept) {
      out.run_dir = f.result.run_dir;
    } else {
      RemoveRunDir(f.result);
    }
    return finish();
  }

  if (s.expects_pass()) {
    out.matched = true;
    out.message = "no checked invariant violated in " +
                  (out.runs == 1 ? std::string("the run")
                                 : std::to_string(out.runs) + " runs (" + s.schedule.strategy + ")") +
                  (er.covered()     ? ", schedule space exhausted"
                   : er.exhausted ? ", no further schedules (" + std::to_string(er.diverged_runs) +
                                        " runs diverged from their recorded prefix: not a complete search)"
                                  : "");
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
                     o.transport + "): " + o.message + "\n";
  for (const std::string& d : o.details) line += "    " + d + "\n";
  if (!o.matched) line += "    file: " + o.path + "\n";
  if (!o.run_dir.empty()) line += "    run directory kept: " + o.run_dir + "\n";
  return line;
}

}  // namespace prunecheck::harness
