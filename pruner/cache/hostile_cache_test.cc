// Issue 9: hostile and mistaken cache trees. Nothing outside the root is
// touched, nothing hangs, a directory that is not a cache is refused, and one
// bad entry never stops the rest of a prune, under every profile that
// models a real pruner (mutants are what the harness must catch, not this).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "pruner/base/fault_injecting_file_system.h"
#include "pruner/base/fs_util.h"
#include "pruner/base/mem_file_system.h"
#include "pruner/cache/cache_scan.h"
#include "pruner/cache/cache_test_support.h"

namespace prunecheck::testing {
namespace {

using std::chrono::seconds;

std::vector<std::string> RealProfiles() {
  std::vector<std::string> out;
  for (const ProfileSpec* p : AllProfiles()) {
    if (!p->mutant) out.push_back(p->name);
  }
  return out;
}

// Every path under `root` with its type and (for files) content.
std::map<std::string, std::string> Snapshot(const std::string& root) {
  std::map<std::string, std::string> out;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(root, ec); it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    const fs::path& p = it->path();
    std::string rel = fs::relative(p, root).string();
    fs::file_status st = it->symlink_status();
    if (fs::is_symlink(st)) {
      out[rel] = "link:" + fs::read_symlink(p).string();
    } else if (fs::is_regular_file(st)) {
      std::ifstream in(p, std::ios::binary);
      out[rel] = "file:" + std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    } else if (fs::is_directory(st)) {
      out[rel] = "dir";
    } else {
      out[rel] = "other";
    }
  }
  return out;
}

// Runs `fn` on a thread. If it has not returned after a generous bound (the
// bug: an open(2) of a FIFO blocking for ever), opens every FIFO in `fifos`
// for writing so the blocked open returns, and fails the test.
template <typename T>
T Bounded(std::function<T()> fn, const std::vector<std::string>& fifos) {
  std::promise<T> done;
  std::future<T> result = done.get_future();
  std::thread worker([&] { done.set_value(fn()); });
  if (result.wait_for(seconds(20)) != std::future_status::ready) {
    ADD_FAILURE() << "blocked on a FIFO";
    for (int round = 0; round < 100 && result.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready;
         ++round) {
      for (const std::string& f : fifos) {
        int fd = ::open(f.c_str(), O_WRONLY | O_NONBLOCK);
        if (fd >= 0) ::close(fd);
      }
    }
  }
  worker.join();
  return result.get();
}

bool HasSkipped(const PruneReport& r, const std::string& subject, const std::string& reason_part) {
  for (const SkippedEntry& e : r.skipped) {
    if (e.subject == subject && e.reason.find(reason_part) != std::string::npos) return true;
  }
  return false;
}

std::string Describe(const PruneReport& r) {
  std::string s = "removed:";
  for (const auto& a : r.removed_archives) s += " " + a;
  s += "; skipped:";
  for (const auto& e : r.skipped) s += " [" + e.subject + ": " + e.reason + "]";
  return s;
}

class HostileCacheTest : public CacheTestBase {
 protected:
  std::unique_ptr<CacheSession> OpenExisting(const std::string& profile, FileSystem* fsys = nullptr,
                                             const std::string& root = "") {
    SessionOptions o;
    o.profile = *FindProfile(profile);
    o.grace = seconds(0);
    o.create = false;
    o.fs = fsys;
    o.lock_timeout = std::chrono::milliseconds(2000);
    Result<std::unique_ptr<CacheSession>> s = CacheSession::Open(root.empty() ? cache_ : root, o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }

  // Two packages installed and refreshed: two displaced (unreferenced)
  // archives {a_old, b_old}.
  std::pair<std::string, std::string> TwoDisplaced(const std::string& profile) {
    auto s = Open(profile, seconds(0));
    std::string ids[2];
    int i = 0;
    for (const char* name : {"alpha", "beta"}) {
      std::string wheel = Wheel(name);
      Result<InstallOutcome> a = s->Install(Req(wheel, std::string("env-") + name));
      EXPECT_TRUE(a.ok()) << a.status().ToString();
      Result<InstallOutcome> b = s->Refresh(Req(wheel, std::string("env-") + name));
      EXPECT_TRUE(b.ok()) << b.status().ToString();
      ids[i++] = a.ok() ? a->archive_id : "";
    }
    return {ids[0], ids[1]};
  }

  bool Honours(const std::string& profile) { return (*FindProfile(profile))->pruner_honours_entry_locks; }
};

// ------------------------------------------------------------------ item 3

TEST_F(HostileCacheTest, HomeLikeDirectoryIsRefusedUnderEveryProfile) {
  const std::string home = dir_ + "/home";
  fs::create_directories(home + "/.ssh");
  fs::create_directories(home + "/Documents");
  fs::create_directories(home + "/.tmpnotmine");
  std::ofstream(home + "/.ssh/id_ed25519") << "secret";
  std::ofstream(home + "/Documents/thesis.tex") << "years of work";
  std::ofstream(home + "/notes.txt") << "notes";
  const auto before = Snapshot(home);
  for (const ProfileSpec* p : AllProfiles()) {
    SCOPED_TRACE(p->name);
    SessionOptions o;
    o.profile = p;
    o.grace = seconds(0);
    o.create = false;
    Result<std::unique_ptr<CacheSession>> s = CacheSession::Open(home, o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    Result<PruneReport> r = (*s)->Prune();
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidInput) << r.status().ToString();
    EXPECT_NE(r.status().message().find(home + " is not a cache"), std::string::npos) << r.status().ToString();
    Result<CleanReport> c = (*s)->Clean("notes");
    ASSERT_FALSE(c.ok());
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidInput) << c.status().ToString();
    EXPECT_EQ(Snapshot(home), before) << "something in the home directory changed";
  }
  Result<Fd> root = DefaultFileSystem()->OpenDir(AT_FDCWD, home);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(VerifyIsCache(*DefaultFileSystem(), root->get(), home).code(), StatusCode::kInvalidInput);
}

TEST_F(HostileCacheTest, AForeignCachedirTagIsNotEnough) {
  // A CACHEDIR.TAG without the signature (or a symlink named so) is not a cache.
  const std::string d = dir_ + "/other";
  fs::create_directories(d);
  std::ofstream(d + "/CACHEDIR.TAG") << "not a tag\n";
  Result<Fd> root = DefaultFileSystem()->OpenDir(AT_FDCWD, d);
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(VerifyIsCache(*DefaultFileSystem(), root->get(), d).code(), StatusCode::kInvalidInput);
  fs::remove(d + "/CACHEDIR.TAG");
  fs::create_symlink(cache_ + "/CACHEDIR.TAG", d + "/CACHEDIR.TAG");
  auto s = Open("reference");  // a real cache, whose tag the symlink names
  EXPECT_EQ(VerifyIsCache(*DefaultFileSystem(), root->get(), d).code(), StatusCode::kInvalidInput);
  EXPECT_TRUE(VerifyIsCache(*DefaultFileSystem(), s->root_fd(), cache_).ok());
  // A bucket alone (a cache someone laid out by hand) is a cache.
  fs::remove(d + "/CACHEDIR.TAG");
  fs::create_directories(d + "/archive-v0");
  EXPECT_TRUE(VerifyIsCache(*DefaultFileSystem(), root->get(), d).ok());
}

TEST_F(HostileCacheTest, PruneNeverCreatesACache) {
  SessionOptions o;
  o.profile = *FindProfile("reference");
  o.create = false;
  Result<std::unique_ptr<CacheSession>> s = CacheSession::Open(dir_ + "/missing", o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kNotFound) << s.status().ToString();
  EXPECT_FALSE(fs::exists(dir_ + "/missing"));
}

// ------------------------------------------------------------------ item 4

TEST_F(HostileCacheTest, FifoLeaseNeitherHangsPruneNorReader) {
  for (const std::string& profile : RealProfiles()) {
    if (!Honours(profile)) continue;
    SCOPED_TRACE(profile);
    fs::remove_all(cache_);
    auto [a_old, b_old] = TwoDisplaced(profile);
    const std::string fifo = cache_ + "/locks/" + a_old + ".lock";
    fs::create_directories(cache_ + "/locks");
    fs::remove(fifo);
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
    auto s = OpenExisting(profile);
    Result<PruneReport> r = Bounded<Result<PruneReport>>([&] { return s->Prune(); }, {fifo});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(HasSkipped(*r, "archive-v0/" + a_old, "FIFO")) << Describe(*r);
    EXPECT_TRUE(Exists("archive-v0/" + a_old));
    EXPECT_FALSE(Exists("archive-v0/" + b_old)) << Describe(*r);
  }
}

TEST_F(HostileCacheTest, FifoRootLockIsRefusedAtOnceNotWaitedOn) {
  for (const std::string& profile : RealProfiles()) {
    SCOPED_TRACE(profile);
    fs::remove_all(cache_);
    TwoDisplaced(profile);
    const std::string fifo = cache_ + "/.lock";
    fs::remove(fifo);
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
    auto s = OpenExisting(profile);
    Result<PruneReport> r = Bounded<Result<PruneReport>>([&] { return s->Prune(); }, {fifo});
    const ProfileSpec& spec = **FindProfile(profile);
    if (spec.pruner_root_lock == PrunerRootLock::kNone) {
      EXPECT_TRUE(r.ok()) << r.status().ToString();  // takes no lock, so never opens it
      continue;
    }
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidInput) << r.status().ToString();
    EXPECT_NE(r.status().message().find("FIFO"), std::string::npos) << r.status().ToString();
    Result<InstallOutcome> read =
        Bounded<Result<InstallOutcome>>([&] { return s->Read(Req(Wheel("alpha"), "env-r")); }, {fifo});
    if (spec.actor_root_lock != ActorRootLock::kNone) {
      ASSERT_FALSE(read.ok());
      EXPECT_EQ(read.status().code(), StatusCode::kInvalidInput) << read.status().ToString();
    }
  }
}

