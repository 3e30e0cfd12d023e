// astral-sh/uv PR #17211 (proposed): background autoprune with an mtime grace.
#include "pruner/profiles/profile_spec.h"

namespace prunecheck {

const ProfileSpec& Pr17211Profile() {
  static const ProfileSpec spec = [] {
    ProfileSpec s;
    s.name = "pr-17211";
    s.description = "background autoprune: actors as uv-0.8.19; pruner takes no lock and removes unreferenced archives whose dir mtime is older than 1 h";
    s.actor_root_lock = ActorRootLock::kSharedForProcess;
    s.pruner_root_lock = PrunerRootLock::kNone;
    s.prune_unknown_top_level = false;
    s.prune_temp_dirs = false;
    s.selection = PruneSelection::kMtimeOlderThanGrace;
    s.removal = RemovalMode::kInPlace;
    s.default_grace = std::chrono::seconds(3600);
    return s;
  }();
  return spec;
}

}  // namespace prunecheck
