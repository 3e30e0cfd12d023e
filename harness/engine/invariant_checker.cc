#include "harness/engine/invariant_checker.h"

#include <algorithm>

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

void InvariantChecker::OnMessage(int step, const std::string& actor, const ControlMessage& m) {
  if (m.type != MessageType::kEvent) return;
  if (m.kind == EventKind::kUseBegin) {
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
