// prunecheck: runs installers, readers, refreshers and pruners of chosen
// protocol versions against one cache, drives their interleaving, injects
// crashes, and checks the invariants of docs/design.md §5.
#include <unistd.h>

#include <csignal>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "pruner/base/display_escape.h"
#include "pruner/base/local_time_zone.h"
#include "harness/cli/cli_values.h"
#include "harness/cli/run_command.h"
#include "harness/engine/controlled_run.h"
#include "harness/engine/explorer.h"
#include "harness/engine/explore_result.h"
#include "harness/engine/free_run.h"
#include "harness/engine/interrupt.h"
#include "harness/engine/run_config_json.h"
#include "harness/engine/run_directory_owner.h"
#include "harness/engine/run_report.h"
#include "harness/process/process_actor.h"
#include "harness/scenario/matrix.h"
#include "harness/scenario/mutation_score.h"
#include "harness/scenario/scenario_writer.h"
#include "harness/strategy/strategy.h"

namespace prunecheck::harness {
namespace {

enum ExitCode : int { kPass = 0, kViolation = 1, kBadInput = 2, kDiverged = 3, kHarnessError = 4 };

// After a SIGINT/SIGTERM has been handled (actors killed, run directory
// removed): die of that signal, so callers see an interrupted process.
[[noreturn]] void ExitBySignal() {
  const int sig = InterruptSignal();
  std::signal(sig, SIG_DFL);
  std::raise(sig);
  std::_Exit(128 + sig);
}

struct ExploreArgs {
  std::vector<std::string> installers, readers, refreshers, pruners, cleaners, wipers;
  std::vector<std::string> commands;    // actors that speak the control protocol
  std::vector<std::string> black_boxes; // actors that do not
  std::vector<std::string> black_boxes_free;  // black boxes that run free, judged physically
  std::vector<std::string> black_boxes_at;  // "ACTOR@POINT[#N] COMMAND": black boxes run at a point
  std::string config_file;
  std::string strategy = "pct";
  uint64_t seed = 1;
  int runs = 1000;
  double kill_prob = 0;
  std::vector<std::string> kill_at;  // ACTOR@POINT[#N]
  int64_t grace = 0;
  std::string transport = "process";
  std::string link_mode = "hardlink";
  bool keep = false;
  bool minimize = true;
  bool keep_going = false;
  std::string json_out;
  std::string trace_out;
  std::string save_failure;  // directory for the failing run as a scenario file
  std::string base_dir = DefaultRunBaseDir();
  int progress_every = 0;  // 0: every ~2 s
  int jobs = 0;            // 0: one per core
  std::string shard;       // "I/N", empty: all runs
  bool fresh_processes = false;  // explore: no CacheActorPool
};

// One pool of serving cache-actor processes for a whole command, so that
// consecutive runs reuse them; none with --fresh-processes or another
// transport. Destroyed (its processes killed and reaped) when the command ends.
std::unique_ptr<CacheActorPool> MakePool(bool fresh_processes, Transport transport, const std::string& cache_actor) {
  if (fresh_processes || transport != Transport::kProcess) return nullptr;
  return std::make_unique<CacheActorPool>(cache_actor);
}

Result<RunConfig> BuildConfig(const ExploreArgs& a) {
  RunConfig c;
  if (!a.config_file.empty()) {
    // A regular file of at most 1 MiB, read as strictly as a scenario file.
    PC_ASSIGN_OR_RETURN(c, LoadRunConfigFile(a.config_file));
  }
  auto add = [&](const std::vector<std::string>& profiles, Role role, const char* base) {
    for (size_t i = 0; i < profiles.size(); ++i) {
      ActorSpec s;
      s.name = profiles.size() == 1 ? base : std::string(base) + "-" + std::to_string(i + 1);
      s.role = role;
      s.profile = profiles[i];
      s.link_mode = a.link_mode;
      c.actors.push_back(s);
    }
  };
  // Readers and refreshers need something cached to start from.
  if ((!a.readers.empty() || !a.refreshers.empty()) && a.config_file.empty()) {
    std::string setup_profile = !a.installers.empty() ? a.installers[0]
                                : !a.readers.empty()  ? a.readers[0]
                                                      : a.refreshers[0];
    c.setup.push_back({SetupKind::kInstall, setup_profile, "demo", 0});
  }
  add(a.installers, Role::kInstall, "installer");
  add(a.readers, Role::kRead, "reader");
  add(a.refreshers, Role::kRefresh, "refresher");
  add(a.pruners, Role::kPrune, "pruner");
  add(a.cleaners, Role::kClean, "cleaner");
  add(a.wipers, Role::kWipe, "wiper");
  auto add_commands = [&](const std::vector<std::string>& cmds, bool black_box, bool free_running = false) {
    for (size_t i = 0; i < cmds.size(); ++i) {
      ActorSpec s;
      const char* base = free_running ? "black-box-free" : black_box ? "black-box" : "command";
      s.name = cmds.size() == 1 ? base : std::string(base) + "-" + std::to_string(i + 1);
      s.role = Role::kCommand;
      s.command = {"/bin/sh", "-c", cmds[i]};
      s.black_box = black_box;
      s.free_running = free_running;
      c.actors.push_back(s);
    }
  };
  add_commands(a.commands, false);
  add_commands(a.black_boxes, true);
  add_commands(a.black_boxes_free, true, /*free_running=*/true);
  c.kill_probability = a.kill_prob;
  c.grace_seconds = a.grace;
  for (const std::string& k : a.kill_at) {
    Result<ActorSpec::At> at = ParseAt(k);
    if (!at.ok()) return at.status().Annotate("--kill-at");
    if (at->actor != "*") {
      bool known = false;
      for (const ActorSpec& s : c.actors) known |= s.name == at->actor;
      if (!known) {
        std::string names;
        for (const ActorSpec& s : c.actors) names += (names.empty() ? "" : ", ") + s.name;
        return Status(StatusCode::kInvalidInput, "--kill-at '" + k + "': no actor named '" + at->actor +
                                                     "' in this run; actors: " + names + " (or *)");
      }
    }
    PC_RETURN_IF_ERROR(CheckYieldPointFor(c, at->actor, at->point).Annotate("--kill-at '" + k + "'"));
    c.kills.push_back({at->actor, at->point, at->occurrence});
  }
  for (size_t i = 0; i < a.black_boxes_at.size(); ++i) {
    const std::string& spec = a.black_boxes_at[i];
    size_t space = spec.find(' ');
    if (space == std::string::npos) {
      return Status(StatusCode::kInvalidInput, "--black-box-at '" + spec + "': expected 'ACTOR@POINT[#N] COMMAND'");
    }
    Result<ActorSpec::At> at = ParseAt(spec.substr(0, space));
    if (!at.ok()) return at.status().Annotate("--black-box-at");
    ActorSpec s;
    s.name = a.black_boxes_at.size() == 1 ? "black-box-at" : "black-box-at-" + std::to_string(i + 1);
    s.role = Role::kCommand;
    s.command = {"/bin/sh", "-c", spec.substr(space + 1)};
    s.black_box = true;
    s.run_at = *at;
    c.actors.push_back(s);
  }
  PC_RETURN_IF_ERROR(Validate(c));
  return c;
}

std::string ShellQuote(const std::string& s) {
  if (s.find_first_of(" '\"$\\") == std::string::npos) return s;
  std::string q = "'";
  for (char ch : s) q += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return q + "'";
}

// Parses "I/N" (0 <= I < N).
Result<std::pair<int, int>> ParseShard(const std::string& text) {
  const size_t slash = text.find('/');
  int i = -1, n = -1;
  auto parse = [](const std::string& t, int* out) {
    if (t.empty() || t.size() > 6 || t.find_first_not_of("0123456789") != std::string::npos) return false;
    *out = std::stoi(t);
    return true;
  };
  if (slash == std::string::npos || !parse(text.substr(0, slash), &i) || !parse(text.substr(slash + 1), &n) ||
      n < 1 || i >= n) {
    return Status(StatusCode::kInvalidInput, "--shard '" + text + "': expected I/N with 0 <= I < N");
  }
  return std::make_pair(i, n);
}

int Explore(const ExploreArgs& a, const std::string& self, const std::string& cache_actor) {
  Result<RunConfig> config = BuildConfig(a);
  if (!config.ok()) {
    std::fprintf(stderr, "prunecheck explore: %s\n", config.status().ToString().c_str());
    return kBadInput;
  }
  ExplorerOptions eo;
  eo.strategy = a.strategy;
  eo.seed = a.seed;
  eo.runs = a.runs;
  eo.jobs = a.jobs > 0 ? a.jobs : DefaultJobs();
  if (!a.shard.empty()) {
    Result<std::pair<int, int>> shard = ParseShard(a.shard);
    if (!shard.ok()) {
      std::fprintf(stderr, "prunecheck explore: %s\n", shard.status().ToString().c_str());
      return kBadInput;
    }
    eo.shard_index = shard->first;
    eo.shard_count = shard->second;
  }
  eo.run.transport = *ParseTransport(a.transport);  // CLI11 checked the name
  eo.run.cache_actor = cache_actor;
  eo.run.base_dir = a.base_dir;
  eo.run.keep = a.keep;
  eo.pooled = !a.fresh_processes;
  eo.minimize = a.minimize;
  eo.keep_going = a.keep_going;
  eo.progress_every = a.progress_every;
  if (Status v = ValidateExplorerOptions(eo); !v.ok()) {
    std::fprintf(stderr, "prunecheck explore: %s\n", v.ToString().c_str());
    return kBadInput;
  }
  RemoveStaleRunDirectoriesAndReport(a.base_dir, "prunecheck explore", stderr);
  std::printf("prunecheck explore: %zu actors, strategy %s, seed %llu, up to %d runs%s, %d job%s, %s transport\n",
              config->actors.size(), a.strategy.c_str(), static_cast<unsigned long long>(a.seed), a.runs,
              eo.shard_count > 1 ? (" (shard " + a.shard + ")").c_str() : "", eo.jobs, eo.jobs == 1 ? "" : "s",
              a.transport.c_str());
  std::fflush(stdout);
  eo.on_progress = [](const ExploreProgress& p) {
    std::printf("  %d/%d runs, %d failing, %.0f schedules/s\n", p.done, p.planned, p.failing,
                p.seconds > 0 ? p.done / p.seconds : 0.0);
    std::fflush(stdout);
  };
  nlohmann::json results = nlohmann::json::array();
  eo.on_failure = [&](const ExploreFailure& f, CacheActorPool* pool) {
    std::printf("run %d (seed %llu, strategy %s): %s", f.index, static_cast<unsigned long long>(f.seed),
                a.strategy.c_str(), Summary(*config, f.result).c_str());
    if (f.minimized) {
      std::printf("minimized: %zu -> %zu steps in %d replays\n", f.original_steps, f.result.choices.size(),
                  f.minimize_replays);
    }
    std::string trace_path = !a.trace_out.empty()      ? a.trace_out
                             : f.result.run_dir_kept   ? f.result.run_dir + "/trace.json"
                                                       : "prunecheck-trace.json";
    Status w = WriteTrace(f.trace, trace_path);
    if (w.ok()) {
      std::printf("trace: %s\nevent digest: %s\nreproduce with:\n  %s replay %s\n", trace_path.c_str(),
                  f.result.event_digest.c_str(), ShellQuote(self).c_str(), ShellQuote(trace_path).c_str());
    } else {
      // No replay command for a file that was never written (issue 9 item 7).
      std::fprintf(stderr, "prunecheck explore: the trace could not be written, so there is no replay command: %s\n",
                   w.ToString().c_str());
      std::printf("event digest: %s\n", f.result.event_digest.c_str());
    }
    if (!a.save_failure.empty()) {
      ScenarioRunOptions so{a.transport, a.transport, cache_actor, a.base_dir, false};
      so.pool = pool;
      Result<SavedScenario> saved = SaveFailureScenario(f.trace, a.save_failure, so);
      if (!saved.ok()) std::fprintf(stderr, "prunecheck: --save-failure: %s\n", saved.status().ToString().c_str());
      if (saved.ok()) std::printf("scenario: %s\n  %s run %s\n", saved->path.c_str(), ShellQuote(self).c_str(), ShellQuote(saved->path).c_str());
    }
    nlohmann::json j = ResultJson(*config, f.result, f.seed, a.strategy);
    j["run_index"] = f.index;
    results.push_back(j);
    std::fflush(stdout);
  };
  ExploreResult er = Explore(*config, eo);
  if (er.interrupted) {
    std::printf("prunecheck explore: interrupted after %d runs; nothing left behind\n", er.done);
    std::fflush(stdout);
    ExitBySignal();
  }
  if (!er.error.ok()) {
    std::fprintf(stderr, "prunecheck explore: run %d (seed %llu) could not run: %s\n", er.error_index,
                 static_cast<unsigned long long>(a.seed + static_cast<uint64_t>(er.error_index)),
                 er.error.ToString().c_str());
    if (!er.error_run_dir.empty()) std::fprintf(stderr, "  run directory kept: %s\n", er.error_run_dir.c_str());
    return kHarnessError;
  }
  if (er.covered()) {
    std::printf("  %s: schedule space exhausted after %d runs\n", a.strategy.c_str(), er.done);
  } else if (er.exhausted) {
    std::printf("  %s: no further schedules after %d runs, but %d runs diverged from their recorded prefix (the "
                "actors did not repeat themselves): not a complete search\n",
                a.strategy.c_str(), er.done, er.diverged_runs);
  }
  if (er.out_of_time) std::printf("  stopped at the time budget\n");
  std::printf("prunecheck explore: %d runs in %.1f s (%.0f schedules/s), %d failing\n", er.done, er.seconds,
              er.seconds > 0 ? er.done / er.seconds : 0.0, er.failing);
  if (!a.json_out.empty()) {
    nlohmann::ordered_json j;
    j["format"] = kExploreResultFormat;
    j["strategy"] = a.strategy;
    j["seed"] = a.seed;
    j["runs_planned"] = a.runs;
    j["shard"] = {{"index", eo.shard_index}, {"count", eo.shard_count}};
    j["runs"] = er.done;
    j["failing"] = er.failing;
    j["seconds"] = er.seconds;
    j["exhausted"] = er.covered();
    j["failures"] = results;
    Status w = WriteResultFile(a.json_out, j.dump(2) + "\n");
    if (!w.ok()) {
      std::fprintf(stderr, "prunecheck explore: --json: %s\n", w.ToString().c_str());
      return kHarnessError;
    }
  }
  return er.failing == 0 ? kPass : kViolation;
}

int Stress(const ExploreArgs& a, FreeRunOptions fo, const std::string& cache_actor) {
  Result<RunConfig> config = BuildConfig(a);
  if (!config.ok()) {
    std::fprintf(stderr, "prunecheck stress: %s\n", config.status().ToString().c_str());
    return kBadInput;
  }
  RemoveStaleRunDirectoriesAndReport(a.base_dir, "prunecheck stress", stderr);
  RunOptions options;
  options.cache_actor = cache_actor;
  options.base_dir = a.base_dir;
  options.keep = a.keep;
  std::printf("prunecheck stress: %zu actors, seed %llu, up to %.0f s, delay noise up to %lld us, %s\n",
              config->actors.size(), static_cast<unsigned long long>(a.seed),
              std::chrono::duration<double>(fo.duration).count(), static_cast<long long>(fo.max_delay_us),
              fo.watch_removals ? "removals watched with inotify" : "no removal watcher");
  std::fflush(stdout);
  const auto start = std::chrono::steady_clock::now();
  auto last = start;
  fo.on_round = [&](int round, size_t violations) {
    auto now = std::chrono::steady_clock::now();
    if (now - last < std::chrono::seconds(2)) return;
    last = now;
    std::printf("  round %d, %.0f s, %zu violation(s)\n", round, std::chrono::duration<double>(now - start).count(),
                violations);
    std::fflush(stdout);
  };
  FreeRunResult r = RunFree(*config, a.seed, options, fo);
  if (InterruptSignal() != 0) {
    std::printf("prunecheck stress: interrupted after %d rounds; nothing left behind\n", r.rounds);
    std::fflush(stdout);
    ExitBySignal();
  }
  if (!r.error.ok()) {
    std::fprintf(stderr, "prunecheck stress: %s\n", r.error.ToString().c_str());
    if (r.run_dir_kept) std::fprintf(stderr, "  run directory kept: %s\n", r.run_dir.c_str());
    return kHarnessError;
  }
  std::printf("%s: %d rounds, %d actor runs in %.1f s (seed %llu)\n", r.passed ? "PASS" : "VIOLATION", r.rounds,
              r.actor_runs, r.seconds, static_cast<unsigned long long>(a.seed));
  for (const HarnessViolation& v : r.violations) {
    std::printf("  [%s] %s\n", std::string(InvariantName(v.invariant)).c_str(), EscapeForDisplay(v.message).c_str());
  }
  if (r.run_dir_kept) std::printf("  run directory kept: %s\n", r.run_dir.c_str());
  if (!a.json_out.empty()) {
    nlohmann::json vs = nlohmann::json::array();
    for (const HarnessViolation& v : r.violations) {
      vs.push_back({{"invariant", InvariantName(v.invariant)}, {"actor", v.actor}, {"subject", v.subject}, {"message", v.message}});
    }
    nlohmann::ordered_json j;
    j["format"] = kStressResultFormat;
    j["verdict"] = r.passed ? "pass" : "violation";
    j["rounds"] = r.rounds;
    j["actor_runs"] = r.actor_runs;
    j["seconds"] = r.seconds;
    j["seed"] = a.seed;
    j["violations"] = vs;
    Status w = WriteResultFile(a.json_out, j.dump(2) + "\n");
    if (!w.ok()) {
      std::fprintf(stderr, "prunecheck stress: --json: %s\n", w.ToString().c_str());
      return kHarnessError;
    }
  }
  return r.passed ? kPass : kViolation;
}

int Replay(const std::string& path, const std::string& transport_override, int times, bool keep,
           const std::string& cache_actor, const std::string& json_out, bool fresh_processes,
           const std::string& base_dir) {
  Result<Trace> trace = ReadTrace(path);
  if (!trace.ok()) {
    std::fprintf(stderr, "prunecheck replay: %s\n", trace.status().ToString().c_str());
    return kBadInput;
  }
  RunConfig config = ReplayConfig(*trace);
  RemoveStaleRunDirectoriesAndReport(base_dir, "prunecheck replay", stderr);
  RunOptions options;
  std::string transport = transport_override.empty() ? trace->transport : transport_override;
  options.transport = *ParseTransport(transport);
  options.cache_actor = cache_actor;
  options.base_dir = base_dir;
  options.keep = keep;
  std::unique_ptr<CacheActorPool> pool = MakePool(fresh_processes, options.transport, cache_actor);
  options.pool = pool.get();
  int identical = 0;
  RunResult last;
  for (int i = 0; i < times; ++i) {
    options.keep_failed = (i + 1 == times);  // keep only the last replay's directory
    std::unique_ptr<ReplayStrategy> replay = MakeReplayStrategy(trace->choices);
    last = RunControlled(config, *replay, trace->seed, options);
    if (InterruptSignal() != 0) ExitBySignal();
    if (!last.error.ok()) {
      std::fprintf(stderr, "prunecheck replay: %s\n", last.error.ToString().c_str());
      return kHarnessError;
    }
    const bool same = last.event_digest == trace->event_digest;
    identical += same ? 1 : 0;
    std::printf("replay %d/%d: %s, event digest %s (%s)\n", i + 1, times, last.passed ? "pass" : "violation",
                last.event_digest.c_str(), same ? "identical to the trace" : "DIFFERS from the trace");
  }
  std::printf("%s", Summary(config, last).c_str());
  std::printf("identical event sequence in %d of %d replays\n", identical, times);
  if (!json_out.empty()) {
    nlohmann::ordered_json j;
    j["format"] = kReplayResultFormat;
    j.update(ResultJson(config, last, trace->seed, "replay"));
    j["identical_replays"] = identical;
    j["replays"] = times;
    Status w = WriteResultFile(json_out, j.dump(2) + "\n");
    if (!w.ok()) {
      std::fprintf(stderr, "prunecheck replay: --json: %s\n", w.ToString().c_str());
      return kHarnessError;
    }
  }
  if (!trace->event_digest.empty() && identical != times) return kDiverged;
  return last.passed ? kPass : kViolation;
}

struct MatrixArgs {
  MatrixOptions options;
  std::string transport = "memory";
  std::string shard;
  std::string json_out;
  std::string markdown_out;
};

// `prunecheck matrix`: every client profile x pruner profile, explored.
int Matrix(MatrixArgs m, const std::string& cache_actor) {
  MatrixOptions& o = m.options;
  if (o.clients.empty()) o.clients = RealProfiles();
  if (o.pruners.empty()) o.pruners = RealProfiles();
  if (o.jobs <= 0) o.jobs = DefaultJobs();
  o.transport = *ParseTransport(m.transport);  // CLI11 checked the name
  o.cache_actor = cache_actor;
  if (!m.shard.empty()) {
    Result<std::pair<int, int>> shard = ParseShard(m.shard);
    if (!shard.ok()) {
      std::fprintf(stderr, "prunecheck matrix: %s\n", shard.status().ToString().c_str());
      return kBadInput;
    }
    o.shard_index = shard->first;
    o.shard_count = shard->second;
  }
  if (Status v = ValidateMatrixOptions(o); !v.ok()) {
    std::fprintf(stderr, "prunecheck matrix: %s\n", v.ToString().c_str());
    return kBadInput;
  }
  const bool tty = ::isatty(STDERR_FILENO) == 1;
  std::fprintf(stderr, "prunecheck matrix: %zu clients x %zu pruners x %zu link modes, %s, up to %d schedules per cell, %d job%s, %s transport\n",
               o.clients.size(), o.pruners.size(), o.link_modes.size(), o.strategy.c_str(), o.schedules, o.jobs,
               o.jobs == 1 ? "" : "s", m.transport.c_str());
  const auto start = std::chrono::steady_clock::now();
  o.on_progress = [&](int done, int total, const std::string& cell) {
    if (!tty) return;
    const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::fprintf(stderr, "\r\033[K  [%d/%d] %.0f s  %s", done, total, secs, cell.c_str());
    if (done == total) std::fprintf(stderr, "\n");
    std::fflush(stderr);
  };
  std::vector<MatrixCell> cells = RunMatrix(o);
  if (InterruptSignal() != 0) {
    std::fprintf(stderr, "\nprunecheck matrix: interrupted after %zu cells; nothing left behind\n", cells.size());
    ExitBySignal();
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string table = MatrixMarkdown(o, cells);
  std::printf("%s", table.c_str());
  int unsafe = 0, errors = 0;
  for (const MatrixCell& c : cells) {
    unsafe += c.verdict == "unsafe" ? 1 : 0;
    errors += c.verdict == "error" ? 1 : 0;
    if (c.verdict == "unsafe" && !c.scenario.empty()) {
      std::printf("  %s clients x %s pruner: %s\n    scenario: %s\n", c.client.c_str(), c.pruner.c_str(),
                  c.message.c_str(), c.scenario.c_str());
    }
    if (c.verdict == "error") {
      std::fprintf(stderr, "  %s clients x %s pruner: error: %s\n", c.client.c_str(), c.pruner.c_str(), c.message.c_str());
    }
  }
  std::printf("prunecheck matrix: %zu cells in %.1f s: %d unsafe, %zu safe within budget, %d errors\n", cells.size(),
              secs, unsafe, cells.size() - static_cast<size_t>(unsafe + errors), errors);
  for (auto [path, text] : {std::pair<std::string, std::string>{m.json_out, MatrixJson(o, cells).dump(2) + "\n"},
                            {m.markdown_out, table}}) {
    if (path.empty()) continue;
    std::ofstream out(path);
    out << text;
    if (!out) {
      std::fprintf(stderr, "prunecheck matrix: %s: cannot write\n", path.c_str());
      return kHarnessError;
    }
  }
  return errors == 0 ? kPass : kHarnessError;
}

// `prunecheck mutation-score`: is every mutant killed, and how fast per strategy?
int MutationScore(MutationScoreOptions o, const std::string& transport, const std::string& json_out,
                  const std::vector<std::string>& expected_survivors, const std::string& cache_actor) {
  o.transport = *ParseTransport(transport);  // CLI11 checked the name
  o.cache_actor = cache_actor;
  if (o.jobs <= 0) o.jobs = DefaultJobs();
  Result<std::vector<MutantScore>> scores = ScoreMutants(o);
  if (InterruptSignal() != 0) ExitBySignal();
  if (!scores.ok()) {
    std::fprintf(stderr, "prunecheck mutation-score: %s\n", scores.status().ToString().c_str());
    return scores.status().code() == StatusCode::kInvalidInput ? kBadInput : kHarnessError;
  }
  int unexpected = 0;
  for (const MutantScore& s : *scores) {
    const bool allowed = std::find(expected_survivors.begin(), expected_survivors.end(), s.mutant) != expected_survivors.end();
    std::string line = s.mutant + ": " + (s.killed ? "killed by " + s.killed_by : s.scenario.empty() ? "SURVIVES (no scenario expects a violation of it)" : "SURVIVES");
    for (size_t k = 0; k < s.schedules.size(); ++k) {
      const double m = MedianSchedules(s.schedules[k]);
      char buf[96];
      std::snprintf(buf, sizeof(buf), "%s median %s", o.strategies[k].c_str(), m < 0 ? "-" : std::to_string(m).substr(0, std::to_string(m).find('.') + 2).c_str());
      line += std::string(k == 0 ? " (" : ", ") + buf;
    }
    if (!s.schedules.empty()) line += ")";
    if (!s.killed && allowed) line += " [expected survivor]";
    if (s.killed && allowed) line += " [listed as an expected survivor but killed: remove it from the list]";
    if (s.killed == allowed) ++unexpected;
    std::printf("  %s\n", line.c_str());
  }
  for (const std::string& name : expected_survivors) {
    bool known = false;
    for (const MutantScore& s : *scores) known = known || s.mutant == name;
    if (!known) {
      std::fprintf(stderr, "prunecheck mutation-score: --expect-survivor %s: not a mutant\n", name.c_str());
      return kBadInput;
    }
  }
  const nlohmann::ordered_json j = MutationScoreJson(o, *scores);
  std::printf("prunecheck mutation-score: %d of %zu mutants killed within %d schedules (seeds 1..%d)\n",
              j["killed"].get<int>(), scores->size(), o.budget, o.seeds);
  if (!json_out.empty()) {
    std::ofstream out(json_out);
    out << j.dump(2) << "\n";
    if (!out) {
      std::fprintf(stderr, "prunecheck mutation-score: --json %s: cannot write\n", json_out.c_str());
      return kHarnessError;
    }
  }
  return unexpected == 0 ? kPass : kViolation;
}

// `prunecheck merge A.json B.json ...`: joins explore --json results of shards.
int Merge(const std::vector<std::string>& inputs, const std::string& json_out) {
  // Results of long explorations with --keep-going can be large; still bounded.
  constexpr size_t kMaxResultBytes = size_t{256} << 20;
  std::vector<nlohmann::json> results;
  for (const std::string& path : inputs) {
    Result<JsonDocument> doc = JsonDocument::Load(path, kMaxResultBytes);
    Status format = doc.ok() ? RequireFormat(*doc, kExploreResultFormat, "explore --json result") : doc.status();
    if (!format.ok()) {
      std::fprintf(stderr, "prunecheck merge: %s\n", format.ToString().c_str());
      return kBadInput;
    }
    results.push_back(doc->root());
  }
  Result<nlohmann::ordered_json> merged = MergeExploreResults(results, inputs);
  if (!merged.ok()) {
    std::fprintf(stderr, "prunecheck merge: %s\n", merged.status().ToString().c_str());
    return kBadInput;
  }
  const nlohmann::ordered_json& m = *merged;
  std::printf("prunecheck merge: %zu results, %lld runs, %lld failing%s\n", inputs.size(),
              m["runs"].get<long long>(), m["failing"].get<long long>(),
              m["complete"].get<bool>() ? "" : " (not every shard is present)");
  if (!m["failures"].empty()) {
    const auto& f = m["failures"][0];
    std::printf("first failing run: %lld (seed %llu)\n", f["run_index"].get<long long>(),
                f.contains("seed") ? f["seed"].get<unsigned long long>() : 0ull);
  }
  if (!json_out.empty()) {
    std::ofstream out(json_out);
    out << m.dump(2) << "\n";
    if (!out) {
      std::fprintf(stderr, "prunecheck merge: --json %s: cannot write\n", json_out.c_str());
      return kHarnessError;
    }
  } else {
    std::printf("%s\n", m.dump(2).c_str());
  }
  return m["failing"].get<long long>() == 0 ? kPass : kViolation;
}

}  // namespace
}  // namespace prunecheck::harness

int main(int argc, char** argv) {
  using namespace prunecheck::harness;
  prunecheck::PinLocalTimeZone();
  InstallHarnessSignalHandlers(/*defer_exit=*/true);
  CLI::App app{"prunecheck: concurrency testing for package-cache GC and locking protocols"};
  app.require_subcommand(1);
  app.footer(
      "Exit codes: 0 pass, 1 invariant violated, 2 bad input, 3 replay diverged from its trace, 4 harness error");
  std::string cache_actor;
  app.add_option("--cache-actor", cache_actor, "path of the cache-actor binary (default: next to prunecheck)");

  // Options that say which actors take part, shared by explore and stress.
  auto add_actor_options = [](CLI::App* sub, ExploreArgs& x) {
    sub->add_option("--installer", x.installers, "add an installer of this profile (repeatable)");
    sub->add_option("--reader", x.readers, "add a reader (cache hit) of this profile (repeatable)");
    sub->add_option("--refresher", x.refreshers, "add a refresher of this profile (repeatable)");
    sub->add_option("--pruner", x.pruners, "add a pruner of this profile (repeatable)");
    sub->add_option("--cleaner", x.cleaners, "add a `clean demo` actor of this profile (repeatable)");
    sub->add_option("--wiper", x.wipers,
                    "add a `wipe` actor of this profile: the whole cache, .lock last (repeatable)");
    sub->add_option("--command", x.commands,
                    "add an actor that speaks harness/PROTOCOL.md: a shell command; {cache} {run} {wheel} {env} "
                    "are substituted (repeatable)");
    sub->add_option("--black-box", x.black_boxes,
                    "add an unmodified program as an actor: a shell command, substituted as --command, whose "
                    "system calls on the cache are its yield points (seccomp; harness/README.md) (repeatable)");
    sub->add_option("--black-box-free", x.black_boxes_free,
                    "add a black box that runs free, judged only physically (the old --black-box) (repeatable)");
    sub->add_option("--black-box-at", x.black_boxes_at,
                    "'ACTOR@POINT[#N] COMMAND': a black box that runs to completion, alone, when ACTOR is "
                    "scheduled at POINT (controlled mode; repeatable)");
    sub->add_option("--config", x.config_file, "a run config (JSON, as in a trace's \"config\")");
    sub->add_option("--seed", x.seed, "seed (explore: run i uses seed+i)")
        ->capture_default_str()
        ->check(IntegerAtLeast(0));
    sub->add_option("--grace", x.grace, "grace period (seconds) given to pruners")
        ->capture_default_str()
        ->check(IntegerAtLeast(0));
    sub->add_option("--link-mode", x.link_mode, "hardlink | copy | symlink")
        ->capture_default_str()
        ->check(CLI::IsMember({"hardlink", "copy", "symlink"}));
    sub->add_flag("--keep", x.keep, "keep run directories even when they pass");
    sub->add_option("--json", x.json_out, "write results as JSON here")->check(WritableFilePath());
    sub->add_option("--base-dir", x.base_dir, "create run directories here")
        ->capture_default_str()
        ->check(WritableDirectory());
  };

  ExploreArgs ex;
  CLI::App* explore = app.add_subcommand("explore", "search schedules of a set of actors for invariant violations");
  add_actor_options(explore, ex);
  explore->add_option("--strategy", ex.strategy, "random | pct[:DEPTH] | dfs[:PREEMPTIONS]")->capture_default_str();
  explore->add_option("--runs", ex.runs, "number of schedules to try")->capture_default_str()->check(IntegerAtLeast(1));
  explore->add_option("--kill-prob", ex.kill_prob, "probability of killing the chosen actor at each step")
      ->check(Probability());
  explore->add_option("--kill-at", ex.kill_at, "kill ACTOR (or *) at its Nth arrival at POINT: ACTOR@POINT[#N]");
  explore->add_option("--transport", ex.transport, "process | thread | memory")
      ->capture_default_str()
      ->check(CLI::IsMember({"process", "thread", "memory"}));
  explore->add_flag("!--no-minimize", ex.minimize, "do not minimize a failing schedule");
  explore->add_flag("--keep-going", ex.keep_going, "continue after the first failing run");
  explore->add_option("--trace-out", ex.trace_out, "write the failing run's trace here")->check(WritableFilePath());
  explore->add_option("--save-failure", ex.save_failure, "also write the (minimized) failing run as a scenario file in this directory");
  explore->add_option("--progress-every", ex.progress_every, "print progress every N runs (default: every 2 s)")
      ->check(IntegerAtLeast(0));
  explore->add_option("--jobs", ex.jobs,
                      "parallel workers (default: one per core); the result per seed does not depend on it; dfs "
                      "runs on one")
      ->check(CLI::Range(1, 1024));
  explore->add_option("--shard", ex.shard, "run only the runs i with i % N == I (CI jobs; join with `merge`): I/N");
  explore->add_flag("--fresh-processes", ex.fresh_processes,
                    "start a fresh cache-actor process per actor per run instead of reusing serving ones");

  ExploreArgs st;
  double stress_seconds = 10;
  int stress_rounds = 1000000;
  int64_t max_delay_us = 2000;
  bool no_watch = false;
  CLI::App* stress = app.add_subcommand(
      "stress", "free mode: run the actors concurrently, round after round, with delay noise; judge by timestamps");
  add_actor_options(stress, st);
  stress->add_option("--duration", stress_seconds, "stop starting rounds after this many seconds")
      ->capture_default_str()
      ->check(PositiveSeconds());
  stress->add_option("--rounds", stress_rounds, "at most this many rounds")->check(IntegerAtLeast(1));
  stress->add_option("--max-delay-us", max_delay_us, "random delay at each yield point, up to this")
      ->capture_default_str()
      ->check(IntegerAtLeast(0));
  stress->add_flag("--no-watch", no_watch, "do not watch archive-v0 with inotify");

  std::string trace_path, replay_transport, replay_json;
  int times = 1;
  bool replay_keep = false;
  CLI::App* replay = app.add_subcommand("replay", "re-run a recorded trace and compare its event sequence");
  replay->add_option("trace", trace_path, "trace file written by explore")->required()->check(CLI::ExistingFile);
  replay->add_option("--times", times, "replay this many times")->capture_default_str()->check(IntegerAtLeast(1));
  replay->add_option("--transport", replay_transport, "override the trace's transport")
      ->check(CLI::IsMember({"process", "thread", "memory"}));
  replay->add_flag("--keep", replay_keep, "keep the run directory");
  std::string replay_base_dir = DefaultRunBaseDir();
  replay->add_option("--base-dir", replay_base_dir, "create run directories here")
      ->capture_default_str()
      ->check(WritableDirectory());
  replay->add_option("--json", replay_json, "write the result as JSON here")->check(WritableFilePath());
  bool replay_fresh = false;
  replay->add_flag("--fresh-processes", replay_fresh,
                   "start a fresh cache-actor process per actor per replay instead of reusing serving ones");

  std::unique_ptr<RunCommand> run = AddRunCommand(app, [&] { return cache_actor; });

  MatrixArgs mx;
  CLI::App* matrix = app.add_subcommand(
      "matrix", "explore every client profile x pruner profile: which versions are safe together on one cache?");
  matrix->add_option("--clients", mx.options.clients, "client profiles (install, read, refresh); default: every real profile")
      ->delimiter(',');
  matrix->add_option("--pruners", mx.options.pruners, "pruner profiles; default: every real profile")->delimiter(',');
  matrix->add_option("--link-modes", mx.options.link_modes, "link modes, comma-separated")
      ->delimiter(',')
      ->capture_default_str();
  matrix->add_option("--strategy", mx.options.strategy, "random | pct[:DEPTH] | dfs[:PREEMPTIONS]")->capture_default_str();
  matrix->add_option("--seed", mx.options.seed, "seed of every cell's exploration")->capture_default_str();
  matrix->add_option("--schedules", mx.options.schedules, "schedules per cell")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000000));
  matrix->add_option("--seconds", mx.options.seconds_per_cell, "also stop a cell after this many seconds (0: no limit)")
      ->check(CLI::NonNegativeNumber);
  matrix->add_option("--jobs", mx.options.jobs, "parallel workers per cell (default: one per core)")
      ->check(CLI::Range(1, 1024));
  matrix->add_option("--shard", mx.shard, "run only the cells i with i % N == I: I/N");
  matrix->add_option("--transport", mx.transport, "process | thread | memory")
      ->capture_default_str()
      ->check(CLI::IsMember({"process", "thread", "memory"}));
  mx.options.save_dir = "prunecheck-matrix";
  mx.options.jobs = 0;  // one per core unless --jobs
  matrix->add_option("--save-failure", mx.options.save_dir,
                     "write each unsafe cell's minimal failing schedule as a scenario file here")
      ->capture_default_str();
  matrix->add_option("--json", mx.json_out, "write the cells as JSON (format prunecheck-matrix/1) here");
  matrix->add_option("--markdown", mx.markdown_out, "write the table as Markdown here");
  matrix->add_option("--base-dir", mx.options.base_dir, "create run directories here")->capture_default_str();

  MutationScoreOptions ms;
  ms.jobs = 0;
  std::string ms_transport = "memory", ms_json;
  std::vector<std::string> ms_survivors;
  CLI::App* mscore = app.add_subcommand(
      "mutation-score", "explore every built-in mutant's story with each strategy and seed: is each one killed?");
  mscore->add_option("scenarios", ms.scenario_paths, "scenario files or directories (the mutants' stories)")
      ->required()
      ->check(CLI::ExistingPath);
  mscore->add_option("--strategies", ms.strategies, "strategies to compare, comma-separated")
      ->delimiter(',')
      ->capture_default_str();
  mscore->add_option("--seeds", ms.seeds, "seeds 1..N per strategy")->capture_default_str()->check(CLI::Range(1, 1000));
  mscore->add_option("--budget", ms.budget, "schedules per (mutant, strategy, seed)")
      ->capture_default_str()
      ->check(CLI::Range(1, 10000000));
  mscore->add_option("--jobs", ms.jobs, "parallel workers (default: one per core)")->check(CLI::Range(1, 1024));
  mscore->add_option("--transport", ms_transport, "process | thread | memory")
      ->capture_default_str()
      ->check(CLI::IsMember({"process", "thread", "memory"}));
  mscore->add_option("--expect-survivor", ms_survivors,
                     "a mutant known to survive (exit 1 if it is killed after all, or another survives)")
      ->delimiter(',');
  mscore->add_option("--json", ms_json, "write the report (format prunecheck-mutation-score/1) here");

  std::vector<std::string> merge_inputs;
  std::string merge_json;
  CLI::App* merge = app.add_subcommand("merge", "join the --json results of `explore --shard I/N` jobs");
  merge->add_option("results", merge_inputs, "explore --json result files")->required()->check(CLI::ExistingFile);
  merge->add_option("--json", merge_json, "write the merged result here (default: print it)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kBadInput;
  }
  std::error_code ec;
  std::string self = std::filesystem::read_symlink("/proc/self/exe", ec).string();
  if (ec) self = argv[0];
  if (cache_actor.empty()) cache_actor = DefaultCacheActorPath(argv[0]);
  if (explore->parsed()) return Explore(ex, self, cache_actor);
  if (stress->parsed()) {
    FreeRunOptions fo;
    fo.rounds = stress_rounds;
    fo.duration = std::chrono::milliseconds(static_cast<int64_t>(stress_seconds * 1000));
    fo.max_delay_us = max_delay_us;
    fo.watch_removals = !no_watch;
    return Stress(st, fo, cache_actor);
  }
  if (run->parsed()) return run->Execute();
  if (merge->parsed()) return Merge(merge_inputs, merge_json);
  if (matrix->parsed()) return Matrix(mx, cache_actor);
  if (mscore->parsed()) return MutationScore(ms, ms_transport, ms_json, ms_survivors, cache_actor);
  if (replay->parsed()) {
    return Replay(trace_path, replay_transport, times, replay_keep, cache_actor, replay_json, replay_fresh,
                  replay_base_dir);
  }
  return kHarnessError;
}
