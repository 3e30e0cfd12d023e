#include "harness/scenario/matrix.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "harness/engine/explorer.h"
#include "harness/engine/interrupt.h"
#include "harness/scenario/scenario_writer.h"
#include "pruner/actor/exit_codes.h"
#include "pruner/profiles/profile_registry.h"

namespace prunecheck::harness {
namespace {

ActorSpec Actor(const char* name, Role role, const std::string& profile, const char* package,
                const std::string& link_mode) {
  ActorSpec a;
  a.name = name;
  a.role = role;
  a.profile = profile;
  a.package = package;
  a.link_mode = link_mode;
  return a;
}

}  // namespace

bool IsTryLockSkip(const RunConfig& config, const RunResult& r, const HarnessViolation& v) {
  if (v.invariant != Invariant::kProgress) return false;
  for (size_t i = 0; i < config.actors.size() && i < r.outcomes.size(); ++i) {
    const ActorSpec& a = config.actors[i];
    if (a.name != v.actor || a.role != Role::kPrune) continue;
    Result<const ProfileSpec*> p = FindProfile(a.profile);
    return p.ok() && (*p)->pruner_root_lock == PrunerRootLock::kExclusiveTry && !r.outcomes[i].killed &&
           r.outcomes[i].end.kind == StopKind::kFinished && r.outcomes[i].end.exit_code == kExitLock;
  }
  return false;
}


std::vector<std::string> RealProfiles() {
  std::vector<std::string> out;
  for (const ProfileSpec* p : AllProfiles()) {
    if (!p->mutant) out.push_back(p->name);
  }
  return out;
}

RunConfig MatrixCellConfig(const std::string& client, const std::string& pruner, const std::string& link_mode) {
  RunConfig c;
  c.setup.push_back({SetupKind::kInstall, client, "demo", 0});
  c.setup.push_back({SetupKind::kAge, client, "demo", 7200});
  c.grace_seconds = 3600;
  c.actors.push_back(Actor("installer", Role::kInstall, client, "other", link_mode));
  c.actors.push_back(Actor("reader", Role::kRead, client, "demo", link_mode));
  c.actors.push_back(Actor("refresher", Role::kRefresh, client, "demo", link_mode));
  c.actors.push_back(Actor("pruner", Role::kPrune, pruner, "demo", link_mode));
  c.fixture_files = 3;
  return c;
}

Status ValidateMatrixOptions(const MatrixOptions& o) {
  for (const auto* list : {&o.clients, &o.pruners}) {
    for (const std::string& name : *list) {
      Result<const ProfileSpec*> p = FindProfile(name);
      if (!p.ok()) return p.status().Annotate(list == &o.clients ? "--clients" : "--pruners");
    }
  }
  for (const std::string& m : o.link_modes) {
    if (m != "hardlink" && m != "copy" && m != "symlink") {
      return Status(StatusCode::kInvalidInput, "--link-modes: '" + m + "' is not hardlink, copy or symlink");
    }
  }
  if (o.clients.empty() || o.pruners.empty() || o.link_modes.empty()) {
    return Status(StatusCode::kInvalidInput, "the matrix needs at least one client, pruner and link mode");
  }
  ExplorerOptions eo;
  eo.strategy = o.strategy;
  eo.runs = o.schedules;
  eo.jobs = o.jobs;
  eo.max_seconds = o.seconds_per_cell;
  eo.shard_index = o.shard_index;
  eo.shard_count = o.shard_count;
  return ValidateExplorerOptions(eo);
}

std::vector<MatrixCell> RunMatrix(const MatrixOptions& o) {
  std::vector<MatrixCell> cells;
  int index = 0;
  for (const std::string& pruner : o.pruners) {
    for (const std::string& client : o.clients) {
      for (const std::string& mode : o.link_modes) {
        if (index % o.shard_count == o.shard_index) {
          MatrixCell c;
          c.index = index;
          c.client = client;
          c.pruner = pruner;
          c.link_mode = mode;
          cells.push_back(c);
        }
        ++index;
      }
    }
  }
  int done = 0;
  for (MatrixCell& cell : cells) {
    if (InterruptSignal() != 0) break;
    const std::string name = cell.client + " clients x " + cell.pruner + " pruner" +
                             (o.link_modes.size() > 1 ? " (" + cell.link_mode + ")" : "");
    if (o.on_progress) o.on_progress(done, static_cast<int>(cells.size()), name);
    const auto start = std::chrono::steady_clock::now();
    RunConfig config = MatrixCellConfig(cell.client, cell.pruner, cell.link_mode);
    ExplorerOptions eo;
    eo.strategy = o.strategy;
    eo.seed = o.seed;
    eo.runs = o.schedules;
    eo.max_seconds = o.seconds_per_cell;
    eo.jobs = o.jobs;
    eo.run.transport = o.transport;
    eo.run.cache_actor = o.cache_actor;
    eo.run.base_dir = o.base_dir;
    eo.minimize = true;
    eo.remove_failed_run_dirs = true;
    int skipped = 0;
    eo.failing_invariant = [&](const RunResult& r) -> std::optional<Invariant> {
      for (const HarnessViolation& v : r.violations) {
        if (!IsTryLockSkip(config, r, v)) return v.invariant;
      }
      return std::nullopt;
    };
    eo.on_run = [&](int, const RunResult& r) {
      for (const HarnessViolation& v : r.violations) {
        if (IsTryLockSkip(config, r, v)) {
          ++skipped;
          break;
        }
      }
    };
    const std::string transport_name(TransportName(o.transport));
    eo.on_failure = [&](const ExploreFailure& f, CacheActorPool* pool) {
      if (o.save_dir.empty()) return;
      ScenarioRunOptions so{transport_name, transport_name, o.cache_actor, o.base_dir, false};
      so.pool = pool;
      Result<SavedScenario> saved = SaveFailureScenario(f.trace, o.save_dir, so);
      cell.scenario = saved.ok() ? saved->path : "";
      if (!saved.ok()) cell.message = "(scenario not saved: " + saved.status().ToString() + ") ";
    };
    ExploreResult er = Explore(config, eo);
    cell.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (er.interrupted) break;
    if (!er.error.ok()) {
      cell.verdict = "error";
      cell.message = er.error.ToString();
      cell.schedules = er.done;
    } else if (!er.failures.empty()) {
      const ExploreFailure& f = er.failures.front();
      cell.verdict = "unsafe";
      cell.invariant = std::string(InvariantName(f.invariant));
      cell.schedules = f.index + 1;
      for (const HarnessViolation& v : f.result.violations) {
        if (v.invariant == f.invariant) {
          cell.message += v.message;
          break;
        }
      }
    } else {
      cell.verdict = "safe";
      cell.schedules = er.done;
      cell.covered = er.covered();
    }
    cell.pruner_skipped = skipped;
    ++done;
    if (o.on_progress) o.on_progress(done, static_cast<int>(cells.size()), name);
  }
  cells.resize(static_cast<size_t>(done));
  return cells;
}

nlohmann::ordered_json MatrixJson(const MatrixOptions& o, const std::vector<MatrixCell>& cells) {
  nlohmann::ordered_json j;
  j["format"] = kMatrixFormat;
  j["strategy"] = o.strategy;
  j["seed"] = o.seed;
  j["schedules_per_cell"] = o.schedules;
  j["seconds_per_cell"] = o.seconds_per_cell;
  j["transport"] = std::string(TransportName(o.transport));
  j["shard"] = {{"index", o.shard_index}, {"count", o.shard_count}};
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const MatrixCell& c : cells) {
    nlohmann::ordered_json x;
    x["index"] = c.index;
    x["client"] = c.client;
    x["pruner"] = c.pruner;
    x["link_mode"] = c.link_mode;
    x["verdict"] = c.verdict;
    x["invariant"] = c.invariant;
    x["schedules"] = c.schedules;
    x["covered"] = c.covered;
    x["pruner_skipped"] = c.pruner_skipped;
    x["seconds"] = c.seconds;
    x["scenario"] = c.scenario;
    x["message"] = c.message;
    list.push_back(x);
  }
  j["cells"] = list;
  return j;
}

