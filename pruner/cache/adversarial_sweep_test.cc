// Issue 9's adversarial sweep: random hostile cache trees (symlinks into and
// out of the root and into loops, FIFOs, deep nesting, unreadable
// directories, files where directories belong, names that are not UTF-8)
// under every non-mutant profile's prune and check. Asserted each time:
//   - nothing outside the root changes (a canary tree is hashed before/after);
//   - nothing hangs (every call runs under a bound; a FIFO is never waited on);
//   - a prune either collects every unreferenced archive and temp dir it may,
//     or names what it skipped; a prune that refuses the whole tree says why
//     and check reports a broken shape.
// Seeded and time-bounded; the seed is printed on failure. Rerun one seed
// with PRUNECHECK_SWEEP_SEED=N, widen with PRUNECHECK_SWEEP_SECONDS=S.
//
// "Unreadable" directories: the tests run as root, which reads everything,
// so EACCES on listing a chosen directory is injected through the FileSystem
// seam — exactly what a non-root pruner meets, without dropping privileges
// in a multi-threaded test process.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <future>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "pruner/base/fault_injecting_file_system.h"
#include "pruner/base/fs_util.h"
#include "pruner/base/scoped_temp_dir.h"
#include "pruner/cache/cache_layout.h"
#include "pruner/cache/cache_references.h"
#include "pruner/cache/cache_scan.h"
#include "pruner/cache/cache_session.h"
#include "pruner/profiles/profile_registry.h"

namespace prunecheck {
namespace {

namespace fs = std::filesystem;

// A digest of every name, type, link target and file content under `root`.
std::string TreeDigest(const std::string& root) {
  std::string all;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
    fs::file_status st = it->symlink_status();
    all += it->path().string() + '\0';
    if (fs::is_symlink(st)) {
      all += "L" + fs::read_symlink(it->path()).string();
    } else if (fs::is_regular_file(st)) {
      std::ifstream in(it->path(), std::ios::binary);
      all += "F" + std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    } else {
      all += fs::is_directory(st) ? "D" : "O";
    }
    all += '\0';
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  EVP_Digest(all.data(), all.size(), md, &n, EVP_sha256(), nullptr);
  return std::string(reinterpret_cast<char*>(md), n);
}

class Generator {
 public:
  Generator(uint64_t seed, std::string root, std::string canary)
      : rng_(seed), root_(std::move(root)), canary_(std::move(canary)) {}

  int Pick(int n) { return std::uniform_int_distribution<int>(0, n - 1)(rng_); }
  bool Chance(int percent) { return Pick(100) < percent; }

  std::string Id() {
    static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789";
    std::string id;
    for (int i = 0; i < 16; ++i) id += kAlphabet[Pick(36)];
    return id;
  }

  // Something hostile at `path` (which does not exist yet).
  void Hostile(const std::string& path, int depth = 0) {
    switch (Pick(depth > 2 ? 4 : 9)) {
      case 0: std::ofstream(path) << "data"; break;
      case 1: fs::create_symlink(canary_, path); break;                      // out of the root (dir)
      case 2: fs::create_symlink(canary_ + "/precious.txt", path); break;     // out of the root (file)
      case 3: ::mkfifo(path.c_str(), 0644); break;
      case 4: fs::create_symlink(fs::path(path).filename(), path); break;    // a loop onto itself
      case 5:  // out of the root, relative (to the canary: a bug must not reach further)
        fs::create_symlink(fs::relative(canary_, fs::path(path).parent_path()), path);
        break;
      case 6: {                                                                // deep nesting
        std::string p = path;
        fs::create_directory(p);
        Result<Fd> cur = DefaultFileSystem()->OpenDir(AT_FDCWD, p);
        for (int i = 0, n = 200 + Pick(200); cur.ok() && i < n; ++i) {
          (void)DefaultFileSystem()->MakeDir(cur->get(), "d", 0755);
          cur = DefaultFileSystem()->OpenDir(cur->get(), "d");
        }
        break;
      }
      case 7: std::ofstream(path + (Chance(50) ? "" : "\xff\xfe")) << "not utf-8"; break;
      default: {
        fs::create_directory(path);
        for (int i = 0, n = 1 + Pick(3); i < n; ++i) Hostile(path + "/e" + std::to_string(i), depth + 1);
      }
    }
  }

