#include "harness/engine/invariant.h"

namespace prunecheck::harness {

std::string_view InvariantName(Invariant i) {
  switch (i) {
    case Invariant::kNoInUseRemoval: return "no-in-use-removal";
    case Invariant::kNoDanglingReference: return "no-dangling-reference";
    case Invariant::kNoPartialArchive: return "no-partial-archive";
    case Invariant::kContainment: return "containment";
    case Invariant::kCrashConsistency: return "crash-consistency";
    case Invariant::kBoundedGrowth: return "bounded-growth";
    case Invariant::kProgress: return "progress";
    case Invariant::kNoCorruption: return "no-corruption";
    case Invariant::kSanitizer: return "sanitizer";
    case Invariant::kLockExclusion: return "lock-exclusion";
    case Invariant::kAvailability: return "availability";
  }
  return "?";
}

std::optional<Invariant> ParseInvariant(std::string_view text) {
  for (Invariant i : kAllInvariants) {
    if (InvariantName(i) == text) return i;
  }
  return std::nullopt;
}

std::vector<std::string> InvariantNames() {
  std::vector<std::string> names;
  for (Invariant i : kAllInvariants) names.emplace_back(InvariantName(i));
  return names;
}

}  // namespace prunecheck::harness
