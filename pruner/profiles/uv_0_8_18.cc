// uv 0.8.18: the cache before any lock existed.
#include "pruner/profiles/profile_spec.h"

namespace prunecheck {

const ProfileSpec& Uv0818Profile() {
  static const ProfileSpec spec = [] {
    ProfileSpec s;
    s.name = "uv-0.8.18";
    s.description = "uv before the cache lock: no lock anywhere; prune deletes .tmp* and unknown top-level entries";
    s.actor_root_lock = ActorRootLock::kNone;
    s.pruner_root_lock = PrunerRootLock::kNone;
    s.prune_unknown_top_level = true;
    s.prune_temp_dirs = true;
    s.selection = PruneSelection::kAllUnreferenced;
    s.removal = RemovalMode::kInPlace;
    return s;
  }();
  return spec;
}

}  // namespace prunecheck
