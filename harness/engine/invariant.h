// Invariant: the ids of the invariants a run is judged against
// (docs/design.md §5). Parsed once where text enters (scenario files, the
// physical scan's findings); the text form ("no-in-use-removal", ...) is what
// files and output carry.
//
// Thread-safety: value types and pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace prunecheck::harness {

enum class Invariant {
  kNoInUseRemoval,
  kNoDanglingReference,
  kNoPartialArchive,
  kContainment,
  kCrashConsistency,
  kBoundedGrowth,
  kProgress,
  kNoCorruption,
  kSanitizer,  // a sanitized actor wrote a report (harness/README.md, "Sanitizer reports")
  kLockExclusion,  // two holders of one lock name at once (docs/design.md §5)
  kAvailability,   // a reader lost an entry nobody legitimately removed (docs/design.md §5)
};

inline constexpr Invariant kAllInvariants[] = {
    Invariant::kNoInUseRemoval, Invariant::kNoDanglingReference, Invariant::kNoPartialArchive,
    Invariant::kContainment,    Invariant::kCrashConsistency,    Invariant::kBoundedGrowth,
    Invariant::kProgress,       Invariant::kNoCorruption,        Invariant::kSanitizer,
    Invariant::kLockExclusion,  Invariant::kAvailability};

std::string_view InvariantName(Invariant i);
std::optional<Invariant> ParseInvariant(std::string_view text);
std::vector<std::string> InvariantNames();  // in kAllInvariants order

}  // namespace prunecheck::harness
