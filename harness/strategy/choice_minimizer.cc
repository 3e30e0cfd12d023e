// MinimizeChoices: delta-debugging shrink of a failing choice trace.
//
// Two passes, repeated until neither changes anything or the budget of
// still_fails calls is spent:
//   1. chunk removal (ddmin-style): with chunk size c = ceil(len/2), then
//      halving down to 1, try deleting each aligned run of c choices; a
//      deletion that still fails is kept and the sweep continues at the same
//      position. The last sweep (c = 1) repeats until it removes nothing.
//   2. preemption removal: for each i >= 1 with c[i] != c[i-1], try
//      c[i] := c[i-1] (continue the previous actor instead of switching).
// The replay strategy treats a too-short trace by continuing the running
// actor, so deleted steps and replaced switches both read as "fewer
// preemptions". Everything is deterministic: the same input and predicate
// give the same calls in the same order.
//
// Preemption removal terminates: each kept replacement removes the switch
// at i and can at most create one at i+1, so the sum over switches of
// (len - position) strictly drops; deletion strictly shortens.

#include <algorithm>
#include <cstddef>
#include <functional>
#include <utility>
#include <vector>

#include "harness/strategy/strategy.h"

namespace prunecheck::harness {
namespace {

class Minimizer {
 public:
  Minimizer(std::vector<int> choices, const std::function<bool(const std::vector<int>&)>& still_fails, int budget)
      : cur_(std::move(choices)), still_fails_(still_fails), budget_(std::max(budget, 0)) {}

  std::vector<int> Run() && {
    bool changed = true;
    while (changed && budget_ > 0) {
      changed = RemoveChunks();
      changed = RemovePreemptions() || changed;
    }
    return std::move(cur_);
  }

 private:
  // Calls the predicate if budget remains; keeps `candidate` when it fails.
  bool TryKeep(std::vector<int> candidate) {
    if (budget_ <= 0) return false;
    --budget_;
    if (!still_fails_(candidate)) return false;
    cur_ = std::move(candidate);
    return true;
  }

  bool RemoveChunks() {
    bool any = false;
    size_t chunk = (cur_.size() + 1) / 2;
    while (chunk > 0 && !cur_.empty() && budget_ > 0) {
      bool removed = false;
      for (size_t start = 0; start < cur_.size() && budget_ > 0;) {
        const size_t end = std::min(start + chunk, cur_.size());
        std::vector<int> candidate;
        candidate.reserve(cur_.size() - (end - start));
        candidate.insert(candidate.end(), cur_.begin(), cur_.begin() + static_cast<std::ptrdiff_t>(start));
        candidate.insert(candidate.end(), cur_.begin() + static_cast<std::ptrdiff_t>(end), cur_.end());
        if (TryKeep(std::move(candidate))) {
          removed = any = true;  // stay at `start`: the next chunk moved here
        } else {
          start = end;
        }
      }
      if (chunk == 1) {
        if (!removed) break;  // single steps: repeat until a fixpoint
      } else {
        chunk = std::min((chunk + 1) / 2, (cur_.size() + 1) / 2);
        if (chunk == 0) chunk = 1;
      }
    }
    return any;
  }

  bool RemovePreemptions() {
    bool any = false;
    for (size_t i = 1; i < cur_.size() && budget_ > 0; ++i) {
      if (cur_[i] == cur_[i - 1]) continue;
      std::vector<int> candidate = cur_;
      candidate[i] = candidate[i - 1];
      if (TryKeep(std::move(candidate))) any = true;
    }
    return any;
  }

  std::vector<int> cur_;
  const std::function<bool(const std::vector<int>&)>& still_fails_;
  int budget_;
};

}  // namespace

std::vector<int> MinimizeChoices(std::vector<int> choices,
                                 const std::function<bool(const std::vector<int>&)>& still_fails,
                                 int budget) {
  return Minimizer(std::move(choices), still_fails, budget).Run();
}

}  // namespace prunecheck::harness
