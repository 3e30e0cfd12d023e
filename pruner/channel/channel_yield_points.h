// ChannelYieldPoints: the actor side of the control channel.
//
// cache-actor uses it when PRUNECHECK_CONTROL_FD is set: it says hello, then
// turns every yield point into a "yield" message (blocking for "go" in
// controlled mode, sleeping a seeded random delay in free mode), every lock
// wait into "blocked", and every event into an "event" message. Finish()
// sends the result. If the harness goes away (EOF/EPIPE) the actor exits at
// once with status 1: an actor must never run on unsupervised.
//
// In controlled mode events are buffered and written in one send together
// with the next yield, blocked or result: only one actor runs at a time, so
// their order relative to every other actor's is the same, and the harness
// wakes once per step instead of once per message. (A killed actor's
// messages are discarded by the harness anyway.) Free mode sends each event
// as it happens.
//
// A serving actor (`cache-actor serve`, Connect with serve=true) runs many
// operations over one channel: NextRun() waits for the harness's "run",
// BeginRun() resets the per-run state from it (mode, delay-noise seed, name),
// and Finish() ends each run; the process then waits for the next one.
//
// Thread-safety: one instance per actor thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>

#include "pruner/base/status.h"
#include "pruner/base/yield_points.h"
#include "pruner/channel/control_message.h"

namespace prunecheck {

class ChannelYieldPoints final : public YieldPoints {
 public:
  // Takes ownership of `fd`, sends hello (with "serve":true when `serve`) and
  // reads welcome.
  static Result<std::unique_ptr<ChannelYieldPoints>> Connect(int fd, std::string actor_name, bool serve = false);
  // Reads the fd number from PRUNECHECK_CONTROL_FD; nullptr result (ok) if unset.
  static Result<std::unique_ptr<ChannelYieldPoints>> FromEnvironment(std::string actor_name, bool serve = false);
  ~ChannelYieldPoints() override;

  void Yield(std::string_view point, std::string_view subject) override;
  void Blocked(std::string_view point, std::chrono::microseconds backoff) override;
  void Report(const Event& event) override;
  // Sends the result message (with any buffered events first). Call once
  // per operation: before exiting, or, serving, before the next NextRun().
  void Finish(int exit_code, const Status& status);

  // Serving: waits for the next "run" message. nullopt when the harness has
  // closed the channel (the serving actor's normal end); anything but a run
  // is a protocol error and exits the process like a broken channel does.
  std::optional<ControlMessage> NextRun();
  // Serving: starts the run `run` (a kRun message): its mode (the welcome's
  // if empty), a delay-noise PRNG freshly seeded from its seed, and its name
  // for diagnostics.
  void BeginRun(const ControlMessage& run);

  bool controlled() const { return controlled_; }

 private:
  explicit ChannelYieldPoints(int fd) : fd_(fd) {}
  // Appends `m` to the outgoing buffer; sends the buffer unless `m` is an
  // event that may wait for the next stop (controlled mode).
  void Send(const ControlMessage& m);
  ControlMessage Receive();  // exits the process if the harness is gone
  void WaitForGo();
  [[noreturn]] void Die(const Status& why);  // says why on stderr, then _exit(1)

  int fd_;
  std::string actor_name_;
  bool welcome_controlled_ = true;  // the welcome's mode (a run without a mode keeps it)
  bool controlled_ = true;
  bool finished_ = false;  // result sent: later sends are best effort
  int64_t max_delay_us_ = 0;
  std::mt19937_64 rng_;
  std::string buffer_;   // received, not yet a whole line
  std::string outgoing_; // encoded messages not yet sent (controlled-mode events)
};

}  // namespace prunecheck
