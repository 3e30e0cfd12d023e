// The cache library on MemFileSystem: install / read / refresh / prune /
// clean run entirely in memory, leave a cache ScanCache finds sound, touch
// nothing on the real disk — and produce exactly the tree the same sequence
// produces on the posix file system.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "pruner/base/fault_injecting_file_system.h"
#include "pruner/base/fs_util.h"
#include "pruner/base/id_source.h"
#include "pruner/base/mem_file_system.h"
#include "pruner/base/no_sync_file_system.h"
#include "pruner/cache/cache_layout.h"
#include "pruner/cache/cache_scan.h"
#include "pruner/cache/cache_session.h"
#include "pruner/cache/environment_linker.h"
#include "pruner/profiles/profile_registry.h"
#include "pruner/wheel/fixture_wheel.h"
#include "pruner/wheel/wheel_extractor.h"
#include "pruner/base/scoped_temp_dir.h"

namespace prunecheck {
namespace {

// Puts the fixture wheel for `spec` into `fs` under `dir`; returns its path.
std::string PutWheel(MemFileSystem& fs, const std::string& dir, const FixtureWheelSpec& spec) {
  Result<std::string> bytes = BuildFixtureWheel(spec);
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  const std::string path = dir + "/" + FixtureWheelFilename(spec);
  Status s = fs.WriteWholeFile(path, bytes.ok() ? *bytes : std::string());
  EXPECT_TRUE(s.ok()) << s.ToString();
  return path;
}

FixtureWheelSpec Spec(const std::string& name = "demo", uint64_t seed = 1, int files = 6) {
  FixtureWheelSpec spec;
  spec.distribution = name;
  spec.seed = seed;
  spec.file_count = files;
  return spec;
}

std::unique_ptr<CacheSession> OpenSession(FileSystem& fs, const std::string& root, const std::string& profile,
                                          IdSource* ids = nullptr, std::chrono::seconds grace = std::chrono::seconds(0)) {
  Result<const ProfileSpec*> p = FindProfile(profile);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  SessionOptions o;
  o.profile = *p;
  o.fs = &fs;
  o.ids = ids;
  o.grace = grace;
  Result<std::unique_ptr<CacheSession>> s = CacheSession::Open(root, o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

void ExpectSound(FileSystem& fs, const std::string& root) {
  Result<Fd> fd = fs.OpenDir(AT_FDCWD, root);
  ASSERT_TRUE(fd.ok()) << fd.status().ToString();
  Result<CacheScan> scan = ScanCache(fs, fd->get());
  ASSERT_TRUE(scan.ok()) << scan.status().ToString();
  for (const Violation& v : scan->violations) ADD_FAILURE() << v.invariant << " " << v.subject << ": " << v.message;
}

std::vector<std::string> Names(FileSystem& fs, const std::string& dir) {
  std::vector<std::string> out;
  Result<Fd> fd = fs.OpenDir(AT_FDCWD, dir);
  if (!fd.ok()) return out;
  Result<std::vector<DirEntry>> l = fs.ListDir(fd->get());
  if (l.ok()) {
    for (const DirEntry& e : *l) out.push_back(e.name);
  }
  return out;
}

// Verifies `env` against the RECORD read from `record_env` (a hard-linked or
// copied environment: in a symlinked one RECORD itself is a symlink).
Status VerifyEnv(FileSystem& fs, const std::string& env, LinkMode mode, const std::string& record_env) {
  PC_ASSIGN_OR_RETURN(Fd rfd, fs.OpenDir(AT_FDCWD, record_env));
  PC_ASSIGN_OR_RETURN(ExtractedWheel rec, ReadRecordFromTree(fs, rfd.get()));
  PC_ASSIGN_OR_RETURN(Fd fd, fs.OpenDir(AT_FDCWD, env));
  return VerifyEnvironment(fs, fd.get(), rec.record, mode);
}

TEST(MemCacheTest, InstallReadRefreshPruneInMemory) {
  const std::string top = "/prunecheck-memcache-" + std::to_string(::getpid());
  ASSERT_NE(::access(top.c_str(), F_OK), 0);
  MemFileSystem mem;
  const std::string wheel = PutWheel(mem, top + "/wheels", Spec("Demo_Pkg"));
  const std::string root = top + "/c";
  auto s = OpenSession(mem, root, "reference");
  ASSERT_TRUE(s);
  EXPECT_EQ(s->root_path(), root);
  EXPECT_TRUE(mem.Exists(root + "/CACHEDIR.TAG"));
  EXPECT_TRUE(mem.Exists(root + "/.lock"));

  Result<InstallOutcome> a = s->Install(InstallRequest{wheel, top + "/env-a", LinkMode::kHardlink, ""});
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_FALSE(a->cache_hit);
  EXPECT_GT(a->files_linked, 0u);
  EXPECT_EQ(Names(mem, root + "/archive-v0"), std::vector<std::string>{a->archive_id});
  Result<std::string> target = mem.ReadLink(AT_FDCWD, root + "/" + a->entry);
  ASSERT_TRUE(target.ok()) << target.status().ToString();
  EXPECT_EQ(*target, "../../../archive-v0/" + a->archive_id);
  EXPECT_TRUE(VerifyEnv(mem, top + "/env-a", LinkMode::kHardlink, top + "/env-a").ok());

  Result<InstallOutcome> b = s->Install(InstallRequest{wheel, top + "/env-b", LinkMode::kSymlink, ""});
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_TRUE(b->cache_hit);
  EXPECT_EQ(b->archive_id, a->archive_id);
  Result<InstallOutcome> r = s->Read(InstallRequest{wheel, top + "/env-c", LinkMode::kCopy, ""});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->archive_id, a->archive_id);
  Status vb = VerifyEnv(mem, top + "/env-b", LinkMode::kSymlink, top + "/env-a");
  EXPECT_TRUE(vb.ok()) << vb.ToString();
  Status vc = VerifyEnv(mem, top + "/env-c", LinkMode::kCopy, top + "/env-c");
  EXPECT_TRUE(vc.ok()) << vc.ToString();

  Result<InstallOutcome> f = s->Refresh(InstallRequest{wheel, top + "/env-d", LinkMode::kHardlink, ""});
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->displaced_archive, a->archive_id);
  EXPECT_EQ(Names(mem, root + "/archive-v0").size(), 2u);
  ExpectSound(mem, root);

  Result<PruneReport> p = s->Prune();
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->removed_archives, std::vector<std::string>{a->archive_id});
  EXPECT_EQ(Names(mem, root + "/archive-v0"), std::vector<std::string>{f->archive_id});
  ExpectSound(mem, root);
  // The hard-linked environment outlives the archive it came from; the
  // symlinked one does not.
  EXPECT_TRUE(VerifyEnv(mem, top + "/env-a", LinkMode::kHardlink, top + "/env-a").ok());
  EXPECT_FALSE(VerifyEnv(mem, top + "/env-b", LinkMode::kSymlink, top + "/env-a").ok());

