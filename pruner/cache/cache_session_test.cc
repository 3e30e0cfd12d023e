// Layout, install / read / refresh / link modes, clean, fault injection.
#include "pruner/cache/cache_session.h"

#include <gtest/gtest.h>

#include "pruner/base/fault_injecting_file_system.h"
#include "pruner/cache/cache_scan.h"
#include "pruner/cache/cache_test_support.h"
#include "pruner/wheel/wheel_extractor.h"

namespace prunecheck::testing {
namespace {

using CacheSessionTest = CacheTestBase;

TEST_F(CacheSessionTest, OpenCreatesUvLayout) {
  auto s = Open("reference");
  ASSERT_TRUE(s);
  EXPECT_TRUE(fs::is_regular_file(cache_ + "/CACHEDIR.TAG"));
  EXPECT_TRUE(fs::is_regular_file(cache_ + "/.gitignore"));
  EXPECT_TRUE(fs::is_regular_file(cache_ + "/.lock"));
  EXPECT_TRUE(fs::is_directory(cache_ + "/archive-v0"));
  EXPECT_TRUE(fs::is_directory(cache_ + "/wheels-v6/pypi"));
}

TEST_F(CacheSessionTest, FreshInstallPersistsArchiveAndReferencesIt) {
  auto s = Open("reference");
  std::string wheel = Wheel("Demo_Pkg", "2.0.1");
  Result<InstallOutcome> out = s->Install(Req(wheel, "env"));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_FALSE(out->cache_hit);
  EXPECT_TRUE(IsValidArchiveId(out->archive_id)) << out->archive_id;
  EXPECT_EQ(Archives(), std::vector<std::string>{out->archive_id});
  const std::string entry = "wheels-v6/pypi/demo-pkg/2.0.1-py3-none-any";
  ASSERT_TRUE(fs::is_symlink(cache_ + "/" + entry));
  EXPECT_EQ(fs::read_symlink(cache_ + "/" + entry).string(), "../../../archive-v0/" + out->archive_id);
  ASSERT_TRUE(fs::is_regular_file(cache_ + "/" + entry + ".http"));
  // No temp dir left in the root.
  for (const std::string& n : List("")) EXPECT_FALSE(layout::IsTempDirName(n)) << n;
  EXPECT_GT(out->files_linked, 0u);
  EXPECT_TRUE(fs::exists(dir_ + "/env/Demo_Pkg-2.0.1.dist-info/RECORD"));
}

TEST_F(CacheSessionTest, SecondInstallIsCacheHitWithOneArchive) {
  auto s = Open("reference");
  std::string wheel = Wheel();
  Result<InstallOutcome> a = s->Install(Req(wheel, "env-a"));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  Result<InstallOutcome> b = s->Install(Req(wheel, "env-b"));
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_TRUE(b->cache_hit);
  EXPECT_EQ(a->archive_id, b->archive_id);
  EXPECT_EQ(Archives().size(), 1u);
}

TEST_F(CacheSessionTest, ReadOfUncachedWheelIsNotFound) {
  auto s = Open("reference");
  Result<InstallOutcome> r = s->Read(Req(dir_ + "/nothing-1.0-py3-none-any.whl", "env"));
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().Is(StatusCode::kNotFound)) << r.status().ToString();
}

TEST_F(CacheSessionTest, RefreshDisplacesOldArchive) {
  auto s = Open("reference");
  std::string wheel = Wheel();
  Result<InstallOutcome> a = s->Install(Req(wheel, "env-a"));
  ASSERT_TRUE(a.ok());
  Result<InstallOutcome> r = s->Refresh(Req(wheel, "env-b"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_NE(r->archive_id, a->archive_id);
  EXPECT_EQ(r->displaced_archive, a->archive_id);
  EXPECT_EQ(Archives().size(), 2u);
  Result<InstallOutcome> hit = s->Read(Req(wheel, "env-c"));
  ASSERT_TRUE(hit.ok());
  EXPECT_EQ(hit->archive_id, r->archive_id);
}

class LinkModeTest : public CacheTestBase, public ::testing::WithParamInterface<LinkMode> {};

TEST_P(LinkModeTest, EnvironmentVerifiesAgainstRecord) {
  auto s = Open("reference");
  std::string wheel = Wheel("demo", "1.0.0", 7, 20);
  Result<InstallOutcome> out = s->Install(Req(wheel, "env", GetParam()));
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->files_linked, 20u + 3u);  // generated files + METADATA, WHEEL, RECORD
  const std::string any_file = dir_ + "/env/demo-1.0.0.dist-info/METADATA";
  switch (GetParam()) {
    case LinkMode::kSymlink:
      EXPECT_TRUE(fs::is_symlink(any_file));
      EXPECT_EQ(fs::read_symlink(any_file).string().rfind(s->root_path() + "/archive-v0/", 0), 0u);
      break;
    case LinkMode::kHardlink:
      EXPECT_EQ(fs::hard_link_count(any_file), 2u);
      break;
    case LinkMode::kCopy:
      EXPECT_EQ(fs::hard_link_count(any_file), 1u);
      EXPECT_FALSE(fs::is_symlink(any_file));
      break;
  }
}

INSTANTIATE_TEST_SUITE_P(AllModes, LinkModeTest,
                         ::testing::Values(LinkMode::kHardlink, LinkMode::kCopy, LinkMode::kSymlink),
                         [](const auto& p) { return std::string(LinkModeName(p.param)); });

TEST_F(CacheSessionTest, SymlinkEnvironmentFailsVerificationOnceArchiveIsPruned) {
  auto s = Open("uv-0.8.18");
  std::string wheel = Wheel();
  ASSERT_TRUE(s->Install(Req(wheel, "env", LinkMode::kSymlink)).ok());
  ASSERT_TRUE(s->Refresh(Req(wheel, "env2", LinkMode::kHardlink)).ok());
  ASSERT_TRUE(s->Prune().ok());  // removes the archive env's symlinks point into
  Result<ExtractedWheel> rec = ReadRecordFromTree(*DefaultFileSystem(), DefaultFileSystem()->OpenDir(AT_FDCWD, dir_ + "/env2")->get());
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  Result<Fd> env = DefaultFileSystem()->OpenDir(AT_FDCWD, dir_ + "/env");
  Status v = VerifyEnvironment(*DefaultFileSystem(), env->get(), rec->record, LinkMode::kSymlink);
  EXPECT_FALSE(v.ok());
}

TEST_F(CacheSessionTest, EnospcDuringExtractionLeavesNothingInArchiveBucket) {
  FaultInjectingFileSystem faulty(DefaultFileSystem());
  auto s = Open("reference", {}, &faulty);
  std::string wheel = Wheel("demo", "1.0.0", 3, 10);
  faulty.AddFault({FsOp::kWrite, ENOSPC, "", /*skip=*/3, /*count=*/1});
  Result<InstallOutcome> out = s->Install(Req(wheel, "env"));
  ASSERT_FALSE(out.ok());
  EXPECT_TRUE(out.status().Is(StatusCode::kNoSpace)) << out.status().ToString();
  EXPECT_EQ(faulty.InjectedCount(), 1);
  EXPECT_TRUE(Archives().empty());
  for (const std::string& n : List("")) EXPECT_FALSE(layout::IsTempDirName(n)) << "temp dir left: " << n;
  EXPECT_FALSE(Exists("wheels-v6/pypi/demo/1.0.0-py3-none-any"));
  // And the cache is usable afterwards.
  faulty.ClearFaults();
  ASSERT_TRUE(s->Install(Req(wheel, "env")).ok());
  EXPECT_EQ(Archives().size(), 1u);
}

TEST_F(CacheSessionTest, EioOnPersistRenameLeavesNoArchive) {
  FaultInjectingFileSystem faulty(DefaultFileSystem());
  auto s = Open("reference", {}, &faulty);
  std::string wheel = Wheel();
  faulty.AddFault({FsOp::kRename, EIO, "archive-v0/", 0, 1});
  Result<InstallOutcome> out = s->Install(Req(wheel, "env"));
  ASSERT_FALSE(out.ok());
  EXPECT_TRUE(out.status().Is(StatusCode::kIoError)) << out.status().ToString();
  EXPECT_TRUE(Archives().empty());
}

TEST_F(CacheSessionTest, EaccesOnEntrySymlinkIsPermissionDenied) {
  FaultInjectingFileSystem faulty(DefaultFileSystem());
  auto s = Open("reference", {}, &faulty);
  faulty.AddFault({FsOp::kSymlink, EACCES, "", 0, 1});
  Result<InstallOutcome> out = s->Install(Req(Wheel(), "env"));
  ASSERT_FALSE(out.ok());
  EXPECT_TRUE(out.status().Is(StatusCode::kPermissionDenied)) << out.status().ToString();
}

TEST_F(CacheSessionTest, CleanRemovesPackageEntriesAndArchives) {
  auto s = Open("reference");
  ASSERT_TRUE(s->Install(Req(Wheel("alpha"), "env")).ok());
  ASSERT_TRUE(s->Install(Req(Wheel("beta"), "env")).ok());
  Result<CleanReport> r = s->Clean("Alpha");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->removed_archives.size(), 1u);
  EXPECT_FALSE(Exists("wheels-v6/pypi/alpha"));
  EXPECT_TRUE(Exists("wheels-v6/pypi/beta"));
  EXPECT_EQ(Archives().size(), 1u);
  Result<Fd> root = DefaultFileSystem()->OpenDir(AT_FDCWD, cache_);
  Result<CacheScan> scan = ScanCache(*DefaultFileSystem(), root->get());
  ASSERT_TRUE(scan.ok());
  EXPECT_TRUE(scan->violations.empty());
}

TEST_F(CacheSessionTest, CleanRejectsUnsafePackageName) {
  auto s = Open("reference");
  Result<CleanReport> r = s->Clean("../etc");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().Is(StatusCode::kInvalidInput));
}