// ------------------------------------------------------------------ item 8

TEST_F(HostileCacheTest, SymlinkedLeaseIsSkippedAndTheRestCollected) {
  for (const std::string& profile : RealProfiles()) {
    SCOPED_TRACE(profile);
    fs::remove_all(cache_);
    auto [a_old, b_old] = TwoDisplaced(profile);
    fs::create_directories(cache_ + "/locks");
    fs::create_directories(dir_ + "/elsewhere");
    fs::remove(cache_ + "/locks/" + a_old + ".lock");
    fs::create_symlink(dir_ + "/elsewhere/x.lock", cache_ + "/locks/" + a_old + ".lock");
    auto s = OpenExisting(profile);
    Result<PruneReport> r = s->Prune();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_FALSE(Exists("archive-v0/" + b_old)) << Describe(*r);
    if (Honours(profile)) {
      EXPECT_TRUE(HasSkipped(*r, "archive-v0/" + a_old, "symlink")) << Describe(*r);
      EXPECT_TRUE(Exists("archive-v0/" + a_old));
    } else {
      EXPECT_FALSE(Exists("archive-v0/" + a_old)) << Describe(*r);
    }
    EXPECT_FALSE(fs::exists(dir_ + "/elsewhere/x.lock")) << "a lease was created through the symlink";
    fs::remove_all(dir_ + "/elsewhere");
  }
}

