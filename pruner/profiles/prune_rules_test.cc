// Each profile's prune rules, sequentially: one named test per rule.
#include <gtest/gtest.h>

#include <fstream>
#include <set>

#include "pruner/cache/cache_test_support.h"

namespace prunecheck::testing {
namespace {

using std::chrono::seconds;
constexpr auto kHour = seconds(3600);

class PruneRulesTest : public CacheTestBase {
 protected:
  // Installs a wheel, then refreshes it: returns {displaced, current}.
  std::pair<std::string, std::string> InstallAndRefresh(CacheSession& s, const std::string& name = "demo") {
    std::string wheel = Wheel(name);
    Result<InstallOutcome> a = s.Install(Req(wheel, "env-" + name));
    EXPECT_TRUE(a.ok()) << a.status().ToString();
    Result<InstallOutcome> b = s.Refresh(Req(wheel, "env-" + name));
    EXPECT_TRUE(b.ok()) << b.status().ToString();
    return {a.ok() ? a->archive_id : "", b.ok() ? b->archive_id : ""};
  }
  void Plant(const std::string& rel) {
    fs::create_directories(cache_ + "/" + rel);
    std::ofstream(cache_ + "/" + rel + "/f") << "x";
  }
};

// ---------------------------------------------------------------- uv-0.8.18

TEST_F(PruneRulesTest, Uv0818RemovesEveryUnreferencedArchive) {
  auto s = Open("uv-0.8.18");
  auto [old_id, cur] = InstallAndRefresh(*s);
  Result<PruneReport> r = s->Prune();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->removed_archives, std::vector<std::string>{old_id});
  EXPECT_EQ(Archives(), std::vector<std::string>{cur});
}

TEST_F(PruneRulesTest, Uv0818RemovesTempDirsEvenFreshOnes) {
  auto s = Open("uv-0.8.18");
  Plant(".tmpAbC123");
  Result<PruneReport> r = s->Prune();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->removed_temp_dirs, std::vector<std::string>{".tmpAbC123"});
  EXPECT_FALSE(Exists(".tmpAbC123"));
}

TEST_F(PruneRulesTest, Uv0818RemovesUnknownTopLevelEntries) {
  auto s = Open("uv-0.8.18");
  Plant("sdists-v9");
  Plant("locks");
  Result<PruneReport> r = s->Prune();
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(Exists("sdists-v9"));
  EXPECT_FALSE(Exists("locks"));  // a newer version's lock dir: uv 0.8.18 does not know it
  EXPECT_TRUE(Exists("CACHEDIR.TAG"));
  EXPECT_TRUE(Exists(".lock"));
}

TEST_F(PruneRulesTest, Uv0818TakesNoLock) {
  auto s = Open("uv-0.8.18");
  auto [old_id, cur] = InstallAndRefresh(*s);
  FileLock held = HoldLock(cache_, ".lock", LockMode::kExclusive);
  Result<PruneReport> r = s->Prune();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->removed_archives.size(), 1u);
}

TEST_F(PruneRulesTest, Uv0818DeletesInPlaceFileByFile) {
  CallbackYieldPoints points;
  auto s = Open("uv-0.8.18", {}, nullptr, &points);
  auto [old_id, cur] = InstallAndRefresh(*s);
  bool checked = false;
  points.On("prune.remove_progress", [&](std::string_view id) {
    // Half-deleted and still visible where readers look.
    EXPECT_TRUE(Exists("archive-v0/" + std::string(id)));
    checked = true;
  });
  ASSERT_TRUE(s->Prune().ok());
  EXPECT_TRUE(checked);
  EXPECT_FALSE(Exists("gc-v0"));
}

// ---------------------------------------------------------------- uv-0.8.19

