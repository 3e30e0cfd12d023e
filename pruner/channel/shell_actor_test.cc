// harness/examples/shell_actor.sh against a fake harness: the script runs as
// a real child process with one end of a socketpair as fd 3, exactly as
// harness/PROTOCOL.md says the harness starts an actor. Every message the
// script sends goes through DecodeMessage, so this also checks that a
// hand-written actor's JSON is what the C++ side accepts. No sleeps: the two
// sides synchronise through the socket and waitpid.
#include <fcntl.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include "pruner/channel/control_message.h"
#include "pruner/base/scoped_temp_dir.h"

extern char** environ;

namespace prunecheck {
namespace {

namespace fs = std::filesystem;

constexpr const char* kArchiveA = "AAAAAAAAAAAAAAAA";  // referenced by demo-pkg's entry
constexpr const char* kArchiveB = "BBBBBBBBBBBBBBBB";  // unreferenced

std::string SourceDir() {
  if (const char* d = std::getenv("PRUNECHECK_SOURCE_DIR"); d != nullptr && *d != '\0') return d;
  const std::string file = __FILE__;
  const std::string suffix = "pruner/channel/shell_actor_test.cc";
  if (file.size() >= suffix.size() && file.compare(file.size() - suffix.size(), suffix.size(), suffix) == 0) {
    std::string root = file.substr(0, file.size() - suffix.size());
    return root.empty() ? "." : root;
  }
  return ".";
}

std::string ScriptPath() { return (fs::path(SourceDir()) / "harness/examples/shell_actor.sh").string(); }

// Blocking line reader on the harness end of the channel.
class LineReader {
 public:
  explicit LineReader(int fd) : fd_(fd) {}
  // False on EOF (or error) before a complete line.
  bool ReadLine(std::string* line) {
    for (;;) {
      size_t nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        *line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        return true;
      }
      char chunk[512];
      ssize_t n = ::read(fd_, chunk, sizeof chunk);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

 private:
  int fd_;
  std::string buffer_;
};

// The script as a child process; killed and reaped on destruction if the test
// ended early, so a failed assertion never leaves a process behind.
class ScriptProcess {
 public:
  // channel_fd: the actor's end (becomes fd 3), or -1 for a black-box run.
  ScriptProcess(const std::vector<std::string>& args, int channel_fd, const std::string& actor_name) {
    std::vector<std::string> argv_s = {"bash", ScriptPath()};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<std::string> env_s;
    for (char** e = environ; *e != nullptr; ++e) {
      std::string kv(*e);
      if (kv.rfind("PRUNECHECK_CONTROL_FD=", 0) == 0 || kv.rfind("PRUNECHECK_ACTOR_NAME=", 0) == 0) continue;
      env_s.push_back(kv);
    }
    if (channel_fd >= 0) env_s.push_back("PRUNECHECK_CONTROL_FD=3");
    env_s.push_back("PRUNECHECK_ACTOR_NAME=" + actor_name);
    std::vector<char*> argv, envp;
    for (std::string& s : argv_s) argv.push_back(s.data());
    argv.push_back(nullptr);
    for (std::string& s : env_s) envp.push_back(s.data());
    envp.push_back(nullptr);

    int out[2];
    EXPECT_EQ(::pipe2(out, O_CLOEXEC), 0);
    pid_ = ::fork();
    if (pid_ == 0) {
      // Child: only async-signal-safe calls until exec.
      ::dup2(out[1], STDOUT_FILENO);
      if (channel_fd == 3) {
        ::fcntl(3, F_SETFD, 0);  // dup2(3, 3) would leave close-on-exec set
      } else if (channel_fd >= 0) {
        ::dup2(channel_fd, 3);  // the new fd 3 is not close-on-exec
      }
      ::execvpe("bash", argv.data(), envp.data());
      ::_exit(127);
    }
    EXPECT_GT(pid_, 0);
    ::close(out[1]);
    stdout_fd_ = out[0];
  }

  ~ScriptProcess() {
    if (pid_ > 0) {
      ::kill(pid_, SIGKILL);
      int st = 0;
      ::waitpid(pid_, &st, 0);
    }
    if (stdout_fd_ >= 0) ::close(stdout_fd_);
  }

  pid_t pid() const { return pid_; }

  // Reads its stdout to EOF, reaps it, returns the exit code (128+signal if killed).
  int Wait(std::string* stdout_text = nullptr) {
    std::string text;
    char buf[512];
    for (;;) {
      ssize_t n = ::read(stdout_fd_, buf, sizeof buf);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      text.append(buf, static_cast<size_t>(n));
    }
    if (stdout_text) *stdout_text = text;
    int st = 0;
    pid_t r;
    do {
      r = ::waitpid(pid_, &st, 0);
    } while (r < 0 && errno == EINTR);
    pid_ = -1;
    if (WIFEXITED(st)) return WEXITSTATUS(st);
    if (WIFSIGNALED(st)) return 128 + WTERMSIG(st);
    return -1;
  }

