// The in-process transport: the same CacheSession code an actor process runs,
// on a thread, handing a baton back and forth with the engine at every yield
// point. Exactly one side runs at a time, so a controlled run is as
// deterministic here as with processes, and much faster (no exec, no socket).
//
// A kill makes the actor's pending Yield/Blocked throw ActorKilled, which
// unwinds the operation: RAII closes every fd, which releases every flock —
// what SIGKILL does to a process — and skips every cleanup a crash would skip.
#include <time.h>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "harness/engine/actor_host.h"
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

class ThreadActor final : public ActorEndpoint, private YieldPoints {
 public:
  ThreadActor(ActorSpec spec, ActorLaunchContext ctx, FileSystem* fs)
      : spec_(std::move(spec)), ctx_(std::move(ctx)), fs_(fs) {}

  ~ThreadActor() override {
    {
      std::unique_lock<std::mutex> l(mu_);
      if (!done_) {
        killed_ = true;
        actor_turn_ = true;
        cv_.notify_all();
      }
    }
    if (thread_.joinable()) thread_.join();
  }

  void Start() {
    actor_turn_ = true;
    thread_ = std::thread([this] { Main(); });
  }

  const std::string& name() const override { return spec_.name; }
  bool connected() const override { return true; }

  ActorStop WaitForStop(std::vector<ControlMessage>* messages, std::chrono::milliseconds timeout) override {
    SpinUntil(false);
    std::unique_lock<std::mutex> l(mu_);
    if (!cv_.wait_for(l, timeout, [&] { return !actor_turn_.load(); })) {
      ActorStop s;
      s.kind = StopKind::kUnresponsive;
      return s;
    }
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
    std::unique_lock<std::mutex> l(mu_);
    if (done_) return;
    killed_ = killed_ || kill;
    actor_turn_ = true;
    cv_.notify_all();
  }

  // A handoff is usually answered within microseconds; spinning that long
  // first spares a futex sleep and wake-up per step, which dominate the cost
  // of an in-process schedule on a virtual machine. Then the caller blocks.
  void SpinUntil(bool actor_turn) const {
    for (int i = 0; i < 1000; ++i) {
      if (actor_turn_.load(std::memory_order_acquire) == actor_turn) return;
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#endif
    }
  }

  // Actor side: report a stop, give the baton to the engine, wait for it back.
  void Stop(ActorStop s) {
    std::unique_lock<std::mutex> l(mu_);
    stop_ = std::move(s);
    actor_turn_ = false;
    cv_.notify_all();
    l.unlock();
    SpinUntil(true);
    l.lock();
    cv_.wait(l, [&] { return actor_turn_.load(); });
    if (killed_) throw ActorKilled{};
  }

  void Yield(std::string_view point, std::string_view subject) override {
    ControlMessage m;
    m.type = MessageType::kYield;
    m.point = point;
    m.subject = subject;
    m.t_ns = MonotonicNs();
    {
      std::lock_guard<std::mutex> l(mu_);
      pending_.push_back(m);
    }
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
    std::lock_guard<std::mutex> l(mu_);
    if (killed_) return;  // a dead actor says nothing (destructors still run while unwinding)
    ControlMessage m;
    m.type = MessageType::kEvent;
    m.kind = EventKindName(e.kind);
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
      if (spec_.role == "install") {
        st = s.Install(req).status();
      } else if (spec_.role == "read") {
        st = s.Read(req).status();
      } else if (spec_.role == "refresh") {
        st = s.Refresh(req).status();
      } else if (spec_.role == "prune") {
        st = s.Prune().status();
      } else if (spec_.role == "clean") {
        st = s.Clean(spec_.package).status();
      } else {
        st = Status(StatusCode::kInvalidInput, "role '" + spec_.role + "' cannot run in-process");
      }
    }
    *exit_code = (spec_.role == "read" && st.Is(StatusCode::kNotFound)) ? kExitNotCached : ExitCodeFor(st);
    return st;
  }

  void Main() {
    {
      std::unique_lock<std::mutex> l(mu_);
      cv_.wait(l, [&] { return actor_turn_.load(); });
    }
    ActorStop end;
    try {
      int rc = 0;
      Status st = RunOperation(&rc);
      ControlMessage result;
      result.type = MessageType::kResult;
      result.exit_code = rc;
      result.status = std::string(StatusCodeName(st.code()));
      result.message = st.message();
      std::lock_guard<std::mutex> l(mu_);
      pending_.push_back(std::move(result));
      end.kind = StopKind::kFinished;
      end.exit_code = rc;
      end.message = st.ok() ? "" : st.ToString();
    } catch (const ActorKilled&) {
      end.kind = StopKind::kDied;
      end.exit_code = 128 + 9;
      end.message = "killed";
    }
    std::lock_guard<std::mutex> l(mu_);
    stop_ = end;
    done_ = true;
    actor_turn_ = false;
    cv_.notify_all();
  }

  ActorSpec spec_;
  ActorLaunchContext ctx_;
  FileSystem* fs_;
  std::thread thread_;
  std::mutex mu_;
  std::condition_variable cv_;
  // Who holds the baton. Written under mu_ (so condition-variable waits
  // cannot miss it) but atomic, so the other side can spin on it first.
  std::atomic<bool> actor_turn_{false};
  bool killed_ = false;
  bool done_ = false;
  ActorStop stop_;
  std::vector<ControlMessage> pending_;
};

class ThreadActorHost final : public ActorHost {
 public:
  explicit ThreadActorHost(FileSystem* fs) : fs_(fs) {}
  Result<ActorEndpoint*> Launch(const ActorSpec& spec, const ActorLaunchContext& ctx) override {
    if (spec.role == "command") {
      return Status(StatusCode::kInvalidInput,
                    "actor '" + spec.name + "': a command actor needs the process transport");
    }
    auto actor = std::make_unique<ThreadActor>(spec, ctx, fs_);
    actor->Start();
    actors_.push_back(std::move(actor));
    return actors_.back().get();
  }
  void KillAll() override { actors_.clear(); }
  ~ThreadActorHost() override { KillAll(); }

 private:
  FileSystem* fs_;
  std::vector<std::unique_ptr<ThreadActor>> actors_;
};

}  // namespace

std::unique_ptr<ActorHost> MakeThreadActorHost(FileSystem* fs) { return std::make_unique<ThreadActorHost>(fs); }

}  // namespace prunecheck::harness