TEST_F(PruneRulesTest, Uv0819PruneWaitsForExclusiveLockThenTimesOut) {
  auto s = Open("uv-0.8.19", {}, nullptr, nullptr, std::chrono::milliseconds(50));
  auto [old_id, cur] = InstallAndRefresh(*s);
  s.reset();  // drop the installer's process-lifetime lock
  auto pruner = Open("uv-0.8.19", {}, nullptr, nullptr, std::chrono::milliseconds(50));
  FileLock held = HoldLock(cache_, ".lock", LockMode::kShared);
  Result<PruneReport> r = pruner->Prune();
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().Is(StatusCode::kLockTimeout)) << r.status().ToString();
  EXPECT_EQ(Archives().size(), 2u);
  ASSERT_TRUE(held.Release().ok());
  r = pruner->Prune();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->removed_archives, std::vector<std::string>{old_id});
}

TEST_F(PruneRulesTest, Uv0819InstallerHoldsSharedLockForProcessLifetime) {
  auto installer = Open("uv-0.8.19");
  ASSERT_TRUE(installer->Install(Req(Wheel(), "env")).ok());
  auto pruner = Open("uv-0.8.19", {}, nullptr, nullptr, std::chrono::milliseconds(50));
  Result<PruneReport> r = pruner->Prune();
  EXPECT_TRUE(r.status().Is(StatusCode::kLockTimeout)) << r.status().ToString();
  installer.reset();
  EXPECT_TRUE(pruner->Prune().ok());
}

TEST_F(PruneRulesTest, Uv0819RemovesTempDirsAndUnknownTopLevel) {
  auto s = Open("uv-0.8.19");
  Plant(".tmpXyZ789");
  Plant("unknown-v1");
  Result<PruneReport> r = s->Prune();
  ASSERT_TRUE(r.ok());
  EXPECT_FALSE(Exists(".tmpXyZ789"));
  EXPECT_FALSE(Exists("unknown-v1"));
}

// ---------------------------------------------------------------- pr-17211

TEST_F(PruneRulesTest, Pr17211KeepsUnreferencedArchiveWithFreshMtime) {
  auto s = Open("pr-17211");
  auto [old_id, cur] = InstallAndRefresh(*s);
  s.reset();
  auto pruner = Open("pr-17211");
  Result<PruneReport> r = pruner->Prune();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->removed_archives.empty());
  EXPECT_EQ(Archives().size(), 2u);
}

TEST_F(PruneRulesTest, Pr17211RemovesUnreferencedArchiveOlderThanOneHour) {
  auto s = Open("pr-17211");
  auto [old_id, cur] = InstallAndRefresh(*s);
  Age("archive-v0/" + old_id, 2 * kHour);
  Age("archive-v0/" + cur, 2 * kHour);  // old but referenced: stays
  Result<PruneReport> r = s->Prune();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->removed_archives, std::vector<std::string>{old_id});
  EXPECT_EQ(Archives(), std::vector<std::string>{cur});
}

TEST_F(PruneRulesTest, Pr17211TakesNoLock) {
  auto s = Open("pr-17211");
  auto [old_id, cur] = InstallAndRefresh(*s);  // s holds .lock shared for its lifetime
  Age("archive-v0/" + old_id, 2 * kHour);
  auto pruner = Open("pr-17211");
  Result<PruneReport> r = pruner->Prune();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->removed_archives.size(), 1u);
}

TEST_F(PruneRulesTest, Pr17211LeavesTempDirsAndUnknownEntries) {
  auto s = Open("pr-17211");
  Plant(".tmpOld001");
  Age(".tmpOld001", 2 * kHour);
  Plant("unknown-v1");
  ASSERT_TRUE(s->Prune().ok());
  EXPECT_TRUE(Exists(".tmpOld001"));
  EXPECT_TRUE(Exists("unknown-v1"));
}

TEST_F(PruneRulesTest, Pr17211RemovesJustDisplacedArchiveWhenItIsOld) {
  // The refresh race: the displaced archive was unpacked long ago, so mtime
  // grace offers no protection to a reader still linking from it.
  auto s = Open("pr-17211");
  std::string wheel = Wheel();
  Result<InstallOutcome> a = s->Install(Req(wheel, "env"));
  ASSERT_TRUE(a.ok());
  Age("archive-v0/" + a->archive_id, 2 * kHour);
  ASSERT_TRUE(s->Refresh(Req(wheel, "env")).ok());
  Result<PruneReport> r = s->Prune();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->removed_archives, std::vector<std::string>{a->archive_id});
}

// ---------------------------------------------------------------- pr-20116

