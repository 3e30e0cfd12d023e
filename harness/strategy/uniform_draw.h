// UniformBelow: the strategies' one way to draw a bounded number.
//
// std::uniform_int_distribution is implementation-defined, so traces and
// seeds would not mean the same schedule across standard libraries. This
// rejection sampler is fully specified: it rejects the low partial block of
// 2^64 so every residue is equally likely.
//
// Thread-safety: as the generator passed in.
#pragma once

#include <cstdint>
#include <random>

namespace prunecheck::harness {

// Uniform in [0, n). REQUIRES: n > 0.
inline uint64_t UniformBelow(std::mt19937_64& rng, uint64_t n) {
  const uint64_t threshold = (0 - n) % n;  // == 2^64 mod n
  for (;;) {
    const uint64_t r = rng();
    if (r >= threshold) return r % n;
  }
}

}  // namespace prunecheck::harness
