// RemovalWatcher: its inotify reader thread against removals made on the
// test's thread (also run under TSan by ci/sanitize.sh tsan). Stop() drains
// every event queued before it, so the test needs no sleeping.
#include "harness/engine/removal_watcher.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <set>
#include <string>

#include "pruner/base/scoped_temp_dir.h"

namespace prunecheck::harness {
namespace {

namespace fs = std::filesystem;

TEST(RemovalWatcherTest, StampsEachRemovedOrMovedArchiveOnceAndNothingElse) {
  ScopedTempDir tmp("removal-watcher-test");
  ASSERT_TRUE(tmp.ok());
  const std::string cache = tmp.path() + "/cache";
  for (const char* id : {"a1", "a2", "a3"}) {
    fs::create_directories(cache + "/archive-v0/" + id + "/pkg");
    std::ofstream(cache + "/archive-v0/" + id + "/pkg/f.py") << "x";
  }
  RemovalWatcher watcher;
  ASSERT_TRUE(watcher.Start(cache).ok());
  fs::remove_all(cache + "/archive-v0/a1");
  fs::rename(cache + "/archive-v0/a2", tmp.path() + "/a2-moved");
  fs::create_directories(cache + "/archive-v0/a4");  // a new archive is not a removal
  std::vector<ControlMessage> events = watcher.Stop();
  std::set<std::string> removed;
  for (const ControlMessage& m : events) {
    EXPECT_EQ(m.kind, "remove_begin");
    EXPECT_GT(m.t_ns, 0);
    EXPECT_TRUE(removed.insert(m.subject).second) << "stamped twice: " << m.subject;
  }
  EXPECT_EQ(removed, (std::set<std::string>{"a1", "a2"}));
}

TEST(RemovalWatcherTest, StartFailsWithoutAnArchiveBucketAndStopIsHarmless) {
  ScopedTempDir tmp("removal-watcher-test");
  ASSERT_TRUE(tmp.ok());
  RemovalWatcher watcher;
  EXPECT_FALSE(watcher.Start(tmp.path() + "/no-cache").ok());
  EXPECT_TRUE(watcher.Stop().empty());
}

}  // namespace
}  // namespace prunecheck::harness
