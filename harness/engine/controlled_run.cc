#include "harness/engine/controlled_run.h"

#include "harness/engine/run_directory_owner.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "harness/engine/interrupt.h"
#include "harness/engine/physical_checks.h"
#include "harness/engine/removal_watcher.h"
#include "harness/engine/run_directory.h"
#include "harness/engine/sanitizer_reports.h"
#include "pruner/base/id_source.h"
#include "pruner/base/mem_file_system.h"
#include "pruner/base/no_sync_file_system.h"
#include "pruner/cache/cache_layout.h"
#include "pruner/cache/cache_references.h"
#include "pruner/cache/cache_session.h"
#include "pruner/profiles/profile_registry.h"
#include "pruner/wheel/fixture_wheel.h"
#include "pruner/wheel/record.h"
#include "pruner/wheel/wheel_name.h"

namespace prunecheck::harness {

namespace fs = std::filesystem;


std::vector<std::string> NormalizedEventLines(const RunResult& r, const RunConfig& config) {
  std::vector<std::string> lines;
  auto norm = [&](std::string s) {
    for (size_t pos = s.find(r.run_dir); !r.run_dir.empty() && pos != std::string::npos;
         pos = s.find(r.run_dir, pos)) {
      s.replace(pos, r.run_dir.size(), "<run>");
    }
    return s;
  };
  // Lock events carry inode numbers, which differ between file systems and
  // machines: each becomes the order in which it first appeared, which keeps
  // what the lock-exclusion invariant reads (same file or not) and nothing else.
  std::map<std::string, std::string> inodes;
  auto inode = [&](const std::string& ino) {
    auto [it, fresh] = inodes.try_emplace(ino, "inode#" + std::to_string(inodes.size() + 1));
    return it->second;
  };
  for (const LoggedMessage& m : r.log) {
    std::string actor = m.actor >= 0 ? config.actors[static_cast<size_t>(m.actor)].name : "-";
    const ControlMessage& c = m.message;
    std::string line = std::to_string(m.step) + " " + actor + " " + std::string(MessageTypeName(c.type));
    const bool lock_event = c.kind == EventKind::kLockAcquired || c.kind == EventKind::kLockReleased ||
                            c.kind == EventKind::kLockUnlinked;
    switch (c.type) {
      case MessageType::kYield: line += " " + c.point + " " + norm(c.subject); break;
      case MessageType::kBlocked: line += " " + c.point; break;
      case MessageType::kEvent:
        line += " " + std::string(EventKindText(c)) + " " + (lock_event ? inode(c.subject) : norm(c.subject)) + " " +
                norm(c.detail);
        break;
      case MessageType::kResult: line += " " + std::to_string(c.exit_code) + " " + c.status; break;
      default: break;
    }
    lines.push_back(std::move(line));
  }
  for (const KillRecord& k : r.kills) {
    lines.push_back("kill " + std::to_string(k.step) + " " + k.actor + " " + k.point);
  }
  return lines;
}

Result<Transport> ParseTransport(const std::string& name) {
  if (name == "process") return Transport::kProcess;
  if (name == "thread") return Transport::kThread;
  if (name == "memory") return Transport::kMemory;
  return Status(StatusCode::kInvalidInput, "unknown transport '" + name + "' (expected process, thread or memory)");
}

std::string_view TransportName(Transport t) {
  switch (t) {
    case Transport::kProcess: return "process";
    case Transport::kThread: return "thread";
    case Transport::kMemory: return "memory";
  }
  return "?";
}

namespace {

// Charges the time since the previous lap to one phase of the run.
class PhaseClock {
 public:
  explicit PhaseClock(RunPhaseSeconds* phases) : phases_(phases), last_(std::chrono::steady_clock::now()) {}
  void Lap(double RunPhaseSeconds::*phase) {
    const auto now = std::chrono::steady_clock::now();
    phases_->*phase += std::chrono::duration<double>(now - last_).count();
    last_ = now;
  }