 private:
  pid_t pid_ = -1;
  int stdout_fd_ = -1;
};

class ShellActorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(ScriptPath())) << ScriptPath() << " not found; set PRUNECHECK_SOURCE_DIR";
    ASSERT_TRUE(tmp_.ok()) << "cannot create a temp dir";
    dir_ = tmp_.path();
    cache_ = dir_ + "/cache";
    // A uv-layout cache by hand: archive A referenced by demo-pkg's entry, B unreferenced.
    const fs::path a = fs::path(cache_) / "archive-v0" / kArchiveA;
    fs::create_directories(a / "demo_pkg");
    fs::create_directories(a / "demo_pkg-1.0.dist-info");
    std::ofstream(a / "demo_pkg" / "__init__.py") << "x = 1\n";
    std::ofstream(a / "demo_pkg-1.0.dist-info" / "RECORD")
        << "demo_pkg/__init__.py,sha256=AAAA,6\ndemo_pkg-1.0.dist-info/RECORD,,\n";
    fs::create_directories(fs::path(cache_) / "archive-v0" / kArchiveB / "other");
    std::ofstream(fs::path(cache_) / "archive-v0" / kArchiveB / "other" / "f.py") << "y = 2\n";
    const fs::path pkg = fs::path(cache_) / "wheels-v6" / "pypi" / "demo-pkg";
    fs::create_directories(pkg);
    fs::create_symlink(std::string("../../../archive-v0/") + kArchiveA, pkg / "1.0-py3-none-any");

    int sv[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
    actor_fd_ = sv[0];
    harness_fd_ = sv[1];
    reader_ = std::make_unique<LineReader>(harness_fd_);
  }

  void TearDown() override {
    CloseActorEnd();
    CloseHarnessEnd();
  }

  std::unique_ptr<ScriptProcess> Start(const std::vector<std::string>& args, const std::string& name) {
    auto p = std::make_unique<ScriptProcess>(args, actor_fd_, name);
    CloseActorEnd();  // only the child holds it now, so its exit is our EOF
    return p;
  }
  void CloseActorEnd() {
    if (actor_fd_ >= 0) ::close(actor_fd_);
    actor_fd_ = -1;
  }
  void CloseHarnessEnd() {
    if (harness_fd_ >= 0) ::close(harness_fd_);
    harness_fd_ = -1;
  }

  ControlMessage Next() {
    std::string line;
    if (!reader_->ReadLine(&line)) {
      ADD_FAILURE() << "EOF from the actor";
      return ControlMessage();
    }
    Result<ControlMessage> m = DecodeMessage(line);
    EXPECT_TRUE(m.ok()) << m.status().ToString() << " for line: " << line;
    return m.ok() ? *m : ControlMessage();
  }
  bool AtEof() {
    std::string line;
    bool got = reader_->ReadLine(&line);
    EXPECT_FALSE(got) << "unexpected message after the result: " << line;
    return !got;
  }
  void Send(const ControlMessage& m) {
    std::string line = EncodeMessage(m);
    ASSERT_EQ(::send(harness_fd_, line.data(), line.size(), MSG_NOSIGNAL), static_cast<ssize_t>(line.size()));
  }
  void Go() {
    ControlMessage go;
    go.type = MessageType::kGo;
    Send(go);
  }
  void Welcome(const std::string& mode) {
    ControlMessage w;
    w.type = MessageType::kWelcome;
    w.mode = mode;
    w.seed = 12345;
    w.max_delay_us = 0;
    Send(w);
  }
  void ExpectHello(const std::string& name, pid_t pid) {
    ControlMessage hello = Next();
    EXPECT_EQ(hello.type, MessageType::kHello);
    EXPECT_EQ(hello.actor, name);
    EXPECT_EQ(hello.pid, static_cast<int64_t>(pid));
    EXPECT_EQ(hello.protocol, kProtocolVersion);
  }
  // Expects a yield at `point` about `subject`; answers go when `go`.
  void ExpectYield(const std::string& point, const std::string& subject, bool go) {
    ControlMessage m = Next();
    EXPECT_EQ(m.type, MessageType::kYield) << "expected yield " << point;
    EXPECT_EQ(m.point, point);
    EXPECT_EQ(m.subject, subject) << "at " << point;
    if (go) Go();
  }
  ControlMessage ExpectEvent(const std::string& kind, const std::string& subject) {
    ControlMessage m = Next();
    EXPECT_EQ(m.type, MessageType::kEvent) << "expected event " << kind;
    EXPECT_EQ(EventKindText(m), kind);
    EXPECT_EQ(m.subject, subject) << "event " << kind;
    return m;
  }
  ControlMessage ExpectResult(int exit_code, const std::string& status) {
    ControlMessage m = Next();
    EXPECT_EQ(m.type, MessageType::kResult);
    EXPECT_EQ(m.exit_code, exit_code);
    EXPECT_EQ(m.status, status);
    return m;
  }

