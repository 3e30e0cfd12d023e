// replay: plays back the choices of a recorded trace, leniently.
//
// Step i of a run plays choices[i] when that actor is runnable under the
// usual rule (enabled; or blocked when nobody is enabled). Otherwise, and
// after the trace runs out, it falls back to: the previous actor if enabled,
// else the lowest enabled, else the lowest blocked. A fallback while the
// trace still had choices marks the run diverged(); running past the end
// does not, because the minimizer replays truncated traces on purpose.
// BeginRun rewinds to the start of the trace and clears diverged().

#include <algorithm>
#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "harness/strategy/strategy.h"

namespace prunecheck::harness {
namespace {

bool Contains(const std::vector<int>& v, int x) { return std::find(v.begin(), v.end(), x) != v.end(); }

int Fallback(const SchedulingState& state) {
  if (!state.enabled.empty()) {
    if (state.last >= 0 && Contains(state.enabled, state.last)) return state.last;
    return *std::min_element(state.enabled.begin(), state.enabled.end());
  }
  if (!state.blocked.empty()) return *std::min_element(state.blocked.begin(), state.blocked.end());
  return -1;
}

class ReplayStrategyImpl final : public ReplayStrategy {
 public:
  explicit ReplayStrategyImpl(std::vector<int> choices) : choices_(std::move(choices)) {}

  std::string name() const override { return "replay"; }

  void BeginRun() override {
    pos_ = 0;
    diverged_ = false;
  }

  int Pick(const SchedulingState& state) override {
    if (pos_ >= choices_.size()) return Fallback(state);
    const int want = choices_[pos_++];
    const std::vector<int>& pool = state.enabled.empty() ? state.blocked : state.enabled;
    if (Contains(pool, want)) return want;
    diverged_ = true;
    return Fallback(state);
  }

  bool diverged() const override { return diverged_; }

 private:
  const std::vector<int> choices_;
  size_t pos_ = 0;
  bool diverged_ = false;
};

}  // namespace

std::unique_ptr<ReplayStrategy> MakeReplayStrategy(std::vector<int> choices) {
  return std::make_unique<ReplayStrategyImpl>(std::move(choices));
}

}  // namespace prunecheck::harness
