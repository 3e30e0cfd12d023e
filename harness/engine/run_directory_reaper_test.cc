#include "harness/engine/run_directory_reaper.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "harness/engine/run_directory.h"
#include "pruner/base/scoped_temp_dir.h"

namespace prunecheck::harness {
namespace {

namespace fs = std::filesystem;

class RunDirectoryReaperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(tmp_.ok()) << "cannot create a temp dir";
    root_ = tmp_.path();
  }

  // A small run-directory-like tree.
  std::string MakeTree(int i) {
    const std::string dir = root_ + "/run-" + std::to_string(i);
    fs::create_directories(dir + "/cache/archive-v0/a/pkg");
    std::ofstream(dir + "/cache/archive-v0/a/pkg/f.py") << "x";
    fs::create_directory_symlink(root_, dir + "/cache/escape");  // must not be followed
    return dir;
  }

  ScopedTempDir tmp_{"reaper-test"};
  std::string root_;
};

TEST_F(RunDirectoryReaperTest, DrainReturnsOnlyWhenEveryQueuedDirectoryIsGone) {
  RunDirectoryReaper reaper(2);
  std::vector<std::string> dirs;
  for (int i = 0; i < 10; ++i) {
    dirs.push_back(MakeTree(i));
    reaper.Remove(dirs.back());  // blocks while 2 are pending
  }
  reaper.Drain();
  for (const std::string& d : dirs) EXPECT_FALSE(fs::exists(d)) << d;
  EXPECT_EQ(reaper.removed(), 10u);
  EXPECT_EQ(reaper.failed(), 0u);
  EXPECT_TRUE(fs::exists(root_)) << "a symlink inside a run directory was followed";
}

TEST_F(RunDirectoryReaperTest, DestructorFinishesWhatWasQueued) {
  std::vector<std::string> dirs;
  {
    RunDirectoryReaper reaper(4);
    for (int i = 0; i < 4; ++i) {
      dirs.push_back(MakeTree(i));
      reaper.Remove(dirs.back());
    }
  }
  for (const std::string& d : dirs) EXPECT_FALSE(fs::exists(d)) << d;
}

TEST(DefaultRunBaseDirTest, IsAnExistingWritableDirectory) {
  const std::string dir = DefaultRunBaseDir();
  ASSERT_FALSE(dir.empty());
  EXPECT_TRUE(fs::is_directory(dir)) << dir;
  EXPECT_EQ(::access(dir.c_str(), W_OK | X_OK), 0) << dir;
}

}  // namespace
}  // namespace prunecheck::harness
