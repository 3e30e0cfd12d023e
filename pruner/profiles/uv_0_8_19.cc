// uv 0.8.19 (astral-sh/uv PR #15888 / #15990): the root cache lock.
#include "pruner/profiles/profile_spec.h"

namespace prunecheck {

const ProfileSpec& Uv0819Profile() {
  static const ProfileSpec spec = [] {
    ProfileSpec s;
    s.name = "uv-0.8.19";
    s.description = "uv with the cache lock: .lock shared for the process lifetime; prune takes it exclusive (blocking, with timeout)";
    s.actor_root_lock = ActorRootLock::kSharedForProcess;
    s.pruner_root_lock = PrunerRootLock::kExclusiveBlocking;
    s.prune_unknown_top_level = true;
    s.prune_temp_dirs = true;
    s.selection = PruneSelection::kAllUnreferenced;
    s.removal = RemovalMode::kInPlace;
    return s;
  }();
  return spec;
}

}  // namespace prunecheck