  Result<CleanReport> c = s->Clean("demo-pkg");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_TRUE(Names(mem, root + "/archive-v0").empty());
  ExpectSound(mem, root);
  s.reset();
  EXPECT_EQ(mem.OpenFdCount(), 0u);
  EXPECT_NE(::access(top.c_str(), F_OK), 0);  // nothing reached the real disk
}

TEST(MemCacheTest, EnospcDuringExtractionLeavesNoDebris) {
  MemFileSystem mem;
  FaultInjectingFileSystem faulty(&mem);
  const std::string wheel = PutWheel(mem, "/w", Spec("demo", 3, 10));
  auto s = OpenSession(faulty, "/c", "reference");
  ASSERT_TRUE(s);
  faulty.AddFault({FsOp::kWrite, ENOSPC, "", /*skip=*/3, /*count=*/1});
  Result<InstallOutcome> out = s->Install(InstallRequest{wheel, "/env", LinkMode::kHardlink, ""});
  ASSERT_FALSE(out.ok());
  EXPECT_TRUE(out.status().Is(StatusCode::kNoSpace)) << out.status().ToString();
  EXPECT_TRUE(Names(mem, "/c/archive-v0").empty());
  for (const std::string& n : Names(mem, "/c")) EXPECT_FALSE(layout::IsTempDirName(n)) << n;
  // A seek fault while reading the wheel is an I/O error, not a "corrupt zip".
  faulty.AddFault({FsOp::kSeek, EIO, "", /*skip=*/2, /*count=*/1});
  out = s->Install(InstallRequest{wheel, "/env", LinkMode::kHardlink, ""});
  ASSERT_FALSE(out.ok());
  EXPECT_TRUE(out.status().Is(StatusCode::kIoError)) << out.status().ToString();
  ASSERT_TRUE(s->Install(InstallRequest{wheel, "/env", LinkMode::kHardlink, ""}).ok());
  ExpectSound(mem, "/c");
}

// ---------------------------------------------------------------------------
// Same operations, same ids: the same tree on both file systems.

// One line per entry below `dir`: relative path, type, and what identifies
// its content (file size/nlink/mode/bytes, link target with `base` abstracted).
void Dump(FileSystem& fs, int dirfd, const std::string& rel, const std::string& base,
          std::map<std::string, std::string>* out) {
  Result<std::vector<DirEntry>> l = fs.ListDir(dirfd);
  ASSERT_TRUE(l.ok()) << l.status().ToString();
  for (const DirEntry& e : *l) {
    const std::string path = rel.empty() ? e.name : rel + "/" + e.name;
    Result<FileStat> st = fs.Stat(dirfd, e.name);
    ASSERT_TRUE(st.ok());
    std::string desc;
    switch (e.type) {
      case FileType::kDirectory: {
        desc = "dir nlink=" + std::to_string(st->nlink) + " mode=" + std::to_string(st->mode);
        Result<Fd> sub = fs.OpenDir(dirfd, e.name);
        ASSERT_TRUE(sub.ok());
        Dump(fs, sub->get(), path, base, out);
        break;
      }
      case FileType::kSymlink: {
        std::string t = *fs.ReadLink(dirfd, e.name);
        if (t.compare(0, base.size(), base) == 0) t = "<base>" + t.substr(base.size());
        desc = "symlink -> " + t;
        break;
      }
      default: {
        Result<std::string> data = ReadFileToString(fs, dirfd, e.name);
        ASSERT_TRUE(data.ok());
        desc = "file size=" + std::to_string(st->size) + " nlink=" + std::to_string(st->nlink) +
               " mode=" + std::to_string(st->mode) + " content=" + std::to_string(std::hash<std::string>()(*data));
        break;
      }
    }
    (*out)[path] = desc;
  }
}

struct Outcome {
  std::map<std::string, std::string> tree;
  std::vector<std::string> log;
};

// Runs a fixed sequence of operations in `base` (wheel files already there).
Outcome RunSequence(FileSystem& fs, const std::string& base, const std::vector<std::string>& wheels) {
  Outcome o;
  SeededIdSource ids(42);
  auto s = OpenSession(fs, base + "/cache", "reference", &ids);
  if (!s) return o;
  auto log = [&](const std::string& what, const Status& st) { o.log.push_back(what + ": " + st.ToString()); };
  int env = 0;
  for (int round = 0; round < 3; ++round) {
    for (size_t w = 0; w < wheels.size(); ++w) {
      const LinkMode mode = static_cast<LinkMode>((round + w) % 3);
      InstallRequest req{wheels[w], base + "/env-" + std::to_string(env++), mode, ""};
      Result<InstallOutcome> i = round == 1 && w == 0 ? s->Refresh(req) : s->Install(req);
      log("install " + std::to_string(w), i.status());
      if (i.ok()) o.log.push_back(i->archive_id + " hit=" + std::to_string(i->cache_hit) + " displaced=" +
                                  i->displaced_archive + " linked=" + std::to_string(i->files_linked));
    }
    Result<PruneReport> p = s->Prune();
    log("prune", p.status());
    if (p.ok()) {
      for (const std::string& id : p->removed_archives) o.log.push_back("removed " + id);
    }
  }
  Result<CleanReport> c = s->Clean("beta");
  log("clean", c.status());
  s.reset();
  Result<Fd> top = fs.OpenDir(AT_FDCWD, base);
  EXPECT_TRUE(top.ok());
  if (top.ok()) Dump(fs, top->get(), "", base, &o.tree);
  return o;
}

TEST(MemCacheTest, SameTreeAsPosix) {
  std::vector<FixtureWheelSpec> specs = {Spec("alpha", 1, 5), Spec("beta", 2, 9), Spec("gamma", 3, 3)};

  ScopedTempDir tmp("prunecheck-memdiff");
  ASSERT_TRUE(tmp.ok()) << "cannot create a temp dir";
  const std::string& pbase = tmp.path();
  std::vector<std::string> pwheels;
  for (const FixtureWheelSpec& spec : specs) {
    Result<std::string> p = WriteFixtureWheel(pbase + "/wheels", spec);
    if (!p.ok()) {
      std::filesystem::create_directories(pbase + "/wheels");
      p = WriteFixtureWheel(pbase + "/wheels", spec);
    }
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    pwheels.push_back(*p);
  }
  NoSyncFileSystem posix(DefaultFileSystem());
  Outcome on_disk = RunSequence(posix, pbase, pwheels);

  MemFileSystem mem;
  const std::string mbase = "/work/run";
  std::vector<std::string> mwheels;
  for (const FixtureWheelSpec& spec : specs) mwheels.push_back(PutWheel(mem, mbase + "/wheels", spec));
  Outcome in_memory = RunSequence(mem, mbase, mwheels);

  EXPECT_EQ(in_memory.log, on_disk.log);
  EXPECT_EQ(in_memory.tree, on_disk.tree);
  EXPECT_GT(in_memory.tree.size(), 50u);
  ExpectSound(mem, mbase + "/cache");
  EXPECT_EQ(mem.OpenFdCount(), 0u);
}

}  // namespace
}  // namespace prunecheck
