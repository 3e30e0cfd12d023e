// MakeStrategy: builds a strategy from its command-line spelling.
//
//   random        uniform among enabled actors
//   pct | pct:D   PCT with depth D >= 1 (default 3)
//   dfs | dfs:B   preemption-bounded exhaustive search, B >= 0 (default 2)
//
// The spelling is strict (no spaces, signs or trailing characters) so a typo
// cannot silently become a different search. "replay" is not built here: the
// engine builds it from a trace file.

#include <charconv>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>

#include "harness/strategy/strategy.h"

namespace prunecheck::harness {
namespace {

constexpr int kDefaultPctDepth = 3;
constexpr int kDefaultDfsBound = 2;
constexpr int kMaxParameter = 1000;  // far beyond anything useful; keeps work bounded

Status Invalid(const std::string& spec, std::string_view why) {
  return Status(StatusCode::kInvalidInput,
                "strategy '" + spec + "': " + std::string(why) +
                    "; valid forms: random, pct, pct:D (depth D >= 1, default " +
                    std::to_string(kDefaultPctDepth) + "), dfs, dfs:B (preemption bound B >= 0, default " +
                    std::to_string(kDefaultDfsBound) + ")");
}

// Parses a non-negative decimal with nothing else around it.
bool ParseInt(std::string_view s, int* out) {
  if (s.empty() || s.front() < '0' || s.front() > '9') return false;
  const char* end = s.data() + s.size();
  auto [ptr, ec] = std::from_chars(s.data(), end, *out);
  return ec == std::errc() && ptr == end;
}

}  // namespace

Result<std::unique_ptr<Strategy>> MakeStrategy(const std::string& spec, uint64_t seed, int pct_steps_estimate) {
  const std::string_view s(spec);
  const size_t colon = s.find(':');
  const std::string_view kind = s.substr(0, colon);
  const bool has_param = colon != std::string_view::npos;
  int param = 0;
  if (has_param && (!ParseInt(s.substr(colon + 1), &param) || param > kMaxParameter)) {
    return Invalid(spec, "parameter must be an integer in [0, " + std::to_string(kMaxParameter) + "]");
  }

  if (kind == "random") {
    if (has_param) return Invalid(spec, "random takes no parameter");
    return MakeRandomStrategy(seed);
  }
  if (kind == "pct") {
    const int depth = has_param ? param : kDefaultPctDepth;
    if (depth < 1) return Invalid(spec, "pct depth must be at least 1");
    return MakePctStrategy(seed, depth, pct_steps_estimate);
  }
  if (kind == "dfs") {
    return MakeDfsStrategy(has_param ? param : kDefaultDfsBound);
  }
  if (kind == "replay") return Invalid(spec, "replay is built from a trace file, not from a spec");
  return Invalid(spec, "unknown strategy");
}

}  // namespace prunecheck::harness