TEST_F(HostileCacheTest, UnreadableArchiveIsSkippedReportedAndCheckedThenCollectedLater) {
  // Root reads everything, so "unreadable" is an injected EACCES on listing
  // one directory of the archive (what a non-root pruner meets).
  for (const std::string& profile : RealProfiles()) {
    SCOPED_TRACE(profile);
    fs::remove_all(cache_);
    auto [a_old, b_old] = TwoDisplaced(profile);
    FaultInjectingFileSystem faulty(DefaultFileSystem());
    faulty.AddFault(Fault{FsOp::kListDir, EACCES, a_old, 0, -1});
    auto s = OpenExisting(profile, &faulty);
    Result<PruneReport> r = s->Prune();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(HasSkipped(*r, "archive-v0/" + a_old, "ermission")) << Describe(*r);
    EXPECT_FALSE(Exists("archive-v0/" + b_old)) << Describe(*r);
    EXPECT_EQ(std::count(r->removed_archives.begin(), r->removed_archives.end(), b_old), 1) << Describe(*r);

    // What is left is a check finding (trash) or an incomplete archive.
    Result<CacheScan> scan = ScanCache(faulty, s->root_fd(), false);
    ASSERT_TRUE(scan.ok()) << scan.status().ToString();
    bool reported = false;
    for (const Violation& v : scan->findings) reported |= v.subject.find(a_old) != std::string::npos;
    for (const Violation& v : scan->violations) reported |= v.subject.find(a_old) != std::string::npos;
    EXPECT_TRUE(reported) << "check does not report what the prune skipped";

    // Once readable, a later prune collects it.
    faulty.ClearFaults();
    Result<PruneReport> again = s->Prune();
    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_TRUE(again->skipped.empty()) << Describe(*again);
    EXPECT_FALSE(Exists("archive-v0/" + a_old));
    EXPECT_TRUE(List("gc-v0/trash").empty());
  }
}