 private:
  RunPhaseSeconds* phases_;
  std::chrono::steady_clock::time_point last_;
};

// The arrivals of `actor` (or of anyone, for "*") at `point` in this run.
int Arrivals(const RunConfig& config, const std::vector<std::map<std::string, int>>& occurrences,
             const std::string& actor, const std::string& point) {
  int arrivals = 0;
  for (size_t i = 0; i < config.actors.size(); ++i) {
    if (actor != "*" && config.actors[i].name != actor) continue;
    auto it = occurrences[i].find(point);
    if (it != occurrences[i].end()) arrivals = actor == "*" ? std::max(arrivals, it->second) : it->second;
  }
  return arrivals;
}

std::string ArrivalsText(const std::string& actor, int arrivals) {
  if (arrivals == 0) return actor == "*" ? "no actor was ever scheduled there" : actor + " was never scheduled there";
  return (actor == "*" ? "an actor" : actor) + " was scheduled there only " + std::to_string(arrivals) + " time" +
         (arrivals == 1 ? "" : "s");
}

// Every run_at trigger and kill fault of `config` that never fired in the run.
std::vector<RunResult::Unfired> UnfiredTriggers(const RunConfig& config, const std::vector<bool>& deferred,
                                                const std::vector<bool>& kill_fired,
                                                const std::vector<std::map<std::string, int>>& occurrences) {
  std::vector<RunResult::Unfired> unfired;
  for (size_t j = 0; j < config.actors.size(); ++j) {
    if (!deferred[j]) continue;
    const ActorSpec::At& at = config.actors[j].run_at;
    unfired.push_back({"the trigger '" + at.actor + "@" + at.point + "#" + std::to_string(at.occurrence) +
                           "' of black box " + config.actors[j].name,
                       ArrivalsText(at.actor, Arrivals(config, occurrences, at.actor, at.point)) +
                           ": the black box never ran"});
  }
  for (size_t k = 0; k < config.kills.size(); ++k) {
    if (kill_fired[k]) continue;
    const KillAt& at = config.kills[k];
    unfired.push_back({"the fault 'kill " + at.actor + "@" + at.point + "#" + std::to_string(at.occurrence) + "'",
                       ArrivalsText(at.actor, Arrivals(config, occurrences, at.actor, at.point))});
  }
  return unfired;
}

Status UnfiredError(const std::vector<std::pair<std::string, std::string>>& unfired, const std::string& suffix) {
  std::string what;
  for (const auto& [trigger, why] : unfired) {
    what += (what.empty() ? "" : "; ") + trigger + " never fired" + suffix + " (" + why + ")";
  }
  return Status(StatusCode::kNotFound, what + "; a run that did not do what it was asked to cannot pass");
}

}  // namespace

RunResult RunControlled(const RunConfig& config, Strategy& strategy, uint64_t seed, const RunOptions& options) {
  RunResult result;
  const auto started = std::chrono::steady_clock::now();
  if (Status v = Validate(config); !v.ok()) {
    result.error = v;
    return result;
  }

  // The memory transport's run lives in a file system of its own.
  std::unique_ptr<MemFileSystem> memfs;
  if (options.transport == Transport::kMemory) memfs = std::make_unique<MemFileSystem>();
  FileSystem& fsys = memfs ? static_cast<FileSystem&>(*memfs) : *DefaultFileSystem();
  PhaseClock clock(&result.phases);
  Result<PreparedRun> prepared = PrepareRun(fsys, config, seed, options.base_dir, &result.run_dir);
  if (!prepared.ok()) {
    result.error = prepared.status();
    result.run_dir_kept = !result.run_dir.empty();
    if (result.run_dir_kept && !memfs) ReleaseRunDirectory(result.run_dir);
    return result;
  }
  const std::string cache = prepared->cache;
  clock.Lap(&RunPhaseSeconds::prepare);

  // Launch.
  std::unique_ptr<ActorHost> host = options.transport == Transport::kProcess
                                        ? MakeProcessActorHost(options.cache_actor, options.pool)
                                        : MakeInProcessActorHost(
                                              options.transport == Transport::kThread && options.thread_actor_fs
                                                  ? options.thread_actor_fs
                                                  : &fsys);
  const size_t n = config.actors.size();
  std::vector<ActorEndpoint*> endpoints(n, nullptr);
  std::vector<ActorStop> stops(n);
  std::vector<bool> unresponsive(n, false);
  InvariantChecker checker;
  result.outcomes.resize(n);
  const auto timeout = std::chrono::milliseconds(config.unresponsive_ms);

  // What every actor was seen removing and publishing so far: the context
  // in which a black box's fresh entry is judged (below).
  std::set<std::string> removal_seen;
  std::map<std::string, int> published_at;  // archive id -> last step it was published
  auto absorb = [&](int step, size_t i, std::vector<ControlMessage>& msgs) {
    for (ControlMessage& m : msgs) {
      if (m.type == MessageType::kEvent && m.kind == EventKind::kRemoveBegin) removal_seen.insert(m.subject);
      if (m.type == MessageType::kEvent && m.kind == EventKind::kArchivePublished) published_at[m.subject] = step;
      checker.OnMessage(step, config.actors[i].name, m);
      result.log.push_back({step, static_cast<int>(i), std::move(m)});
    }
    msgs.clear();
  };

  // A syscall-controlled black box's entries are judged the moment the call
  // that made one completed (every actor is stopped then), as the entry
  // watcher judges a free black box's (removal_watcher.h): whatever reader
  // the schedule sends there next would see the same. An entry naming an
  // archive that is there but incomplete was published before the archive
  // was complete (no-partial-archive), unless someone was removing that
  // archive (no-dangling-reference). One naming an archive that does not
  // exist yet is judged at the end: published early if the archive came
  // later, dangling if it never did.
  struct EarlyEntry {
    std::string actor, entry, id;
    int step;
  };
  std::vector<EarlyEntry> early_entries;
  std::set<std::string> judged_entries;  // "entry\tid": one finding per entry version
  auto judge_fresh_entries = [&](int step, size_t i, const std::vector<ControlMessage>& fresh) {
    const ActorSpec& spec = config.actors[i];
    if (!spec.black_box || endpoints[i] == nullptr || !endpoints[i]->connected()) return;
    for (const ControlMessage& m : fresh) {
      if (m.type == MessageType::kEvent && m.kind == EventKind::kRemoveBegin) {
        // Its removals too: the call is held, so the entries seen now are the
        // ones its removal leaves dangling, whatever it deletes later (a
        // black box that then deletes the entries as well leaves no trace
        // for the tree check at the end).
        if (!judged_entries.insert("remove\t" + m.subject).second) continue;
        Result<Fd> root = fsys.OpenDir(AT_FDCWD, cache);
        Result<ReferenceScan> refs = root.ok() ? ScanReferences(fsys, root->get()) : Result<ReferenceScan>(root.status());
        if (!refs.ok()) continue;
        for (const EntryReference& e : refs->entries) {
          if (e.archive_id != m.subject || e.kind == EntryReference::Kind::kReplaceTemp) continue;
          checker.Add({Invariant::kNoDanglingReference, spec.name, m.subject, step,
                       "step " + std::to_string(step) + ": " + spec.name + " began removing archive " + m.subject +
                           " (" + m.detail + ") while " + layout::PackageDir(e.package) + "/" + e.name +
                           " still referenced it"});
          break;
        }
        continue;
      }
      if (m.type != MessageType::kEvent || m.kind != EventKind::kReferenced) continue;
      // A replace temp is no entry yet: readers see it once it is renamed over the entry.
      if (m.detail.find(layout::kReplaceTempInfix) != std::string::npos) continue;
      if (!judged_entries.insert(m.detail + "\t" + m.subject).second) continue;
      bool missing = false;
      const std::string problem = ArchiveProblem(cache + "/archive-v0", m.subject, &missing);
      if (problem.empty()) continue;
      if (missing) {
        early_entries.push_back({spec.name, m.detail, m.subject, step});
      } else if (removal_seen.count(m.subject)) {
        checker.Add({Invariant::kNoDanglingReference, spec.name, m.subject, step,
                     "step " + std::to_string(step) + ": " + spec.name + " pointed " + m.detail + " at archive " +
                         m.subject + ", which was being removed (" + problem + ")"});
      } else {
        checker.Add({Invariant::kNoPartialArchive, spec.name, m.subject, step,
                     "step " + std::to_string(step) + ": " + spec.name + " pointed " + m.detail + " at archive " +
                         m.subject + " before it was complete (" + problem + ")"});
      }
    }
  };

  // availability: which packages had an entry once setup was done.
  {
    std::set<std::string> packages;
    if (Result<Fd> root = fsys.OpenDir(AT_FDCWD, cache); root.ok()) {
      if (Result<ReferenceScan> refs = ScanReferences(fsys, root->get()); refs.ok()) {
        for (const EntryReference& e : refs->entries) {
          if (e.kind != EntryReference::Kind::kReplaceTemp) packages.insert(e.package);
        }
      }
    }
    checker.set_entries_at_start(std::move(packages));
  }

  std::vector<ControlMessage> msgs;
  std::vector<bool> deferred(n, false);  // black boxes that run at a point
  for (size_t i = 0; i < n; ++i) {
    const ActorSpec& spec = config.actors[i];
    result.outcomes[i].name = spec.name;
    result.outcomes[i].role = spec.role;
    result.outcomes[i].package = NormalizePackageName(spec.package);
    if (!spec.run_at.point.empty()) {
      deferred[i] = true;
      result.outcomes[i].connected = false;
      stops[i] = ActorStop{StopKind::kFinished, "", "", 0, "its point was never reached; it did not run"};
      continue;
    }
    ActorLaunchContext ctx = LaunchContext(*prepared, config, i, seed, options.lock_timeout_ms);
    Result<ActorEndpoint*> ep = host->Launch(spec, ctx);
    if (!ep.ok()) {
      result.error = ep.status().Annotate("launching " + spec.name);
      result.run_dir_kept = true;
      if (!memfs) ReleaseRunDirectory(result.run_dir);
      return result;
    }
    endpoints[i] = *ep;
    // A syscall-controlled black box is scheduled, but judged as a black box.
    result.outcomes[i].connected = (*ep)->connected() && !spec.black_box;
  }
  // A deferred black box runs alone, to completion, while every other actor
  // is held at its yield point; the watcher attributes what it removes.
  auto run_black_box = [&](size_t j, int at_step) -> Status {
    deferred[j] = false;
    RemovalWatcher watcher;
    if (memfs) return Status(StatusCode::kInvalidInput, "black boxes need the process transport");
    PC_RETURN_IF_ERROR(watcher.Start(cache, /*watch_entries=*/true));
    ActorLaunchContext ctx = LaunchContext(*prepared, config, j, seed, options.lock_timeout_ms);
    Result<ActorEndpoint*> ep = host->Launch(config.actors[j], ctx);
    if (!ep.ok()) return ep.status().Annotate("launching " + config.actors[j].name);
    endpoints[j] = *ep;
    stops[j] = endpoints[j]->WaitForExit(&msgs, timeout);
    absorb(at_step, j, msgs);
    checker.OnExited(at_step, config.actors[j].name);
    std::vector<ControlMessage> removals = watcher.Stop();
    absorb(at_step, j, removals);
    for (HarnessViolation& v : watcher.TakeFindings()) {
      v.actor = config.actors[j].name;
      v.step = at_step;
      v.message = "step " + std::to_string(at_step) + ": " + v.message;
      checker.Add(std::move(v));
    }
    return Status::Ok();
  };
  // Actors are started one at a time and each is held at its first point
  // before the next starts: start-up order never depends on the OS.
  for (size_t i = 0; i < n; ++i) {
    if (endpoints[i] == nullptr || !endpoints[i]->connected()) continue;
    stops[i] = endpoints[i]->WaitForStop(&msgs, timeout);
    absorb(-1, i, msgs);
    if (stops[i].kind == StopKind::kUnresponsive) unresponsive[i] = true;
  }

  clock.Lap(&RunPhaseSeconds::launch);
  std::mt19937_64 fault_rng(seed ^ 0xfa017u);
  std::vector<std::map<std::string, int>> occurrences(n);
  std::vector<bool> kill_fired(config.kills.size(), false);
  strategy.BeginRun();
  int step = 0;
  bool step_limit_hit = false;
  for (;;) {
    SchedulingState state;
    state.step = step;
    state.actor_count = static_cast<int>(n);
    state.last = result.choices.empty() ? -1 : result.choices.back();
    state.points.assign(n, "");
    for (size_t i = 0; i < n; ++i) {
      if (endpoints[i] == nullptr || !endpoints[i]->connected()) continue;
      if (stops[i].kind == StopKind::kYield) state.enabled.push_back(static_cast<int>(i));
      if (stops[i].kind == StopKind::kBlocked || stops[i].kind == StopKind::kUnresponsive) {
        state.blocked.push_back(static_cast<int>(i));
      }
      if (stops[i].kind == StopKind::kYield || stops[i].kind == StopKind::kBlocked) state.points[i] = stops[i].point;
    }
    if (state.enabled.empty() && state.blocked.empty()) break;
    if (int sig = InterruptSignal(); sig != 0) {
      result.error = Status(StatusCode::kBusy, "interrupted by signal " + std::to_string(sig));
      break;
    }
    if (step >= config.max_steps) {
      step_limit_hit = true;
      break;
    }
    const int a = strategy.Pick(state);
    if (a < 0 || static_cast<size_t>(a) >= n) {
      // The strategy's error channel says why it could not go on (a script
      // that cannot be followed); without one, this is a strategy bug.
      result.error = !strategy.error().ok() ? strategy.error()
                                            : Status(StatusCode::kInvalidInput,
                                                     "strategy " + strategy.name() + " picked no actor");
      break;
    }
    const size_t ai = static_cast<size_t>(a);
    const ActorSpec& spec = config.actors[ai];
    const std::string point = stops[ai].point;
    const int occurrence = ++occurrences[ai][point];
    bool kill = false;
    for (size_t k = 0; k < config.kills.size(); ++k) {
      const KillAt& at = config.kills[k];
      if ((at.actor == "*" || at.actor == spec.name) && at.point == point && at.occurrence == occurrence) {
        kill = true;
        kill_fired[k] = true;
      }
    }
    if (config.kill_probability > 0) {
      // One draw per step whatever happens, so later draws do not depend on earlier outcomes.
      const double u = static_cast<double>(fault_rng() >> 11) * (1.0 / 9007199254740992.0);
      if (u < config.kill_probability) kill = true;
    }
    for (size_t j = 0; j < n; ++j) {
      const ActorSpec::At& at = config.actors[j].run_at;
      if (deferred[j] && at.actor == spec.name && at.point == point && at.occurrence == occurrence) {
        if (Status bs = run_black_box(j, step); !bs.ok()) result.error = bs;
      }
    }
    result.choices.push_back(a);
    if (kill) {
      endpoints[ai]->Kill();
      checker.OnKilled(step, spec.name);
      result.kills.push_back({spec.name, point, occurrence, step});
      result.outcomes[ai].killed = true;
      stops[ai] = endpoints[ai]->WaitForStop(&msgs, timeout);
      msgs.clear();  // a killed actor's last words do not count
      if (stops[ai].kind != StopKind::kDied && stops[ai].kind != StopKind::kFinished) stops[ai].kind = StopKind::kDied;
    } else {
      endpoints[ai]->Resume();
      stops[ai] = endpoints[ai]->WaitForStop(&msgs, timeout);
      judge_fresh_entries(step, ai, msgs);
      absorb(step, ai, msgs);
      if (stops[ai].kind == StopKind::kUnresponsive) unresponsive[ai] = true;
      if (stops[ai].kind == StopKind::kFinished || stops[ai].kind == StopKind::kDied) checker.OnExited(step, spec.name);
    }
    ++step;
  }
  result.steps = step;
  strategy.EndRun(step);
  clock.Lap(&RunPhaseSeconds::schedule);
  if (InterruptSignal() != 0) {
    // Abandon the run: its verdict would mean nothing. Every actor is gone
    // once the host is; the run directory goes too unless asked to keep it.
    host.reset();
    if (!options.keep && !memfs) {
      std::error_code rm_ec;
      fs::remove_all(result.run_dir, rm_ec);
    }
    result.run_dir_kept = options.keep;
    if (result.run_dir_kept && !memfs) ReleaseRunDirectory(result.run_dir);
    if (result.error.ok()) result.error = Status(StatusCode::kBusy, "interrupted by signal " + std::to_string(InterruptSignal()));
    return result;
  }

  // Black boxes ran free all along; wait for them now.
  for (size_t i = 0; i < n; ++i) {
    if (endpoints[i] == nullptr) continue;  // a deferred black box whose point never came
    if (endpoints[i]->connected() && stops[i].kind != StopKind::kYield && stops[i].kind != StopKind::kBlocked &&
        stops[i].kind != StopKind::kUnresponsive) {
      continue;
    }
    stops[i] = endpoints[i]->WaitForExit(&msgs, timeout);
    absorb(step, i, msgs);
  }
  for (size_t i = 0; i < n; ++i) {
    result.outcomes[i].end = stops[i];
    result.outcomes[i].unresponsive = unresponsive[i];
  }
  host.reset();  // every actor is gone from here on
  clock.Lap(&RunPhaseSeconds::finish);

  checker.set_archive_present([&](const std::string& id) { return ArchivePresent(fsys, cache, id); });
  // What sanitized actors reported comes first: it often explains the rest
  // (an actor that halted on a report also broke progress).
  if (options.transport == Transport::kProcess) {
    for (const SanitizerReport& r : CollectSanitizerReports(prepared->log_dir)) checker.Add(SanitizerViolation(r));
  }
  checker.CheckOutcomes(result.outcomes, step_limit_hit, step);
  if (Status full = OutOfSpaceError(result.outcomes, options.base_dir); !full.ok() && result.error.ok()) {
    result.error = full;
  }
  const ActorSpec* pruner = nullptr;
  for (const ActorSpec& a : config.actors) {
    if (a.role == Role::kPrune && pruner == nullptr) pruner = &a;
  }
  for (const EarlyEntry& e : early_entries) {
    auto published = published_at.find(e.id);
    const bool came_later = (published != published_at.end() && published->second >= e.step) ||
                            (!removal_seen.count(e.id) && ArchivePresent(fsys, cache, e.id));
    if (came_later) {
      checker.Add({Invariant::kNoPartialArchive, e.actor, e.id, e.step,
                   "step " + std::to_string(e.step) + ": " + e.actor + " pointed " + e.entry + " at archive " + e.id +
                       " before it existed (it was published later): published before it was complete"});
    } else {
      checker.Add({Invariant::kNoDanglingReference, e.actor, e.id, e.step,
                   "step " + std::to_string(e.step) + ": " + e.actor + " pointed " + e.entry +
                       " at missing archive " + e.id});
    }
  }
  CheckTreeAtQuiescence(fsys, config, cache, result.run_dir, pruner, &checker);

  clock.Lap(&RunPhaseSeconds::check);
  result.violations = checker.violations();
  result.unfired = UnfiredTriggers(config, deferred, kill_fired, occurrences);
  if (result.violations.empty() && result.error.ok() && !result.unfired.empty() && options.unfired_trigger_is_error) {
    // A verdict never passes by accident (docs/design.md): a black box whose
    // trigger never came did not run, and a fault that never fired tested
    // nothing. A violation found anyway stands on its own; a pass does not.
    std::vector<std::pair<std::string, std::string>> list;
    for (const RunResult::Unfired& u : result.unfired) list.emplace_back(u.trigger, u.why);
    result.error = UnfiredError(list, "");
  }
  result.passed = result.violations.empty() && result.error.ok();
  Sha256 digest;
  for (const std::string& line : NormalizedEventLines(result, config)) {
    digest.Update(line.data(), line.size());
    digest.Update("\n", 1);
  }
  result.event_digest = digest.FinishUrlsafeBase64();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::error_code ec;
  // An interrupted run leaves nothing behind (unless --keep).
  if (memfs) {
    result.run_dir_kept = false;  // it lived in memory, and goes with it
  } else if (!options.keep && (result.passed || !options.keep_failed || InterruptSignal() != 0)) {
    if (options.reaper != nullptr) {
      options.reaper->Remove(result.run_dir);
    } else {
      fs::remove_all(result.run_dir, ec);
    }
    result.run_dir_kept = false;
  } else {
    result.run_dir_kept = true;
  }
  if (result.run_dir_kept && !memfs) ReleaseRunDirectory(result.run_dir);  // kept on purpose: never a leftover
  clock.Lap(&RunPhaseSeconds::cleanup);
  return result;
}

void TriggerTally::Add(const RunResult& r) {
  ++runs_;
  for (const RunResult::Unfired& u : r.unfired) {
    auto& [count, why] = unfired_[u.trigger];
    ++count;
    why = u.why;
  }
}

Status TriggerTally::Check() const {
  std::vector<std::pair<std::string, std::string>> never;
  for (const auto& [trigger, counted] : unfired_) {
    if (counted.first == runs_) never.emplace_back(trigger, "in the last run, " + counted.second);
  }
  if (runs_ == 0 || never.empty()) return Status::Ok();
  return UnfiredError(never, " in any of " + std::to_string(runs_) + " run" + (runs_ == 1 ? "" : "s"));
}

}  // namespace prunecheck::harness