TEST_F(PruneRulesTest, Pr20116SkipsPruneWhenRootLockHeld) {
  auto pruner = Open("pr-20116");
  FileLock held = HoldLock(cache_, ".lock", LockMode::kShared);
  Result<PruneReport> r = pruner->Prune();
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().Is(StatusCode::kBusy)) << r.status().ToString();
}

TEST_F(PruneRulesTest, Pr20116SkipsArchiveWhoseEntryLockIsHeld) {
  auto s = Open("pr-20116");
  auto [a_old, a_cur] = InstallAndRefresh(*s, "alpha");
  auto [b_old, b_cur] = InstallAndRefresh(*s, "beta");
  s.reset();
  FileLock lease = HoldLock(cache_, "locks/" + a_old + ".lock", LockMode::kShared);
  auto pruner = Open("pr-20116");
  Result<PruneReport> r = pruner->Prune();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->skipped_in_use, std::vector<std::string>{a_old});
  EXPECT_EQ(r->removed_archives, std::vector<std::string>{b_old});
  EXPECT_TRUE(Exists("archive-v0/" + a_old));
}

TEST_F(PruneRulesTest, Pr20116RemovesTempDirsAndKeepsItsLocksDir) {
  auto s = Open("pr-20116");
  Plant(".tmpQwe456");
  Plant("locks");
  Plant("unknown-v1");
  ASSERT_TRUE(s->Prune().ok());
  EXPECT_FALSE(Exists(".tmpQwe456"));
  EXPECT_FALSE(Exists("unknown-v1"));
  EXPECT_TRUE(Exists("locks"));
}

class EarlyReleaseTest : public PruneRulesTest, public ::testing::WithParamInterface<const char*> {};

TEST_P(EarlyReleaseTest, RootLockHeldWhileLinkingOnlyWithoutEarlyRelease) {
  CallbackYieldPoints points;
  auto s = Open(GetParam(), {}, nullptr, &points);
  std::optional<bool> root_lock_free;
  std::string id;
  points.On("install.begin", [&](std::string_view subject) { id = subject; });
  points.On("link.begin", [&](std::string_view) {
    Result<Fd> root = DefaultFileSystem()->OpenDir(AT_FDCWD, cache_);
    NoYieldPoints none;
    LockRequest req;
    req.mode = LockMode::kExclusive;
    req.wait = LockRequest::Wait::kTry;
    Result<FileLock> l = FileLock::Acquire(*DefaultFileSystem(), none, root->get(), ".lock", req);
    root_lock_free = l.ok();
    // And the entry lock is held in both modes.
    Result<FileLock> e = FileLock::Acquire(*DefaultFileSystem(), none, root->get(),
                                           "locks/" + id + ".lock", req);
    EXPECT_FALSE(e.ok());
  });
  ASSERT_TRUE(s->Install(Req(Wheel(), "env")).ok());
  ASSERT_TRUE(root_lock_free.has_value());
  EXPECT_EQ(*root_lock_free, std::string(GetParam()) == "pr-20116-early-release");
}

INSTANTIATE_TEST_SUITE_P(Pr20116, EarlyReleaseTest, ::testing::Values("pr-20116", "pr-20116-early-release"),
                         [](const auto& p) {
                           return std::string(p.param) == "pr-20116" ? std::string("Plain")
                                                                        : std::string("EarlyRelease");
                         });

// ---------------------------------------------------------------- reference

TEST_F(PruneRulesTest, ReferenceFirstPruneOnlyMarksUnreferencedArchive) {
  auto s = Open("reference");
  auto [old_id, cur] = InstallAndRefresh(*s);
  Result<PruneReport> r = s->Prune();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->removed_archives.empty());
  EXPECT_EQ(r->kept_for_grace, std::vector<std::string>{old_id});
  EXPECT_TRUE(Exists("gc-v0/seen/" + old_id));
}

