// ProfileSpec: one simulated version of the cache protocol (docs/design.md §2).
//
// A profile is data, not code: the installer, reader, pruner and cleaner in
// pruner/cache/ interpret these knobs. That keeps every profile a short,
// reviewable list of what that version does, and makes a mutant exactly "a
// known-good profile with one knob flipped". Adding a profile is adding one
// file under pruner/profiles/ that defines it plus one line in
// profile_registry.cc.
//
// Thread-safety: immutable after construction.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

namespace prunecheck {

// How installers and readers hold the root `.lock`.
enum class ActorRootLock {
  kNone,                // uv 0.8.18: no lock at all
  kSharedForProcess,    // uv 0.8.19: shared, taken at start, held until the process exits
  kSharedPerOperation,  // reference: shared for the duration of each operation
};

// How pruners (and `clean`) take the root `.lock`.
enum class PrunerRootLock {
  kNone,               // uv 0.8.18, pr-17211 autoprune
  kExclusiveBlocking,  // uv 0.8.19, reference: exclusive, wait up to the lock timeout
  kExclusiveTry,       // pr-20116: exclusive, non-blocking; skip the prune if held
  kSharedMutant,       // MUTANT: takes it shared, so it runs alongside installers
};

// Which unreferenced archives a pruner removes.
enum class PruneSelection {
  kAllUnreferenced,       // uv: every archive no entry points at
  kMtimeOlderThanGrace,   // pr-17211: ... whose directory mtime is older than the grace
  kSeenLongerThanGrace,   // reference: ... first seen unreferenced longer than the grace ago
};

enum class RemovalMode {
  kInPlace,          // uv: file by file, deepest first; readers can see a half-deleted tree
  kTrashThenDelete,  // reference: rename into gc-v0/trash, then delete; atomic to readers
};

std::string_view RemovalModeName(RemovalMode mode);

struct ProfileSpec {
  std::string name;         // stable identifier used in scenarios and reports
  std::string description;  // one line; for mutants, the bug it carries
  bool mutant = false;

  // --- installer / reader ---
  ActorRootLock actor_root_lock = ActorRootLock::kNone;
  // Shared flock on locks/<id>.lock while creating or using archive <id>.
  bool entry_locks = false;
  // Drop the root lock once the entry lock is held (pr-20116 "early release").
  bool early_release = false;
  // After taking the entry lock, check the archive still exists before using it.
  bool revalidate_after_lease = false;
  // Replace entries with symlink-to-temp + rename (false: unlink + symlink, MUTANT).
  bool atomic_entry_replace = true;
  // Extract straight into archive-v0/<id> instead of a root .tmp dir (MUTANT).
  bool extract_in_place = false;
  // Lock, then check the lock file's inode is still the linked one.
  bool verify_lock_inode = true;

  // --- pruner / clean ---
  PrunerRootLock pruner_root_lock = PrunerRootLock::kNone;
  // Skip archives whose locks/<id>.lock is held (try-lock exclusive before removal).
  bool pruner_honours_entry_locks = false;
  // Remove top-level entries that are not buckets this profile knows (uv).
  bool prune_unknown_top_level = false;
  // Remove root .tmp* dirs (uv: always; reference: only after the grace).
  bool prune_temp_dirs = false;
  PruneSelection selection = PruneSelection::kAllUnreferenced;
  // Re-read the references after locking candidates, before removing them.
  bool recheck_before_delete = false;
  RemovalMode removal = RemovalMode::kInPlace;
  // Descend into symlinked directories while deleting (MUTANT).
  bool follow_symlinks_on_delete = false;
  // Default grace period for kMtimeOlderThanGrace / kSeenLongerThanGrace and
  // for the reference's temp dirs; overridable at run time (--grace).
  std::chrono::seconds default_grace{3600};
};

}  // namespace prunecheck
