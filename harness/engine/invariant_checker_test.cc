// The oracle on its own: InvariantChecker fed ControlMessages and outcomes
// directly (no processes, no file system), so every verdict rule of
// docs/design.md §5 that it owns is pinned without running a scenario.
#include "harness/engine/invariant_checker.h"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

namespace prunecheck::harness {
namespace {

ControlMessage Event(EventKind kind, const std::string& subject, const std::string& detail = "") {
  ControlMessage m;
  m.type = MessageType::kEvent;
  m.kind = kind;
  m.subject = subject;
  m.detail = detail;
  return m;
}

ActorOutcome Outcome(const std::string& name, Role role, StopKind kind, int exit_code,
                     const std::string& message = "") {
  ActorOutcome o;
  o.name = name;
  o.role = role;
  o.end.kind = kind;
  o.end.exit_code = exit_code;
  o.end.message = message;
  return o;
}

ActorOutcome Clean(const std::string& name, Role role) { return Outcome(name, role, StopKind::kFinished, 0); }

// Every violation as "invariant|actor|subject|step", for whole-list comparisons.
std::vector<std::string> Summaries(const InvariantChecker& c) {
  std::vector<std::string> out;
  for (const HarnessViolation& v : c.violations()) {
    out.push_back(std::string(InvariantName(v.invariant)) + "|" + v.actor + "|" + v.subject + "|" +
                  std::to_string(v.step));
  }
  return out;
}

using Strings = std::vector<std::string>;

// --- online no-in-use-removal ------------------------------------------------

TEST(InvariantCheckerTest, RemoveBeginOfArchiveAnotherActorUsesNamesRemoverSubjectAndStep) {
  InvariantChecker c;
  c.OnMessage(1, "reader", Event(EventKind::kUseBegin, "a1"));
  c.OnMessage(3, "pruner", Event(EventKind::kRemoveBegin, "a1"));
  ASSERT_EQ(Summaries(c), Strings({"no-in-use-removal|pruner|a1|3"}));
  const std::string& msg = c.violations()[0].message;
  EXPECT_EQ(msg, "step 3: pruner began removing a1 while reader was using it");
  EXPECT_TRUE(c.Violated(Invariant::kNoInUseRemoval));
  EXPECT_FALSE(c.Violated(Invariant::kProgress));
}

TEST(InvariantCheckerTest, StepLabelNamesTheUnitOfProgressInTheMessage) {
  InvariantChecker c;
  c.set_step_label("round");
  c.OnMessage(2, "reader", Event(EventKind::kUseBegin, "a1"));
  c.OnMessage(2, "pruner", Event(EventKind::kRemoveBegin, "a1"));
  ASSERT_EQ(c.violations().size(), 1u);
  EXPECT_EQ(c.violations()[0].message, "round 2: pruner began removing a1 while reader was using it");
}

TEST(InvariantCheckerTest, RemovingAnArchiveNobodyUsesIsNoViolation) {
  InvariantChecker c;
  c.OnMessage(1, "reader", Event(EventKind::kUseBegin, "a1"));
  c.OnMessage(2, "pruner", Event(EventKind::kRemoveBegin, "a2"));
  c.OnMessage(3, "pruner", Event(EventKind::kRemoveEnd, "a2"));
  EXPECT_TRUE(c.violations().empty()) << c.violations()[0].message;
}

TEST(InvariantCheckerTest, UseBeforeTheRemovalOnlyCountsNotUseAfterIt) {
  // The order of events is the engine's order: a use that begins after the
  // removal began is not "in use while removed" (the user's own verification
  // catches what it then finds).
  InvariantChecker c;
  c.OnMessage(1, "pruner", Event(EventKind::kRemoveBegin, "a1"));
  c.OnMessage(2, "reader", Event(EventKind::kUseBegin, "a1"));
  EXPECT_TRUE(c.violations().empty());
}

TEST(InvariantCheckerTest, NonEventMessagesDoNotPutAnArchiveInUse) {
  InvariantChecker c;
  ControlMessage yield;
  yield.type = MessageType::kYield;
  yield.point = "read.resolve";
  yield.subject = "a1";
  c.OnMessage(1, "reader", yield);
  ControlMessage unknown = Event(EventKind::kUseBegin, "a1");
  unknown.kind.reset();  // a kind this side does not know (PROTOCOL.md §8.1: ignored)
  unknown.unknown_kind = "use_maybe";
  c.OnMessage(2, "reader", unknown);
  c.OnMessage(3, "pruner", Event(EventKind::kRemoveBegin, "a1"));
  EXPECT_TRUE(c.violations().empty());
}

// --- attribution ----------------------------------------------------------------

TEST(InvariantCheckerTest, ActorRemovingWhatOnlyItUsesIsNotBlamed) {
  InvariantChecker c;
  c.OnMessage(1, "refresher", Event(EventKind::kUseBegin, "a1"));
  c.OnMessage(2, "refresher", Event(EventKind::kRemoveBegin, "a1"));
  EXPECT_TRUE(c.violations().empty()) << c.violations()[0].message;
}

TEST(InvariantCheckerTest, RemoverThatAlsoUsesTheArchiveIsBlamedForEveryOtherUserOnly) {
  InvariantChecker c;
  c.OnMessage(1, "reader1", Event(EventKind::kUseBegin, "a1"));
  c.OnMessage(2, "pruner", Event(EventKind::kUseBegin, "a1"));
  c.OnMessage(3, "reader2", Event(EventKind::kUseBegin, "a1"));
  c.OnMessage(4, "pruner", Event(EventKind::kRemoveBegin, "a1"));
  ASSERT_EQ(Summaries(c), Strings({"no-in-use-removal|pruner|a1|4", "no-in-use-removal|pruner|a1|4"}));
  // One violation per victim, each naming it; never the remover as its own victim.
  EXPECT_EQ(c.violations()[0].message, "step 4: pruner began removing a1 while reader1 was using it");
  EXPECT_EQ(c.violations()[1].message, "step 4: pruner began removing a1 while reader2 was using it");
}

TEST(InvariantCheckerTest, ViolationNamesTheUserOfTheRemovedArchiveNotOfAnother) {
  InvariantChecker c;
  c.OnMessage(1, "reader", Event(EventKind::kUseBegin, "a1"));
  c.OnMessage(1, "installer", Event(EventKind::kUseBegin, "a2"));
  c.OnMessage(2, "pruner1", Event(EventKind::kRemoveBegin, "a2"));
  c.OnMessage(3, "pruner2", Event(EventKind::kRemoveBegin, "a3"));
  ASSERT_EQ(Summaries(c), Strings({"no-in-use-removal|pruner1|a2|2"}));
  EXPECT_EQ(c.violations()[0].message, "step 2: pruner1 began removing a2 while installer was using it");
}

TEST(InvariantCheckerTest, BlackBoxRemovalSeenByTheWatcherIsAttributedToTheBlackBox) {
  // The engine feeds the removal watcher's synthetic remove_begin under the
  // black box's name (controlled_run.cc, run_black_box).
  InvariantChecker c;
  c.OnMessage(1, "reader", Event(EventKind::kUseBegin, "a1"));
  c.OnMessage(2, "bb-pruner", Event(EventKind::kRemoveBegin, "a1", "inotify: deleted"));
  ASSERT_EQ(Summaries(c), Strings({"no-in-use-removal|bb-pruner|a1|2"}));
}

// --- releases: use_end and kills ------------------------------------------------

TEST(InvariantCheckerTest, UseEndReleasesTheArchive) {
  InvariantChecker c;
  c.OnMessage(1, "reader", Event(EventKind::kUseBegin, "a1"));
  c.OnMessage(2, "reader", Event(EventKind::kUseEnd, "a1", "ok"));
  c.OnMessage(3, "pruner", Event(EventKind::kRemoveBegin, "a1"));
  EXPECT_TRUE(c.violations().empty()) << c.violations()[0].message;
}

TEST(InvariantCheckerTest, UseEndReleasesOnlyTheEndingActorsUse) {
  InvariantChecker c;
  c.OnMessage(1, "reader1", Event(EventKind::kUseBegin, "a1"));
  c.OnMessage(1, "reader2", Event(EventKind::kUseBegin, "a1"));
  c.OnMessage(2, "reader1", Event(EventKind::kUseEnd, "a1", "ok"));
  c.OnMessage(3, "pruner", Event(EventKind::kRemoveBegin, "a1"));
  ASSERT_EQ(c.violations().size(), 1u);
  EXPECT_EQ(c.violations()[0].message, "step 3: pruner began removing a1 while reader2 was using it");
}

TEST(InvariantCheckerTest, UseEndWithoutUseBeginIsHarmless) {
  InvariantChecker c;
  c.OnMessage(1, "reader", Event(EventKind::kUseEnd, "a1", "ok"));
  c.OnMessage(2, "reader2", Event(EventKind::kUseBegin, "a1"));
  c.OnMessage(3, "reader", Event(EventKind::kUseEnd, "a1", "ok"));  // not reader2's use
  c.OnMessage(4, "pruner", Event(EventKind::kRemoveBegin, "a1"));
  ASSERT_EQ(Summaries(c), Strings({"no-in-use-removal|pruner|a1|4"}));
}

TEST(InvariantCheckerTest, OnKilledReleasesEverythingTheKilledActorHadInUse) {
  InvariantChecker c;
  c.OnMessage(1, "installer", Event(EventKind::kUseBegin, "a1"));
  c.OnMessage(2, "installer", Event(EventKind::kUseBegin, "a2"));
  c.OnKilled(3, "installer");
  c.OnMessage(4, "pruner", Event(EventKind::kRemoveBegin, "a1"));
  c.OnMessage(5, "pruner", Event(EventKind::kRemoveBegin, "a2"));
  EXPECT_TRUE(c.violations().empty()) << c.violations()[0].message;
}

TEST(InvariantCheckerTest, OnKilledKeepsOtherActorsInUse) {
  InvariantChecker c;
  c.OnMessage(1, "installer", Event(EventKind::kUseBegin, "a1"));
  c.OnMessage(1, "reader", Event(EventKind::kUseBegin, "a1"));
  c.OnKilled(2, "installer");
  c.OnMessage(3, "pruner", Event(EventKind::kRemoveBegin, "a1"));
  ASSERT_EQ(Summaries(c), Strings({"no-in-use-removal|pruner|a1|3"}));
  EXPECT_EQ(c.violations()[0].message, "step 3: pruner began removing a1 while reader was using it");
}

TEST(InvariantCheckerTest, KilledActorsOutcomeIsNotJudged) {
  InvariantChecker c;
  ActorOutcome killed = Outcome("installer", Role::kInstall, StopKind::kDied, 137, "killed by signal 9");
  killed.killed = true;
  killed.unresponsive = true;
  c.CheckOutcomes({killed}, false, 10);
  EXPECT_TRUE(c.violations().empty()) << c.violations()[0].message;
}

// --- duplicate suppression ------------------------------------------------------

TEST(InvariantCheckerTest, RepeatedRemoveBeginDuringOneUseIsReportedOnce) {
  // A pruner that retries (or reports the same removal twice) removes the
  // archive from under the same use once: one violation, at the first step.
  InvariantChecker c;
  c.OnMessage(1, "reader", Event(EventKind::kUseBegin, "a1"));
  c.OnMessage(2, "pruner", Event(EventKind::kRemoveBegin, "a1"));
  c.OnMessage(2, "pruner", Event(EventKind::kRemoveBegin, "a1"));
  c.OnMessage(5, "pruner", Event(EventKind::kRemoveBegin, "a1"));
  EXPECT_EQ(Summaries(c), Strings({"no-in-use-removal|pruner|a1|2"}));
}

TEST(InvariantCheckerTest, ANewUseOfTheSameArchiveIsReportedAgain) {
  // Suppression is per use: a later use removed from under again is a new violation.
  InvariantChecker c;
  c.OnMessage(1, "reader", Event(EventKind::kUseBegin, "a1"));
  c.OnMessage(2, "pruner", Event(EventKind::kRemoveBegin, "a1"));
  c.OnMessage(3, "reader", Event(EventKind::kUseEnd, "a1", "vanished"));
  c.OnMessage(4, "reader", Event(EventKind::kUseBegin, "a1"));
  c.OnMessage(5, "pruner", Event(EventKind::kRemoveBegin, "a1"));
  EXPECT_EQ(Summaries(c), Strings({"no-in-use-removal|pruner|a1|2", "no-in-use-removal|pruner|a1|5"}));
}

TEST(InvariantCheckerTest, TwoRemoversOfOneUseAreTwoViolations) {
  InvariantChecker c;
  c.OnMessage(1, "reader", Event(EventKind::kUseBegin, "a1"));
  c.OnMessage(2, "pruner1", Event(EventKind::kRemoveBegin, "a1"));
  c.OnMessage(3, "pruner2", Event(EventKind::kRemoveBegin, "a1"));
  EXPECT_EQ(Summaries(c), Strings({"no-in-use-removal|pruner1|a1|2", "no-in-use-removal|pruner2|a1|3"}));
}

TEST(InvariantCheckerTest, IdenticalEndOfRunFindingIsReportedOnce) {
  // Free mode judges outcomes after every round; an actor failing the same
  // way in every round is one finding, not one line per round.
  InvariantChecker c;
  const std::vector<ActorOutcome> outcomes = {Outcome("installer", Role::kInstall, StopKind::kFinished, 5, "EIO")};
  c.CheckOutcomes(outcomes, false, 0);
  c.CheckOutcomes(outcomes, false, 0);
  c.Add({Invariant::kContainment, "", "/run/outside/canary.txt", -1, "the canary was changed"});
  c.Add({Invariant::kContainment, "", "/run/outside/canary.txt", -1, "the canary was changed"});
  EXPECT_EQ(Summaries(c), Strings({"progress|installer||-1", "containment||/run/outside/canary.txt|-1"}));
}

TEST(InvariantCheckerTest, FindingsThatDifferOnlyInMessageAreKept) {
  InvariantChecker c;
  c.Add({Invariant::kNoDanglingReference, "", "entry-x", -1, "dangling (at quiescence)"});
  c.Add({Invariant::kNoDanglingReference, "", "entry-x", -1, "dangling (after the final prune)"});
  EXPECT_EQ(c.violations().size(), 2u);
}

// --- physical in-use rule -------------------------------------------------------

TEST(InvariantCheckerTest, FailedVerificationWithoutSeenRemovalIsPhysicalNoInUseRemoval) {
  InvariantChecker c;
  c.OnMessage(1, "reader", Event(EventKind::kUseBegin, "a1"));
  c.CheckOutcomes({Outcome("reader", Role::kRead, StopKind::kFinished, 4, "a1/pkg/__init__.py vanished"),
                   Clean("pruner", Role::kPrune)},
                  false, 7);
  ASSERT_EQ(Summaries(c), Strings({"no-in-use-removal|reader|a1|-1"}));
  EXPECT_EQ(c.violations()[0].message, "reader failed physical verification (exit 4): a1/pkg/__init__.py vanished");
}

TEST(InvariantCheckerTest, OnlineViolationExplainsTheVictimsLaterFailure) {
  InvariantChecker c;
  c.OnMessage(1, "reader", Event(EventKind::kUseBegin, "a1"));
  c.OnMessage(2, "installer", Event(EventKind::kUseBegin, "a2"));
  c.OnMessage(3, "pruner", Event(EventKind::kRemoveBegin, "a1"));
  c.CheckOutcomes({Outcome("reader", Role::kRead, StopKind::kFinished, 4, "vanished"),
                   Outcome("installer", Role::kInstall, StopKind::kFinished, 4, "RECORD mismatch"),
                   Outcome("pruner", Role::kPrune, StopKind::kFinished, 1, "internal")},
                  false, 9);
  // The reader's failure is the removal already reported; the installer's
  // (nobody was seen removing from under it) and the remover's own are not.
  EXPECT_EQ(Summaries(c), Strings({"no-in-use-removal|pruner|a1|3", "no-in-use-removal|installer|a2|-1",
                                   "progress|pruner||-1"}));
}

TEST(InvariantCheckerTest, RemovalFromUnderAKilledActorExplainsNothing) {
  InvariantChecker c;
  c.OnMessage(1, "reader", Event(EventKind::kUseBegin, "a1"));
  c.OnKilled(2, "reader");
  c.OnMessage(3, "pruner", Event(EventKind::kRemoveBegin, "a1"));
  c.OnMessage(4, "reader2", Event(EventKind::kUseBegin, "a1"));
  c.CheckOutcomes({Outcome("reader2", Role::kRead, StopKind::kFinished, 4, "vanished")}, false, 5);
  EXPECT_EQ(Summaries(c), Strings({"no-in-use-removal|reader2|a1|-1"}));
}

// --- progress -------------------------------------------------------------------

TEST(InvariantCheckerTest, CleanFinishesAreNoViolation) {
  InvariantChecker c;
  c.CheckOutcomes({Clean("installer", Role::kInstall), Clean("reader", Role::kRead), Clean("pruner", Role::kPrune)},
                  false, 12);
  EXPECT_TRUE(c.violations().empty()) << c.violations()[0].message;
}

TEST(InvariantCheckerTest, StepLimitHitIsProgressViolationAtTheLastStep) {
  InvariantChecker c;
  c.CheckOutcomes({}, true, 500);
  ASSERT_EQ(Summaries(c), Strings({"progress|||500"}));
  EXPECT_EQ(c.violations()[0].message, "the run did not finish within 500 steps (deadlock or livelock)");
}

TEST(InvariantCheckerTest, LockTimeoutIsProgressViolationNamingTheActor) {
  InvariantChecker c;
  c.CheckOutcomes({Outcome("pruner", Role::kPrune, StopKind::kFinished, 3, "lock .lock: timed out")}, false, 4);
  ASSERT_EQ(Summaries(c), Strings({"progress|pruner||-1"}));
  EXPECT_EQ(c.violations()[0].message, "pruner did not finish cleanly (finished, exit 3): lock .lock: timed out");
}

TEST(InvariantCheckerTest, UnresponsiveActorIsProgressViolationEvenIfItFinishedLater) {
  InvariantChecker c;
  ActorOutcome o = Clean("reader", Role::kRead);
  o.unresponsive = true;
  c.CheckOutcomes({o}, false, 4);
  ASSERT_EQ(Summaries(c), Strings({"progress|reader||-1"}));
  EXPECT_EQ(c.violations()[0].message, "reader stopped answering on the control channel and was treated as blocked");
}

TEST(InvariantCheckerTest, ActorThatDiedWithoutResultIsProgressViolation) {
  InvariantChecker c;
  c.CheckOutcomes({Outcome("installer", Role::kInstall, StopKind::kDied, 139, "killed by signal 11")}, false, 4);
  ASSERT_EQ(Summaries(c), Strings({"progress|installer||-1"}));
  EXPECT_EQ(c.violations()[0].message, "installer did not finish cleanly (died, exit 139): killed by signal 11");
}

TEST(InvariantCheckerTest, ReaderThatFoundNothingCachedIsNoViolation) {
  InvariantChecker c;
  c.CheckOutcomes({Outcome("reader", Role::kRead, StopKind::kFinished, 6, "not cached")}, false, 4);
  EXPECT_TRUE(c.violations().empty()) << c.violations()[0].message;
}

TEST(InvariantCheckerTest, NotCachedExitFromANonReaderIsProgressViolation) {
  InvariantChecker c;
  c.CheckOutcomes({Outcome("installer", Role::kInstall, StopKind::kFinished, 6, "not cached")}, false, 4);
  EXPECT_EQ(Summaries(c), Strings({"progress|installer||-1"}));
}

// --- black boxes (connected=false) ------------------------------------------------

ActorOutcome BlackBox(const std::string& name, Role role, StopKind kind, int exit_code, const std::string& msg = "") {
  ActorOutcome o = Outcome(name, role, kind, exit_code, msg);
  o.connected = false;
  return o;
}

TEST(InvariantCheckerTest, BlackBoxExitingZeroIsNoViolation) {
  InvariantChecker c;
  c.CheckOutcomes({BlackBox("bb", Role::kCommand, StopKind::kFinished, 0)}, false, 3);
  EXPECT_TRUE(c.violations().empty()) << c.violations()[0].message;
}

TEST(InvariantCheckerTest, BlackBoxNonZeroExitIsProgressViolationWhateverTheCode) {
  // A black box's exit codes are not cache-actor's: its 4 is no claim of a
  // failed verification, so it is progress, never no-in-use-removal.
  InvariantChecker c;
  c.CheckOutcomes({BlackBox("bb1", Role::kCommand, StopKind::kFinished, 4),
                   BlackBox("bb2", Role::kRead, StopKind::kFinished, 6)},
                  false, 3);
  ASSERT_EQ(Summaries(c), Strings({"progress|bb1||-1", "progress|bb2||-1"}));
  EXPECT_EQ(c.violations()[0].message, "bb1 (black box) exited with status 4");
  EXPECT_FALSE(c.Violated(Invariant::kNoInUseRemoval));
}

TEST(InvariantCheckerTest, BlackBoxThatHadToBeKilledIsProgressViolation) {
  InvariantChecker c;
  c.CheckOutcomes({BlackBox("bb", Role::kCommand, StopKind::kDied, 137, "killed after the timeout")}, false, 3);
  ASSERT_EQ(Summaries(c), Strings({"progress|bb||-1"}));
  EXPECT_EQ(c.violations()[0].message, "bb did not finish cleanly (died, exit 137): killed after the timeout");
}

// --- findings from elsewhere ------------------------------------------------------

TEST(InvariantCheckerTest, AddedFindingIsReportedAndQueryable) {
  InvariantChecker c;
  EXPECT_FALSE(c.Violated(Invariant::kCrashConsistency));
  c.Add({Invariant::kCrashConsistency, "", ".lock", -1, ".lock is still locked after every actor is gone"});
  EXPECT_TRUE(c.Violated(Invariant::kCrashConsistency));
  EXPECT_FALSE(c.Violated(Invariant::kNoInUseRemoval));
  EXPECT_EQ(Summaries(c), Strings({"crash-consistency||.lock|-1"}));
}

// --- lock-exclusion -----------------------------------------------------------

TEST(InvariantCheckerTest, TwoHoldersOfOneLockNameThroughDifferentFilesConflict) {
  InvariantChecker c;
  c.OnMessage(1, "installer", Event(EventKind::kLockAcquired, "11", ".lock shared"));
  c.OnMessage(4, "pruner", Event(EventKind::kLockAcquired, "12", ".lock exclusive"));
  ASSERT_EQ(Summaries(c), Strings({"lock-exclusion|pruner|.lock|4"}));
  EXPECT_EQ(c.violations()[0].message,
            "step 4: pruner acquired .lock exclusive (inode 12) while installer held it shared (inode 11, since "
            "step 1): the lock file was replaced, so each locked a different file");
}

TEST(InvariantCheckerTest, SharedHoldersOrOneFileOrReleasedLocksDoNotConflict) {
  InvariantChecker c;
  // Two shared holders of different files do not exclude each other anyway.
  c.OnMessage(1, "reader", Event(EventKind::kLockAcquired, "11", ".lock shared"));
  c.OnMessage(2, "installer", Event(EventKind::kLockAcquired, "12", ".lock shared"));
  // Killed, released and exited holders hold nothing.
  c.OnKilled(3, "installer");
  // The same file in conflicting modes is the kernel's business (an event
  // for a blocking attempt may precede the grant), not a replaced file.
  c.OnMessage(3, "pruner", Event(EventKind::kLockAcquired, "11", ".lock exclusive"));
  c.OnMessage(4, "reader", Event(EventKind::kLockReleased, "11", ".lock shared"));
  c.OnExited(5, "pruner");
  c.OnMessage(6, "cleaner", Event(EventKind::kLockAcquired, "13", ".lock exclusive"));
  // The holder itself taking the name again is not a second holder.
  c.OnMessage(7, "cleaner", Event(EventKind::kLockAcquired, "14", ".lock exclusive"));
  EXPECT_TRUE(c.violations().empty()) << c.violations()[0].message;
}

TEST(InvariantCheckerTest, ReleaseWithoutModeOrAtExitDropsTheHold) {
  // The syscall actor's releases carry the name only, or "(exit)".
  InvariantChecker c;
  c.OnMessage(1, "black-box", Event(EventKind::kLockAcquired, "21", "locks/a1.lock exclusive"));
  c.OnMessage(2, "black-box", Event(EventKind::kLockReleased, "21", "locks/a1.lock"));
  c.OnMessage(3, "other", Event(EventKind::kLockAcquired, "22", "locks/a1.lock exclusive"));
  c.OnMessage(4, "other", Event(EventKind::kLockReleased, "22", "locks/a1.lock (exit)"));
  c.OnMessage(5, "black-box", Event(EventKind::kLockAcquired, "23", "locks/a1.lock exclusive"));
  EXPECT_TRUE(c.violations().empty()) << c.violations()[0].message;
}

TEST(InvariantCheckerTest, AHolderThatUnlinkedItsLockFileNoLongerHoldsTheName) {
  // UnlinkAndRelease yields between the unlink and the release: a new
  // holder of a fresh file there is the design, not a conflict (found by
  // the schedule fuzz target: a wipe's `.lock` against an installer's).
  InvariantChecker c;
  c.OnMessage(0, "wiper", Event(EventKind::kLockAcquired, "12", ".lock exclusive"));
  c.OnMessage(5, "wiper", Event(EventKind::kLockUnlinked, "12", ".lock"));
  c.OnMessage(6, "installer", Event(EventKind::kLockAcquired, "27", ".lock shared"));
  c.OnMessage(7, "wiper", Event(EventKind::kLockReleased, "12", ".lock exclusive"));
  EXPECT_TRUE(c.violations().empty()) << c.violations()[0].message;
}

TEST(InvariantCheckerTest, ALockGrantedOnAnUnlinkedFileIsAViolationAtOnce) {
  InvariantChecker c;
  c.OnMessage(2, "wiper", Event(EventKind::kLockUnlinked, "11", ".lock"));
  c.OnMessage(3, "installer", Event(EventKind::kLockAcquired, "11", ".lock shared unlinked"));
  ASSERT_EQ(Summaries(c), Strings({"lock-exclusion|installer|.lock|3"}));
  EXPECT_NE(c.violations()[0].message.find("on a file no longer linked there (inode 11)"), std::string::npos)
      << c.violations()[0].message;
}

// --- availability ---------------------------------------------------------------

ActorOutcome Reader(const std::string& name, int exit_code, const std::string& package = "demo") {
  ActorOutcome o = Outcome(name, Role::kRead, StopKind::kFinished, exit_code, "demo is not in the cache");
  o.package = package;
  return o;
}

TEST(InvariantCheckerTest, ReaderThatLosesAnEntryPresentAtStartWithNoRemovalBreaksAvailability) {
  InvariantChecker c;
  c.set_entries_at_start({"demo"});
  c.OnMessage(0, "refresher", Event(EventKind::kUseBegin, "a2"));
  c.OnMessage(1, "reader", Event(EventKind::kUseEnd, "x"));  // any message: the reader ran at step 1
  c.CheckOutcomes({Reader("reader", 6), Clean("refresher", Role::kRefresh)}, false, 3);
  ASSERT_EQ(Summaries(c), Strings({"availability|reader|demo|-1"}));
}

TEST(InvariantCheckerTest, AvailabilityExcusesRemovalsCleansAndWipesAndNeedsAnEntryAtStart) {
  auto judge = [](auto&& feed, std::vector<ActorOutcome> others, std::set<std::string> at_start = {"demo"}) {
    InvariantChecker c;
    c.set_entries_at_start(std::move(at_start));
    feed(c);
    c.OnMessage(5, "reader", Event(EventKind::kUseEnd, "x"));
    others.push_back(Reader("reader", 6));
    c.CheckOutcomes(others, false, 9);
    return c.Violated(Invariant::kAvailability);
  };
  auto nothing = [](InvariantChecker&) {};
  EXPECT_TRUE(judge(nothing, {}));
  // No entry when it began: a plain cache miss.
  EXPECT_FALSE(judge(nothing, {}, {}));
  EXPECT_FALSE(judge(nothing, {}, {"other"}));
  // An entry published before it began counts as there.
  EXPECT_TRUE(judge([](InvariantChecker& c) {
    c.OnMessage(2, "installer", Event(EventKind::kReferenced, "a1", "wheels-v6/pypi/demo/1.0-py3-none-any"));
  }, {}, {}));
  // ... one published after it began does not.
  EXPECT_FALSE(judge([](InvariantChecker& c) {
    c.OnMessage(5, "installer", Event(EventKind::kReferenced, "a1", "wheels-v6/pypi/demo/1.0-py3-none-any"));
  }, {}, {}));
  // A removal before it ended (judged by other invariants) excuses it; one
  // after it ended does not.
  EXPECT_FALSE(judge([](InvariantChecker& c) { c.OnMessage(5, "pruner", Event(EventKind::kRemoveBegin, "a1")); }, {}));
  EXPECT_FALSE(judge([](InvariantChecker& c) { c.OnMessage(1, "pruner", Event(EventKind::kRemoveBegin, "a1")); }, {}));
  EXPECT_TRUE(judge([](InvariantChecker& c) { c.OnMessage(8, "pruner", Event(EventKind::kRemoveBegin, "a1")); }, {}));
  // A clean of its package, or a wipe, that ran before it ended excuses it.
  ActorOutcome cleaner = Clean("cleaner", Role::kClean);
  cleaner.package = "demo";
  EXPECT_FALSE(judge([](InvariantChecker& c) { c.OnMessage(3, "cleaner", Event(EventKind::kUseEnd, "y")); }, {cleaner}));
  ActorOutcome other_cleaner = cleaner;
  other_cleaner.package = "other";
  EXPECT_TRUE(judge([](InvariantChecker& c) { c.OnMessage(3, "cleaner", Event(EventKind::kUseEnd, "y")); }, {other_cleaner}));
  EXPECT_FALSE(judge([](InvariantChecker& c) { c.OnMessage(3, "wiper", Event(EventKind::kUseEnd, "y")); },
                     {Clean("wiper", Role::kWipe)}));
}

TEST(InvariantCheckerTest, AvailabilityIsNotJudgedUnlessTheEngineSaysWhatWasCached) {
  InvariantChecker c;
  c.OnMessage(1, "reader", Event(EventKind::kUseEnd, "x"));
  c.CheckOutcomes({Reader("reader", 6)}, false, 2);
  EXPECT_TRUE(c.violations().empty()) << c.violations()[0].message;
}

}  // namespace
}  // namespace prunecheck::harness
