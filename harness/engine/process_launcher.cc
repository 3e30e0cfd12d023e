// Builds cache-actor command lines and hands them to ProcessActorHost: to a
// fresh process each, or as runs on a CacheActorPool's serving processes.
#include <unistd.h>

#include "harness/engine/actor_host.h"
#include "harness/engine/sanitizer_reports.h"
#include "harness/process/process_actor.h"
#include "harness/syscall/syscall_actor.h"

namespace prunecheck::harness {

std::vector<std::string> CacheActorArgs(const ActorSpec& spec, const ActorLaunchContext& ctx) {
  std::vector<std::string> args = {std::string(RoleName(spec.role)), "--cache", ctx.cache, "--profile", spec.profile,
                                   "--seed", std::to_string(ctx.seed), "--lock-timeout-ms",
                                   std::to_string(ctx.lock_timeout_ms), "--no-fsync"};
  if (spec.role == Role::kInstall || spec.role == Role::kRead || spec.role == Role::kRefresh) {
    args.insert(args.end(), {"--wheel", ctx.wheel, "--env", ctx.env, "--link-mode", spec.link_mode});
  } else if (spec.role == Role::kPrune) {
    args.insert(args.end(), {"--grace", std::to_string(ctx.grace_seconds)});
  } else if (spec.role == Role::kClean) {
    args.push_back(spec.package);
  }
  return args;
}

namespace {

std::string Substitute(std::string s, const ActorLaunchContext& ctx) {
  for (auto [key, value] : {std::pair<std::string, std::string>{"{cache}", ctx.cache},
                            {"{run}", ctx.run_dir}, {"{wheel}", ctx.wheel}, {"{env}", ctx.env}}) {
    for (size_t pos = s.find(key); pos != std::string::npos; pos = s.find(key, pos + value.size())) {
      s.replace(pos, key.size(), value);
    }
  }
  return s;
}

class ProcessLauncher final : public ActorHost {
 public:
  ProcessLauncher(std::string cache_actor, CacheActorPool* pool)
      : cache_actor_(std::move(cache_actor)), pool_(pool), host_(pool) {}

  Result<ActorEndpoint*> Launch(const ActorSpec& spec, const ActorLaunchContext& ctx) override {
    if (pool_ != nullptr && spec.role != Role::kCommand) {
      ServeRunSpec run;
      run.name = spec.name;
      run.args = CacheActorArgs(spec, ctx);
      run.controlled = ctx.controlled;
      run.seed = ctx.seed;
      run.max_delay_us = ctx.max_delay_us;
      run.stdout_path = ctx.log_dir + "/" + spec.name + ".stdout";
      run.stderr_path = ctx.log_dir + "/" + spec.name + ".stderr";
      run.sanitizer_log = SanitizerLogPrefix(ctx.log_dir, spec.name);
      return host_.SpawnPooled(run);
    }
    if (spec.role == Role::kCommand && spec.black_box && !spec.free_running && spec.run_at.point.empty()) {
      // An unmodified program, scheduled at its system calls on the cache
      // (controlled), or let through each one after a seeded random delay,
      // its events stamped as they happen (free: stress).
      SyscallActorSpec s;
      s.name = spec.name;
      for (const std::string& a : spec.command) s.argv.push_back(Substitute(a, ctx));
      s.env = {{"PRUNECHECK_CACHE", ctx.cache}};
      s.cache = ctx.cache;
      s.controlled = ctx.controlled;
      s.seed = ctx.seed;
      s.max_delay_us = ctx.controlled ? 0 : ctx.max_delay_us;
      s.stdout_path = ctx.log_dir + "/" + spec.name + ".stdout";
      s.stderr_path = ctx.log_dir + "/" + spec.name + ".stderr";
      Result<std::unique_ptr<ActorEndpoint>> e = StartSyscallActor(s);
      if (!e.ok()) return e.status();
      syscall_actors_.push_back(std::move(e).value());
      return syscall_actors_.back().get();
    }
    ProcessSpec p;
    p.name = spec.name;
    if (spec.role == Role::kCommand) {
      for (const std::string& a : spec.command) p.argv.push_back(Substitute(a, ctx));
      p.use_channel = !spec.black_box;
    } else {
      p.argv.push_back(cache_actor_);
      for (std::string& a : CacheActorArgs(spec, ctx)) p.argv.push_back(std::move(a));
    }
    p.env = {{"PRUNECHECK_ACTOR_NAME", spec.name}, {"PRUNECHECK_CACHE", ctx.cache}};
    // Every actor, black boxes too: a sanitized binary of the user's reports where the harness looks.
    for (auto& kv : SanitizerEnvironment(SanitizerLogPrefix(ctx.log_dir, spec.name))) p.env.push_back(std::move(kv));
    p.controlled = ctx.controlled;
    p.seed = ctx.seed;
    p.max_delay_us = ctx.max_delay_us;
    p.stdout_path = ctx.log_dir + "/" + spec.name + ".stdout";
    p.stderr_path = ctx.log_dir + "/" + spec.name + ".stderr";
    return host_.Spawn(p);
  }

  void KillAll() override {
    for (auto& e : syscall_actors_) e->Kill();
    host_.KillAll();
  }

 private:
  std::string cache_actor_;
  CacheActorPool* pool_;
  ProcessActorHost host_;
  std::vector<std::unique_ptr<ActorEndpoint>> syscall_actors_;  // destroyed (killed, reaped) first
};

}  // namespace

std::unique_ptr<ActorHost> MakeProcessActorHost(std::string cache_actor_path, CacheActorPool* pool) {
  return std::make_unique<ProcessLauncher>(std::move(cache_actor_path), pool);
}

}  // namespace prunecheck::harness