  ScopedTempDir tmp_{"shell-actor-test"};
  std::string dir_;
  std::string cache_;
  int actor_fd_ = -1;
  int harness_fd_ = -1;
  std::unique_ptr<LineReader> reader_;
};

TEST_F(ShellActorTest, ControlledReadWaitsForGoAtEveryPoint) {
  auto child = Start({"read", cache_, "Demo_Pkg"}, "shell-reader");
  ExpectHello("shell-reader", child->pid());
  Welcome("controlled");
  ExpectYield("read.begin", "demo-pkg", true);
  ExpectYield("read.resolved", kArchiveA, true);
  ControlMessage begin = ExpectEvent("use_begin", kArchiveA);
  EXPECT_EQ(begin.detail, "read 1.0-py3-none-any");
  ExpectYield("link.begin", kArchiveA, true);
  ExpectYield("link.progress", kArchiveA, true);
  ExpectYield("link.done", kArchiveA, true);
  EXPECT_EQ(ExpectEvent("use_end", kArchiveA).detail, "ok");
  ExpectResult(0, "ok");
  EXPECT_TRUE(AtEof());
  std::string out;
  EXPECT_EQ(child->Wait(&out), 0);
  EXPECT_NE(out.find("read 2 files listed in RECORD"), std::string::npos) << out;
}

TEST_F(ShellActorTest, ArchiveRemovedWhileTheReaderHoldsItIsReported) {
  // The harness interleaves a "pruner" at link.begin: exactly the race the
  // checker's use_begin/use_end bracket exists to catch.
  auto child = Start({"read", cache_, "demo-pkg"}, "shell-reader");
  ExpectHello("shell-reader", child->pid());
  Welcome("controlled");
  ExpectYield("read.begin", "demo-pkg", true);
  ExpectYield("read.resolved", kArchiveA, true);
  ExpectEvent("use_begin", kArchiveA);
  ExpectYield("link.begin", kArchiveA, false);
  fs::remove_all(fs::path(cache_) / "archive-v0" / kArchiveA);
  Go();
  ExpectYield("link.done", kArchiveA, true);
  ControlMessage end = ExpectEvent("use_end", kArchiveA);
  EXPECT_EQ(end.detail.rfind("verification-failed", 0), 0u) << end.detail;
  ControlMessage result = ExpectResult(4, "verification-failed");
  EXPECT_NE(result.message.find("vanished"), std::string::npos) << result.message;
  EXPECT_TRUE(AtEof());
  EXPECT_EQ(child->Wait(), 4);
}

TEST_F(ShellActorTest, FreePruneRunsWithoutGoAndReportsRemovals) {
  auto child = Start({"prune", cache_}, "shell-pruner");
  ExpectHello("shell-pruner", child->pid());
  Welcome("free");
  ExpectYield("prune.begin", "", false);
  ExpectYield("prune.listed", "", false);
  ExpectYield("prune.before_remove", kArchiveB, false);
  ExpectEvent("remove_begin", kArchiveB);
  ExpectEvent("remove_end", kArchiveB);
  ExpectYield("prune.done", "", false);
  ExpectResult(0, "ok");
  EXPECT_TRUE(AtEof());
  EXPECT_EQ(child->Wait(), 0);
  EXPECT_TRUE(fs::exists(fs::path(cache_) / "archive-v0" / kArchiveA));
  EXPECT_FALSE(fs::exists(fs::path(cache_) / "archive-v0" / kArchiveB));
}

TEST_F(ShellActorTest, ExitsWhenTheHarnessHangsUp) {
  auto child = Start({"read", cache_, "demo-pkg"}, "shell-reader");
  ExpectHello("shell-reader", child->pid());
  Welcome("controlled");
  ExpectYield("read.begin", "demo-pkg", false);
  CloseHarnessEnd();  // the script is waiting for go: it must read EOF and exit
  EXPECT_EQ(child->Wait(), 1);
}

TEST_F(ShellActorTest, WithoutAChannelItJustRuns) {
  ScriptProcess child({"read", cache_, "demo_pkg"}, -1, "black-box");
  std::string out;
  EXPECT_EQ(child.Wait(&out), 0);
  EXPECT_NE(out.find("read: cache hit, archive AAAAAAAAAAAAAAAA"), std::string::npos) << out;
  ScriptProcess missing({"read", cache_, "not-there"}, -1, "black-box");
  EXPECT_EQ(missing.Wait(), 6);
}

}  // namespace
}  // namespace prunecheck
