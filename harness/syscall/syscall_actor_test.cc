#include "harness/syscall/syscall_actor.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "harness/syscall/cache_path.h"
#include "harness/syscall/syscall_filter.h"
#include "pruner/base/scoped_temp_dir.h"
#include "pruner/base/syscall_points.h"

namespace prunecheck::harness {
namespace {

using std::chrono::milliseconds;

TEST(SyscallFilterTest, PointListMatchesTheFilter) {
  std::vector<std::string> from_filter;
  for (std::string_view n : InterceptedSyscallNames()) from_filter.push_back("sys." + std::string(n));
  from_filter.push_back("sys.wait");
  std::vector<std::string> listed(kSyscallPoints.begin(), kSyscallPoints.end());
  EXPECT_EQ(from_filter, listed);
  EXPECT_TRUE(IsSyscallPoint("sys.unlinkat"));
  EXPECT_FALSE(IsSyscallPoint("sys.read"));
  ASSERT_TRUE(SyscallFilterProgram().ok()) << SyscallFilterProgram().status().ToString();
}

TEST(CachePathTest, RelativeToTheRootWithoutFollowingTheLastComponent) {
  ScopedTempDir dir{"syscall-test"};
  char buf[PATH_MAX];
  ASSERT_NE(::realpath(dir.path().c_str(), buf), nullptr);
  const std::string root = std::string(buf) + "/cache";
  ASSERT_EQ(::mkdir(root.c_str(), 0755), 0);
  ASSERT_EQ(::mkdir((root + "/archive-v0").c_str(), 0755), 0);
  ASSERT_EQ(::symlink("/tmp", (root + "/out").c_str()), 0);
  EXPECT_EQ(CacheRelative(root, root), ".");
  EXPECT_EQ(CacheRelative(root, root + "/archive-v0/x/../y"), "archive-v0/y");
  EXPECT_EQ(CacheRelative(root, root + "/./archive-v0//z"), "archive-v0/z");
  EXPECT_EQ(CacheRelative(root, root + "/out"), "out");           // the link itself is in the cache
  EXPECT_EQ(CacheRelative(root, root + "/out/f"), std::nullopt);  // what it leads to is not
  EXPECT_EQ(CacheRelative(root, root + "/.."), std::nullopt);
  EXPECT_EQ(CacheRelative(root, root + "x"), std::nullopt);
  int depth = 0;
  EXPECT_EQ(ArchiveIdOf("archive-v0/abc/pkg/a.py", &depth), "abc");
  EXPECT_EQ(depth, 3);
  EXPECT_EQ(ArchiveIdOf("archive-v0/abc", &depth), "abc");
  EXPECT_EQ(depth, 1);
  EXPECT_EQ(ArchiveIdOf("wheels-v6/x"), "");
  EXPECT_EQ(TempDirOf(".tmpAbC123/demo/a.py", &depth), ".tmpAbC123");
  EXPECT_EQ(depth, 3);
  EXPECT_EQ(TempDirOf(".tmpAbC123", &depth), ".tmpAbC123");
  EXPECT_EQ(depth, 1);
  EXPECT_EQ(TempDirOf("archive-v0/.tmpx"), "");
  EXPECT_EQ(TempDirOf("tmpx"), "");
}

// The handshake with a black box's descendants, without sleeping: a FIFO
// whose write end the descendant under test holds (`sleep N 3>FIFO &`).
// Reading "up" says the shell has forked it holding the write end; end of
// file says every holder of the write end is dead — the kernel closes a
// process's descriptors when it dies, so no polling of /proc is needed.
class HandshakeFifo {
 public:
  explicit HandshakeFifo(std::string path) : path_(std::move(path)) {
    if (::mkfifo(path_.c_str(), 0600) == 0) fd_ = ::open(path_.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  }
  ~HandshakeFifo() {
    if (fd_ >= 0) ::close(fd_);
  }
  bool ok() const { return fd_ >= 0; }
  const std::string& path() const { return path_; }

  // The next word written, waiting at most `limit` for it.
  std::string ReadWord(std::chrono::seconds limit) {
    std::string got;
    Drain(limit, &got, /*until_eof=*/false);
    return got;
  }
  // True once every writer has closed (died), within `limit`. REQUIRES: a
  // writer has connected (else a non-blocking FIFO reads EOF at once).
  bool AllWritersGone(std::chrono::seconds limit) { return Drain(limit, nullptr, /*until_eof=*/true); }

 private:
  bool Drain(std::chrono::seconds limit, std::string* word, bool until_eof) {
    const auto until = std::chrono::steady_clock::now() + limit;
    for (;;) {
      char buf[256];
      const ssize_t n = ::read(fd_, buf, sizeof buf);
      // End of file: no writer left — or, before anything was read, none yet.
      if (n == 0 && until_eof) return true;
      if (n > 0) {
        if (word != nullptr) word->append(buf, static_cast<size_t>(n));
        if (!until_eof && word != nullptr && word->find('\n') != std::string::npos) {
          word->erase(word->find('\n'));
          return true;
        }
        continue;
      }
      if (n < 0 && errno != EAGAIN && errno != EINTR) return false;
      const auto left = std::chrono::duration_cast<milliseconds>(until - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      pollfd p{fd_, POLLIN, 0};
      ::poll(&p, 1, static_cast<int>(left.count()));  // an event (data or hang-up) or the bound
    }
  }

  std::string path_;
  int fd_ = -1;
};

class SyscallActorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char buf[PATH_MAX];
    ASSERT_NE(::realpath(dir_.path().c_str(), buf), nullptr);
    cache_ = std::string(buf) + "/cache";
    ASSERT_EQ(::mkdir(cache_.c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((cache_ + "/archive-v0").c_str(), 0755), 0);
    ASSERT_EQ(::mkdir((cache_ + "/archive-v0/abc").c_str(), 0755), 0);
    std::ofstream(cache_ + "/archive-v0/abc/f.txt") << "x";
  }

  std::unique_ptr<ActorEndpoint> Start(const std::string& script) {
    SyscallActorSpec s;
    s.name = "bb";
    s.argv = {"/bin/sh", "-c", script};
    s.cache = cache_;
    s.stderr_path = std::string(dir_.path()) + "/bb.stderr";
    Result<std::unique_ptr<ActorEndpoint>> e = StartSyscallActor(s);
    EXPECT_TRUE(e.ok()) << e.status().ToString();
    return e.ok() ? std::move(e).value() : nullptr;
  }

  ScopedTempDir dir_{"syscall-actor"};
  std::string cache_;
};

TEST_F(SyscallActorTest, RemovalIsScheduledCallByCallWithEvents) {
  auto e = Start("rm -r " + cache_ + "/archive-v0/abc");
  ASSERT_NE(e, nullptr);
  std::vector<std::string> points;
  std::vector<ControlMessage> msgs;
  ActorStop s;
  for (int i = 0; i < 100; ++i) {
    s = e->WaitForStop(&msgs, milliseconds(10000));
    if (s.kind != StopKind::kYield) break;
    points.push_back(s.point + " " + s.subject);
    e->Resume();
  }
  ASSERT_EQ(s.kind, StopKind::kFinished) << s.message;
  EXPECT_EQ(s.exit_code, 0);
  EXPECT_NE(std::find(points.begin(), points.end(), "sys.unlinkat archive-v0/abc/f.txt"), points.end())
      << ::testing::PrintToString(points);
  std::vector<std::string> events;
  for (const ControlMessage& m : msgs) events.push_back(std::string(EventKindText(m)) + " " + m.subject);
  EXPECT_EQ(events, (std::vector<std::string>{"remove_begin abc", "remove_end abc"}));
  struct stat st {};
  EXPECT_NE(::lstat((cache_ + "/archive-v0/abc").c_str(), &st), 0);
}

TEST_F(SyscallActorTest, FreeModeAnswersCallsOnItsOwnBeforeAnyoneWaitsForIt) {
  // Free mode (stress): nobody calls WaitForStop or Resume. The black box
  // must still get through its calls while the harness is busy elsewhere:
  // it reports "done" through a FIFO outside the cache only after its
  // removal (intercepted calls) went through.
  HandshakeFifo fifo(std::string(dir_.path()) + "/done");
  ASSERT_TRUE(fifo.ok());
  SyscallActorSpec s;
  s.name = "bb";
  s.argv = {"/bin/sh", "-c", "rm -r " + cache_ + "/archive-v0/abc && echo done > " + fifo.path()};
  s.cache = cache_;
  s.controlled = false;
  s.seed = 7;
  s.max_delay_us = 100;
  s.stderr_path = std::string(dir_.path()) + "/bb.stderr";
  Result<std::unique_ptr<ActorEndpoint>> e = StartSyscallActor(s);
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(fifo.ReadWord(std::chrono::seconds(60)), "done");
  std::vector<ControlMessage> msgs;
  ActorStop end = (*e)->WaitForExit(&msgs, milliseconds(60000));
  ASSERT_EQ(end.kind, StopKind::kFinished) << end.message;
  EXPECT_EQ(end.exit_code, 0);
  std::vector<std::string> events;
  int64_t last = 0;
  for (const ControlMessage& m : msgs) {
    events.push_back(std::string(EventKindText(m)) + " " + m.subject);
    EXPECT_GE(m.t_ns, last) << "events are stamped as they happen, in order";
    last = m.t_ns;
  }
  EXPECT_EQ(events, (std::vector<std::string>{"remove_begin abc", "remove_end abc"}));
}

TEST_F(SyscallActorTest, ALockTakenOnAnUnlinkedLockFileSaysSo) {
  // The holder opens .lock, someone (here: itself) unlinks it, and the lock
  // is then granted on a file no longer in the cache: the event must say so
  // (the lock-exclusion invariant judges it), under the name it had.
  auto e = Start("exec 9>>" + cache_ + "/.lock; rm -f " + cache_ + "/.lock; flock -x 9; exit 0");
  ASSERT_NE(e, nullptr);
  std::vector<ControlMessage> msgs;
  ActorStop s;
  for (int i = 0; i < 100; ++i) {
    s = e->WaitForStop(&msgs, milliseconds(10000));
    if (s.kind != StopKind::kYield) break;
    e->Resume();
  }
  ASSERT_EQ(s.kind, StopKind::kFinished) << s.message;
  std::vector<std::string> locks;
  for (const ControlMessage& m : msgs) {
    if (m.kind == EventKind::kLockAcquired) locks.push_back(m.detail);
  }
  EXPECT_EQ(locks, (std::vector<std::string>{".lock exclusive unlinked"}));
}

TEST_F(SyscallActorTest, WaitingForALockHeldElsewhereIsBlockedNotSilence) {
  const std::string lock = cache_ + "/.lock";
  const int fd = ::open(lock.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::flock(fd, LOCK_EX), 0);
  auto e = Start("flock -x " + lock + " true");
  ASSERT_NE(e, nullptr);
  std::vector<ControlMessage> msgs;
  ActorStop s = e->WaitForStop(&msgs, milliseconds(10000));
  while (s.kind == StopKind::kYield && s.point != "sys.flock") {  // flock(1) opens the file first
    e->Resume();
    s = e->WaitForStop(&msgs, milliseconds(10000));
  }
  EXPECT_EQ(s.kind, StopKind::kBlocked) << s.point << " " << s.message;
  EXPECT_EQ(s.point, "sys.flock");
  e->Resume();  // retried while still held: blocked again
  s = e->WaitForStop(&msgs, milliseconds(10000));
  EXPECT_EQ(s.kind, StopKind::kBlocked);
  ASSERT_EQ(::flock(fd, LOCK_UN), 0);
  ::close(fd);
  e->Resume();
  for (int i = 0; i < 20 && (s = e->WaitForStop(&msgs, milliseconds(10000))).kind == StopKind::kYield; ++i) e->Resume();
  ASSERT_EQ(s.kind, StopKind::kFinished) << s.message;
  EXPECT_EQ(s.exit_code, 0);
  std::vector<std::string> kinds;
  for (const ControlMessage& m : msgs) kinds.push_back(std::string(EventKindText(m)) + " " + m.detail);
  EXPECT_EQ(kinds, (std::vector<std::string>{"lock_acquired .lock exclusive", "lock_released .lock (exit)"}));
}

// Every process whose command line is exactly `argv`.
std::vector<pid_t> ProcessesRunning(const std::vector<std::string>& argv) {
  std::string want;
  for (const std::string& a : argv) want += a + '\0';
  std::vector<pid_t> found;
  DIR* d = ::opendir("/proc");
  while (dirent* e = d ? ::readdir(d) : nullptr) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    std::ifstream f(std::string("/proc/") + e->d_name + "/cmdline", std::ios::binary);
    std::string cmdline((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    if (cmdline == want) found.push_back(static_cast<pid_t>(std::atoi(e->d_name)));
  }
  if (d) ::closedir(d);
  return found;
}


TEST_F(SyscallActorTest, KillTakesGrandchildren) {
  HandshakeFifo fifo(std::string(dir_.path()) + "/held");
  ASSERT_TRUE(fifo.ok());
  const std::string marker = std::to_string(900000 + ::getpid() % 90000);
  // The grandchild holds the FIFO's write end; the shell closes its own copy.
  auto e = Start("exec 3>" + fifo.path() + "; sleep " + marker + " >&3 & exec 3>&-; touch " + cache_ + "/x; wait");
  ASSERT_NE(e, nullptr);
  std::vector<ControlMessage> msgs;
  ActorStop s = e->WaitForStop(&msgs, milliseconds(10000));
  ASSERT_EQ(s.kind, StopKind::kYield) << s.message;
  EXPECT_EQ(s.point, "sys.openat");
  EXPECT_EQ(s.subject, "x");
  e->Kill();
  s = e->WaitForStop(&msgs, milliseconds(10000));
  EXPECT_EQ(s.kind, StopKind::kDied);
  EXPECT_TRUE(fifo.AllWritersGone(std::chrono::seconds(10))) << "the sleep grandchild survived the kill";
  EXPECT_TRUE(ProcessesRunning({"sleep", marker}).empty());
}

TEST(SyscallContainmentTest, SigkillOfPrunecheckLeavesNothingRunning) {
  // ctest runs this in the build's harness/ directory, beside prunecheck.
  const char* env_bin = std::getenv("PRUNECHECK_BINARY");
  const std::string bin_path = env_bin != nullptr ? env_bin : "./prunecheck";
  const char* bin = bin_path.c_str();
  ASSERT_EQ(::access(bin, X_OK), 0) << bin << " not found: set PRUNECHECK_BINARY";
  if (!SyscallActorsUsePidNamespace()) GTEST_SKIP() << "no PID namespaces here: the fallback is weaker (documented)";
  ScopedTempDir dir{"syscall-test"};
  HandshakeFifo fifo(std::string(dir.path()) + "/up");
  ASSERT_TRUE(fifo.ok());
  const std::string marker = std::to_string(800000 + ::getpid() % 90000);
  const std::string base = std::string(dir.path()) + "/runs";
  ASSERT_EQ(::mkdir(base.c_str(), 0755), 0);
  const pid_t pc = ::fork();
  ASSERT_GE(pc, 0);
  if (pc == 0) {
    // The grandchild holds the write end from its fork on; "up" is written
    // after the fork, and the shell's own copy is closed after that.
    const std::string bb = "exec 3>" + fifo.path() + "; sleep " + marker + " >&3 & echo up >&3; exec 3>&-; wait";
    ::execl(bin, bin, "explore", "--black-box", bb.c_str(), "--runs", "1", "--base-dir", base.c_str(),
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  EXPECT_EQ(fifo.ReadWord(std::chrono::seconds(60)), "up");
  ASSERT_EQ(::kill(pc, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pc, &status, 0), pc);
  EXPECT_TRUE(fifo.AllWritersGone(std::chrono::seconds(10))) << "a grandchild of the black box survived the harness";
  EXPECT_TRUE(ProcessesRunning({"sleep", marker}).empty());
}

}  // namespace
}  // namespace prunecheck::harness