  // A cache with referenced and unreferenced archives, temp dirs, leases,
  // trash and hostile debris. Returns the names of directories whose
  // listing should fail (EACCES injected).
  std::vector<std::string> Build() {
    std::vector<std::string> unreadable;
    fs::create_directories(root_ + "/archive-v0");
    fs::create_directories(root_ + "/wheels-v6/pypi/pkg");
    std::ofstream(root_ + "/CACHEDIR.TAG") << layout::kCacheDirTagContent;
    std::ofstream(root_ + "/.lock");
    for (int i = 0, n = 2 + Pick(6); i < n; ++i) {
      const std::string id = Id();
      const std::string a = root_ + "/archive-v0/" + id;
      if (Chance(10)) {
        Hostile(a);  // a file, a link, a FIFO where an archive belongs
      } else {
        fs::create_directories(a + "/pkg");
        std::ofstream(a + "/pkg/mod.py") << "x = " << i;
        for (int k = 0, m = Pick(3); k < m; ++k) Hostile(a + "/pkg/h" + std::to_string(k));
        if (Chance(15)) unreadable.push_back(id);
      }
      if (Chance(40)) fs::create_symlink(layout::EntryLinkTarget(id), root_ + "/wheels-v6/pypi/pkg/1." + std::to_string(i));
      if (Chance(25)) {
        fs::create_directories(root_ + "/locks");
        const std::string lease = root_ + "/locks/" + id + ".lock";
        if (Chance(50)) {
          Hostile(lease);
        } else {
          std::ofstream(lease) << "";
        }
      }
    }
    for (int i = 0, n = Pick(3); i < n; ++i) Hostile(root_ + "/.tmp" + Id().substr(0, 6));
    for (int i = 0, n = Pick(3); i < n; ++i) Hostile(root_ + "/unknown-" + std::to_string(i) + (Chance(30) ? "\n\xff" : ""));
    if (Chance(30)) {
      fs::create_directories(root_ + "/gc-v0/trash");
      Hostile(root_ + "/gc-v0/trash/" + Id());
    }
    if (Chance(10)) {  // a bucket that is not a directory inside the root
      const char* where[] = {"gc-v0", "locks", "gc-v0/trash"};
      std::string w = root_ + "/" + where[Pick(3)];
      fs::remove_all(w);
      fs::create_directories(fs::path(w).parent_path());
      Chance(50) ? fs::create_symlink(canary_, w) : (void)(std::ofstream(w) << "file");
    }
    return unreadable;
  }

