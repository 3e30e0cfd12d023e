// dfs: stateless bounded-exhaustive search over schedules with at most
// `bound` preemptions (CHESS-style context bounding; Musuvathi & Qadeer,
// PLDI'07). Each run replays a prefix of recorded choices and then explores
// fresh.
//
// A step is a preemption when the actor that ran the previous step is still
// enabled and someone else is chosen. A fresh step takes the default —
// continue the previous actor if enabled, else the lowest enabled one (never
// a preemption) — and remembers as alternatives the other enabled actors
// whose choice keeps the run within the bound. When only blocked actors
// remain the lowest blocked one retries, with no alternatives.
//
// EndRun backtracks: choice points with nothing left to try are popped; the
// deepest remaining one switches to its next alternative and everything
// after it is forgotten, so the next run replays the stack and branches off
// at its top. An empty stack means the space is covered: EndRun returns
// false and exhausted() turns true. With a deterministic program every run
// is a distinct schedule and every schedule within the bound is run once.
//
// A program that does not repeat itself (a recorded choice is not runnable
// on replay, or the run ends before the recorded prefix does) costs
// completeness but not termination: the record from that step on is
// dropped and the rest of the run takes default choices without recording
// alternatives. Read the stack as its vector of remaining-alternative counts,
// a missing entry counting as infinity: every EndRun makes it
// lexicographically smaller (a clean run extends it, then decrements; a
// divergent run zeroes the tail, then decrements below it), and with runs
// of bounded length such vectors cannot shrink forever. Such a run reports
// diverged(), as ReplayStrategy does; after one, exhausted() only means
// "nothing left to try", not "every schedule within the bound was run", and
// the Explorer says so instead of claiming the space exhausted.

#include <algorithm>
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "harness/strategy/strategy.h"

namespace prunecheck::harness {
namespace {

bool Contains(const std::vector<int>& v, int x) { return std::find(v.begin(), v.end(), x) != v.end(); }

struct ChoicePoint {
  std::vector<int> enabled;    // what was enabled (blocked set when nobody was)
  int chosen = -1;
  std::vector<int> remaining;  // alternatives still to try, in order
  int preemptions_before = 0;  // preemptions in the run before this step
};

class DfsStrategy final : public Strategy {
 public:
  explicit DfsStrategy(int bound) : bound_(std::max(bound, 0)) {}

  std::string name() const override { return "dfs:" + std::to_string(bound_); }

  void BeginRun() override {
    pos_ = 0;
    preemptions_ = 0;
    off_script_ = false;
    diverged_ = false;
  }

  int Pick(const SchedulingState& state) override {
    const bool blocked_only = state.enabled.empty();
    const std::vector<int>& pool = blocked_only ? state.blocked : state.enabled;
    if (pool.empty()) return -1;
    const bool last_enabled = !blocked_only && state.last >= 0 && Contains(state.enabled, state.last);

    if (pos_ < stack_.size()) {
      const ChoicePoint& cp = stack_[pos_];
      if (Contains(pool, cp.chosen)) {
        ++pos_;
        if (last_enabled && cp.chosen != state.last) ++preemptions_;
        return cp.chosen;
      }
      // The program did not repeat itself: drop the rest of the record and
      // finish this run on defaults.
      stack_.resize(pos_);
      off_script_ = true;
      diverged_ = true;
    }

    ChoicePoint cp;
    cp.enabled = pool;
    std::sort(cp.enabled.begin(), cp.enabled.end());
    cp.preemptions_before = preemptions_;
    if (blocked_only) {
      cp.chosen = cp.enabled.front();
    } else {
      cp.chosen = last_enabled ? state.last : cp.enabled.front();
      const int cost = last_enabled ? 1 : 0;  // of choosing anyone else
      if (!off_script_ && preemptions_ + cost <= bound_) {
        for (int a : cp.enabled) {
          if (a != cp.chosen) cp.remaining.push_back(a);
        }
      }
    }
    stack_.push_back(std::move(cp));
    ++pos_;
    return stack_.back().chosen;
  }

  void EndRun(int steps_taken) override {
    (void)steps_taken;
    if (pos_ < stack_.size()) {
      // The run ended before the recorded prefix did.
      stack_.resize(pos_);
      diverged_ = true;
    }
    while (!stack_.empty() && stack_.back().remaining.empty()) stack_.pop_back();
    pos_ = 0;
    preemptions_ = 0;
    off_script_ = false;
    if (stack_.empty()) {
      exhausted_ = true;
      return;
    }
    ChoicePoint& top = stack_.back();
    top.chosen = top.remaining.front();
    top.remaining.erase(top.remaining.begin());
  }

  bool exhausted() const override { return exhausted_; }
  bool diverged() const override { return diverged_; }

 private:
  const int bound_;
  std::vector<ChoicePoint> stack_;
  size_t pos_ = 0;       // next stack entry to replay in this run
  int preemptions_ = 0;  // preemptions so far in this run
  bool off_script_ = false;  // this run diverged from the record
  bool exhausted_ = false;
  bool diverged_ = false;    // this run could not replay its recorded prefix
};

}  // namespace

std::unique_ptr<Strategy> MakeDfsStrategy(int preemption_bound) {
  return std::make_unique<DfsStrategy>(preemption_bound);
}

}  // namespace prunecheck::harness
