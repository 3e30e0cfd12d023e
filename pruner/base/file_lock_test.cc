#include "pruner/base/file_lock.h"

#include "pruner/base/forwarding_file_system.h"

#include <fcntl.h>
#include <poll.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "pruner/base/fault_injecting_file_system.h"
#include "pruner/base/fs_util.h"
#include "pruner/base/scoped_temp_dir.h"

extern char** environ;

namespace prunecheck {
namespace {

// ---------------------------------------------------------------------------
// Cross-process helper: this test binary re-executed with
//   PRUNECHECK_LOCK_HELPER="<dir>:<name>:<shared|exclusive>" --gtest_filter=FileLockHelper.HoldLock
// takes the lock (try-lock), prints "locked" on stdout, holds it until its
// stdin reaches EOF, then releases and exits. The parent synchronises only
// through these pipes, never by sleeping.

constexpr char kHelperEnv[] = "PRUNECHECK_LOCK_HELPER";
constexpr char kLockedToken[] = "\nlocked\n";

void WriteAllFd(int fd, std::string_view s) {
  while (!s.empty()) {
    ssize_t n = ::write(fd, s.data(), s.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    s.remove_prefix(static_cast<size_t>(n));
  }
}

TEST(FileLockHelper, HoldLock) {
  const char* spec = std::getenv(kHelperEnv);
  if (spec == nullptr) GTEST_SKIP() << "only runs as a child of the FileLock tests";
  std::string s(spec);
  size_t c2 = s.rfind(':');
  size_t c1 = c2 == std::string::npos || c2 == 0 ? std::string::npos : s.rfind(':', c2 - 1);
  ASSERT_NE(c1, std::string::npos) << "bad " << kHelperEnv << ": " << s;
  std::string dir = s.substr(0, c1), name = s.substr(c1 + 1, c2 - c1 - 1), mode = s.substr(c2 + 1);
  ASSERT_TRUE(mode == "shared" || mode == "exclusive") << mode;

  FileSystem* fs = DefaultFileSystem();
  NoYieldPoints points;
  Result<Fd> d = fs->OpenDir(AT_FDCWD, dir);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  LockRequest req;
  req.mode = mode == "shared" ? LockMode::kShared : LockMode::kExclusive;
  req.wait = LockRequest::Wait::kTry;
  Result<FileLock> lock = FileLock::Acquire(*fs, points, d->get(), name, req);
  std::fflush(stdout);
  if (!lock.ok()) {
    WriteAllFd(1, "\nerror: " + lock.status().ToString() + "\n");
    FAIL() << lock.status().ToString();
  }
  WriteAllFd(1, kLockedToken);
  char buf[256];
  for (;;) {
    ssize_t n = ::read(0, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
  }
  ASSERT_TRUE(lock->Release().ok());
}

std::string TestBinary() {
  if (const char* b = std::getenv("PRUNECHECK_TEST_BINARY"); b != nullptr && *b != '\0') return b;
  char buf[4096];
  ssize_t n = ::readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "/proc/self/exe";
  return std::string(buf, static_cast<size_t>(n));
}

// A running helper process. Always reaped: Stop() or the destructor waits for it.
class LockHelper {
 public:
  LockHelper() = default;
  LockHelper(const LockHelper&) = delete;
  LockHelper& operator=(const LockHelper&) = delete;
  ~LockHelper() { (void)Stop(); }

  // Spawns the helper and waits until it reports "locked". Returns false
  // (with the helper's output in `output()`) if it exited without the lock.
  bool Start(const std::string& dir, const std::string& name, LockMode mode) {
    int in_pipe[2], out_pipe[2];
    if (::pipe2(in_pipe, O_CLOEXEC) != 0 || ::pipe2(out_pipe, O_CLOEXEC) != 0) {
      ADD_FAILURE() << "pipe2: " << std::strerror(errno);
      return false;
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in_pipe[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out_pipe[1], 1);

    // The child's environment: ours, minus anything that would make gtest
    // skip or redirect the helper test, plus the helper spec.
    std::vector<std::string> env_strings;
    for (char** e = environ; *e != nullptr; ++e) {
      std::string_view kv(*e);
      if (kv.rfind("GTEST_", 0) == 0 || kv.rfind(kHelperEnv, 0) == 0) continue;
      env_strings.emplace_back(kv);
    }
    env_strings.push_back(std::string(kHelperEnv) + "=" + dir + ":" + name + ":" +
                          (mode == LockMode::kShared ? "shared" : "exclusive"));
    std::vector<char*> envp;
    for (std::string& s : env_strings) envp.push_back(s.data());
    envp.push_back(nullptr);

    std::string binary = TestBinary();
    std::string filter = "--gtest_filter=FileLockHelper.HoldLock";
    std::string color = "--gtest_color=no";
    std::vector<char*> argv = {binary.data(), filter.data(), color.data(), nullptr};

    int rc = ::posix_spawn(&pid_, binary.c_str(), &fa, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    ::close(in_pipe[0]);
    ::close(out_pipe[1]);
    if (rc != 0) {
      ::close(in_pipe[1]);
      ::close(out_pipe[0]);
      pid_ = -1;
      ADD_FAILURE() << "posix_spawn " << binary << ": " << std::strerror(rc);
      return false;
    }
    to_child_ = in_pipe[1];
    from_child_ = out_pipe[0];

    // Wait for the token or EOF. The poll timeout is only a safety net so a
    // broken helper fails the test instead of hanging it.
    for (;;) {
      if (output_.find(kLockedToken) != std::string::npos) return true;
      struct pollfd p = {from_child_, POLLIN, 0};
      int pr = ::poll(&p, 1, 60000);
      if (pr < 0 && errno == EINTR) continue;
      if (pr == 0) {
        ADD_FAILURE() << "helper did not report within 60 s; output: " << output_;
        return false;
      }
      char buf[512];
      ssize_t n = ::read(from_child_, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;  // exited without the lock
      output_.append(buf, static_cast<size_t>(n));
    }
  }

  // Closes the helper's stdin (it releases and exits) and reaps it.
  // Returns its wait status, or -1 if none was running.
  int Stop() {
    if (to_child_ >= 0) {
      ::close(to_child_);
      to_child_ = -1;
    }
    int status = -1;
    if (pid_ > 0) {
      while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
      }
      pid_ = -1;
    }
    if (from_child_ >= 0) {
      char buf[512];
      ssize_t n;
      while ((n = ::read(from_child_, buf, sizeof buf)) > 0) output_.append(buf, static_cast<size_t>(n));
      ::close(from_child_);
      from_child_ = -1;
    }
    return status;
  }

  const std::string& output() const { return output_; }

 private:
  pid_t pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
  std::string output_;
};

bool ExitedCleanly(int status) { return status >= 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0; }

// ---------------------------------------------------------------------------
// Test doubles

class RecordingYieldPoints final : public YieldPoints {
 public:
  void Yield(std::string_view point, std::string_view subject) override {
    log.push_back("yield " + std::string(point) + " " + std::string(subject));
  }
  void Blocked(std::string_view point, std::chrono::microseconds backoff) override {
    log.push_back("blocked " + std::string(point));
    backoffs.push_back(backoff);
    if (on_blocked) on_blocked(static_cast<int>(backoffs.size()));
  }
  void Report(const Event& e) override {
    log.push_back("report " + std::string(EventKindName(e.kind)) + " " + e.detail);
  }
  std::vector<std::string> log;
  std::vector<std::chrono::microseconds> backoffs;
  std::function<void(int)> on_blocked;  // called with the 1-based Blocked() count
};


// Simulates a pruner replacing the lock file between our open and our flock:
// before each of the first `replace_times` Flock calls, unlinks `name` and
// creates a new file there. Records the inode of every fd it locked.
class ReplacingFileSystem final : public ForwardingFileSystem {
 public:
  ReplacingFileSystem(FileSystem* base, int dirfd, std::string name, int replace_times)
      : ForwardingFileSystem(base), dirfd_(dirfd), name_(std::move(name)), replace_left_(replace_times) {}

  Status Flock(int fd, LockMode mode, bool nb) override {
    ++flock_calls;
    if (replace_left_ != 0) {
      if (replace_left_ > 0) --replace_left_;
      EXPECT_TRUE(base_->Unlink(dirfd_, name_, false).ok());
      EXPECT_TRUE(WriteFile(*base_, dirfd_, name_, "").ok());
    }
    Status s = base_->Flock(fd, mode, nb);
    if (s.ok()) {
      Result<FileStat> st = base_->FStat(fd);
      if (st.ok()) last_locked_ino = st->ino;
    }
    return s;
  }

  int flock_calls = 0;
  uint64_t last_locked_ino = 0;

 private:
  int dirfd_;
  std::string name_;
  int replace_left_;  // < 0: forever
};

// ---------------------------------------------------------------------------

class FileLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(tmp_.ok()) << "cannot create a temp dir";
    root_ = tmp_.path();
    Result<Fd> d = fs_->OpenDir(AT_FDCWD, root_);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    dir_ = std::move(d).value();
  }

  static LockRequest Req(LockMode mode, LockRequest::Wait wait = LockRequest::Wait::kTry,
                         std::chrono::milliseconds timeout = std::chrono::milliseconds(30000)) {
    LockRequest r;
    r.mode = mode;
    r.wait = wait;
    r.timeout = timeout;
    return r;
  }
  Result<FileLock> Try(LockMode mode, const std::string& name = ".lock") {
    return FileLock::Acquire(*fs_, none_, dir_.get(), name, Req(mode));
  }
  uint64_t LinkedIno(const std::string& name = ".lock") {
    Result<FileStat> st = fs_->Stat(dir_.get(), name);
    return st.ok() ? st->ino : 0;
  }

  FileSystem* fs_ = DefaultFileSystem();
  NoYieldPoints none_;
  ScopedTempDir tmp_{"prunecheck-filelock"};
  std::string root_;
  Fd dir_;
};

// --- across processes ------------------------------------------------------

TEST_F(FileLockTest, ExclusiveHeldByOtherProcessBlocksTryLocks) {
  LockHelper helper;
  ASSERT_TRUE(helper.Start(root_, ".lock", LockMode::kExclusive)) << helper.output();

  Result<FileLock> shared = Try(LockMode::kShared);
  ASSERT_FALSE(shared.ok());
  EXPECT_EQ(shared.status().code(), StatusCode::kWouldBlock) << shared.status().ToString();
  EXPECT_NE(shared.status().message().find(".lock"), std::string::npos);
  Result<FileLock> excl = Try(LockMode::kExclusive);
  ASSERT_FALSE(excl.ok());
  EXPECT_EQ(excl.status().code(), StatusCode::kWouldBlock);

  EXPECT_TRUE(ExitedCleanly(helper.Stop())) << helper.output();
  Result<FileLock> after = Try(LockMode::kExclusive);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_TRUE(after->held());
}

TEST_F(FileLockTest, SharedLocksInTwoProcessesCoexist) {
  LockHelper helper;
  ASSERT_TRUE(helper.Start(root_, ".lock", LockMode::kShared)) << helper.output();

  Result<FileLock> shared = Try(LockMode::kShared);
  ASSERT_TRUE(shared.ok()) << shared.status().ToString();
  EXPECT_EQ(Try(LockMode::kExclusive).status().code(), StatusCode::kWouldBlock);
  ASSERT_TRUE(shared->Release().ok());
  // Still held shared by the other process.
  EXPECT_EQ(Try(LockMode::kExclusive).status().code(), StatusCode::kWouldBlock);

  EXPECT_TRUE(ExitedCleanly(helper.Stop())) << helper.output();
  EXPECT_TRUE(Try(LockMode::kExclusive).ok());
}

TEST_F(FileLockTest, OtherProcessCannotTakeLockWeHold) {
  Result<FileLock> mine = Try(LockMode::kExclusive);
  ASSERT_TRUE(mine.ok());
  {
    LockHelper helper;
    EXPECT_FALSE(helper.Start(root_, ".lock", LockMode::kShared));
    int status = helper.Stop();
    EXPECT_FALSE(ExitedCleanly(status));
    EXPECT_NE(helper.output().find("would-block"), std::string::npos) << helper.output();
  }
  ASSERT_TRUE(mine->Release().ok());
  LockHelper helper;
  EXPECT_TRUE(helper.Start(root_, ".lock", LockMode::kShared)) << helper.output();
  EXPECT_TRUE(ExitedCleanly(helper.Stop()));
}

TEST_F(FileLockTest, BlockingAcquireTimesOut) {
  LockHelper helper;
  ASSERT_TRUE(helper.Start(root_, ".lock", LockMode::kExclusive)) << helper.output();

  RecordingYieldPoints points;
  auto start = std::chrono::steady_clock::now();
  Result<FileLock> lock = FileLock::Acquire(
      *fs_, points, dir_.get(), ".lock",
      Req(LockMode::kShared, LockRequest::Wait::kBlocking, std::chrono::milliseconds(50)));
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_FALSE(lock.ok());
  EXPECT_EQ(lock.status().code(), StatusCode::kLockTimeout);
  EXPECT_NE(lock.status().message().find("timed out after 50 ms waiting for shared lock on .lock"),
            std::string::npos)
      << lock.status().message();
  // NoYield-style waiting really waited (RecordingYieldPoints does not sleep,
  // so the deadline is reached by retrying; it must not end early).
  EXPECT_GE(elapsed, std::chrono::milliseconds(50));
  ASSERT_FALSE(points.backoffs.empty());
  EXPECT_EQ(points.backoffs.front(), std::chrono::microseconds(100));
  for (size_t i = 0; i < points.backoffs.size(); ++i) {
    EXPECT_LE(points.backoffs[i], std::chrono::microseconds(5000));
  }
  EXPECT_EQ(points.log.front(), "yield lock.root.acquire .lock");
  EXPECT_EQ(points.log[1], "blocked lock.root.wait");
  for (const std::string& l : points.log) EXPECT_EQ(l.find("report"), std::string::npos) << l;

  EXPECT_TRUE(ExitedCleanly(helper.Stop())) << helper.output();
}

TEST_F(FileLockTest, BlockingAcquireWithNoYieldPointsTimesOut) {
  LockHelper helper;
  ASSERT_TRUE(helper.Start(root_, ".lock", LockMode::kShared)) << helper.output();
  auto start = std::chrono::steady_clock::now();
  Result<FileLock> lock = FileLock::Acquire(
      *fs_, none_, dir_.get(), ".lock",
      Req(LockMode::kExclusive, LockRequest::Wait::kBlocking, std::chrono::milliseconds(50)));
  auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(lock.status().code(), StatusCode::kLockTimeout) << lock.status().ToString();
  EXPECT_GE(elapsed, std::chrono::milliseconds(50));
  EXPECT_LT(elapsed, std::chrono::seconds(20));
  EXPECT_TRUE(ExitedCleanly(helper.Stop())) << helper.output();
}

TEST_F(FileLockTest, BlockingAcquireSucceedsOnceHolderExits) {
  LockHelper helper;
  ASSERT_TRUE(helper.Start(root_, ".lock", LockMode::kExclusive)) << helper.output();
  RecordingYieldPoints points;
  int helper_status = -1;
  // The first time the acquirer is blocked, the holder finishes (deterministic:
  // Stop() returns only after the helper has exited and so released its lock).
  points.on_blocked = [&](int n) {
    if (n == 1) helper_status = helper.Stop();
  };
  Result<FileLock> lock = FileLock::Acquire(
      *fs_, points, dir_.get(), ".lock",
      Req(LockMode::kExclusive, LockRequest::Wait::kBlocking, std::chrono::milliseconds(60000)));
  ASSERT_TRUE(lock.ok()) << lock.status().ToString();
  EXPECT_TRUE(ExitedCleanly(helper_status)) << helper.output();
  EXPECT_EQ(points.backoffs.size(), 1u);
  EXPECT_EQ(points.log, (std::vector<std::string>{"yield lock.root.acquire .lock",
                                                  "blocked lock.root.wait",
                                                  "report lock_acquired .lock exclusive",
                                                  "yield lock.root.acquired .lock"}));
}

// --- in-process semantics --------------------------------------------------

TEST_F(FileLockTest, ReportsEventsAndYieldPointsInOrder) {
  RecordingYieldPoints points;
  LockRequest req = Req(LockMode::kExclusive);
  req.label = "entry";
  ASSERT_TRUE(fs_->MakeDir(dir_.get(), "locks", 0755).ok());
  Result<FileLock> lock = FileLock::Acquire(*fs_, points, dir_.get(), "locks/abc.lock", req);
  ASSERT_TRUE(lock.ok()) << lock.status().ToString();
  EXPECT_TRUE(lock->held());
  EXPECT_EQ(lock->mode(), LockMode::kExclusive);
  EXPECT_EQ(lock->name(), "locks/abc.lock");
  ASSERT_TRUE(lock->Release().ok());
  EXPECT_FALSE(lock->held());
  ASSERT_TRUE(lock->Release().ok());  // idempotent, no second event
  EXPECT_EQ(points.log, (std::vector<std::string>{
                            "yield lock.entry.acquire locks/abc.lock",
                            "report lock_acquired locks/abc.lock exclusive",
                            "yield lock.entry.acquired locks/abc.lock",
                            "yield lock.entry.release locks/abc.lock",
                            "report lock_released locks/abc.lock exclusive"}));
}

TEST_F(FileLockTest, DestructorReleasesAndReportsWithoutYield) {
  RecordingYieldPoints points;
  {
    Result<FileLock> lock = FileLock::Acquire(*fs_, points, dir_.get(), ".lock", Req(LockMode::kShared));
    ASSERT_TRUE(lock.ok());
    EXPECT_EQ(Try(LockMode::kExclusive).status().code(), StatusCode::kWouldBlock);
  }
  EXPECT_EQ(points.log, (std::vector<std::string>{"yield lock.root.acquire .lock",
                                                  "report lock_acquired .lock shared",
                                                  "yield lock.root.acquired .lock",
                                                  "report lock_released .lock shared"}));
  EXPECT_TRUE(Try(LockMode::kExclusive).ok());
}

TEST_F(FileLockTest, MoveTransfersAndMoveAssignReleasesOld) {
  Result<FileLock> a = Try(LockMode::kExclusive, "a.lock");
  Result<FileLock> b = Try(LockMode::kExclusive, "b.lock");
  ASSERT_TRUE(a.ok() && b.ok());
  FileLock moved(std::move(*a));
  EXPECT_FALSE(a->held());  // NOLINT(bugprone-use-after-move)
  EXPECT_TRUE(moved.held());
  EXPECT_EQ(moved.name(), "a.lock");
  EXPECT_EQ(Try(LockMode::kShared, "a.lock").status().code(), StatusCode::kWouldBlock);

  moved = std::move(*b);  // drops a.lock, now holds b.lock
  EXPECT_EQ(moved.name(), "b.lock");
  EXPECT_TRUE(Try(LockMode::kShared, "a.lock").ok());
  EXPECT_EQ(Try(LockMode::kShared, "b.lock").status().code(), StatusCode::kWouldBlock);
  FileLock empty;
  EXPECT_FALSE(empty.held());
  EXPECT_TRUE(empty.Release().ok());
}

TEST_F(FileLockTest, TwoLocksInOneProcessConflict) {
  Result<FileLock> a = Try(LockMode::kShared);
  ASSERT_TRUE(a.ok());
  Result<FileLock> b = Try(LockMode::kShared);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(Try(LockMode::kExclusive).status().code(), StatusCode::kWouldBlock);
}

TEST_F(FileLockTest, CreateFalseOnMissingFileIsNotFound) {
  LockRequest req = Req(LockMode::kShared);
  req.create = false;
  Result<FileLock> lock = FileLock::Acquire(*fs_, none_, dir_.get(), ".lock", req);
  EXPECT_EQ(lock.status().code(), StatusCode::kNotFound) << lock.status().ToString();
  EXPECT_EQ(LinkedIno(), 0u);  // not created
  ASSERT_TRUE(WriteFile(*fs_, dir_.get(), ".lock", "").ok());
  EXPECT_TRUE(FileLock::Acquire(*fs_, none_, dir_.get(), ".lock", req).ok());
}

TEST_F(FileLockTest, RefusesSymlinkedLockFile) {
  ASSERT_TRUE(WriteFile(*fs_, dir_.get(), "real.lock", "").ok());
  ASSERT_TRUE(fs_->Symlink("real.lock", dir_.get(), ".lock").ok());
  Result<FileLock> lock = Try(LockMode::kShared);
  EXPECT_EQ(lock.status().code(), StatusCode::kInvalidInput) << lock.status().ToString();
}

TEST_F(FileLockTest, ZeroTimeoutFailsAtOnceWhenHeld) {
  Result<FileLock> held = Try(LockMode::kExclusive);
  ASSERT_TRUE(held.ok());
  RecordingYieldPoints points;
  Result<FileLock> lock = FileLock::Acquire(
      *fs_, points, dir_.get(), ".lock",
      Req(LockMode::kShared, LockRequest::Wait::kBlocking, std::chrono::milliseconds(0)));
  EXPECT_EQ(lock.status().code(), StatusCode::kLockTimeout);
  EXPECT_TRUE(points.backoffs.empty());
}

TEST_F(FileLockTest, FlockIoErrorIsReturned) {
  FaultInjectingFileSystem faulty(fs_);
  faulty.AddFault(Fault{FsOp::kFlock, EIO, "", 0, 1});
  Result<FileLock> lock = FileLock::Acquire(faulty, none_, dir_.get(), ".lock", Req(LockMode::kShared));
  EXPECT_EQ(lock.status().code(), StatusCode::kIoError) << lock.status().ToString();
  EXPECT_TRUE(FileLock::Acquire(faulty, none_, dir_.get(), ".lock", Req(LockMode::kShared)).ok());
}

// --- lock, then verify the inode -------------------------------------------

TEST_F(FileLockTest, VerifyInodeRetriesWhenLockFileReplaced) {
  ASSERT_TRUE(WriteFile(*fs_, dir_.get(), ".lock", "").ok());
  uint64_t original = LinkedIno();
  ReplacingFileSystem replacing(fs_, dir_.get(), ".lock", 1);
  Result<FileLock> lock =
      FileLock::Acquire(replacing, none_, dir_.get(), ".lock", Req(LockMode::kExclusive));
  ASSERT_TRUE(lock.ok()) << lock.status().ToString();
  EXPECT_EQ(replacing.flock_calls, 2);  // the stale inode was dropped and the new one locked
  EXPECT_NE(LinkedIno(), original);
  EXPECT_EQ(replacing.last_locked_ino, LinkedIno());
  // Everyone else sees the lock as held.
  EXPECT_EQ(Try(LockMode::kShared).status().code(), StatusCode::kWouldBlock);
}

TEST_F(FileLockTest, VerifyInodeOffMutantHoldsStaleInode) {
  ASSERT_TRUE(WriteFile(*fs_, dir_.get(), ".lock", "").ok());
  ReplacingFileSystem replacing(fs_, dir_.get(), ".lock", 1);
  LockRequest req = Req(LockMode::kExclusive);
  req.verify_inode = false;
  Result<FileLock> lock = FileLock::Acquire(replacing, none_, dir_.get(), ".lock", req);
  ASSERT_TRUE(lock.ok()) << lock.status().ToString();
  EXPECT_EQ(replacing.flock_calls, 1);
  EXPECT_NE(replacing.last_locked_ino, LinkedIno());  // holds a lock nobody else can see
  // Detectable: a second process-equivalent takes "the same" exclusive lock.
  EXPECT_TRUE(Try(LockMode::kExclusive).ok());
}

TEST_F(FileLockTest, VerifyInodeGivesUpIfLockFileKeepsChanging) {
  ReplacingFileSystem replacing(fs_, dir_.get(), ".lock", -1);
  Result<FileLock> lock =
      FileLock::Acquire(replacing, none_, dir_.get(), ".lock", Req(LockMode::kShared));
  ASSERT_FALSE(lock.ok());
  EXPECT_EQ(lock.status().code(), StatusCode::kIoError) << lock.status().ToString();
  EXPECT_EQ(replacing.flock_calls, 1001);
}

// --- UnlinkAndRelease --------------------------------------------------------

TEST_F(FileLockTest, UnlinkAndReleaseRemovesFile) {
  RecordingYieldPoints points;
  Result<FileLock> lock = FileLock::Acquire(*fs_, points, dir_.get(), ".lock", Req(LockMode::kExclusive));
  ASSERT_TRUE(lock.ok());
  ASSERT_NE(LinkedIno(), 0u);
  ASSERT_TRUE(lock->UnlinkAndRelease().ok());
  EXPECT_FALSE(lock->held());
  EXPECT_EQ(fs_->Stat(dir_.get(), ".lock").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(points.log.back(), "report lock_released .lock exclusive");
  EXPECT_EQ(points.log[points.log.size() - 2], "yield lock.root.release .lock");
}

TEST_F(FileLockTest, UnlinkAndReleaseRequiresExclusive) {
  Result<FileLock> lock = Try(LockMode::kShared);
  ASSERT_TRUE(lock.ok());
  EXPECT_EQ(lock->UnlinkAndRelease().code(), StatusCode::kInvalidInput);
  EXPECT_TRUE(lock->held());
  EXPECT_NE(LinkedIno(), 0u);
  FileLock empty;
  EXPECT_EQ(empty.UnlinkAndRelease().code(), StatusCode::kInvalidInput);
}

TEST_F(FileLockTest, UnlinkAndReleaseLeavesAReplacedFileAlone) {
  Result<FileLock> lock = Try(LockMode::kExclusive);
  ASSERT_TRUE(lock.ok());
  ASSERT_TRUE(WriteFile(*fs_, dir_.get(), "other", "").ok());
  ASSERT_TRUE(fs_->Rename(dir_.get(), "other", dir_.get(), ".lock").ok());
  uint64_t replacement = LinkedIno();
  ASSERT_TRUE(lock->UnlinkAndRelease().ok());
  EXPECT_EQ(LinkedIno(), replacement);
}

// A waiter that opened the old file before it was unlinked must not end up
// holding the dead inode: it retries and locks the file now at the name.
TEST_F(FileLockTest, WaiterOnUnlinkedLockFileRelocks) {
  Result<FileLock> holder = Try(LockMode::kExclusive);
  ASSERT_TRUE(holder.ok());
  uint64_t old_ino = LinkedIno();
  // Keeps the old inode alive so its number cannot be reused by the new file.
  Result<Fd> keep_old = fs_->OpenFile(dir_.get(), ".lock", O_RDONLY);
  ASSERT_TRUE(keep_old.ok());
  RecordingYieldPoints points;
  points.on_blocked = [&](int n) {
    if (n == 1) {
      ASSERT_TRUE(holder->UnlinkAndRelease().ok());
    }
  };
  Result<FileLock> waiter = FileLock::Acquire(
      *fs_, points, dir_.get(), ".lock",
      Req(LockMode::kExclusive, LockRequest::Wait::kBlocking, std::chrono::milliseconds(60000)));
  ASSERT_TRUE(waiter.ok()) << waiter.status().ToString();
  EXPECT_NE(LinkedIno(), 0u);  // recreated
  EXPECT_NE(LinkedIno(), old_ino);
  EXPECT_EQ(Try(LockMode::kExclusive).status().code(), StatusCode::kWouldBlock);
}

TEST_F(FileLockTest, WaiterWithoutInodeCheckHoldsDeadLock) {
  Result<FileLock> holder = Try(LockMode::kExclusive);
  ASSERT_TRUE(holder.ok());
  RecordingYieldPoints points;
  points.on_blocked = [&](int n) {
    if (n == 1) {
      ASSERT_TRUE(holder->UnlinkAndRelease().ok());
    }
  };
  LockRequest req = Req(LockMode::kExclusive, LockRequest::Wait::kBlocking, std::chrono::milliseconds(60000));
  req.verify_inode = false;
  Result<FileLock> waiter = FileLock::Acquire(*fs_, points, dir_.get(), ".lock", req);
  ASSERT_TRUE(waiter.ok()) << waiter.status().ToString();
  EXPECT_EQ(LinkedIno(), 0u);  // it locked the unlinked file
  EXPECT_TRUE(Try(LockMode::kExclusive).ok());  // so a second exclusive holder exists
}

}  // namespace
}  // namespace prunecheck