std::string MatrixMarkdown(const MatrixOptions& o, const std::vector<MatrixCell>& cells) {
  std::string out;
  for (const std::string& mode : o.link_modes) {
    if (o.link_modes.size() > 1) out += "\nLink mode `" + mode + "`:\n\n";
    out += "| pruner \\ clients |";
    for (const std::string& c : o.clients) out += " `" + c + "` |";
    out += "\n|---|";
    for (size_t k = 0; k < o.clients.size(); ++k) out += "---|";
    out += "\n";
    for (const std::string& p : o.pruners) {
      out += "| `" + p + "` |";
      for (const std::string& c : o.clients) {
        const MatrixCell* cell = nullptr;
        for (const MatrixCell& x : cells) {
          if (x.client == c && x.pruner == p && x.link_mode == mode) cell = &x;
        }
        if (cell == nullptr) {
          out += " – |";
        } else if (cell->verdict == "safe") {
          out += " safe (" + std::to_string(cell->schedules) + (cell->covered ? ", all" : "") + ") |";
        } else if (cell->verdict == "unsafe") {
          out += " **unsafe**: " + cell->invariant + " (" + std::to_string(cell->schedules) + ") |";
        } else {
          out += " error |";
        }
      }
      out += "\n";
    }
  }
  out += "\nsafe (N): no violation in N schedules (" + o.strategy + ", seed " + std::to_string(o.seed) +
         "); unsafe: the invariant violated (schedules to the first failure).\n";
  return out;
}

}  // namespace prunecheck::harness
