// random: every step picks uniformly among the enabled actors (among the
// blocked ones only when nobody is enabled).
//
// Draws use std::mt19937_64 (whose output sequence the standard fixes) and an
// unbiased rejection-sampled modulo, never std::uniform_int_distribution
// (whose algorithm differs between standard libraries), so a (seed, states)
// pair gives the same choices everywhere.

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "harness/strategy/strategy.h"
#include "harness/strategy/uniform_draw.h"

namespace prunecheck::harness {
namespace {


class RandomStrategy final : public Strategy {
 public:
  explicit RandomStrategy(uint64_t seed) : rng_(seed) {}

  std::string name() const override { return "random"; }

  int Pick(const SchedulingState& state) override {
    const std::vector<int>& pool = state.enabled.empty() ? state.blocked : state.enabled;
    if (pool.empty()) return -1;
    return pool[static_cast<size_t>(UniformBelow(rng_, pool.size()))];
  }

 private:
  std::mt19937_64 rng_;
};

}  // namespace

std::unique_ptr<Strategy> MakeRandomStrategy(uint64_t seed) {
  return std::make_unique<RandomStrategy>(seed);
}

}  // namespace prunecheck::harness