TEST_F(PruneRulesTest, ReferenceRemovesArchiveSeenUnreferencedLongerThanGrace) {
  auto s = Open("reference");
  auto [old_id, cur] = InstallAndRefresh(*s);
  ASSERT_TRUE(s->Prune().ok());
  Age("gc-v0/seen/" + old_id, 2 * kHour);
  Result<PruneReport> r = s->Prune();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->removed_archives, std::vector<std::string>{old_id});
  EXPECT_EQ(Archives(), std::vector<std::string>{cur});
  EXPECT_FALSE(Exists("gc-v0/seen/" + old_id));
}

TEST_F(PruneRulesTest, ReferenceGraceCountsFromFirstSeenNotArchiveMtime) {
  auto s = Open("reference");
  std::string wheel = Wheel();
  Result<InstallOutcome> a = s->Install(Req(wheel, "env"));
  ASSERT_TRUE(a.ok());
  Age("archive-v0/" + a->archive_id, 48 * kHour);
  ASSERT_TRUE(s->Refresh(Req(wheel, "env")).ok());
  Result<PruneReport> r = s->Prune();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->removed_archives.empty());
  EXPECT_TRUE(Exists("archive-v0/" + a->archive_id));
}

TEST_F(PruneRulesTest, ReferenceForgetsMarkerWhenArchiveIsReferencedAgain) {
  auto s = Open("reference");
  auto [old_id, cur] = InstallAndRefresh(*s);
  ASSERT_TRUE(s->Prune().ok());
  ASSERT_TRUE(Exists("gc-v0/seen/" + old_id));
  fs::create_symlink("../../../archive-v0/" + old_id, cache_ + "/wheels-v6/pypi/demo/0.9-py3-none-any");
  ASSERT_TRUE(s->Prune().ok());
  EXPECT_FALSE(Exists("gc-v0/seen/" + old_id));
}

TEST_F(PruneRulesTest, ReferenceSkipsArchiveWhoseLeaseIsHeld) {
  auto s = Open("reference", seconds(0));
  auto [old_id, cur] = InstallAndRefresh(*s);
  FileLock lease = HoldLock(cache_, "locks/" + old_id + ".lock", LockMode::kShared);
  Result<PruneReport> r = s->Prune();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->skipped_in_use, std::vector<std::string>{old_id});
  EXPECT_TRUE(Exists("archive-v0/" + old_id));
  ASSERT_TRUE(lease.Release().ok());
  r = s->Prune();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->removed_archives, std::vector<std::string>{old_id});
}

TEST_F(PruneRulesTest, ReferenceRemovesTempDirOnlyAfterGrace) {
  auto s = Open("reference");
  Plant(".tmpAbandon");
  Age(".tmpAbandon", 48 * kHour);  // its mtime is irrelevant: the grace counts from first sighting
  Result<PruneReport> r = s->Prune();
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(Exists(".tmpAbandon"));
  Age("gc-v0/seen/.tmpAbandon", 2 * kHour);
  r = s->Prune();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->removed_temp_dirs, std::vector<std::string>{".tmpAbandon"});
  EXPECT_FALSE(Exists(".tmpAbandon"));
}

TEST_F(PruneRulesTest, ReferenceKeepsUnknownTopLevelEntries) {
  auto s = Open("reference", seconds(0));
  Plant("wheels-v7");
  ASSERT_TRUE(s->Prune().ok());
  EXPECT_TRUE(Exists("wheels-v7"));
}

TEST_F(PruneRulesTest, ReferenceMovesArchiveToTrashBeforeDeleting) {
  CallbackYieldPoints points;
  auto s = Open("reference", seconds(0), nullptr, &points);
  auto [old_id, cur] = InstallAndRefresh(*s);
  bool checked = false;
  points.On("prune.trashed", [&](std::string_view id) {
    EXPECT_FALSE(Exists("archive-v0/" + std::string(id)));  // gone for readers at once
    EXPECT_TRUE(Exists("gc-v0/trash/" + std::string(id)));
    checked = true;
  });
  ASSERT_TRUE(s->Prune().ok());
  EXPECT_TRUE(checked);
  EXPECT_TRUE(List("gc-v0/trash").empty());
}

TEST_F(PruneRulesTest, ReferenceResumesInterruptedRemoval) {
  auto s = Open("reference");
  Plant("gc-v0/trash/AAAAAAAAAAAAAAAA/sub");
  Result<PruneReport> r = s->Prune();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->resumed_from_trash, std::vector<std::string>{"AAAAAAAAAAAAAAAA"});
  EXPECT_TRUE(List("gc-v0/trash").empty());
}

