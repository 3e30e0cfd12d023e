// prunecheck's own protocol (docs/design.md §3); the rationale is in pruner/README.md.
#include "pruner/profiles/profile_spec.h"

namespace prunecheck {

const ProfileSpec& ReferenceProfile() {
  static const ProfileSpec spec = [] {
    ProfileSpec s;
    s.name = "reference";
    s.description = "shared .lock per operation + entry leases; pruner: exclusive .lock, grace from first seen unreferenced, re-check, trash then delete";
    s.actor_root_lock = ActorRootLock::kSharedPerOperation;
    s.entry_locks = true;
    s.revalidate_after_lease = true;
    s.pruner_root_lock = PrunerRootLock::kExclusiveBlocking;
    s.pruner_honours_entry_locks = true;
    s.prune_unknown_top_level = false;  // a newer version's bucket is not ours to delete
    s.prune_temp_dirs = true;           // but only once seen for longer than the grace
    s.selection = PruneSelection::kSeenLongerThanGrace;
    s.recheck_before_delete = true;
    s.removal = RemovalMode::kTrashThenDelete;
    s.default_grace = std::chrono::seconds(3600);
    return s;
  }();
  return spec;
}

}  // namespace prunecheck
