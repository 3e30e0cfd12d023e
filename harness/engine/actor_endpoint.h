// ActorEndpoint: one actor as the scheduler sees it, whatever runs it.
//
// Implemented by ProcessActor (a real OS process spawned with Boost.Process,
// talking over the control channel; harness/process/) and InProcessActor (the
// same actor code as a fiber in this process; harness/engine/). The
// controlled-mode engine only ever resumes one endpoint and then waits for
// that endpoint's next stop, so a run is a deterministic function of the
// choices made.
//
// Thread-safety: an endpoint is driven by one harness thread.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "pruner/channel/control_message.h"

namespace prunecheck::harness {

enum class StopKind {
  kYield,         // at a yield point, waiting for go
  kBlocked,       // waiting for a lock held elsewhere; go makes it retry
  kFinished,      // sent its result and exited (or will exit)
  kDied,          // exited or was killed without a result
  kUnresponsive,  // connected, but sent nothing before the timeout
};
std::string_view StopKindName(StopKind k);

struct ActorStop {
  StopKind kind = StopKind::kDied;
  std::string point;    // kYield / kBlocked
  std::string subject;  // kYield
  int exit_code = -1;   // kFinished / kDied: exit status (128+signal when signalled)
  std::string message;  // kFinished: the result message; kDied: how it died
};

class ActorEndpoint {
 public:
  virtual ~ActorEndpoint() = default;
  virtual const std::string& name() const = 0;
  // True when the actor speaks the control protocol; a black box never stops.
  virtual bool connected() const = 0;
  // Waits for the next stop; every event and yield message received on the
  // way is appended to *messages in arrival order.
  virtual ActorStop WaitForStop(std::vector<ControlMessage>* messages, std::chrono::milliseconds timeout) = 0;
  // Lets the actor run from its current yield/blocked point to its next one.
  virtual void Resume() = 0;
  // SIGKILL (processes: the whole group) / abandon at the current point
  // (fibers). Afterwards WaitForStop returns kDied.
  virtual void Kill() = 0;
  // SIGSTOP / SIGCONT of the group (long pauses; processes only).
  virtual void Pause() {}
  virtual void Continue() {}
  // Waits for the actor to end (for black boxes and free mode); kills it after `timeout`.
  virtual ActorStop WaitForExit(std::vector<ControlMessage>* messages, std::chrono::milliseconds timeout) = 0;
};

}  // namespace prunecheck::harness
