#include "harness/engine/free_run.h"

#include "harness/engine/run_directory_owner.h"

#include <algorithm>
#include <filesystem>
#include <set>

#include "harness/engine/interrupt.h"
#include "harness/engine/physical_checks.h"
#include "harness/engine/removal_watcher.h"
#include "harness/engine/run_directory.h"
#include "harness/engine/sanitizer_reports.h"

namespace prunecheck::harness {

namespace {

struct Stamped {
  int64_t t_ns;
  size_t order;       // arrival order, to keep ties stable
  std::string actor;  // "(inotify)" for the watcher
  ControlMessage message;
};

}  // namespace

FreeRunResult RunFree(const RunConfig& config, uint64_t seed, const RunOptions& options,
                      const FreeRunOptions& free) {
  FreeRunResult result;
  const auto started = std::chrono::steady_clock::now();
  if (Status v = Validate(config); !v.ok()) {
    result.error = v;
    return result;
  }
  if (options.transport != Transport::kProcess) {
    result.error = Status(StatusCode::kInvalidInput, "free mode runs actors as processes only");
    return result;
  }
  Result<PreparedRun> prepared = PrepareRun(*DefaultFileSystem(), config, seed, options.base_dir, &result.run_dir);
  if (!prepared.ok()) {
    result.error = prepared.status();
    result.run_dir_kept = !result.run_dir.empty();
    if (result.run_dir_kept) ReleaseRunDirectory(result.run_dir);  // kept on purpose: never a leftover
    return result;
  }
  InvariantChecker checker;
  checker.set_step_label("round");
  std::set<std::string> reported;  // sanitizer report files already judged
  const size_t n = config.actors.size();
  const auto exit_timeout = std::chrono::milliseconds(config.unresponsive_ms);

  for (int round = 0; round < free.rounds; ++round) {
    if (round > 0 && std::chrono::steady_clock::now() - started >= free.duration) break;
    if (int sig = InterruptSignal(); sig != 0) {
      result.error = Status(StatusCode::kBusy, "interrupted by signal " + std::to_string(sig));
      break;
    }
    RemovalWatcher watcher;
    if (free.watch_removals) {
      Status w = watcher.Start(prepared->cache, /*watch_entries=*/true);
      if (!w.ok()) {
        result.error = w.Annotate("starting the removal watcher");
        break;
      }
    }
    std::unique_ptr<ActorHost> host = MakeProcessActorHost(options.cache_actor);
    std::vector<ActorEndpoint*> endpoints;
    const uint64_t round_seed = seed + static_cast<uint64_t>(round) * 7919u;
    for (size_t i = 0; i < n; ++i) {
      ActorLaunchContext ctx = LaunchContext(*prepared, config, i, round_seed, options.lock_timeout_ms);
      ctx.controlled = false;
      ctx.max_delay_us = free.max_delay_us;
      Result<ActorEndpoint*> ep = host->Launch(config.actors[i], ctx);
      if (!ep.ok()) {
        result.error = ep.status().Annotate("launching " + config.actors[i].name);
        break;
      }
      endpoints.push_back(*ep);
    }
    if (!result.error.ok()) break;

    std::vector<Stamped> stamped;
    std::vector<ActorOutcome> outcomes(n);
    std::vector<ControlMessage> msgs;
    for (size_t i = 0; i < n; ++i) {
      ActorStop end = endpoints[i]->WaitForExit(&msgs, exit_timeout);
      for (ControlMessage& m : msgs) stamped.push_back({m.t_ns, stamped.size(), config.actors[i].name, std::move(m)});
      msgs.clear();
      outcomes[i].name = config.actors[i].name;
      outcomes[i].role = config.actors[i].role;
      // A syscall-intercepted black box is judged as a black box.
      outcomes[i].connected = endpoints[i]->connected() && !config.actors[i].black_box;
      outcomes[i].end = end;
    }
    host.reset();
    if (free.watch_removals) {
      for (ControlMessage& m : watcher.Stop()) stamped.push_back({m.t_ns, stamped.size(), "(inotify)", std::move(m)});
      for (HarnessViolation& v : watcher.TakeFindings()) {
        v.message = "round " + std::to_string(round + 1) + ": " + v.message;
        checker.Add(std::move(v));
      }
    }
    // One timeline: every actor's events and the watcher's, by CLOCK_MONOTONIC.
    std::stable_sort(stamped.begin(), stamped.end(), [](const Stamped& a, const Stamped& b) {
      return a.t_ns != b.t_ns ? a.t_ns < b.t_ns : a.order < b.order;
    });
    for (const Stamped& s : stamped) checker.OnMessage(round + 1, s.actor, s.message);
    const std::string& cache = prepared->cache;
    checker.set_archive_present(
        [&cache](const std::string& id) { return ArchivePresent(*DefaultFileSystem(), cache, id); });
    // Each report file names its actor and pid; a pid is new every round.
    for (const SanitizerReport& r : CollectSanitizerReports(prepared->log_dir)) {
      if (reported.insert(r.path).second) checker.Add(SanitizerViolation(r));
    }
    checker.CheckOutcomes(outcomes, false, 0);
    if (Status full = OutOfSpaceError(outcomes, options.base_dir); !full.ok() && result.error.ok()) {
      result.error = full;
    }
    result.rounds = round + 1;
    result.actor_runs += static_cast<int>(n);
    if (free.on_round) free.on_round(round + 1, checker.violations().size());
    if (free.stop_at_first_violation && !checker.violations().empty()) break;
  }

  if (result.error.ok() && InterruptSignal() != 0) {
    result.error = Status(StatusCode::kBusy, "interrupted by signal " + std::to_string(InterruptSignal()));
  }
  if (result.error.ok()) {
    const ActorSpec* pruner = nullptr;
    for (const ActorSpec& a : config.actors) {
      if (a.role == Role::kPrune && pruner == nullptr) pruner = &a;
    }
    CheckTreeAtQuiescence(*DefaultFileSystem(), config, prepared->cache, result.run_dir, pruner, &checker);
  }
  result.violations = checker.violations();
  result.passed = result.error.ok() && result.violations.empty();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::error_code ec;
  if (!options.keep && (result.passed || !options.keep_failed || InterruptSignal() != 0)) {
    std::filesystem::remove_all(result.run_dir, ec);
    result.run_dir_kept = false;
  } else {
    result.run_dir_kept = true;
    ReleaseRunDirectory(result.run_dir);  // kept on purpose: never a leftover
  }
  return result;
}

}  // namespace prunecheck::harness
