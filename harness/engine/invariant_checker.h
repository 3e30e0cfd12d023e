// InvariantChecker: judges a run against the invariants of docs/design.md §5.
//
// Online, from the actors' events in the order the engine saw them:
//   no-in-use-removal   a remove_begin of X while another actor has X in use
//                       (between its use_begin and use_end, and not killed)
// At the end, from outcomes and a physical look at the tree:
//   no-in-use-removal   (physical) an actor failed verification (exit 4) on
//                       an archive someone was seen removing, or that is gone
//   no-partial-archive  (physical) an actor failed verification on an archive
//                       nobody was seen removing and that is still there: it
//                       was published before it was complete (RECORD missing,
//                       or files RECORD lists missing) — harness/README.md
//   no-dangling-reference, no-partial-archive, no-corruption   (ScanCache)
//   containment         canaries outside the root intact
//   crash-consistency   no lock left held once every actor is gone
//   bounded-growth      a final prune (after the grace has elapsed) leaves
//                       no unreferenced archive and no temp dir
//   progress            every actor finished within the step bound; no actor
//                       failed to get a lock or was left unresponsive
//   sanitizer           no sanitized actor wrote an ASan/TSan/UBSan report
//                       (added by the engine: sanitizer_reports.h)
//   lock-exclusion      (online, from lock events, which carry the inode) no
//                       two actors hold conflicting locks on one lock name
//                       through different files (the lock file was replaced
//                       between them), and nobody acquires a lock on a file
//                       that is no longer linked (it excludes nobody)
//   availability        (at the end) a reader whose package had an entry
//                       before it first ran did not fail "not cached" unless
//                       something it must accept took the entry or archive:
//                       a removal (judged by the invariants above), a clean
//                       of its package, or a wipe (docs/design.md §5)
//
// Thread-safety: not thread-safe; one per run.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "harness/engine/actor_endpoint.h"
#include "harness/engine/invariant.h"
#include "harness/engine/run_config.h"
#include "pruner/channel/control_message.h"

namespace prunecheck::harness {

struct HarnessViolation {
  Invariant invariant = Invariant::kNoInUseRemoval;
  std::string actor;      // the actor that did it or suffered it, may be empty
  std::string subject;    // archive id, temp dir, lock, path
  int step = -1;          // engine step, or -1 for end-of-run checks
  std::string message;    // names actor, subject and step
};

struct ActorOutcome {
  std::string name;
  Role role = Role::kInstall;
  std::string package;      // normalized distribution name (read/clean: availability)
  ActorStop end;            // how it ended
  bool killed = false;      // by a fault
  bool connected = true;
  bool unresponsive = false;  // was treated as blocked after a silence
};

// Whether the actor stopped because the disk was full: its result's status is
// "no-space" (ENOSPC/EDQUOT, PROTOCOL.md's result message). That is the test
// machine's failure, not the protocol's: no invariant judges it, and the run
// reports OutOfSpaceError as a harness error (exit 4) instead (issue 9 item 7).
bool RanOutOfSpace(const ActorOutcome& o);
// kNoSpace naming the first actor that ran out of space under `base_dir`, or Ok.
Status OutOfSpaceError(const std::vector<ActorOutcome>& outcomes, const std::string& base_dir);

class InvariantChecker {
 public:
  // What messages call the engine's unit of progress: "step" (controlled) or "round" (free).
  void set_step_label(std::string label) { step_label_ = std::move(label); }
  // Feed every message an actor sent, in engine order.
  void OnMessage(int step, const std::string& actor, const ControlMessage& m);
  // The actor was killed: whatever it had in use is released, and so are its
  // locks (the kernel drops a dead process's flocks).
  void OnKilled(int step, const std::string& actor);
  // The actor's process ended by itself (finished or crashed): its locks are
  // gone with it, whether or not it reported releasing them.
  void OnExited(int step, const std::string& actor);
  // REQUIRES: before the first message. Turns the availability invariant on:
  // the packages (normalized names) that had an entry in wheels-v6 when the
  // run's actors started, i.e. after setup. Unset: availability is not judged.
  void set_entries_at_start(std::set<std::string> packages) { entries_at_start_ = std::move(packages); }
  // REQUIRES: before CheckOutcomes. Whether archive `id` exists in the cache
  // now (every actor gone): tells a partial archive from a removed one when
  // an actor failed verification. Unset: every failure counts as removal.
  void set_archive_present(std::function<bool(const std::string& id)> present) {
    archive_present_ = std::move(present);
  }
  // Outcome-based checks (physical in-use removal or partial archive,
  // progress, availability).
  void CheckOutcomes(const std::vector<ActorOutcome>& outcomes, bool step_limit_hit, int steps);
  // Adds a violation found elsewhere (physical checks of the tree). One equal
  // in every field to a violation already reported is dropped.
  void Add(HarnessViolation v);

  const std::vector<HarnessViolation>& violations() const { return violations_; }
  bool Violated(Invariant invariant) const;

 private:
  // subject -> actor that has it in use -> removers already reported for
  // that use (so one use removed from under is reported once per remover)
  std::map<std::string, std::map<std::string, std::set<std::string>>> in_use_;
  std::set<std::string> explained_;  // actors whose failure an online violation explains
  std::map<std::string, std::set<std::string>> used_;    // actor -> archives it began using
  std::map<std::string, std::string> failed_use_;        // actor -> archive whose use_end was not "ok"
  std::set<std::string> removed_;                        // archives someone began removing
  std::function<bool(const std::string&)> archive_present_;

  // lock-exclusion: lock name -> holder -> what it holds.
  struct LockHold {
    std::string inode;
    bool exclusive = false;
    int step = -1;
  };
  std::map<std::string, std::map<std::string, LockHold>> locks_;
  void OnLockAcquired(int step, const std::string& actor, const ControlMessage& m);
  void DropLocks(const std::string& actor);

  // availability
  std::optional<std::set<std::string>> entries_at_start_;
  std::map<std::string, int> first_step_;                      // actor -> first step it ran (>= 0)
  std::map<std::string, int> last_step_;                       // actor -> last step it sent anything
  std::map<std::string, int> first_referenced_;                // package -> first step an entry was published
  std::vector<std::pair<int, std::string>> removals_;          // (step, remover) of every remove_begin
  void CheckAvailability(const std::vector<ActorOutcome>& outcomes);
  std::vector<HarnessViolation> violations_;
  std::string step_label_ = "step";
};

}  // namespace prunecheck::harness
