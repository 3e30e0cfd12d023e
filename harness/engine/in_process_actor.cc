// The in-process transports: the same CacheSession code an actor process
// runs, as a fiber on the engine's thread (harness/engine/fiber.h). The
// engine's WaitForStop runs the actor from its last yield point to its next
// one and returns; exactly one side runs at a time, so a controlled run is
// as deterministic here as with processes, and much faster (no exec, no
// socket, no thread handoff).
//
// A kill makes the actor's pending Yield/Blocked throw ActorKilled, which
// unwinds the operation: RAII closes every fd, which releases every flock —
// what SIGKILL does to a process — and skips every cleanup a crash would skip.
#include <time.h>

#include <exception>

#include "harness/engine/actor_host.h"
#include "harness/engine/fiber.h"
#include "pruner/actor/exit_codes.h"
#include "pruner/base/id_source.h"
#include "pruner/base/no_sync_file_system.h"
#include "pruner/cache/cache_session.h"
#include "pruner/profiles/profile_registry.h"

namespace prunecheck::harness {
namespace {

struct ActorKilled {};

int64_t MonotonicNs() {
  struct timespec ts {};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

class InProcessActor final : public ActorEndpoint, private YieldPoints {
 public:
  InProcessActor(ActorSpec spec, ActorLaunchContext ctx, FileSystem* fs)
      : spec_(std::move(spec)), ctx_(std::move(ctx)), fs_(fs), fiber_([this] { Main(); }) {}

  ~InProcessActor() override {
    // A suspended actor is unwound as if killed, so its fds (and flocks) are
    // released before the run's file system goes away.
    if (fiber_.started() && !fiber_.finished()) {
      killed_ = true;
      fiber_.Resume();
    }
  }

  const std::string& name() const override { return spec_.name; }
  bool connected() const override { return true; }

  // The actor runs here, on the caller's thread, from its last stop to its
  // next one; `timeout` cannot apply (it never waits for anything but us).
  ActorStop WaitForStop(std::vector<ControlMessage>* messages, std::chrono::milliseconds) override {
    if (actor_turn_ && !fiber_.finished()) fiber_.Resume();
    actor_turn_ = false;
    for (ControlMessage& m : pending_) messages->push_back(std::move(m));
    pending_.clear();
    return stop_;
  }

  void Resume() override { Hand(false); }
  void Kill() override { Hand(true); }

  ActorStop WaitForExit(std::vector<ControlMessage>* messages, std::chrono::milliseconds timeout) override {
    ActorStop s = WaitForStop(messages, timeout);
    while (s.kind == StopKind::kYield || s.kind == StopKind::kBlocked) {
      Resume();
      s = WaitForStop(messages, timeout);
    }
    return s;
  }

 private:
  void Hand(bool kill) {
    if (fiber_.finished()) return;
    killed_ = killed_ || kill;
    actor_turn_ = true;
  }

  // Actor side: report a stop and give control back to the engine.
  void Stop(ActorStop s) {
    stop_ = std::move(s);
    fiber_.Suspend();
    if (killed_) throw ActorKilled{};
  }

  void Yield(std::string_view point, std::string_view subject) override {
    ControlMessage m;
    m.type = MessageType::kYield;
    m.point = point;
    m.subject = subject;
    m.t_ns = MonotonicNs();
    pending_.push_back(m);
    ActorStop s;
    s.kind = StopKind::kYield;
    s.point = point;
    s.subject = subject;
    Stop(std::move(s));
  }

  void Blocked(std::string_view point, std::chrono::microseconds) override {
    ActorStop s;
    s.kind = StopKind::kBlocked;
    s.point = point;
    Stop(std::move(s));
  }

  void Report(const Event& e) override {
    if (killed_) return;  // a dead actor says nothing (destructors still run while unwinding)
    ControlMessage m;
    m.type = MessageType::kEvent;
    m.kind = e.kind;
    m.subject = e.archive_id;
    m.detail = e.detail;
    m.t_ns = MonotonicNs();
    pending_.push_back(std::move(m));
  }

  Status RunOperation(int* exit_code) {
    Result<const ProfileSpec*> profile = FindProfile(spec_.profile);
    if (!profile.ok()) {
      *exit_code = kExitBadInput;
      return profile.status();
    }
    SeededIdSource ids(ctx_.seed);
    NoSyncFileSystem no_sync(fs_);  // crashes here are kills, not power loss
    SessionOptions o;
    o.profile = *profile;
    o.fs = &no_sync;
    o.points = this;
    o.ids = &ids;
    o.grace = std::chrono::seconds(ctx_.grace_seconds);
    o.lock_timeout = std::chrono::milliseconds(ctx_.lock_timeout_ms);
    Result<std::unique_ptr<CacheSession>> session = CacheSession::Open(ctx_.cache, o);
    Status st;
    if (!session.ok()) {
      st = session.status();
    } else {
      Result<LinkMode> mode = ParseLinkMode(spec_.link_mode);
      InstallRequest req{ctx_.wheel, ctx_.env, mode.ok() ? *mode : LinkMode::kHardlink, ""};
      CacheSession& s = **session;
      switch (spec_.role) {
        case Role::kInstall: st = s.Install(req).status(); break;
        case Role::kRead: st = s.Read(req).status(); break;
        case Role::kRefresh: st = s.Refresh(req).status(); break;
        case Role::kPrune: st = s.Prune().status(); break;
        case Role::kClean: st = s.Clean(spec_.package).status(); break;
        case Role::kWipe: st = s.Wipe().status(); break;
        case Role::kCommand:
          st = Status(StatusCode::kInvalidInput, "role 'command' cannot run in-process");
          break;
      }
    }
    *exit_code = (spec_.role == Role::kRead && st.Is(StatusCode::kNotFound)) ? kExitNotCached : ExitCodeFor(st);
    return st;
  }

  // The fiber's body. Nothing may escape it: a kill unwinds to here, and any
  // other exception is the actor dying of it.
  void Main() {
    ActorStop end;
    try {
      int rc = 0;
      Status st = RunOperation(&rc);
      ControlMessage result;
      result.type = MessageType::kResult;
      result.exit_code = rc;
      result.status = std::string(StatusCodeName(st.code()));
      result.message = st.message();
      pending_.push_back(std::move(result));
      end.kind = StopKind::kFinished;
      end.exit_code = rc;
      end.message = st.ok() ? "" : st.ToString();
    } catch (const ActorKilled&) {
      end.kind = StopKind::kDied;
      end.exit_code = 128 + 9;
      end.message = "killed";
    } catch (const std::exception& e) {
      end.kind = StopKind::kDied;
      end.exit_code = 128 + 6;
      end.message = std::string("died of an exception: ") + e.what();
    }
    stop_ = end;
  }

  ActorSpec spec_;
  ActorLaunchContext ctx_;
  FileSystem* fs_;
  bool actor_turn_ = true;  // the first WaitForStop runs it to its first point
  bool killed_ = false;
  ActorStop stop_;
  std::vector<ControlMessage> pending_;
  Fiber fiber_;  // last: destroyed first, after the destructor body unwound it
};

class InProcessActorHost final : public ActorHost {
 public:
  explicit InProcessActorHost(FileSystem* fs) : fs_(fs) {}
  Result<ActorEndpoint*> Launch(const ActorSpec& spec, const ActorLaunchContext& ctx) override {
    if (spec.role == Role::kCommand) {
      return Status(StatusCode::kInvalidInput,
                    "actor '" + spec.name + "': a command actor needs the process transport");
    }
    auto actor = std::make_unique<InProcessActor>(spec, ctx, fs_);
    actors_.push_back(std::move(actor));
    return actors_.back().get();
  }
  void KillAll() override { actors_.clear(); }
  ~InProcessActorHost() override { KillAll(); }

 private:
  FileSystem* fs_;
  std::vector<std::unique_ptr<InProcessActor>> actors_;
};

}  // namespace

std::unique_ptr<ActorHost> MakeInProcessActorHost(FileSystem* fs) { return std::make_unique<InProcessActorHost>(fs); }

}  // namespace prunecheck::harness