TEST_F(PruneRulesTest, ReferenceRemovesLockFilesOfRemovedArchives) {
  auto s = Open("reference", seconds(0));
  auto [old_id, cur] = InstallAndRefresh(*s);
  ASSERT_TRUE(Exists("locks/" + old_id + ".lock"));
  ASSERT_TRUE(s->Prune().ok());
  EXPECT_FALSE(Exists("locks/" + old_id + ".lock"));
  EXPECT_TRUE(Exists("locks/" + cur + ".lock"));
}

TEST_F(PruneRulesTest, ReferenceWaitsForExclusiveRootLockThenTimesOut) {
  auto s = Open("reference", seconds(0), nullptr, nullptr, std::chrono::milliseconds(50));
  auto [old_id, cur] = InstallAndRefresh(*s);
  FileLock held = HoldLock(cache_, ".lock", LockMode::kShared);
  Result<PruneReport> r = s->Prune();
  EXPECT_TRUE(r.status().Is(StatusCode::kLockTimeout)) << r.status().ToString();
  EXPECT_EQ(Archives().size(), 2u);
}

TEST_F(PruneRulesTest, ReferenceReleasesRootLockBetweenOperations) {
  // Unlike uv-0.8.19's process-lifetime lock, a long-lived reference process
  // does not starve the pruner between its operations (uv #16112).
  auto installer = Open("reference");
  ASSERT_TRUE(installer->Install(Req(Wheel(), "env")).ok());
  auto pruner = Open("reference", seconds(0), nullptr, nullptr, std::chrono::milliseconds(50));
  EXPECT_TRUE(pruner->Prune().ok());
}

TEST_F(PruneRulesTest, ReferenceNeverFollowsSymlinkOutOfCache) {
  auto s = Open("reference", seconds(0));
  auto [old_id, cur] = InstallAndRefresh(*s);
  fs::create_directories(dir_ + "/outside");
  std::ofstream(dir_ + "/outside/canary") << "precious";
  fs::create_directory_symlink(dir_ + "/outside", cache_ + "/archive-v0/" + old_id + "/escape");
  ASSERT_TRUE(s->Prune().ok());
  EXPECT_FALSE(Exists("archive-v0/" + old_id));
  EXPECT_TRUE(fs::exists(dir_ + "/outside/canary"));
}

// ---------------------------------------------------------------- mutants: each differs from its base

TEST_F(PruneRulesTest, MutantFollowSymlinksDestroysFilesOutsideCache) {
  auto s = Open("mutant-follow-symlinks", seconds(0));
  auto [old_id, cur] = InstallAndRefresh(*s);
  fs::create_directories(dir_ + "/outside");
  std::ofstream(dir_ + "/outside/canary") << "precious";
  fs::create_directory_symlink(dir_ + "/outside", cache_ + "/archive-v0/" + old_id + "/escape");
  ASSERT_TRUE(s->Prune().ok());
  EXPECT_FALSE(fs::exists(dir_ + "/outside/canary"));
}

TEST_F(PruneRulesTest, MutantMtimeGraceRemovesOldJustDisplacedArchive) {
  auto s = Open("mutant-mtime-grace");
  std::string wheel = Wheel();
  Result<InstallOutcome> a = s->Install(Req(wheel, "env"));
  ASSERT_TRUE(a.ok());
  Age("archive-v0/" + a->archive_id, 48 * kHour);
  ASSERT_TRUE(s->Refresh(Req(wheel, "env")).ok());
  Result<PruneReport> r = s->Prune();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->removed_archives, std::vector<std::string>{a->archive_id});
}

TEST_F(PruneRulesTest, MutantPrunerSharedLockRunsWhileInstallersHoldLock) {
  auto installer = Open("uv-0.8.19");
  auto [old_id, cur] = InstallAndRefresh(*installer);
  auto pruner = Open("mutant-pruner-shared-lock", {}, nullptr, nullptr, std::chrono::milliseconds(50));
  Result<PruneReport> r = pruner->Prune();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->removed_archives, std::vector<std::string>{old_id});
}

