// Deliberately broken profiles: each is a known-good profile with one knob
// flipped. They exist so the harness can prove it finds the bug each carries
// (scenarios expecting a violation run them). One mutant = one function here
// plus one registry line.
#include "pruner/profiles/profile_spec.h"

namespace prunecheck {

const ProfileSpec& Uv0819Profile();
const ProfileSpec& Pr20116EarlyReleaseProfile();
const ProfileSpec& ReferenceProfile();

namespace {
ProfileSpec MutantOf(const ProfileSpec& base, const char* name, const char* bug) {
  ProfileSpec s = base;
  s.name = name;
  s.description = bug;
  s.mutant = true;
  return s;
}
}  // namespace

const ProfileSpec& MutantPrunerSharedLock() {
  static const ProfileSpec s = [] {
    ProfileSpec m = MutantOf(Uv0819Profile(), "mutant-pruner-shared-lock",
                             "uv-0.8.19 whose pruner takes .lock shared instead of exclusive, so it runs alongside installers");
    m.pruner_root_lock = PrunerRootLock::kSharedMutant;
    return m;
  }();
  return s;
}

const ProfileSpec& MutantInstallerNoLock() {
  static const ProfileSpec s = [] {
    ProfileSpec m = MutantOf(Uv0819Profile(), "mutant-installer-no-lock",
                             "uv-0.8.19 whose installers and readers never take .lock");
    m.actor_root_lock = ActorRootLock::kNone;
    return m;
  }();
  return s;
}

const ProfileSpec& MutantIgnoreEntryLocks() {
  static const ProfileSpec s = [] {
    ProfileSpec m = MutantOf(Pr20116EarlyReleaseProfile(), "mutant-ignore-entry-locks",
                             "pr-20116 early release whose pruner does not check locks/<id>.lock before removing");
    m.pruner_honours_entry_locks = false;
    return m;
  }();
  return s;
}

const ProfileSpec& MutantExtractInPlace() {
  static const ProfileSpec s = [] {
    ProfileSpec m = MutantOf(ReferenceProfile(), "mutant-extract-in-place",
                             "reference that extracts straight into archive-v0/<id>, so a partial archive is visible");
    m.extract_in_place = true;
    return m;
  }();
  return s;
}

const ProfileSpec& MutantFollowSymlinks() {
  static const ProfileSpec s = [] {
    ProfileSpec m = MutantOf(ReferenceProfile(), "mutant-follow-symlinks",
                             "reference whose deletion descends into symlinked directories, destroying files outside the cache");
    m.follow_symlinks_on_delete = true;
    return m;
  }();
  return s;
}

const ProfileSpec& MutantDeleteInPlace() {
  static const ProfileSpec s = [] {
    ProfileSpec m = MutantOf(ReferenceProfile(), "mutant-delete-in-place",
                             "reference that deletes archives in place, so a crashed prune leaves a partial archive visible");
    m.removal = RemovalMode::kInPlace;
    return m;
  }();
  return s;
}

const ProfileSpec& MutantMtimeGrace() {
  static const ProfileSpec s = [] {
    ProfileSpec m = MutantOf(ReferenceProfile(), "mutant-mtime-grace",
                             "reference whose grace counts from the archive's mtime, not from first seen unreferenced");
    m.selection = PruneSelection::kMtimeOlderThanGrace;
    return m;
  }();
  return s;
}

const ProfileSpec& MutantNoLockInodeCheck() {
  static const ProfileSpec s = [] {
    ProfileSpec m = MutantOf(ReferenceProfile(), "mutant-no-lock-inode-check",
                             "reference that trusts a lock on a file that was unlinked or replaced after it was opened");
    m.verify_lock_inode = false;
    return m;
  }();
  return s;
}

const ProfileSpec& MutantNonatomicEntryReplace() {
  static const ProfileSpec s = [] {
    ProfileSpec m = MutantOf(ReferenceProfile(), "mutant-nonatomic-entry-replace",
                             "reference that replaces an entry by unlink then symlink, so readers can find no entry mid-refresh");
    m.atomic_entry_replace = false;
    return m;
  }();
  return s;
}

const ProfileSpec& MutantNoRecheck() {
  static const ProfileSpec s = [] {
    ProfileSpec m = MutantOf(ReferenceProfile(), "mutant-no-recheck",
                             "reference that skips the re-check of references and leases between listing and removal");
    m.recheck_before_delete = false;
    m.pruner_honours_entry_locks = false;
    return m;
  }();
  return s;
}

}  // namespace prunecheck
