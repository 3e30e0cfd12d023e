// ScriptStrategy: a schedule written down by name, as scenario files do.
//
// A script is a list of steps, each naming an actor of the run:
//   "ACTOR"               run ACTOR for one step (from its yield point to its next)
//   "ACTOR until POINT"   run ACTOR step by step until it stands at POINT (zero
//                         steps when it already does); "POINT#N" waits for its
//                         N-th arrival at POINT, counted from the start of the run
//   "ACTOR to end"        run ACTOR until it has finished (or was killed)
// A step says what the actor is to do, not how long others must wait for it:
// when the scripted actor waits for a lock (it is blocked and its retry
// failed), another actor runs one step — the one that helped before, else the
// lowest-numbered enabled one — and the scripted actor retries; with nobody
// else able to run it keeps retrying and the engine's step bound reports the
// deadlock. So a script written against a lock-free profile still means
// something under a locking one. "ACTOR" alone is always exactly one step of
// ACTOR (a blocked ACTOR retries its lock).
//
// Once the script is exhausted the run is finished deterministically: the
// actor that ran last continues while it can, else the lowest-numbered
// enabled actor runs, else the lowest-numbered blocked one retries.
//
// A script that cannot be followed — the actor has finished, was killed, or
// already passed the point — is an error naming the step: Pick returns -1
// (the engine then stops the run) and error() (Strategy's error channel)
// says why.
//
// PointTracker counts arrivals at yield points from the states the engine
// shows (SchedulingState::points); the scenario writer uses it to turn a
// recorded choice sequence back into named steps.
//
// Thread-safety: not thread-safe; one engine drives one strategy.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "harness/strategy/strategy.h"
#include "pruner/base/status.h"

namespace prunecheck::harness {

struct ScriptStep {
  enum class Kind { kOne, kUntil, kToEnd };
  Kind kind = Kind::kOne;
  std::string actor;
  int actor_index = -1;
  std::string point;    // kUntil
  int occurrence = 0;   // kUntil: the N of "POINT#N"; 0 = the next arrival
  std::string text;     // as written, for messages
  std::string where;    // "FILE:LINE:COL" of the step, may be empty
};

// Parses one step; kInvalidInput naming what was expected. `actors` are the
// run's actor names (the index of the named one becomes actor_index).
Result<ScriptStep> ParseScriptStep(const std::string& text, const std::vector<std::string>& actors);
// The step written back as text ("installer until install.persisted#2").
std::string FormatScriptStep(const ScriptStep& step);

class PointTracker {
 public:
  // Forget everything (a new run begins).
  void Reset();
  // Feed every state the strategy is shown, before picking; then Picked().
  void Observe(const SchedulingState& state);
  void Picked(int actor) { last_pick_ = actor; }

  // How often `actor` has arrived at `point` since the run began.
  int arrivals(int actor, const std::string& point) const;
  // The actor's current point, empty when it is not stopped at one.
  const std::string& point(int actor) const;
  bool enabled(int actor) const;
  bool blocked(int actor) const;
  bool alive(int actor) const { return enabled(actor) || blocked(actor); }

 private:
  SchedulingState state_;  // the latest state observed
  std::vector<std::map<std::string, int>> arrivals_;
  int last_pick_ = -1;
  bool started_ = false;
};

class ScriptStrategy final : public Strategy {
 public:
  explicit ScriptStrategy(std::vector<ScriptStep> steps);

  std::string name() const override { return "script"; }
  void BeginRun() override;
  int Pick(const SchedulingState& state) override;

  // Not OK when the script could not be followed; names the step.
  Status error() const override {
    return error_.empty() ? Status() : Status(StatusCode::kInvalidInput, error_);
  }
  // True once every step of the script was carried out.
  bool completed() const { return next_ >= steps_.size(); }

 private:
  int Fail(const std::string& why);
  int Fallback(const SchedulingState& state) const;

  std::vector<ScriptStep> steps_;
  PointTracker tracker_;
  size_t next_ = 0;
  int target_ = -1;          // kUntil: the arrival count the current step waits for
  int helper_ = -1;          // the actor run while the scripted one waits for a lock
  std::string error_;
};

}  // namespace prunecheck::harness
