// ChannelYieldPoints: the actor side of the control channel.
//
// cache-actor uses it when PRUNECHECK_CONTROL_FD is set: it says hello, then
// turns every yield point into a "yield" message (blocking for "go" in
// controlled mode, sleeping a seeded random delay in free mode), every lock
// wait into "blocked", and every event into an "event" message. Finish()
// sends the result. If the harness goes away (EOF/EPIPE) the actor exits at
// once with status 1: an actor must never run on unsupervised.
//
// Thread-safety: one instance per actor thread.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>

#include "pruner/base/status.h"
#include "pruner/base/yield_points.h"
#include "pruner/channel/control_message.h"

namespace prunecheck {

class ChannelYieldPoints final : public YieldPoints {
 public:
  // Takes ownership of `fd`, sends hello and reads welcome.
  static Result<std::unique_ptr<ChannelYieldPoints>> Connect(int fd, std::string actor_name);
  // Reads the fd number from PRUNECHECK_CONTROL_FD; nullptr result (ok) if unset.
  static Result<std::unique_ptr<ChannelYieldPoints>> FromEnvironment(std::string actor_name);
  ~ChannelYieldPoints() override;

  void Yield(std::string_view point, std::string_view subject) override;
  void Blocked(std::string_view point, std::chrono::microseconds backoff) override;
  void Report(const Event& event) override;
  // Sends the result message. Call once, before exiting.
  void Finish(int exit_code, const Status& status);

  bool controlled() const { return controlled_; }

 private:
  ChannelYieldPoints(int fd) : fd_(fd) {}
  void Send(const ControlMessage& m);
  ControlMessage Receive();  // exits the process if the harness is gone
  void WaitForGo();
  [[noreturn]] void Die(const Status& why);  // says why on stderr, then _exit(1)

  int fd_;
  std::string actor_name_;
  bool controlled_ = true;
  bool finished_ = false;  // result sent: later sends are best effort
  int64_t max_delay_us_ = 0;
  std::mt19937_64 rng_;
  std::string buffer_;
};

}  // namespace prunecheck
