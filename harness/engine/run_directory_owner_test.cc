#include "harness/engine/run_directory_owner.h"

#include <sys/wait.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "pruner/base/scoped_temp_dir.h"

namespace prunecheck::harness {
namespace {

namespace fs = std::filesystem;

// A pid that certainly names no process any more: a child, reaped.
pid_t DeadPid() {
  pid_t pid = fork();
  if (pid == 0) _exit(0);
  waitpid(pid, nullptr, 0);
  return pid;
}

class RunDirectoryOwnerTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(tmp_.ok()); }
  std::string MakeRunDir(const std::string& name, const std::string& marker) {
    const std::string dir = tmp_.path() + "/" + name;
    fs::create_directories(dir + "/cache/archive-v0/x");
    if (!marker.empty()) std::ofstream(dir + "/owner") << marker;
    return dir;
  }
  ScopedTempDir tmp_{"run-dir-owner"};
};

TEST_F(RunDirectoryOwnerTest, MarkerRoundTripsAndNamesALiveOwner) {
  Result<RunDirOwner> me = CurrentOwner();
  ASSERT_TRUE(me.ok()) << me.status().ToString();
  EXPECT_EQ(me->pid, getpid());
  EXPECT_GT(me->start_time, 0u);
  Result<RunDirOwner> back = ParseOwnerMarker(FormatOwnerMarker(*me));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->pid, me->pid);
  EXPECT_EQ(back->start_time, me->start_time);
  EXPECT_TRUE(OwnerAlive(*me));
  // Same pid, other start time: the pid was reused, the owner is gone.
  EXPECT_FALSE(OwnerAlive({me->pid, me->start_time + 1}));
  EXPECT_FALSE(OwnerAlive({DeadPid(), 1}));
  for (const char* bad : {"", "prunecheck-run-owner 2\npid 1\nstart 1\n", "prunecheck-run-owner 1\npid x\nstart 1\n",
                          "prunecheck-run-owner 1\npid 1\nstart 1\nmore\n"}) {
    EXPECT_FALSE(ParseOwnerMarker(bad).ok()) << bad;
  }
}

// Issue 9 item 13: after a SIGKILL of the harness its run directory stayed
// forever. Now a later run removes it — and only it.
TEST_F(RunDirectoryOwnerTest, RemovesOnlyMarkedDirectoriesOfGoneOwners) {
  Result<RunDirOwner> me = CurrentOwner();
  ASSERT_TRUE(me.ok());
  const std::string gone = FormatOwnerMarker({DeadPid(), 12345});
  const std::string dead = MakeRunDir("prunecheck-run-dead01", gone);
  const std::string alive = MakeRunDir("prunecheck-run-alive1", FormatOwnerMarker(*me));
  const std::string kept = MakeRunDir("prunecheck-run-kept01", "");  // no marker: kept on purpose
  const std::string garbled = MakeRunDir("prunecheck-run-garbld", "not a marker");
  const std::string other = MakeRunDir("someone-elses-dir", gone);  // not our name
  // A symlink named like a run directory, to a marked directory of a gone owner: never followed.
  const std::string target = MakeRunDir("target", gone);
  fs::create_directory_symlink(target, tmp_.path() + "/prunecheck-run-link01");
  // A marker that is a FIFO must not block the cleanup.
  const std::string fifo_dir = MakeRunDir("prunecheck-run-fifo01", "");
  ASSERT_EQ(mkfifo((fifo_dir + "/owner").c_str(), 0600), 0);

  StaleRunDirCleanup c = RemoveStaleRunDirectories(tmp_.path());
  EXPECT_EQ(c.removed, std::vector<std::string>{dead});
  EXPECT_TRUE(c.failed.empty());
  EXPECT_FALSE(fs::exists(dead));
  for (const std::string& d : {alive, kept, garbled, other, target, fifo_dir}) EXPECT_TRUE(fs::exists(d)) << d;
  EXPECT_TRUE(fs::is_symlink(tmp_.path() + "/prunecheck-run-link01"));
  EXPECT_TRUE(fs::exists(target + "/owner"));
}

TEST_F(RunDirectoryOwnerTest, ReleaseRemovesTheMarkerSoAKeptDirectoryStays) {
  const std::string dir = MakeRunDir("prunecheck-run-keepme", "");
  ASSERT_TRUE(WriteOwnerMarker(dir).ok());
  EXPECT_TRUE(fs::exists(dir + "/owner"));
  ReleaseRunDirectory(dir);
  EXPECT_FALSE(fs::exists(dir + "/owner"));
  EXPECT_TRUE(fs::exists(dir));
}

TEST_F(RunDirectoryOwnerTest, ExaminesABoundedNumberOfEntries) {
  const std::string gone = FormatOwnerMarker({DeadPid(), 1});
  MakeRunDir("prunecheck-run-a", gone);
  MakeRunDir("prunecheck-run-b", gone);
  MakeRunDir("prunecheck-run-c", gone);
  EXPECT_EQ(RemoveStaleRunDirectories(tmp_.path(), 2).removed.size(), 2u);
  EXPECT_EQ(RemoveStaleRunDirectories(tmp_.path(), 2).removed.size(), 1u);
}

}  // namespace
}  // namespace prunecheck::harness
