// IdSource: where archive ids and temp-dir suffixes come from.
//
// uv names archives with 16 characters of [A-Za-z0-9_-] drawn from a CSPRNG;
// CsprngIdSource does the same (OpenSSL RAND_bytes). The harness needs runs to
// be reproducible from a seed, so it substitutes SeededIdSource, whose ids are
// a pure function of (seed, sequence number) yet have the same alphabet and
// length.
//
// Thread-safety: CsprngIdSource is thread-safe; SeededIdSource is not.
#pragma once

#include <cstdint>
#include <random>
#include <string>

namespace prunecheck {

inline constexpr int kArchiveIdLength = 16;
// The alphabet of archive ids; also used to validate ids read from the cache.
inline constexpr std::string_view kArchiveIdAlphabet =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

// True iff `s` is exactly 16 characters of the archive-id alphabet.
bool IsValidArchiveId(std::string_view s);

class IdSource {
 public:
  virtual ~IdSource() = default;
  // Returns `length` characters of kArchiveIdAlphabet.
  virtual std::string NewId(int length = kArchiveIdLength) = 0;
};

class CsprngIdSource final : public IdSource {
 public:
  std::string NewId(int length = kArchiveIdLength) override;
};

class SeededIdSource final : public IdSource {
 public:
  explicit SeededIdSource(uint64_t seed) : rng_(seed) {}
  std::string NewId(int length = kArchiveIdLength) override;

 private:
  std::mt19937_64 rng_;
};

}  // namespace prunecheck