TEST_F(CacheSessionTest, OpenRefusesSymlinkedBucket) {
  fs::create_directories(cache_);
  fs::create_directories(dir_ + "/elsewhere");
  fs::create_directory_symlink(dir_ + "/elsewhere", cache_ + "/archive-v0");
  Result<const ProfileSpec*> p = FindProfile("reference");
  SessionOptions o;
  o.profile = *p;
  Result<std::unique_ptr<CacheSession>> s = CacheSession::Open(cache_, o);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(s.status().Is(StatusCode::kInvalidInput)) << s.status().ToString();
}

TEST_F(CacheSessionTest, ScanFindsDanglingReferenceAndPartialArchive) {
  auto s = Open("reference");
  Result<InstallOutcome> out = s->Install(Req(Wheel(), "env"));
  ASSERT_TRUE(out.ok());
  // Remove one file of the archive: partial, and referenced -> corruption.
  fs::remove(cache_ + "/archive-v0/" + out->archive_id + "/demo-1.0.0.dist-info/METADATA");
  Result<Fd> root = DefaultFileSystem()->OpenDir(AT_FDCWD, cache_);
  Result<CacheScan> scan = ScanCache(*DefaultFileSystem(), root->get());
  ASSERT_TRUE(scan.ok());
  ASSERT_EQ(scan->violations.size(), 1u);
  EXPECT_EQ(scan->violations[0].invariant, "no-corruption");
  fs::remove_all(cache_ + "/archive-v0/" + out->archive_id);
  scan = ScanCache(*DefaultFileSystem(), root->get());
  ASSERT_TRUE(scan.ok());
  ASSERT_EQ(scan->violations.size(), 2u);  // the symlink and the pointer both dangle
  EXPECT_EQ(scan->violations[0].invariant, "no-dangling-reference");
}

}  // namespace
}  // namespace prunecheck::testing
