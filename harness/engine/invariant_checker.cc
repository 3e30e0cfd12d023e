#include "harness/engine/invariant_checker.h"

#include <algorithm>
#include <string_view>

#include "pruner/cache/cache_layout.h"

namespace prunecheck::harness {

std::string_view StopKindName(StopKind k) {
  switch (k) {
    case StopKind::kYield: return "yield";
    case StopKind::kBlocked: return "blocked";
    case StopKind::kFinished: return "finished";
    case StopKind::kDied: return "died";
    case StopKind::kUnresponsive: return "unresponsive";
  }
  return "?";
}

namespace {

// A lock event's detail: "<name> <shared|exclusive>[ unlinked]" (FileLock,
// the syscall actor); releases may carry only the name, or "<name> (exit)".
struct LockDetail {
  std::string name;
  bool exclusive = false;
  bool unlinked = false;
};

LockDetail ParseLockDetail(std::string_view d) {
  LockDetail out;
  auto strip = [&](std::string_view suffix) {
    if (d.size() > suffix.size() && d.substr(d.size() - suffix.size()) == suffix) {
      d.remove_suffix(suffix.size());
      return true;
    }
    return false;
  };
  strip(" (exit)");
  out.unlinked = strip(" unlinked");
  if (strip(" exclusive")) {
    out.exclusive = true;
  } else {
    strip(" shared");
  }
  out.name = std::string(d);
  return out;
}

}  // namespace

void InvariantChecker::OnLockAcquired(int step, const std::string& actor, const ControlMessage& m) {
  const LockDetail d = ParseLockDetail(m.detail);
  const std::string mode = d.exclusive ? "exclusive" : "shared";
  const std::string at = step_label_ + " " + std::to_string(step) + ": ";
  if (d.unlinked) {
    Add({Invariant::kLockExclusion, actor, d.name, step,
         at + actor + " acquired " + d.name + " " + mode + " on a file no longer linked there (inode " + m.subject +
             "): its lock excludes nobody, since whoever locks " + d.name +
             " next opens a new file (it did not check the inode after locking)"});
  }
  auto& holders = locks_[d.name];
  for (const auto& [other, hold] : holders) {
    if (other == actor || (!d.exclusive && !hold.exclusive)) continue;
    // The same file cannot be granted twice in conflicting modes (the kernel
    // sees to that; an event of a blocking attempt may come first). Two
    // files under one name can: the lock file was replaced between them.
    if (hold.inode == m.subject || hold.inode.empty() || m.subject.empty()) continue;
    Add({Invariant::kLockExclusion, actor, d.name, step,
         at + actor + " acquired " + d.name + " " + mode + " (inode " + m.subject + ") while " + other + " held it " +
             (hold.exclusive ? "exclusive" : "shared") + " (inode " + hold.inode + ", since " + step_label_ + " " +
             std::to_string(hold.step) + "): the lock file was replaced, so each locked a different file"});
  }
  holders[actor] = LockHold{m.subject, d.exclusive, step};
}

void InvariantChecker::DropLocks(const std::string& actor) {
  for (auto it = locks_.begin(); it != locks_.end();) {
    it->second.erase(actor);
    it = it->second.empty() ? locks_.erase(it) : std::next(it);
  }
}

void InvariantChecker::OnMessage(int step, const std::string& actor, const ControlMessage& m) {
  if (step >= 0) {
    first_step_.try_emplace(actor, step);
    last_step_[actor] = step;
  }
  if (m.type != MessageType::kEvent || !m.kind) return;
  if (m.kind == EventKind::kLockAcquired) {
    OnLockAcquired(step, actor, m);
  } else if (m.kind == EventKind::kLockReleased) {
    auto it = locks_.find(ParseLockDetail(m.detail).name);
    if (it != locks_.end()) {
      it->second.erase(actor);
      if (it->second.empty()) locks_.erase(it);
    }
  } else if (m.kind == EventKind::kLockUnlinked) {
    // The holder unlinked its own lock file (UnlinkAndRelease): from here
    // the name is free by design, and whoever locks it next opens a new
    // file; the holder's last moments on the old one exclude nothing.
    auto it = locks_.find(ParseLockDetail(m.detail).name);
    if (it != locks_.end()) {
      it->second.erase(actor);
      if (it->second.empty()) locks_.erase(it);
    }
  } else if (m.kind == EventKind::kReferenced) {
    // detail: "wheels-v6/pypi/<package>/<entry>"
    const std::string prefix = std::string(layout::kWheelIndex) + "/";
    if (m.detail.compare(0, prefix.size(), prefix) == 0) {
      const std::string rest = m.detail.substr(prefix.size());
      first_referenced_.try_emplace(rest.substr(0, rest.find('/')), step);
    }
  } else if (m.kind == EventKind::kUseBegin) {
    in_use_[m.subject].try_emplace(actor);
    used_[actor].insert(m.subject);
  } else if (m.kind == EventKind::kUseEnd) {
    if (m.detail != "ok") failed_use_[actor] = m.subject;
    auto it = in_use_.find(m.subject);
    if (it != in_use_.end()) {
      it->second.erase(actor);
      if (it->second.empty()) in_use_.erase(it);
    }
  } else if (m.kind == EventKind::kRemoveBegin) {
    removed_.insert(m.subject);
    removals_.emplace_back(step, actor);
    auto it = in_use_.find(m.subject);
    if (it == in_use_.end()) return;
    for (auto& [user, reported_removers] : it->second) {
      if (user == actor) continue;
      // One violation per remover and use: a retried or twice-reported
      // removal is the same removal from under the same use.
      if (!reported_removers.insert(actor).second) continue;
      explained_.insert(user);
      Add({Invariant::kNoInUseRemoval, actor, m.subject, step,
           step_label_ + " " + std::to_string(step) + ": " + actor + " began removing " + m.subject + " while " + user +
               " was using it"});
    }
  }
}

void InvariantChecker::OnKilled(int /*step*/, const std::string& actor) {
  for (auto it = in_use_.begin(); it != in_use_.end();) {
    it->second.erase(actor);
    it = it->second.empty() ? in_use_.erase(it) : std::next(it);
  }
  DropLocks(actor);
}

void InvariantChecker::OnExited(int /*step*/, const std::string& actor) { DropLocks(actor); }

void InvariantChecker::CheckAvailability(const std::vector<ActorOutcome>& outcomes) {
  if (!entries_at_start_) return;
  for (const ActorOutcome& r : outcomes) {
    if (r.role != Role::kRead || r.killed || !r.connected || r.end.kind != StopKind::kFinished ||
        r.end.exit_code != 6) {
      continue;
    }
    // Its package had an entry before the reader first ran.
    auto first = first_step_.find(r.name);
    const int began = first == first_step_.end() ? -1 : first->second;
    const int ended = last_step_.count(r.name) ? last_step_[r.name] : began;
    bool had_entry = entries_at_start_->count(r.package) > 0;
    if (auto ref = first_referenced_.find(r.package); ref != first_referenced_.end() && ref->second < began) {
      had_entry = true;
    }
    if (!had_entry) continue;
    // What a reader must accept (docs/design.md §5, "availability"): a clean
    // of its package or a wipe that ran before it ended, and any removal that
    // began before it ended — the removal itself is judged by
    // no-in-use-removal and no-dangling-reference; a legitimate prune removes
    // an archive only once no entry references it, which a reader that
    // resolved the entry before a refresh sees as "not cached".
    bool excused = false;
    for (const ActorOutcome& o : outcomes) {
      if (o.name == r.name) continue;
      const bool ran_before_end = first_step_.count(o.name) && first_step_[o.name] <= ended;
      if (ran_before_end && (o.role == Role::kWipe || (o.role == Role::kClean && o.package == r.package))) excused = true;
    }
    for (const auto& [step, remover] : removals_) {
      if (remover != r.name && step <= ended) excused = true;
    }
    if (excused) continue;
    Add({Invariant::kAvailability, r.name, r.package, -1,
         r.name + " found " + r.package + " not cached (exit 6), though its entry was there before it began (" +
             step_label_ + " " + std::to_string(began) + ") and nothing removed an archive or cleaned the package "
             "while it ran: the entry went missing without a legitimate removal (an entry replaced by unlink then "
             "create leaves a gap a reader can fall into): " + r.end.message});
  }
}

bool RanOutOfSpace(const ActorOutcome& o) {
  static const std::string kNoSpace(StatusCodeName(StatusCode::kNoSpace));
  return !o.killed && o.connected && o.end.kind == StopKind::kFinished && o.end.exit_code != 0 &&
         o.end.message.compare(0, kNoSpace.size(), kNoSpace) == 0;
}

Status OutOfSpaceError(const std::vector<ActorOutcome>& outcomes, const std::string& base_dir) {
  for (const ActorOutcome& o : outcomes) {
    if (!RanOutOfSpace(o)) continue;
    return Status(StatusCode::kNoSpace, "actor " + o.name + " ran out of disk space (ENOSPC/EDQUOT) in its run "
                                        "directory under " + base_dir + ": " + o.end.message +
                                        "; this is the test machine's failure, not a protocol violation: free space "
                                        "there or choose another --base-dir");
  }
  return Status::Ok();
}

void InvariantChecker::CheckOutcomes(const std::vector<ActorOutcome>& outcomes, bool step_limit_hit, int steps) {
  if (step_limit_hit) {
    Add({Invariant::kProgress, "", "", steps,
         "the run did not finish within " + std::to_string(steps) + " steps (deadlock or livelock)"});
  }
  for (const ActorOutcome& o : outcomes) {
    if (o.killed || RanOutOfSpace(o)) continue;  // no space: a harness error, reported by the run
    if (o.unresponsive) {
      Add({Invariant::kProgress, o.name, "", -1, o.name + " stopped answering on the control channel and was treated as blocked"});
    }
    const int rc = o.end.exit_code;
    if (o.end.kind == StopKind::kFinished && rc == 0) continue;
    if (!o.connected && o.end.kind == StopKind::kFinished) {
      if (rc != 0) Add({Invariant::kProgress, o.name, "", -1, o.name + " (black box) exited with status " + std::to_string(rc)});
      continue;
    }
    if (rc == 4) {
      // The actor itself saw its archive incomplete: RECORD or a file RECORD
      // lists was missing, or its environment did not match RECORD. Either
      // someone removed (part of) it, or it was published before it was
      // complete. Removal when anyone was seen removing it or it is gone now;
      // partial when nobody touched it and it is still there
      // (harness/README.md, "Which invariant").
      if (explained_.count(o.name)) continue;
      std::set<std::string> suspects;
      if (auto f = failed_use_.find(o.name); f != failed_use_.end()) {
        suspects.insert(f->second);
      } else if (auto u = used_.find(o.name); u != used_.end()) {
        suspects = u->second;
      }
      bool partial = archive_present_ && !suspects.empty();
      for (const std::string& id : suspects) {
        if (removed_.count(id) || !archive_present_ || !archive_present_(id)) partial = false;
      }
      if (partial) {
        const std::string& id = *suspects.begin();
        Add({Invariant::kNoPartialArchive, o.name, id, -1,
             o.name + " found archive " + id +
                 " incomplete (exit 4), yet nobody was seen removing it and it is still there: it was published "
                 "before it was complete: " + o.end.message});
      } else {
        Add({Invariant::kNoInUseRemoval, o.name, suspects.size() == 1 ? *suspects.begin() : "", -1,
             o.name + " failed physical verification (exit 4): " + o.end.message});
      }
    } else if (rc == 6 && o.role == Role::kRead) {
      // A reader that found nothing cached is not a protocol failure.
    } else if (!explained_.count(o.name)) {
      Add({Invariant::kProgress, o.name, "", -1,
           o.name + " did not finish cleanly (" + std::string(StopKindName(o.end.kind)) + ", exit " +
               std::to_string(rc) + "): " + o.end.message});
    }
  }
  CheckAvailability(outcomes);
}

void InvariantChecker::Add(HarnessViolation v) {
  // The same finding twice (free mode judges outcomes after every round) is
  // one finding: a verdict lists what went wrong, not how often it was seen.
  const bool seen = std::any_of(violations_.begin(), violations_.end(), [&](const HarnessViolation& w) {
    return w.invariant == v.invariant && w.actor == v.actor && w.subject == v.subject && w.step == v.step &&
           w.message == v.message;
  });
  if (!seen) violations_.push_back(std::move(v));
}

bool InvariantChecker::Violated(Invariant invariant) const {
  return std::any_of(violations_.begin(), violations_.end(),
                     [&](const HarnessViolation& v) { return v.invariant == invariant; });
}

}  // namespace prunecheck::harness
