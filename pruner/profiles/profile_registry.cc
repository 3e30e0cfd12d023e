#include "pruner/profiles/profile_registry.h"

#include <string>

namespace prunecheck {

// Each profile lives in its own file; registering one is one line below.
const ProfileSpec& Uv0818Profile();
const ProfileSpec& Uv0819Profile();
const ProfileSpec& Pr17211Profile();
const ProfileSpec& Pr20116Profile();
const ProfileSpec& Pr20116EarlyReleaseProfile();
const ProfileSpec& ReferenceProfile();
const ProfileSpec& MutantPrunerSharedLock();
const ProfileSpec& MutantInstallerNoLock();
const ProfileSpec& MutantIgnoreEntryLocks();
const ProfileSpec& MutantExtractInPlace();
const ProfileSpec& MutantFollowSymlinks();
const ProfileSpec& MutantDeleteInPlace();
const ProfileSpec& MutantMtimeGrace();
const ProfileSpec& MutantNoLockInodeCheck();
const ProfileSpec& MutantNonatomicEntryReplace();
const ProfileSpec& MutantNoRecheck();

std::string_view RemovalModeName(RemovalMode mode) {
  return mode == RemovalMode::kInPlace ? "in-place" : "trash-then-delete";
}

const std::vector<const ProfileSpec*>& AllProfiles() {
  static const std::vector<const ProfileSpec*> all = [] {
    std::vector<const ProfileSpec*> v = {
      &Uv0818Profile(),
      &Uv0819Profile(),
      &Pr17211Profile(),
      &Pr20116Profile(),
      &Pr20116EarlyReleaseProfile(),
      &ReferenceProfile(),
      &MutantPrunerSharedLock(),
      &MutantInstallerNoLock(),
      &MutantIgnoreEntryLocks(),
      &MutantExtractInPlace(),
      &MutantFollowSymlinks(),
      &MutantDeleteInPlace(),
      &MutantMtimeGrace(),
      &MutantNoLockInodeCheck(),
      &MutantNonatomicEntryReplace(),
      &MutantNoRecheck(),
    };
#ifdef PRUNECHECK_PLANTED_FOLLOW_SYMLINKS
    // PLANTED BUG, compiled only into the fuzz-planted preset's test build
    // (CMake option PRUNECHECK_PLANT_FOLLOW_SYMLINKS): every real profile's
    // pruner follows symlinks while deleting. fuzz/cache_tree_fuzzer.cc must
    // find it; ci/fuzz.sh checks that it does (fuzz/README.md).
    static std::vector<ProfileSpec> planted;
    planted.reserve(v.size());
    for (const ProfileSpec*& p : v) {
      if (p->mutant) continue;
      planted.push_back(*p);
      planted.back().follow_symlinks_on_delete = true;
      p = &planted.back();
    }
#endif
    return v;
  }();
  return all;
}

Result<const ProfileSpec*> FindProfile(std::string_view name) {
  std::string known;
  for (const ProfileSpec* p : AllProfiles()) {
    if (p->name == name) return p;
    if (!known.empty()) known += ", ";
    known += p->name;
  }
  return Status(StatusCode::kInvalidInput,
                "unknown profile '" + std::string(name) + "' (known: " + known + ")");
}

}  // namespace prunecheck