// ------------------------------------------------------------------ item 2

// Before issue 9 a tree deeper than 256 levels stopped every prune (exit 2)
// for good. On disk (ext4 rmdir of a deep chain costs milliseconds) 300
// levels under two profiles; in memory the 3,000 of the issue under all.
void PlantChain(FileSystem& fsys, const std::string& parent, const std::string& name, int depth) {
  Result<Fd> cur = fsys.OpenDir(AT_FDCWD, parent);
  ASSERT_TRUE(cur.ok()) << cur.status().ToString();
  ASSERT_TRUE(fsys.MakeDir(cur->get(), name, 0755).ok());
  cur = fsys.OpenDir(cur->get(), name);
  for (int i = 1; i < depth; ++i) {
    ASSERT_TRUE(fsys.MakeDir(cur->get(), "d", 0755).ok());
    cur = fsys.OpenDir(cur->get(), "d");
    ASSERT_TRUE(cur.ok());
  }
  ASSERT_TRUE(WriteFile(fsys, cur->get(), "leaf", "x").ok());
}

void ExpectDeepTreesCollected(FileSystem& fsys, const std::string& wheel_dir, const std::string& cache, int depth,
                              const std::vector<std::string>& profiles) {
  for (const std::string& profile : profiles) {
    SCOPED_TRACE(profile + " depth " + std::to_string(depth));
    (void)RemoveTree(fsys, AT_FDCWD, cache);
    const ProfileSpec* spec = *FindProfile(profile);
    SessionOptions o;
    o.profile = spec;
    o.fs = &fsys;
    o.grace = seconds(0);
    Result<std::unique_ptr<CacheSession>> s = CacheSession::Open(cache, o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    Result<Fd> wd = fsys.OpenDir(AT_FDCWD, wheel_dir);
    ASSERT_TRUE(wd.ok());
    FixtureWheelSpec ws;
    Result<std::string> bytes = BuildFixtureWheel(ws);
    ASSERT_TRUE(bytes.ok());
    ASSERT_TRUE(WriteFile(fsys, wd->get(), FixtureWheelFilename(ws), *bytes).ok());
    InstallRequest req{wheel_dir + "/" + FixtureWheelFilename(ws), wheel_dir + "/env-" + profile, LinkMode::kHardlink, ""};
    ASSERT_TRUE((*s)->Install(req).ok());
    ASSERT_TRUE((*s)->Refresh(req).ok());  // one displaced archive
    // A fresh session prunes: uv 0.8.19's installer holds the root lock until it ends.
    s = Result<std::unique_ptr<CacheSession>>(nullptr);
    o.create = false;
    s = CacheSession::Open(cache, o);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    PlantChain(fsys, cache + "/archive-v0", "deep0000000000000000", depth);
    if (spec->prune_temp_dirs) PlantChain(fsys, cache, ".tmpdeep00", depth);
    if (spec->removal == RemovalMode::kTrashThenDelete) {
      ASSERT_TRUE(MakeDirs(fsys, (*s)->root_fd(), "gc-v0/trash").ok());
      PlantChain(fsys, cache + "/gc-v0/trash", "deeptrash", depth);
    }
    Result<PruneReport> r = (*s)->Prune();
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_TRUE(r->skipped.empty()) << Describe(*r);
    EXPECT_EQ(r->removed_archives.size(), 2u) << Describe(*r);
    for (const char* gone : {"/archive-v0/deep0000000000000000", "/.tmpdeep00", "/gc-v0/trash/deeptrash"}) {
      EXPECT_EQ(fsys.Stat(AT_FDCWD, cache + gone).status().code(), StatusCode::kNotFound) << gone;
    }
  }
  (void)RemoveTree(fsys, AT_FDCWD, cache);
}

TEST_F(HostileCacheTest, TreesDeeperThanTheOldLimitAreCollectedOnDisk) {
  // Two profiles (trash and in-place removal); every profile runs in memory.
  ExpectDeepTreesCollected(*DefaultFileSystem(), dir_, cache_, 300, {"reference", "uv-0.8.18"});
}

TEST_F(HostileCacheTest, TreesThousandsDeepAreCollectedInMemory) {
  MemFileSystem mem;
  ASSERT_TRUE(mem.MakeDirs("/w").ok());
  ExpectDeepTreesCollected(mem, "/w", "/c", 3000, RealProfiles());
}

TEST_F(HostileCacheTest, TooDeepWheelIsRefusedAndLeavesNoTempDir) {
  std::string deep;
  for (int i = 0; i < 3000; ++i) deep += "d/";
  FixtureWheelSpec spec;
  spec.distribution = "deep";
  RawZipEntry entry;
  entry.path = deep + "f.py";
  entry.data = "x";
  entry.in_record = true;
  spec.extra_entries = {entry};
  fs::create_directories(dir_ + "/wheels");
  Result<std::string> wheel = WriteFixtureWheel(dir_ + "/wheels", spec);
  ASSERT_TRUE(wheel.ok()) << wheel.status().ToString();
  for (const std::string& profile : RealProfiles()) {
    SCOPED_TRACE(profile);
    auto s = Open(profile);
    Result<InstallOutcome> r = s->Install(Req(*wheel, "env"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidInput) << r.status().ToString();
    EXPECT_NE(r.status().message().find("levels deep"), std::string::npos) << r.status().ToString();
    EXPECT_NE(r.status().message().find(*wheel), std::string::npos) << r.status().ToString();
    for (const std::string& name : List("")) EXPECT_FALSE(layout::IsTempDirName(name)) << name;
  }
}

// ------------------------------------------------------------------ item 10

// A wheel whose filename names another project or version than its
// .dist-info was cached under the false name. Every profile now refuses it,
// leaves no entry, no archive and no temp dir.
TEST_F(HostileCacheTest, WheelWhoseFilenameDisagreesWithItsDistInfoIsRefused) {
  FixtureWheelSpec spec;
  spec.distribution = "evil";
  spec.version = "6.6.6";
  fs::create_directories(dir_ + "/wheels");
  Result<std::string> evil = WriteFixtureWheel(dir_ + "/wheels", spec);
  ASSERT_TRUE(evil.ok()) << evil.status().ToString();
  for (const std::string& lie : {std::string("numpy-6.6.6-py3-none-any.whl"), std::string("evil-1.0.0-py3-none-any.whl")}) {
    SCOPED_TRACE(lie);
    fs::copy_file(*evil, dir_ + "/wheels/" + lie, fs::copy_options::overwrite_existing);
    for (const std::string& profile : RealProfiles()) {
      SCOPED_TRACE(profile);
      auto s = Open(profile);
      ASSERT_NE(s, nullptr);
      Result<InstallOutcome> r = s->Install(Req(dir_ + "/wheels/" + lie, "env"));
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidInput) << r.status().ToString();
      EXPECT_NE(r.status().message().find(lie), std::string::npos) << r.status().ToString();
      EXPECT_NE(r.status().message().find("evil-6.6.6.dist-info says evil 6.6.6"), std::string::npos)
          << r.status().ToString();
      EXPECT_TRUE(List("wheels-v6/pypi").empty()) << "cached under a false name";
      EXPECT_TRUE(Archives().empty());
      for (const std::string& name : List("")) EXPECT_FALSE(layout::IsTempDirName(name)) << name;
    }
  }
  // Identities that agree once normalized are one: Evil.Pkg 6.6.6 is
  // evil_pkg 6.6.6.0 (PEP 503 names, PEP 440 versions).
  spec.distribution = "Evil.Pkg";
  Result<std::string> dotted = WriteFixtureWheel(dir_ + "/wheels", spec);
  ASSERT_TRUE(dotted.ok()) << dotted.status().ToString();
  fs::copy_file(*dotted, dir_ + "/wheels/evil_pkg-6.6.6.0-py3-none-any.whl");
  auto s = Open("reference");
  ASSERT_NE(s, nullptr);
  Result<InstallOutcome> ok = s->Install(Req(dir_ + "/wheels/evil_pkg-6.6.6.0-py3-none-any.whl", "env"));
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();
}

// ------------------------------------------------------------------ item 12

bool HasFinding(const CacheScan& scan, const std::string& kind, const std::string& subject) {
  for (const Violation& f : scan.findings) {
    if (f.invariant == kind && f.subject == subject) return true;
  }
  return false;
}

TEST_F(HostileCacheTest, CheckReportsBrokenShapes) {
  auto s = Open("reference", seconds(0));
  FileSystem& fsys = *DefaultFileSystem();
  {
    Result<CacheScan> clean = ScanCache(fsys, s->root_fd());
    ASSERT_TRUE(clean.ok());
    EXPECT_TRUE(clean->findings.empty());
  }
  fs::remove_all(cache_ + "/wheels-v6");
  std::ofstream(cache_ + "/wheels-v6") << "not a directory";
  fs::create_directories(dir_ + "/outside/trash");
  fs::create_symlink(dir_ + "/outside", cache_ + "/gc-v0");
  fs::create_directories(cache_ + "/locks");
  ASSERT_EQ(::mkfifo((cache_ + "/locks/x.lock").c_str(), 0644), 0);
  Result<CacheScan> scan = ScanCache(fsys, s->root_fd());
  ASSERT_TRUE(scan.ok()) << scan.status().ToString();
  EXPECT_TRUE(HasFinding(*scan, "cache-structure", "wheels-v6"));
  EXPECT_TRUE(HasFinding(*scan, "cache-structure", "gc-v0"));
  EXPECT_TRUE(HasFinding(*scan, "unusable-lease", "locks/x.lock"));

  fs::remove(cache_ + "/gc-v0");
  fs::create_directories(cache_ + "/gc-v0");
  fs::create_symlink(dir_ + "/outside/trash", cache_ + "/gc-v0/trash");
  scan = ScanCache(fsys, s->root_fd());
  ASSERT_TRUE(scan.ok());
  EXPECT_TRUE(HasFinding(*scan, "cache-structure", "gc-v0/trash"));
}

TEST_F(HostileCacheTest, CheckReportsTrashThatCannotBeRemoved) {
  auto s = Open("reference", seconds(0));
  fs::create_directories(cache_ + "/gc-v0/trash/stuck/inner");
  std::ofstream(cache_ + "/gc-v0/trash/stuck/inner/f") << "x";
  FaultInjectingFileSystem faulty(DefaultFileSystem());
  faulty.AddFault(Fault{FsOp::kListDir, EACCES, "inner", 0, -1});
  Result<CacheScan> scan = ScanCache(faulty, s->root_fd());
  ASSERT_TRUE(scan.ok()) << scan.status().ToString();
  EXPECT_TRUE(HasFinding(*scan, "unremovable-trash", "gc-v0/trash/stuck"));
  EXPECT_TRUE(Exists("gc-v0/trash/stuck/inner/f")) << "check removed something";
  // And the prune skips it, names it, and goes on.
  auto p = OpenExisting("reference", &faulty);
  Result<PruneReport> r = p->Prune();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(HasSkipped(*r, "gc-v0/trash/stuck", "ermission")) << Describe(*r);
}

TEST_F(HostileCacheTest, PruneWithTrashOrGcSymlinkedOutOfTheRootTouchesNothingOutside) {
  for (const std::string& profile : RealProfiles()) {
    SCOPED_TRACE(profile);
    fs::remove_all(cache_);
    fs::remove_all(dir_ + "/outside");
    auto [a_old, b_old] = TwoDisplaced(profile);
    fs::create_directories(dir_ + "/outside/trash/victim");
    std::ofstream(dir_ + "/outside/trash/victim/f") << "keep";
    fs::remove_all(cache_ + "/gc-v0");
    fs::create_symlink(dir_ + "/outside", cache_ + "/gc-v0");
    const auto before = Snapshot(dir_ + "/outside");
    auto s = OpenExisting(profile);
    Result<PruneReport> r = s->Prune();
    EXPECT_EQ(Snapshot(dir_ + "/outside"), before);
    if (r.ok()) {
      // Whatever was not collected is named.
      for (const std::string& id : {a_old, b_old}) {
        if (Exists("archive-v0/" + id)) {
          EXPECT_TRUE(HasSkipped(*r, "archive-v0/" + id, "")) << Describe(*r);
        }
      }
    } else {
      EXPECT_EQ(r.status().code(), StatusCode::kInvalidInput) << r.status().ToString();
    }
  }
}

}  // namespace
}  // namespace prunecheck::testing
