#include "harness/scenario/script_strategy.h"

#include <algorithm>

namespace prunecheck::harness {

namespace {

std::vector<std::string> Words(const std::string& text) {
  std::vector<std::string> words;
  std::string cur;
  for (char c : text) {
    if (c == ' ' || c == '\t') {
      if (!cur.empty()) words.push_back(std::move(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) words.push_back(std::move(cur));
  return words;
}

bool Contains(const std::vector<int>& v, int x) { return std::find(v.begin(), v.end(), x) != v.end(); }

}  // namespace

Result<ScriptStep> ParseScriptStep(const std::string& text, const std::vector<std::string>& actors) {
  const std::vector<std::string> w = Words(text);
  auto bad = [&](const std::string& what) {
    return Status(StatusCode::kInvalidInput,
                  "script step \"" + text + "\": " + what +
                      " (expected \"ACTOR\", \"ACTOR until POINT[#N]\" or \"ACTOR to end\")");
  };
  if (w.empty()) return bad("empty step");
  ScriptStep s;
  s.text = text;
  s.actor = w[0];
  for (size_t i = 0; i < actors.size(); ++i) {
    if (actors[i] == s.actor) s.actor_index = static_cast<int>(i);
  }
  if (s.actor_index < 0) {
    std::string known;
    for (const std::string& a : actors) known += (known.empty() ? "" : ", ") + a;
    return Status(StatusCode::kInvalidInput,
                  "script step \"" + text + "\" names actor '" + s.actor + "', which is not an actor of this scenario (actors: " +
                      known + ")");
  }
  if (w.size() == 1) {
    s.kind = ScriptStep::Kind::kOne;
  } else if (w.size() == 3 && w[1] == "to" && w[2] == "end") {
    s.kind = ScriptStep::Kind::kToEnd;
  } else if (w.size() == 3 && w[1] == "until") {
    s.kind = ScriptStep::Kind::kUntil;
    const std::string& p = w[2];
    const size_t hash = p.find('#');
    s.point = p.substr(0, hash);
    if (s.point.empty()) return bad("no point after 'until'");
    if (hash != std::string::npos) {
      const std::string num = p.substr(hash + 1);
      if (num.empty() || num.size() > 6 || num.find_first_not_of("0123456789") != std::string::npos) {
        return bad("'" + num + "' after '#' is not a number");
      }
      s.occurrence = std::stoi(num);
      if (s.occurrence < 1) return bad("the occurrence after '#' must be >= 1");
    }
  } else {
    return bad("cannot read '" + text.substr(text.find(w[1])) + "' after the actor name");
  }
  return s;
}

std::string FormatScriptStep(const ScriptStep& step) {
  switch (step.kind) {
    case ScriptStep::Kind::kOne: return step.actor;
    case ScriptStep::Kind::kToEnd: return step.actor + " to end";
    case ScriptStep::Kind::kUntil:
      return step.actor + " until " + step.point + (step.occurrence > 0 ? "#" + std::to_string(step.occurrence) : "");
  }
  return step.actor;
}

// ---------------------------------------------------------------------------

void PointTracker::Reset() {
  state_ = SchedulingState();
  arrivals_.clear();
  last_pick_ = -1;
  started_ = false;
}

void PointTracker::Observe(const SchedulingState& state) {
  const size_t n = static_cast<size_t>(std::max<int>(state.actor_count, static_cast<int>(state.points.size())));
  if (arrivals_.size() < n) arrivals_.resize(n);
  auto at = [&](int a) -> std::string {
    return static_cast<size_t>(a) < state.points.size() ? state.points[static_cast<size_t>(a)] : std::string();
  };
  if (!started_) {
    // Every actor starts held at its first point: that is its first arrival there.
    for (size_t a = 0; a < n; ++a) {
      const std::string p = at(static_cast<int>(a));
      if (!p.empty()) ++arrivals_[a][p];
    }
    started_ = true;
  } else if (last_pick_ >= 0 && static_cast<size_t>(last_pick_) < n) {
    // Only the actor picked last has moved since the previous state.
    const std::string p = at(last_pick_);
    if (!p.empty()) ++arrivals_[static_cast<size_t>(last_pick_)][p];
  }
  state_ = state;
  last_pick_ = -1;
}

int PointTracker::arrivals(int actor, const std::string& point) const {
  if (actor < 0 || static_cast<size_t>(actor) >= arrivals_.size()) return 0;
  const auto& m = arrivals_[static_cast<size_t>(actor)];
  auto it = m.find(point);
  return it == m.end() ? 0 : it->second;
}

const std::string& PointTracker::point(int actor) const {
  static const std::string kNone;
  if (actor < 0 || static_cast<size_t>(actor) >= state_.points.size()) return kNone;
  return state_.points[static_cast<size_t>(actor)];
}

bool PointTracker::enabled(int actor) const { return Contains(state_.enabled, actor); }
bool PointTracker::blocked(int actor) const { return Contains(state_.blocked, actor); }

// ---------------------------------------------------------------------------

ScriptStrategy::ScriptStrategy(std::vector<ScriptStep> steps) : steps_(std::move(steps)) {}

void ScriptStrategy::BeginRun() {
  tracker_.Reset();
  next_ = 0;
  target_ = -1;
  helper_ = -1;
  error_.clear();
}

int ScriptStrategy::Fail(const std::string& why) {
  const ScriptStep& s = steps_[next_];
  error_ = (s.where.empty() ? "" : s.where + ": ") + "script step " + std::to_string(next_ + 1) + " (\"" + s.text +
           "\") cannot be followed: " + why;
  return -1;
}

int ScriptStrategy::Fallback(const SchedulingState& state) const {
  if (state.last >= 0 && Contains(state.enabled, state.last)) return state.last;
  if (!state.enabled.empty()) return state.enabled.front();
  if (!state.blocked.empty()) return state.blocked.front();
  return -1;
}

int ScriptStrategy::Pick(const SchedulingState& state) {
  if (!error_.empty()) return -1;
  tracker_.Observe(state);
  while (next_ < steps_.size()) {
    const ScriptStep& s = steps_[next_];
    const int a = s.actor_index;
    const std::string& who = s.actor;
    auto done = [&] {
      ++next_;
      target_ = -1;
      helper_ = -1;
    };
    auto gone = [&]() -> std::string {
      return who + " has already finished (it ended, or a fault killed it)";
    };
    auto pick = [&]() -> int {
      if (tracker_.blocked(a) && state.last == a) {
        // It just retried its lock and still waits: let another actor run a
        // step (the one that helped last time, else the lowest enabled), then
        // retry. With nobody else able to run it keeps retrying, and the
        // engine's step bound reports the deadlock.
        int h = -1;
        if (helper_ >= 0 && helper_ != a && tracker_.enabled(helper_)) {
          h = helper_;
        } else {
          for (int e : state.enabled) {
            if (e != a) {
              h = e;
              break;
            }
          }
        }
        if (h >= 0) {
          helper_ = h;
          tracker_.Picked(h);
          return h;
        }
      }
      tracker_.Picked(a);
      return a;
    };
    switch (s.kind) {
      case ScriptStep::Kind::kOne: {
        if (!tracker_.alive(a)) return Fail(gone());
        done();
        tracker_.Picked(a);
        return a;
      }
      case ScriptStep::Kind::kToEnd: {
        if (!tracker_.alive(a)) {
          done();
          continue;
        }
        return pick();
      }
      case ScriptStep::Kind::kUntil: {
        const int seen = tracker_.arrivals(a, s.point);
        const bool there = tracker_.alive(a) && tracker_.point(a) == s.point;
        if (target_ < 0) target_ = s.occurrence > 0 ? s.occurrence : (there ? seen : seen + 1);
        if (there && seen == target_) {
          done();
          continue;
        }
        if (seen >= target_) {
          return Fail(who + " already passed " + s.point + (s.occurrence > 0 ? " #" + std::to_string(target_) : "") +
                      " (it arrived there " + std::to_string(seen) + " time(s) and is now at " +
                      (tracker_.point(a).empty() ? std::string("no point") : tracker_.point(a)) + ")");
        }
        if (!tracker_.alive(a)) {
          return Fail(who + " finished without arriving at " + s.point +
                      (target_ > 1 ? " for arrival #" + std::to_string(target_) : std::string()) +
                      " (it does not pass there on this path, or a fault killed it first)");
        }
        return pick();
      }
    }
  }
  const int f = Fallback(state);
  tracker_.Picked(f);
  return f;
}

}  // namespace prunecheck::harness
