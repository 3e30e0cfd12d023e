#include "harness/engine/controlled_run.h"

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "harness/engine/physical_checks.h"
#include "pruner/base/id_source.h"
#include "pruner/cache/cache_session.h"
#include "pruner/profiles/profile_registry.h"
#include "pruner/wheel/fixture_wheel.h"
#include "pruner/wheel/record.h"

namespace prunecheck::harness {

namespace fs = std::filesystem;

namespace {

uint64_t ActorSeed(uint64_t seed, size_t index) { return seed * 1000003ull + index + 1; }

Status Setup(const RunConfig& config, const std::string& cache, const std::string& run_dir,
             const std::map<std::string, std::string>& wheels, uint64_t seed) {
  SeededIdSource ids(seed ^ 0x5e7u);
  int n = 0;
  for (const SetupOp& op : config.setup) {
    ++n;
    if (op.op == "age") {
      PC_RETURN_IF_ERROR(AgeCache(cache, std::chrono::seconds(op.age_seconds)));
      continue;
    }
    SessionOptions o;
    o.profile = *FindProfile(op.profile);
    o.ids = &ids;
    o.grace = std::chrono::seconds(config.grace_seconds);
    PC_ASSIGN_OR_RETURN(std::unique_ptr<CacheSession> s, CacheSession::Open(cache, o));
    InstallRequest req{wheels.at(op.package), run_dir + "/env-setup", LinkMode::kHardlink};
    Status st;
    if (op.op == "install") st = s->Install(req).status();
    if (op.op == "refresh") st = s->Refresh(req).status();
    if (op.op == "prune") st = s->Prune().status();
    if (!st.ok()) return st.Annotate("setup step " + std::to_string(n) + " (" + op.op + ")");
  }
  return Status::Ok();
}

}  // namespace

std::vector<std::string> NormalizedEventLines(const RunResult& r, const RunConfig& config) {
  std::vector<std::string> lines;
  auto norm = [&](std::string s) {
    for (size_t pos = s.find(r.run_dir); !r.run_dir.empty() && pos != std::string::npos;
         pos = s.find(r.run_dir, pos)) {
      s.replace(pos, r.run_dir.size(), "<run>");
    }
    return s;
  };
  for (const LoggedMessage& m : r.log) {
    std::string actor = m.actor >= 0 ? config.actors[static_cast<size_t>(m.actor)].name : "-";
    const ControlMessage& c = m.message;
    std::string line = std::to_string(m.step) + " " + actor + " " + std::string(MessageTypeName(c.type));
    switch (c.type) {
      case MessageType::kYield: line += " " + c.point + " " + norm(c.subject); break;
      case MessageType::kBlocked: line += " " + c.point; break;
      case MessageType::kEvent: line += " " + c.kind + " " + norm(c.subject) + " " + norm(c.detail); break;
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

RunResult RunControlled(const RunConfig& config, Strategy& strategy, uint64_t seed, const RunOptions& options) {
  RunResult result;
  const auto started = std::chrono::steady_clock::now();
  if (Status v = Validate(config); !v.ok()) {
    result.error = v;
    return result;
  }

  // The run directory.
  std::string tmpl = options.base_dir + "/prunecheck-run-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) {
    result.error = Status::FromErrno(errno, "creating a run directory under " + options.base_dir);
    return result;
  }
  result.run_dir = tmpl;
  const std::string cache = result.run_dir + "/cache";
  const std::string log_dir = result.run_dir + "/logs";
  std::error_code ec;
  fs::create_directories(log_dir, ec);
  fs::create_directories(result.run_dir + "/wheels", ec);

  // Fixture wheels, one per package named anywhere in the config.
  std::map<std::string, std::string> wheels;
  auto add_wheel = [&](const std::string& pkg) -> Status {
    if (wheels.count(pkg)) return Status::Ok();
    FixtureWheelSpec spec;
    spec.distribution = pkg;
    spec.file_count = config.fixture_files;
    spec.seed = wheels.size() + 1;
    PC_ASSIGN_OR_RETURN(std::string path, WriteFixtureWheel(result.run_dir + "/wheels", spec));
    wheels[pkg] = path;
    return Status::Ok();
  };
  Status prep = Status::Ok();
  for (const ActorSpec& a : config.actors) {
    if (prep.ok()) prep = add_wheel(a.package);
  }
  for (const SetupOp& s : config.setup) {
    if (prep.ok()) prep = add_wheel(s.package);
  }
  // Lay the cache out before any actor starts, so no actor's start-up races another's.
  if (prep.ok()) {
    SessionOptions o;
    o.profile = *FindProfile("reference");
    Result<std::unique_ptr<CacheSession>> s = CacheSession::Open(cache, o);
    prep = s.status();
  }
  if (prep.ok()) prep = Setup(config, cache, result.run_dir, wheels, seed);
  if (prep.ok() && config.plant_canaries) prep = PlantCanaries(result.run_dir, cache);
  if (!prep.ok()) {
    result.error = prep;
    result.run_dir_kept = true;
    return result;
  }

  // Launch.
  std::unique_ptr<ActorHost> host = options.transport == Transport::kThread
                                        ? MakeThreadActorHost()
                                        : MakeProcessActorHost(options.cache_actor);
  const size_t n = config.actors.size();
  std::vector<ActorEndpoint*> endpoints(n, nullptr);
  std::vector<ActorStop> stops(n);
  std::vector<bool> unresponsive(n, false);
  InvariantChecker checker;
  result.outcomes.resize(n);
  const auto timeout = std::chrono::milliseconds(config.unresponsive_ms);

  auto absorb = [&](int step, size_t i, std::vector<ControlMessage>& msgs) {
    for (ControlMessage& m : msgs) {
      checker.OnMessage(step, config.actors[i].name, m);
      result.log.push_back({step, static_cast<int>(i), std::move(m)});
    }
    msgs.clear();
  };

  std::vector<ControlMessage> msgs;
  for (size_t i = 0; i < n; ++i) {
    const ActorSpec& spec = config.actors[i];
    ActorLaunchContext ctx;
    ctx.run_dir = result.run_dir;
    ctx.cache = cache;
    ctx.wheel = wheels[spec.package];
    ctx.env = result.run_dir + "/env-" + spec.name;
    ctx.log_dir = log_dir;
    ctx.seed = ActorSeed(seed, i);
    ctx.grace_seconds = config.grace_seconds;
    ctx.controlled = true;
    ctx.lock_timeout_ms = options.lock_timeout_ms;
    Result<ActorEndpoint*> ep = host->Launch(spec, ctx);
    if (!ep.ok()) {
      result.error = ep.status().Annotate("launching " + spec.name);
      result.run_dir_kept = true;
      return result;
    }
    endpoints[i] = *ep;
    result.outcomes[i].name = spec.name;
    result.outcomes[i].role = spec.role;
    result.outcomes[i].connected = (*ep)->connected();
  }
  // Actors are started one at a time and each is held at its first point
  // before the next starts: start-up order never depends on the OS.
  for (size_t i = 0; i < n; ++i) {
    if (!endpoints[i]->connected()) continue;
    stops[i] = endpoints[i]->WaitForStop(&msgs, timeout);
    absorb(-1, i, msgs);
    if (stops[i].kind == StopKind::kUnresponsive) unresponsive[i] = true;
  }

  std::mt19937_64 fault_rng(seed ^ 0xfa017u);
  std::vector<std::map<std::string, int>> occurrences(n);
  strategy.BeginRun();
  int step = 0;
  bool step_limit_hit = false;
  for (;;) {
    SchedulingState state;
    state.step = step;
    state.actor_count = static_cast<int>(n);
    state.last = result.choices.empty() ? -1 : result.choices.back();
    for (size_t i = 0; i < n; ++i) {
      if (!endpoints[i]->connected()) continue;
      if (stops[i].kind == StopKind::kYield) state.enabled.push_back(static_cast<int>(i));
      if (stops[i].kind == StopKind::kBlocked || stops[i].kind == StopKind::kUnresponsive) {
        state.blocked.push_back(static_cast<int>(i));
      }
    }
    if (state.enabled.empty() && state.blocked.empty()) break;
    if (step >= config.max_steps) {
      step_limit_hit = true;
      break;
    }
    const int a = strategy.Pick(state);
    if (a < 0 || static_cast<size_t>(a) >= n) {
      result.error = Status(StatusCode::kInvalidInput, "strategy " + strategy.name() + " picked no actor");
      break;
    }
    const size_t ai = static_cast<size_t>(a);
    const ActorSpec& spec = config.actors[ai];
    const std::string point = stops[ai].point;
    const int occurrence = ++occurrences[ai][point];
    bool kill = false;
    for (const KillAt& k : config.kills) {
      if ((k.actor == "*" || k.actor == spec.name) && k.point == point && k.occurrence == occurrence) kill = true;
    }
    if (config.kill_probability > 0) {
      // One draw per step whatever happens, so later draws do not depend on earlier outcomes.
      const double u = static_cast<double>(fault_rng() >> 11) * (1.0 / 9007199254740992.0);
      if (u < config.kill_probability) kill = true;
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
      absorb(step, ai, msgs);
      if (stops[ai].kind == StopKind::kUnresponsive) unresponsive[ai] = true;
    }
    ++step;
  }
  result.steps = step;
  strategy.EndRun(step);

  // Black boxes ran free all along; wait for them now.
  for (size_t i = 0; i < n; ++i) {
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

  checker.CheckOutcomes(result.outcomes, step_limit_hit, step);
  const ActorSpec* pruner = nullptr;
  for (const ActorSpec& a : config.actors) {
    if (a.role == "prune" && pruner == nullptr) pruner = &a;
  }
  CheckTreeAtQuiescence(config, cache, result.run_dir, pruner, &checker);

  result.violations = checker.violations();
  result.passed = result.violations.empty() && result.error.ok();
  Sha256 digest;
  for (const std::string& line : NormalizedEventLines(result, config)) {
    digest.Update(line.data(), line.size());
    digest.Update("\n", 1);
  }
  result.event_digest = digest.FinishUrlsafeBase64();
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  if (result.passed && !options.keep) {
    fs::remove_all(result.run_dir, ec);
    result.run_dir_kept = false;
  } else {
    result.run_dir_kept = true;
  }
  return result;
}

}  // namespace prunecheck::harness