TEST_F(PruneRulesTest, MutantInstallerNoLockLetsPrunerRunDuringSession) {
  auto installer = Open("mutant-installer-no-lock");
  auto [old_id, cur] = InstallAndRefresh(*installer);
  auto pruner = Open("uv-0.8.19", {}, nullptr, nullptr, std::chrono::milliseconds(50));
  EXPECT_TRUE(pruner->Prune().ok());
}

TEST_F(PruneRulesTest, MutantIgnoreEntryLocksRemovesLeasedArchive) {
  auto s = Open("mutant-ignore-entry-locks");
  auto [old_id, cur] = InstallAndRefresh(*s);
  s.reset();
  FileLock lease = HoldLock(cache_, "locks/" + old_id + ".lock", LockMode::kShared);
  auto pruner = Open("mutant-ignore-entry-locks");
  Result<PruneReport> r = pruner->Prune();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->removed_archives, std::vector<std::string>{old_id});
}

TEST_F(PruneRulesTest, MutantNoRecheckRemovesLeasedArchive) {
  auto s = Open("mutant-no-recheck", seconds(0));
  auto [old_id, cur] = InstallAndRefresh(*s);
  FileLock lease = HoldLock(cache_, "locks/" + old_id + ".lock", LockMode::kShared);
  Result<PruneReport> r = s->Prune();
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->removed_archives, std::vector<std::string>{old_id});
}

TEST_F(PruneRulesTest, MutantDeleteInPlaceLeavesHalfDeletedArchiveVisible) {
  CallbackYieldPoints points;
  auto s = Open("mutant-delete-in-place", seconds(0), nullptr, &points);
  auto [old_id, cur] = InstallAndRefresh(*s);
  bool visible = false;
  points.On("prune.remove_progress", [&](std::string_view id) { visible = Exists("archive-v0/" + std::string(id)); });
  ASSERT_TRUE(s->Prune().ok());
  EXPECT_TRUE(visible);
}

TEST_F(PruneRulesTest, MutantExtractInPlaceMakesPartialArchiveVisible) {
  CallbackYieldPoints points;
  auto s = Open("mutant-extract-in-place", {}, nullptr, &points);
  std::vector<std::string> during;
  points.On("install.tmp_created", [&](std::string_view) { during = Archives(); });
  ASSERT_TRUE(s->Install(Req(Wheel(), "env")).ok());
  EXPECT_EQ(during.size(), 1u);  // visible in archive-v0 before a single file is in it
}

TEST_F(PruneRulesTest, MutantNonatomicEntryReplaceLeavesNoEntryMidRefresh) {
  CallbackYieldPoints points;
  auto s = Open("mutant-nonatomic-entry-replace", {}, nullptr, &points);
  std::string wheel = Wheel();
  ASSERT_TRUE(s->Install(Req(wheel, "env")).ok());
  std::optional<bool> entry_present;
  points.On("install.entry_unlinked",
            [&](std::string_view) { entry_present = Exists("wheels-v6/pypi/demo/1.0.0-py3-none-any"); });
  ASSERT_TRUE(s->Refresh(Req(wheel, "env")).ok());
  ASSERT_TRUE(entry_present.has_value());
  EXPECT_FALSE(*entry_present);
}

TEST_F(PruneRulesTest, EveryProfileIsRegisteredOnceWithDescription) {
  std::set<std::string> names;
  int mutants = 0;
  for (const ProfileSpec* p : AllProfiles()) {
    EXPECT_TRUE(names.insert(p->name).second) << p->name;
    EXPECT_FALSE(p->description.empty()) << p->name;
    mutants += p->mutant ? 1 : 0;
  }
  for (const char* n : {"uv-0.8.18", "uv-0.8.19", "pr-17211", "pr-20116", "pr-20116-early-release", "reference"}) {
    EXPECT_TRUE(names.count(n)) << n;
  }
  EXPECT_GE(mutants, 6);
  EXPECT_FALSE(FindProfile("uv-9").ok());
}

}  // namespace
}  // namespace prunecheck::testing
