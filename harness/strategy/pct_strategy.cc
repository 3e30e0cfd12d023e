// pct: the probabilistic concurrency testing scheduler of Burckhardt, Kothari,
// Musuvathi and Nagarakatte, "A randomized scheduler with probabilistic
// guarantees of finding bugs", ASPLOS 2010.
//
// Each run, lazily at its first Pick (when actor_count is known):
//   - the n actors get distinct random priorities depth .. depth+n-1;
//   - depth-1 distinct change points are drawn uniformly from [1, k], where k
//     is the largest step count seen in earlier runs (initial_steps before
//     any run was seen); change point i (1-based, in draw order) carries
//     priority i, below every initial priority.
// At step == change point i the actor that ran the previous step drops to
// priority i. The highest-priority enabled actor runs (the highest-priority
// blocked one when nobody is enabled).
//
// With n actors and k steps, a bug of depth d is found in one run with
// probability at least 1 / (n * k^(d-1)).
//
// All draws come from one std::mt19937_64 that continues across runs, with an
// unbiased rejection-sampled modulo (not std::uniform_int_distribution, whose
// algorithm is library-specific), so the whole sequence of runs is fixed by
// the seed and portable.

#include <algorithm>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "harness/strategy/strategy.h"
#include "harness/strategy/uniform_draw.h"

namespace prunecheck::harness {
namespace {


class PctStrategy final : public Strategy {
 public:
  PctStrategy(uint64_t seed, int depth, int initial_steps)
      : rng_(seed), depth_(std::max(depth, 1)), k_(std::max(initial_steps, 1)) {}

  std::string name() const override { return "pct:" + std::to_string(depth_); }

  void BeginRun() override { need_setup_ = true; }

  int Pick(const SchedulingState& state) override {
    if (need_setup_) Setup(state);
    if (state.last >= 0 && static_cast<size_t>(state.last) < priority_.size()) {
      for (size_t i = 0; i < change_points_.size(); ++i) {
        if (change_points_[i] == state.step) priority_[static_cast<size_t>(state.last)] = static_cast<int>(i) + 1;
      }
    }
    const std::vector<int>& pool = state.enabled.empty() ? state.blocked : state.enabled;
    int best = -1;
    for (int actor : pool) {
      if (best < 0 || PriorityOf(actor) > PriorityOf(best) ||
          (PriorityOf(actor) == PriorityOf(best) && actor < best)) {
        best = actor;
      }
    }
    return best;
  }

  void EndRun(int steps_taken) override {
    // k is the largest step count actually observed; initial_steps is only
    // the guess used before the first run.
    max_observed_ = std::max(max_observed_, steps_taken);
    if (max_observed_ > 0) k_ = max_observed_;
    need_setup_ = true;
  }

 private:
  void Setup(const SchedulingState& state) {
    need_setup_ = false;
    int n = state.actor_count;
    for (int a : state.enabled) n = std::max(n, a + 1);
    for (int a : state.blocked) n = std::max(n, a + 1);
    n = std::max(n, 0);

    // A uniformly random permutation of depth .. depth+n-1 (Fisher-Yates).
    priority_.resize(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) priority_[static_cast<size_t>(i)] = depth_ + i;
    for (size_t i = priority_.size(); i > 1; --i) {
      std::swap(priority_[i - 1], priority_[static_cast<size_t>(UniformBelow(rng_, i))]);
    }

    // depth-1 distinct change points in [1, k], kept in draw order so that
    // which point carries which low priority is uniform too.
    const int m = std::min(depth_ - 1, k_);
    change_points_.clear();
    while (static_cast<int>(change_points_.size()) < m) {
      const int p = 1 + static_cast<int>(UniformBelow(rng_, static_cast<uint64_t>(k_)));
      if (std::find(change_points_.begin(), change_points_.end(), p) == change_points_.end()) {
        change_points_.push_back(p);
      }
    }
  }

  // Actors the first state did not announce rank below everyone.
  int PriorityOf(int actor) const {
    if (actor < 0 || static_cast<size_t>(actor) >= priority_.size()) return 0;
    return priority_[static_cast<size_t>(actor)];
  }

  std::mt19937_64 rng_;
  const int depth_;
  int k_;
  int max_observed_ = 0;
  bool need_setup_ = true;
  std::vector<int> priority_;       // by actor
  std::vector<int> change_points_;  // [i-1] = step at which priority i is handed out
};

}  // namespace

std::unique_ptr<Strategy> MakePctStrategy(uint64_t seed, int depth, int initial_steps) {
  return std::make_unique<PctStrategy>(seed, depth, initial_steps);
}

}  // namespace prunecheck::harness