 private:
  std::mt19937_64 rng_;
  std::string root_;
  std::string canary_;
};

template <typename T>
T Bounded(const std::function<T()>& fn, const std::string& root, uint64_t seed) {
  std::promise<T> done;
  std::future<T> result = done.get_future();
  std::thread worker([&] { done.set_value(fn()); });
  if (result.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
    ADD_FAILURE() << "seed " << seed << ": hung (a FIFO waited on?)";
    while (result.wait_for(std::chrono::milliseconds(100)) != std::future_status::ready) {
      for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
        if (fs::is_fifo(it->symlink_status())) {
          int fd = ::open(it->path().c_str(), O_WRONLY | O_NONBLOCK);
          if (fd >= 0) ::close(fd);
        }
      }
    }
  }
  worker.join();
  return result.get();
}

void SweepOne(uint64_t seed, const ProfileSpec* profile) {
  SCOPED_TRACE("seed " + std::to_string(seed) + " profile " + profile->name +
               " (rerun: PRUNECHECK_SWEEP_SEED=" + std::to_string(seed) + ")");
  ScopedTempDir tmp("prunecheck-sweep");
  ASSERT_TRUE(tmp.ok());
  const std::string canary = tmp.path() + "/canary";
  const std::string root = tmp.path() + "/cache";
  fs::create_directories(canary + "/sub");
  std::ofstream(canary + "/precious.txt") << "do not touch";
  std::ofstream(canary + "/sub/also.txt") << "nor this";
  Generator gen(seed, root, canary);
  std::vector<std::string> unreadable = gen.Build();
  const std::string canary_before = TreeDigest(canary);

  FaultInjectingFileSystem faulty(DefaultFileSystem());
  for (const std::string& id : unreadable) faulty.AddFault(Fault{FsOp::kListDir, EACCES, id, 0, -1});
  SessionOptions o;
  o.profile = profile;
  o.fs = &faulty;
  o.grace = std::chrono::seconds(0);
  o.create = false;
  o.lock_timeout = std::chrono::milliseconds(1000);
  Result<std::unique_ptr<CacheSession>> s = CacheSession::Open(root, o);
  if (!s.ok()) {
    // Refusing a broken cache outright is allowed, with a clear error.
    EXPECT_EQ(s.status().code(), StatusCode::kInvalidInput) << s.status().ToString();
    EXPECT_EQ(TreeDigest(canary), canary_before);
    return;
  }
  Result<PruneReport> r = Bounded<Result<PruneReport>>([&] { return (*s)->Prune(); }, root, seed);
  EXPECT_EQ(TreeDigest(canary), canary_before) << "the prune changed something outside the root";
  Result<CacheScan> scan = Bounded<Result<CacheScan>>([&] { return ScanCache(faulty, (*s)->root_fd(), false); }, root, seed);
  EXPECT_EQ(TreeDigest(canary), canary_before) << "check changed something outside the root";
  ASSERT_TRUE(scan.ok()) << scan.status().ToString();

  if (!r.ok()) {
    EXPECT_TRUE(r.status().Is(StatusCode::kInvalidInput)) << r.status().ToString();
    EXPECT_FALSE(scan->findings.empty() && scan->violations.empty())
        << "the prune refused (" << r.status().ToString() << ") but check finds nothing wrong";
    return;
  }
  std::set<std::string> skipped;
  for (const SkippedEntry& e : r->skipped) skipped.insert(e.subject);
  Result<ReferenceScan> refs = ScanReferences(*DefaultFileSystem(), (*s)->root_fd());
  ASSERT_TRUE(refs.ok()) << refs.status().ToString();
  const std::set<std::string> referenced = refs->All();
  const std::set<std::string> in_use(r->skipped_in_use.begin(), r->skipped_in_use.end());
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(root + "/archive-v0", ec)) {
    const std::string id = e.path().filename().string();
    if (referenced.count(id) || in_use.count(id)) continue;
    EXPECT_TRUE(skipped.count("archive-v0/" + id)) << "unreferenced archive-v0/" << id << " neither removed nor reported";
  }
  if (profile->prune_temp_dirs) {
    for (const auto& e : fs::directory_iterator(root, ec)) {
      const std::string name = e.path().filename().string();
      if (!layout::IsTempDirName(name)) continue;
      EXPECT_TRUE(skipped.count(name)) << "temp dir " << name << " neither removed nor reported";
    }
  }
}

TEST(AdversarialSweepTest, HostileTreesUnderEveryRealProfile) {
  std::vector<uint64_t> seeds;
  if (const char* one = std::getenv("PRUNECHECK_SWEEP_SEED")) {
    seeds.push_back(std::strtoull(one, nullptr, 10));
  } else {
    for (uint64_t s = 1; s <= 1000; ++s) seeds.push_back(s * 7919);
  }
  double budget_s = 12;
  if (const char* b = std::getenv("PRUNECHECK_SWEEP_SECONDS")) budget_s = std::strtod(b, nullptr);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(budget_s);
  int trees = 0;
  for (uint64_t seed : seeds) {
    for (const ProfileSpec* p : AllProfiles()) {
      if (p->mutant) continue;
      SweepOne(seed, p);
      if (::testing::Test::HasFailure()) return;
    }
    ++trees;
    if (std::chrono::steady_clock::now() > deadline) break;
  }
  std::printf("adversarial sweep: %d trees x every real profile\n", trees);
  EXPECT_GE(trees, 1);
}

}  // namespace
}  // namespace prunecheck
