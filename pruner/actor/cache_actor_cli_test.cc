// cache-actor's command line as users and CI scripts see it (issue 9): it
// refuses what is not a cache (exit 2), prints counts rather than thousands
// of ids, and escapes every name it prints. Runs the built binary, found
// through PRUNECHECK_CACHE_ACTOR (set by ctest).
#include <sys/wait.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "pruner/base/scoped_temp_dir.h"
#include "pruner/profiles/profile_registry.h"

namespace prunecheck {
namespace {

namespace fs = std::filesystem;

struct ActorRun {
  int code = -1;
  std::string out, err;
};

class CacheActorCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const char* bin = std::getenv("PRUNECHECK_CACHE_ACTOR");
    if (bin == nullptr) GTEST_SKIP() << "PRUNECHECK_CACHE_ACTOR is not set (run through ctest)";
    bin_ = bin;
    ASSERT_TRUE(tmp_.ok());
    dir_ = tmp_.path();
  }

  // Runs cache-actor with `args` (each single-quoted for the shell).
  ActorRun Actor(const std::vector<std::string>& args) {
    std::string cmd = "'" + bin_ + "'";
    for (const std::string& a : args) cmd += " '" + a + "'";
    cmd += " >'" + dir_ + "/out' 2>'" + dir_ + "/err' </dev/null";
    ActorRun r;
    int status = std::system(cmd.c_str());
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    r.out = Slurp(dir_ + "/out");
    r.err = Slurp(dir_ + "/err");
    return r;
  }
  static std::string Slurp(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  static size_t Lines(const std::string& s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

  std::map<std::string, std::string> Snapshot(const std::string& root) {
    std::map<std::string, std::string> out;
    for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator(); ++it) {
      out[it->path().string()] = fs::is_regular_file(it->symlink_status()) ? Slurp(it->path().string()) : "dir";
    }
    return out;
  }

  std::string bin_;
  ScopedTempDir tmp_{"prunecheck-cli"};
  std::string dir_;
};

TEST_F(CacheActorCliTest, NotACacheIsRefusedWithExit2UnderEveryProfile) {
  const std::string home = dir_ + "/home";
  fs::create_directories(home + "/.ssh");
  fs::create_directories(home + "/Documents");
  std::ofstream(home + "/.ssh/id_ed25519") << "secret";
  std::ofstream(home + "/Documents/a.txt") << "work";
  std::ofstream(home + "/notes.txt") << "notes";
  fs::create_directories(home + "/.tmpabc123");
  const auto before = Snapshot(home);
  for (const ProfileSpec* p : AllProfiles()) {
    SCOPED_TRACE(p->name);
    ActorRun prune = Actor({"prune", "--cache", home, "--profile", p->name, "--grace", "0"});
    EXPECT_EQ(prune.code, 2) << prune.out << prune.err;
    EXPECT_NE(prune.err.find(home + " is not a cache"), std::string::npos) << prune.err;
    ActorRun clean = Actor({"clean", "--cache", home, "--profile", p->name, "notes"});
    EXPECT_EQ(clean.code, 2) << clean.out << clean.err;
    EXPECT_EQ(Snapshot(home), before);
  }
  ActorRun check = Actor({"check", "--cache", home});
  EXPECT_EQ(check.code, 2) << check.out << check.err;
  EXPECT_NE(check.err.find("is not a cache"), std::string::npos) << check.err;
  EXPECT_EQ(Actor({"check", "--cache", "/etc"}).code, 2);

  // A missing path is an error, and stays missing.
  ActorRun missing = Actor({"prune", "--cache", dir_ + "/nope"});
  EXPECT_EQ(missing.code, 2) << missing.err;
  EXPECT_FALSE(fs::exists(dir_ + "/nope"));
  EXPECT_EQ(Actor({"clean", "--cache", dir_ + "/nope", "pkg"}).code, 2);
  EXPECT_FALSE(fs::exists(dir_ + "/nope"));
  EXPECT_EQ(Actor({"check", "--cache", dir_ + "/nope"}).code, 2);
}

// A cache laid out by hand: `n` unreferenced archives of one 10-byte file.
void PlantArchives(const std::string& cache, int n) {
  fs::create_directories(cache + "/archive-v0");
  std::ofstream(cache + "/CACHEDIR.TAG") << "Signature: 8a477f597d28d172789f06886806bc55\n";
  for (int i = 0; i < n; ++i) {
    char id[32];
    std::snprintf(id, sizeof id, "a%019d", i);
    fs::create_directory(cache + "/archive-v0/" + id);
    std::ofstream(cache + "/archive-v0/" + id + "/f") << "0123456789";
  }
}

TEST_F(CacheActorCliTest, PruneOutputIsCountsAndBytesIdsOnlyOnRequest) {
  const std::string cache = dir_ + "/cache";
  constexpr int kArchives = 300;
  PlantArchives(cache, kArchives);
  ActorRun r = Actor({"prune", "--cache", cache, "--profile", "uv-0.8.18"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(r.out,
            "prune (uv-0.8.18): 0 archives referenced\n"
            "prune: removed 300 archives, 0 temp dirs, 0 other entries (3000 bytes)\n"
            "prune: left 0 archives in use, 0 within the grace period\n");

  PlantArchives(cache, kArchives);
  ActorRun v = Actor({"prune", "--cache", cache, "--profile", "uv-0.8.18", "-v"});
  ASSERT_EQ(v.code, 0) << v.err;
  EXPECT_EQ(Lines(v.out), 3u + kArchives);
  EXPECT_NE(v.out.find("\nprune: removed archive a0000000000000000299\n"), std::string::npos) << v.out;

  PlantArchives(cache, kArchives);
  ActorRun j = Actor({"prune", "--cache", cache, "--profile", "uv-0.8.18", "--json"});
  ASSERT_EQ(j.code, 0) << j.err;
  nlohmann::json doc = nlohmann::json::parse(j.out);
  EXPECT_EQ(doc["removed_archives"].size(), static_cast<size_t>(kArchives));
  EXPECT_EQ(doc["removed_bytes"], 3000);
  EXPECT_TRUE(doc["skipped"].empty());
}

TEST_F(CacheActorCliTest, NamesWithControlCharactersAreEscaped) {
  const std::string cache = dir_ + "/cache";
  PlantArchives(cache, 1);
  // An unknown top-level entry (uv deletes those) and an archive that is a
  // file, both named so that printed raw they would forge a line.
  std::ofstream(cache + "/evil\nviolation none: forged") << "x";
  std::ofstream(cache + "/archive-v0/bad\nfinding none: forged") << "x";
  ActorRun check = Actor({"check", "--cache", cache});
  EXPECT_EQ(check.code, 4) << check.out << check.err;
  EXPECT_NE(check.out.find("bad\\nfinding none: forged"), std::string::npos) << check.out;
  EXPECT_EQ(check.out.find("\nfinding none"), std::string::npos) << check.out;

  ActorRun prune = Actor({"prune", "--cache", cache, "--profile", "uv-0.8.18", "-v"});
  ASSERT_EQ(prune.code, 0) << prune.err;
  EXPECT_NE(prune.out.find("prune: removed other evil\\nviolation none: forged\n"), std::string::npos) << prune.out;
  EXPECT_EQ(prune.out.find("\nviolation none"), std::string::npos) << prune.out;
}

TEST_F(CacheActorCliTest, CheckReportsBrokenShapesWithExit4) {
  const std::string cache = dir_ + "/cache";
  PlantArchives(cache, 0);
  std::ofstream(cache + "/wheels-v6") << "a file where the index belongs";
  fs::create_directories(dir_ + "/outside");
  fs::create_symlink(dir_ + "/outside", cache + "/gc-v0");
  ActorRun check = Actor({"check", "--cache", cache});
  EXPECT_EQ(check.code, 4) << check.out << check.err;
  EXPECT_NE(check.out.find("finding cache-structure: wheels-v6 is a regular file, not a directory\n"),
            std::string::npos)
      << check.out;
  EXPECT_NE(check.out.find("finding cache-structure: gc-v0 is a symlink (to '" + dir_ + "/outside'), not a directory\n"),
            std::string::npos)
      << check.out;
  EXPECT_EQ(check.out.find("no violations"), std::string::npos) << check.out;
}

}  // namespace
}  // namespace prunecheck
