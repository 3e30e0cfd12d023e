// YieldPoints: where an actor lets another process run, and what it reports.
//
// The cache operations call Yield() at every place another process could
// interleave (docs/design.md §1 steps 2–6, between a prune's listing and each removal,
// around every lock acquire/release) and Report() for the events the harness
// checker judges (archive published, use begin/end, remove begin/end, lock
// acquired/released). Standalone use passes NoYieldPoints, which does nothing.
// The harness substitutes an implementation that blocks in Yield() until the
// scheduler picks this actor again, and forwards events over its channel.
//
// Point names are stable identifiers ("install.persisted", ...): scenarios,
// scripts and traces refer to them. They are listed in pruner/README.md.
//
// Thread-safety: one instance per actor; called only from that actor's thread.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace prunecheck {

enum class EventKind {
  kArchivePublished,  // archive-v0/<id> appeared (renamed into place)
  kReferenced,        // an entry now points at <id>
  kUseBegin,          // this actor starts creating or using <id> (from unpack / resolve)
  kUseEnd,            // ... and stops (after linking, or on failure)
  kRemoveBegin,       // a pruner starts removing <id> (or a temp dir) from the cache
  kRemoveEnd,         // ... and the removal is complete
  // Lock events: `archive_id` carries the locked file's inode number (the
  // lock-exclusion invariant tells a replaced lock file by it), `detail` the
  // lock file's name and the mode, e.g. ".lock shared", "locks/<id>.lock exclusive".
  kLockAcquired,
  kLockReleased,
  kLockUnlinked,      // the holder unlinked the lock file it holds (inode, name)
};
std::string_view EventKindName(EventKind kind);

struct Event {
  EventKind kind;
  std::string archive_id;  // archive id, temp dir name, or empty
  std::string detail;      // lock name and mode, entry name, ...
};

class YieldPoints {
 public:
  virtual ~YieldPoints() = default;

  // A named point where another process may run. `subject` names the archive,
  // temp dir or lock the point concerns (may be empty). May block.
  virtual void Yield(std::string_view point, std::string_view subject) = 0;

  // The actor cannot progress (a lock is held elsewhere) and will retry.
  // Standalone: sleep `backoff`. Harness: let another actor run instead.
  virtual void Blocked(std::string_view point, std::chrono::microseconds backoff) = 0;

  virtual void Report(const Event& event) = 0;
};

// Every point cache-actor yields at, in one list (pruner/README.md "Yield
// points"): faults, script steps, --kill-at and run_at naming an actor played
// by cache-actor are checked against it, so a misspelt point is an error, not
// a fault that silently never fires. Command and black-box actors announce
// their own points and are not limited to it.
const std::vector<std::string>& KnownYieldPoints();
bool IsKnownYieldPoint(std::string_view point);

// Does nothing at points, sleeps when blocked. For standalone use.
class NoYieldPoints final : public YieldPoints {
 public:
  void Yield(std::string_view, std::string_view) override {}
  void Blocked(std::string_view point, std::chrono::microseconds backoff) override;
  void Report(const Event&) override {}
};

}  // namespace prunecheck
