// astral-sh/uv PR #20116 (proposed): per-entry in-use locks, with and without early release.
#include "pruner/profiles/profile_spec.h"

namespace prunecheck {

namespace {
ProfileSpec Pr20116Base() {
  ProfileSpec s;
  s.actor_root_lock = ActorRootLock::kSharedForProcess;
  s.entry_locks = true;
  s.pruner_root_lock = PrunerRootLock::kExclusiveTry;
  s.pruner_honours_entry_locks = true;
  s.prune_unknown_top_level = true;
  s.prune_temp_dirs = true;
  s.selection = PruneSelection::kAllUnreferenced;
  s.removal = RemovalMode::kInPlace;
  return s;
}
}  // namespace

const ProfileSpec& Pr20116Profile() {
  static const ProfileSpec spec = [] {
    ProfileSpec s = Pr20116Base();
    s.name = "pr-20116";
    s.description = "per-entry locks: shared .lock plus shared locks/<id>.lock while using; pruner try-locks .lock exclusive and skips locked archives";
    return s;
  }();
  return spec;
}

const ProfileSpec& Pr20116EarlyReleaseProfile() {
  static const ProfileSpec spec = [] {
    ProfileSpec s = Pr20116Base();
    s.name = "pr-20116-early-release";
    s.description = "pr-20116 in early-release mode: drops .lock as soon as the entry lock is held";
    s.early_release = true;
    return s;
  }();
  return spec;
}

}  // namespace prunecheck
