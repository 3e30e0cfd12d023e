// The registry of simulated versions and mutants, selectable by name at run time.
//
// Thread-safety: the registry is built once, on first use, and then immutable.
#pragma once

#include <string_view>
#include <vector>

#include "pruner/base/status.h"
#include "pruner/profiles/profile_spec.h"

namespace prunecheck {

// Every registered profile, real versions first, then mutants.
const std::vector<const ProfileSpec*>& AllProfiles();

// The profile called `name`, or kInvalidInput listing the known names.
Result<const ProfileSpec*> FindProfile(std::string_view name);

}  // namespace prunecheck
