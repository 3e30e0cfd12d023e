// Test support for cache tests: a temp directory per test, fixture wheels,
// sessions by profile name, and helpers to look at and age the tree.
// Test-only; not part of the library.
#pragma once

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <functional>
#include <map>
#include <thread>
#include <memory>
#include <string>
#include <vector>

#include "pruner/base/file_lock.h"
#include "pruner/base/file_system.h"
#include "pruner/base/id_source.h"
#include "pruner/cache/cache_layout.h"
#include "pruner/cache/cache_session.h"
#include "pruner/profiles/profile_registry.h"
#include "pruner/wheel/fixture_wheel.h"
#include "pruner/base/scoped_temp_dir.h"

namespace prunecheck::testing {

namespace fs = std::filesystem;

class CacheTestBase : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(tmp_.ok()) << "cannot create a temp dir";
    dir_ = tmp_.path();
    cache_ = dir_ + "/cache";
  }
  std::string Wheel(const std::string& name = "demo", const std::string& version = "1.0.0", uint64_t seed = 1,
                    int files = 6) {
    FixtureWheelSpec spec;
    spec.distribution = name;
    spec.version = version;
    spec.seed = seed;
    spec.file_count = files;
    fs::create_directories(dir_ + "/wheels");
    Result<std::string> p = WriteFixtureWheel(dir_ + "/wheels", spec);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    return p.ok() ? *p : std::string();
  }

  std::unique_ptr<CacheSession> Open(const std::string& profile, std::optional<std::chrono::seconds> grace = {},
                                     FileSystem* fsys = nullptr, YieldPoints* points = nullptr,
                                     std::chrono::milliseconds lock_timeout = std::chrono::milliseconds(30000)) {
    Result<const ProfileSpec*> p = FindProfile(profile);
    EXPECT_TRUE(p.ok()) << p.status().ToString();
    SessionOptions o;
    o.profile = *p;
    o.grace = grace;
    o.fs = fsys;
    o.points = points;
    o.lock_timeout = lock_timeout;
    Result<std::unique_ptr<CacheSession>> s = CacheSession::Open(cache_, o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(s).value() : nullptr;
  }

  InstallRequest Req(const std::string& wheel, const std::string& env, LinkMode mode = LinkMode::kHardlink) {
    return InstallRequest{wheel, dir_ + "/" + env, mode, ""};
  }

  std::vector<std::string> List(const std::string& rel) const {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(cache_ + "/" + rel, ec)) out.push_back(e.path().filename());
    std::sort(out.begin(), out.end());
    return out;
  }
  std::vector<std::string> Archives() const { return List("archive-v0"); }
  bool Exists(const std::string& rel) const { return fs::exists(fs::symlink_status(cache_ + "/" + rel)); }

  // Moves the mtime of `rel` (under the cache) back by `by`, as the harness ages files.
  void Age(const std::string& rel, std::chrono::seconds by) {
    struct stat st {};
    ASSERT_EQ(lstat((cache_ + "/" + rel).c_str(), &st), 0) << rel;
    struct timespec ts[2];
    ts[0].tv_sec = ts[1].tv_sec = st.st_mtim.tv_sec - by.count();
    ts[0].tv_nsec = ts[1].tv_nsec = 0;
    ASSERT_EQ(utimensat(AT_FDCWD, (cache_ + "/" + rel).c_str(), ts, AT_SYMLINK_NOFOLLOW), 0) << rel;
  }

  ScopedTempDir tmp_{"prunecheck-test"};
  std::string dir_;
  std::string cache_;
};

}  // namespace prunecheck::testing

namespace prunecheck::testing {

// YieldPoints that runs a callback when a named point is reached (the test's
// way to act "in another process" at an exact place), and records the events.
class CallbackYieldPoints final : public YieldPoints {
 public:
  void On(std::string point, std::function<void(std::string_view subject)> fn) {
    callbacks_[std::move(point)] = std::move(fn);
  }
  void Yield(std::string_view point, std::string_view subject) override {
    points_.emplace_back(point);
    auto it = callbacks_.find(std::string(point));
    if (it != callbacks_.end()) it->second(subject);
  }
  void Blocked(std::string_view, std::chrono::microseconds) override {
    std::this_thread::yield();  // retry at once: the tests' lock holders release explicitly
  }
  void Report(const Event& e) override { events_.push_back(e); }

  const std::vector<std::string>& points() const { return points_; }
  const std::vector<Event>& events() const { return events_; }

 private:
  std::map<std::string, std::function<void(std::string_view)>> callbacks_;
  std::vector<std::string> points_;
  std::vector<Event> events_;
};

// Holds a flock on a cache lock file through its own open file description,
// exactly as another process would.
inline FileLock HoldLock(const std::string& cache, const std::string& name, LockMode mode) {
  static NoYieldPoints none;
  static std::vector<Fd> dirs;  // keep dir fds alive for the locks' lifetime
  Result<Fd> root = DefaultFileSystem()->OpenDir(AT_FDCWD, cache);
  EXPECT_TRUE(root.ok());
  if (name.find('/') != std::string::npos) {
    std::filesystem::create_directories(cache + "/" + name.substr(0, name.rfind('/')));
  }
  LockRequest req;
  req.mode = mode;
  req.wait = LockRequest::Wait::kTry;
  Result<FileLock> lock = FileLock::Acquire(*DefaultFileSystem(), none, root->get(), name, req);
  EXPECT_TRUE(lock.ok()) << lock.status().ToString();
  dirs.push_back(std::move(root).value());
  return lock.ok() ? std::move(lock).value() : FileLock();
}

}  // namespace prunecheck::testing
