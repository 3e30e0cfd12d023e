// Tests for ProcessActorHost: real child processes (sh/bash scripts as
// actors). Every synchronisation goes through the control channel, process
// exit, pidfd readiness or a pipe — no sleeps.
#include "harness/process/process_actor.h"
#include "pruner/base/scoped_temp_dir.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace prunecheck::harness {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr milliseconds kLong{20000};  // generous: only hit when a test is failing

// The start of every scripted actor: say hello, read the welcome.
constexpr const char* kHello = R"(fd=$PRUNECHECK_CONTROL_FD
send() { printf '%s\n' "$1" >&"$fd"; }
send "{\"type\":\"hello\",\"actor\":\"$PRUNECHECK_ACTOR_NAME\",\"pid\":$$,\"protocol\":1}"
IFS= read -r welcome <&"$fd" || exit 90
)";

ProcessSpec Bash(const std::string& name, const std::string& script, bool channel = true) {
  ProcessSpec s;
  s.name = name;
  s.argv = {"bash", "-c", script, name};
  s.use_channel = channel;
  return s;
}

ProcessSpec Actor(const std::string& name, const std::string& body) { return Bash(name, kHello + body); }

ActorEndpoint* SpawnOrDie(ProcessActorHost& host, const ProcessSpec& spec) {
  Result<ActorEndpoint*> ep = host.Spawn(spec);
  if (!ep.ok()) {
    ADD_FAILURE() << "Spawn(" << spec.name << "): " << ep.status().ToString();
    return nullptr;
  }
  return *ep;
}

int PidfdOpen(pid_t pid) { return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0)); }

// True once the process behind `pidfd` has exited, false after `timeout`.
bool WaitForDeath(int pidfd, milliseconds timeout) {
  pollfd p{pidfd, POLLIN, 0};
  int r;
  do {
    r = ::poll(&p, 1, static_cast<int>(timeout.count()));
  } while (r < 0 && errno == EINTR);
  return r == 1 && (p.revents & POLLIN);
}

bool ReadFully(int fd, void* buf, size_t n) {
  auto* p = static_cast<char*>(buf);
  while (n > 0) {
    ssize_t r = ::read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// No child of this test process is left, not even a zombie.
void ExpectNoChildren() {
  errno = 0;
  EXPECT_EQ(::waitpid(-1, nullptr, WNOHANG), -1);
  EXPECT_EQ(errno, ECHILD);
}

// ---------------------------------------------------------------------------
// (a) black boxes and actors that end without a result

TEST(ProcessActorTest, BlackBoxExitingNormallyHasFinishedWithItsStatus) {
  ProcessActorHost host;
  ProcessSpec spec;
  spec.name = "box";
  spec.argv = {"sh", "-c", "exit 3"};
  spec.use_channel = false;
  ActorEndpoint* ep = SpawnOrDie(host, spec);
  ASSERT_NE(ep, nullptr);
  EXPECT_FALSE(ep->connected());
  EXPECT_EQ(ep->name(), "box");
  std::vector<ControlMessage> msgs;
  ActorStop stop = ep->WaitForStop(&msgs, kLong);
  EXPECT_EQ(stop.kind, StopKind::kFinished) << stop.message;
  EXPECT_EQ(stop.exit_code, 3);
  EXPECT_TRUE(msgs.empty());
  EXPECT_TRUE(host.LivePids().empty());
}

TEST(ProcessActorTest, BlackBoxKilledBySignalHasDiedWith128PlusSignal) {
  ProcessActorHost host;
  ProcessSpec spec;
  spec.name = "box";
  spec.argv = {"sh", "-c", "kill -KILL $$"};
  spec.use_channel = false;
  ActorEndpoint* ep = SpawnOrDie(host, spec);
  ASSERT_NE(ep, nullptr);
  ActorStop stop = ep->WaitForExit(nullptr, kLong);
  EXPECT_EQ(stop.kind, StopKind::kDied);
  EXPECT_EQ(stop.exit_code, 128 + SIGKILL);
  EXPECT_NE(stop.message.find("signal 9"), std::string::npos) << stop.message;
}

TEST(ProcessActorTest, ConnectedActorExitingWithoutResultHasDied) {
  ProcessActorHost host;
  ActorEndpoint* ep = SpawnOrDie(host, Actor("quitter", "exit 5\n"));
  ASSERT_NE(ep, nullptr);
  EXPECT_TRUE(ep->connected());
  ActorStop stop = ep->WaitForStop(nullptr, kLong);
  EXPECT_EQ(stop.kind, StopKind::kDied);
  EXPECT_EQ(stop.exit_code, 5);
  EXPECT_NE(stop.message.find("without sending a result"), std::string::npos) << stop.message;
}

// ---------------------------------------------------------------------------
// (b) the protocol, step by step

TEST(ProcessActorTest, ScriptedActorStopsAtEachYieldAndFinishesWithItsResult) {
  ProcessActorHost host;
  ProcessSpec spec = Actor("installer", R"(
case "$welcome" in *'"type":"welcome"'*) ;; *) exit 91;; esac
case "$welcome" in *'"mode":"controlled"'*) ;; *) exit 92;; esac
case "$welcome" in *'"seed":42'*) ;; *) exit 93;; esac
case "$welcome" in *'"max_delay_us":7'*) ;; *) exit 94;; esac
send '{"type":"yield","point":"install.persisted","subject":"abc","t_ns":1}'
IFS= read -r go <&"$fd" || exit 95
case "$go" in *'"type":"go"'*) ;; *) exit 96;; esac
send '{"type":"blocked","point":"lock.cache"}'
IFS= read -r go <&"$fd" || exit 97
send '{"type":"event","kind":"use_begin","subject":"abc","detail":"d","t_ns":2}'
send '{"type":"result","exit_code":0,"status":"ok","message":"done"}'
exit 0
)");
  spec.seed = 42;
  spec.max_delay_us = 7;
  ActorEndpoint* ep = SpawnOrDie(host, spec);
  ASSERT_NE(ep, nullptr);

  std::vector<ControlMessage> msgs;
  ActorStop stop = ep->WaitForStop(&msgs, kLong);
  ASSERT_EQ(stop.kind, StopKind::kYield) << stop.message << " exit " << stop.exit_code;
  EXPECT_EQ(stop.point, "install.persisted");
  EXPECT_EQ(stop.subject, "abc");
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].type, MessageType::kYield);
  EXPECT_EQ(msgs[0].t_ns, 1);

  ep->Resume();
  stop = ep->WaitForStop(&msgs, kLong);
  ASSERT_EQ(stop.kind, StopKind::kBlocked) << stop.message << " exit " << stop.exit_code;
  EXPECT_EQ(stop.point, "lock.cache");
  EXPECT_EQ(msgs.size(), 1u);  // blocked is a stop, not a logged message

  ep->Resume();
  stop = ep->WaitForStop(&msgs, kLong);
  EXPECT_EQ(stop.kind, StopKind::kFinished) << stop.message;
  EXPECT_EQ(stop.exit_code, 0);
  EXPECT_EQ(stop.message, "ok: done");
  ASSERT_EQ(msgs.size(), 2u);
  EXPECT_EQ(msgs[1].type, MessageType::kEvent);
  EXPECT_EQ(msgs[1].kind, EventKind::kUseBegin);
  EXPECT_EQ(msgs[1].subject, "abc");

  // The end is sticky.
  ActorStop again = ep->WaitForStop(&msgs, milliseconds(1));
  EXPECT_EQ(again.kind, StopKind::kFinished);
  EXPECT_EQ(msgs.size(), 2u);
  EXPECT_TRUE(host.LivePids().empty());
}

TEST(ProcessActorTest, TwoActorsAreDrivenIndependently) {
  ProcessActorHost host;
  const std::string body = R"(
send "{\"type\":\"yield\",\"point\":\"p\",\"subject\":\"$PRUNECHECK_ACTOR_NAME\"}"
IFS= read -r go <&"$fd" || exit 95
send "{\"type\":\"event\",\"kind\":\"k\",\"subject\":\"$PRUNECHECK_ACTOR_NAME\"}"
send '{"type":"result","exit_code":0,"status":"ok"}'
)";
  ActorEndpoint* a = SpawnOrDie(host, Actor("a", body));
  ActorEndpoint* b = SpawnOrDie(host, Actor("b", body));
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  std::vector<ControlMessage> ma, mb;
  EXPECT_EQ(a->WaitForStop(&ma, kLong).subject, "a");
  EXPECT_EQ(b->WaitForStop(&mb, kLong).subject, "b");
  b->Resume();
  EXPECT_EQ(b->WaitForStop(&mb, kLong).kind, StopKind::kFinished);
  a->Resume();
  EXPECT_EQ(a->WaitForStop(&ma, kLong).kind, StopKind::kFinished);
  ASSERT_EQ(ma.size(), 2u);
  ASSERT_EQ(mb.size(), 2u);
  EXPECT_EQ(ma[1].subject, "a");
  EXPECT_EQ(mb[1].subject, "b");
}

TEST(ProcessActorTest, FreeModeActorRunsToItsEnd) {
  ProcessActorHost host;
  ProcessSpec spec = Actor("free", R"(
case "$welcome" in *'"mode":"free"'*) ;; *) exit 92;; esac
send '{"type":"yield","point":"p1"}'
send '{"type":"event","kind":"k"}'
send '{"type":"yield","point":"p2"}'
send '{"type":"result","exit_code":0,"status":"ok"}'
)");
  spec.controlled = false;
  ActorEndpoint* ep = SpawnOrDie(host, spec);
  ASSERT_NE(ep, nullptr);
  std::vector<ControlMessage> msgs;
  ActorStop stop = ep->WaitForExit(&msgs, kLong);
  EXPECT_EQ(stop.kind, StopKind::kFinished) << stop.message << " exit " << stop.exit_code;
  ASSERT_EQ(msgs.size(), 3u);
  EXPECT_EQ(msgs[0].point, "p1");
  EXPECT_EQ(EventKindText(msgs[1]), "k");
  EXPECT_EQ(msgs[2].point, "p2");
}

TEST(ProcessActorTest, WaitForExitLetsAControlledActorPassItsYields) {
  ProcessActorHost host;
  ActorEndpoint* ep = SpawnOrDie(host, Actor("c", R"(
send '{"type":"yield","point":"p1"}'
IFS= read -r go <&"$fd" || exit 95
send '{"type":"blocked","point":"lock"}'
IFS= read -r go <&"$fd" || exit 96
send '{"type":"result","exit_code":0,"status":"ok"}'
)"));
  ASSERT_NE(ep, nullptr);
  std::vector<ControlMessage> msgs;
  ActorStop stop = ep->WaitForExit(&msgs, kLong);
  EXPECT_EQ(stop.kind, StopKind::kFinished) << stop.message << " exit " << stop.exit_code;
  ASSERT_EQ(msgs.size(), 1u);
  EXPECT_EQ(msgs[0].point, "p1");
}

TEST(ProcessActorTest, WaitForExitKillsAfterTheTimeout) {
  ProcessActorHost host;
  ProcessSpec spec;
  spec.name = "sleeper";
  spec.argv = {"sleep", "1000"};  // looked up in PATH
  spec.use_channel = false;
  ActorEndpoint* ep = SpawnOrDie(host, spec);
  ASSERT_NE(ep, nullptr);
  ActorStop stop = ep->WaitForExit(nullptr, milliseconds(100));
  EXPECT_EQ(stop.kind, StopKind::kDied);
  EXPECT_EQ(stop.exit_code, 128 + SIGKILL);
  EXPECT_NE(stop.message.find("did not exit within 100 ms"), std::string::npos) << stop.message;
  EXPECT_TRUE(host.LivePids().empty());
}

TEST(ProcessActorTest, MalformedLineKillsTheActorAndNamesTheLine) {
  ProcessActorHost host;
  ActorEndpoint* ep = SpawnOrDie(host, Actor("garbler", R"(
send '{"type":"event","kind":"before"}'
send 'this is not json'
exec sleep 1000
)"));
  ASSERT_NE(ep, nullptr);
  std::vector<ControlMessage> msgs;
  ActorStop stop = ep->WaitForStop(&msgs, kLong);
  EXPECT_EQ(stop.kind, StopKind::kDied);
  EXPECT_EQ(stop.exit_code, 128 + SIGKILL);
  EXPECT_NE(stop.message.find("this is not json"), std::string::npos) << stop.message;
  EXPECT_NE(stop.message.find("garbler"), std::string::npos) << stop.message;
  ASSERT_EQ(msgs.size(), 1u);  // what came before the bad line still counts
  EXPECT_EQ(EventKindText(msgs[0]), "before");
  EXPECT_TRUE(host.LivePids().empty());
}

// ---------------------------------------------------------------------------
// (c) Kill takes the whole group

TEST(ProcessActorTest, KillAtAYieldTakesTheActorAndItsChildren) {
  ProcessActorHost host;
  ActorEndpoint* ep = SpawnOrDie(host, Actor("victim", R"(
sleep 1000 &
send "{\"type\":\"yield\",\"point\":\"prune.before_remove\",\"subject\":\"$!\"}"
IFS= read -r go <&"$fd"
send '{"type":"result","exit_code":0,"status":"ok"}'
)"));
  ASSERT_NE(ep, nullptr);
  ActorStop stop = ep->WaitForStop(nullptr, kLong);
  ASSERT_EQ(stop.kind, StopKind::kYield) << stop.message;
  const pid_t grandchild = std::atoi(stop.subject.c_str());
  ASSERT_GT(grandchild, 0);
  ASSERT_EQ(host.LivePids().size(), 1u);
  const pid_t actor = host.LivePids()[0];
  const int grandchild_fd = PidfdOpen(grandchild);
  ASSERT_GE(grandchild_fd, 0) << std::strerror(errno);

  ep->Kill();
  stop = ep->WaitForStop(nullptr, kLong);
  EXPECT_EQ(stop.kind, StopKind::kDied);
  EXPECT_EQ(stop.exit_code, 128 + SIGKILL);
  EXPECT_TRUE(host.LivePids().empty());
  errno = 0;
  EXPECT_EQ(::kill(actor, 0), -1);  // reaped: the pid is gone
  EXPECT_EQ(errno, ESRCH);
  EXPECT_TRUE(WaitForDeath(grandchild_fd, kLong));
  ::close(grandchild_fd);
  // Resume/Pause after death are harmless no-ops.
  ep->Resume();
  ep->Pause();
  ep->Continue();
  EXPECT_EQ(ep->WaitForStop(nullptr, milliseconds(1)).kind, StopKind::kDied);
}

TEST(ProcessActorTest, PauseAndContinueStopTheGroup) {
  ProcessActorHost host;
  ActorEndpoint* ep = SpawnOrDie(host, Actor("pausable", R"(
send '{"type":"yield","point":"p"}'
IFS= read -r go <&"$fd" || exit 95
send '{"type":"result","exit_code":0,"status":"ok"}'
)"));
  ASSERT_NE(ep, nullptr);
  ASSERT_EQ(ep->WaitForStop(nullptr, kLong).kind, StopKind::kYield);
  const pid_t pid = host.LivePids().at(0);
  ep->Pause();
  siginfo_t info{};
  ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(pid), &info, WSTOPPED | WNOWAIT), 0);
  EXPECT_EQ(info.si_code, CLD_STOPPED);
  ep->Continue();
  info = {};
  ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(pid), &info, WCONTINUED | WNOWAIT), 0);
  EXPECT_EQ(info.si_code, CLD_CONTINUED);
  ep->Resume();
  ActorStop stop = ep->WaitForStop(nullptr, kLong);
  EXPECT_EQ(stop.kind, StopKind::kFinished) << stop.message;
}

// ---------------------------------------------------------------------------
// (d) the host leaves nothing behind

TEST(ProcessActorTest, DestroyingTheHostKillsAndReapsEveryActor) {
  std::vector<pid_t> pids;
  int grandchild_fd = -1;
  {
    ProcessActorHost host;
    ProcessSpec box;
    box.name = "box";
    box.argv = {"sleep", "1000"};
    box.use_channel = false;
    ASSERT_NE(SpawnOrDie(host, box), nullptr);

    ActorEndpoint* parent = SpawnOrDie(host, Actor("parent", R"(
sleep 1000 &
send "{\"type\":\"yield\",\"point\":\"p\",\"subject\":\"$!\"}"
IFS= read -r go <&"$fd"
)"));
    ASSERT_NE(parent, nullptr);
    ActorStop stop = parent->WaitForStop(nullptr, kLong);
    ASSERT_EQ(stop.kind, StopKind::kYield);
    grandchild_fd = PidfdOpen(std::atoi(stop.subject.c_str()));
    ASSERT_GE(grandchild_fd, 0);

    ASSERT_NE(SpawnOrDie(host, Bash("silent", "exec sleep 1000")), nullptr);

    ActorEndpoint* stopped = SpawnOrDie(host, Bash("stopped", "exec sleep 1000", false));
    ASSERT_NE(stopped, nullptr);
    pids = host.LivePids();
    ASSERT_EQ(pids.size(), 4u);
    stopped->Pause();
    siginfo_t info{};
    ASSERT_EQ(::waitid(P_PID, static_cast<id_t>(pids[3]), &info, WSTOPPED | WNOWAIT), 0);
  }
  for (pid_t pid : pids) {
    errno = 0;
    EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), -1) << pid;
    EXPECT_EQ(errno, ECHILD) << pid;
  }
  EXPECT_TRUE(WaitForDeath(grandchild_fd, kLong));
  ::close(grandchild_fd);
  ExpectNoChildren();
}

TEST(ProcessActorTest, KillAllEndsEveryActor) {
  ProcessActorHost host;
  ActorEndpoint* a = SpawnOrDie(host, Bash("a", "exec sleep 1000"));
  ActorEndpoint* b = SpawnOrDie(host, Bash("b", "exec sleep 1000", false));
  ASSERT_NE(a, nullptr);
  ASSERT_NE(b, nullptr);
  EXPECT_EQ(host.LivePids().size(), 2u);
  host.KillAll();
  EXPECT_TRUE(host.LivePids().empty());
  EXPECT_EQ(a->WaitForStop(nullptr, milliseconds(1)).kind, StopKind::kDied);
  EXPECT_EQ(b->WaitForExit(nullptr, milliseconds(1)).kind, StopKind::kDied);
  ExpectNoChildren();
}

// ---------------------------------------------------------------------------
// (e) PR_SET_PDEATHSIG: the actor dies with the harness process

TEST(ProcessActorTest, ActorDiesWhenTheHarnessDiesWithoutCleanup) {
  int to_test[2], to_harness[2];
  ASSERT_EQ(::pipe2(to_test, O_CLOEXEC), 0);
  ASSERT_EQ(::pipe2(to_harness, O_CLOEXEC), 0);
  const pid_t harness = ::fork();
  ASSERT_GE(harness, 0);
  if (harness == 0) {
    // The intermediate "harness": spawn, report the actor, exit without cleanup.
    ::close(to_test[0]);
    ::close(to_harness[1]);
    auto* host = new ProcessActorHost();  // never destroyed, on purpose
    ProcessSpec spec;
    spec.name = "orphan";
    spec.argv = {"sleep", "600"};
    spec.use_channel = false;
    spec.stderr_path = "/dev/null";  // if it leaks, it must not hold the test's stderr open
    Result<ActorEndpoint*> ep = host->Spawn(spec);
    if (!ep.ok()) ::_exit(2);
    const pid_t actor = host->LivePids().at(0);
    if (::write(to_test[1], &actor, sizeof actor) != sizeof actor) ::_exit(3);
    char go;
    (void)!::read(to_harness[0], &go, 1);
    ::_exit(0);
  }
  ::close(to_test[1]);
  ::close(to_harness[0]);
  pid_t actor = -1;
  const bool got = ReadFully(to_test[0], &actor, sizeof actor);
  int pidfd = got ? PidfdOpen(actor) : -1;
  ::close(to_harness[1]);  // lets the harness _exit
  int status = 0;
  ASSERT_EQ(::waitpid(harness, &status, 0), harness);
  ::close(to_test[0]);
  ASSERT_TRUE(got) << "harness child exited with " << status;
  ASSERT_GE(pidfd, 0) << std::strerror(errno);
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
  EXPECT_TRUE(WaitForDeath(pidfd, kLong)) << "actor " << actor << " outlived its harness";
  ::close(pidfd);
  ::waitpid(actor, nullptr, WNOHANG);  // in case this process is a subreaper
}

// ---------------------------------------------------------------------------
// (f) SIGINT to the harness kills every actor group (not just the leaders)

TEST(ProcessActorTest, SigintToTheHarnessKillsEveryActorGroup) {
  int ready[2];
  ASSERT_EQ(::pipe2(ready, O_CLOEXEC), 0);
  const pid_t harness = ::fork();
  ASSERT_GE(harness, 0);
  if (harness == 0) {
    ::close(ready[0]);
    InstallHarnessSignalHandlers();
    InstallHarnessSignalHandlers();  // idempotent
    ProcessActorHost host;
    ProcessSpec spec = Actor("blocked", R"(
sleep 600 &
send "{\"type\":\"yield\",\"point\":\"p\",\"subject\":\"$!\"}"
IFS= read -r go <&"$fd"
)");
    spec.stderr_path = "/dev/null";  // if they leak, they must not hold the test's stderr open
    Result<ActorEndpoint*> ep = host.Spawn(spec);
    if (!ep.ok()) ::_exit(2);
    ActorStop stop = (*ep)->WaitForStop(nullptr, kLong);
    if (stop.kind != StopKind::kYield) ::_exit(3);
    const pid_t pids[2] = {host.LivePids().at(0), static_cast<pid_t>(std::atoi(stop.subject.c_str()))};
    if (::write(ready[1], pids, sizeof pids) != sizeof pids) ::_exit(4);
    for (;;) ::pause();
  }
  ::close(ready[1]);
  pid_t pids[2] = {-1, -1};
  const bool got = ReadFully(ready[0], pids, sizeof pids);
  ::close(ready[0]);
  const int actor_fd = got ? PidfdOpen(pids[0]) : -1;
  const int grandchild_fd = got ? PidfdOpen(pids[1]) : -1;
  ::kill(harness, SIGINT);
  int status = 0;
  ASSERT_EQ(::waitpid(harness, &status, 0), harness);
  ASSERT_TRUE(got) << "harness child exited with " << status;
  ASSERT_GE(actor_fd, 0);
  ASSERT_GE(grandchild_fd, 0);
  EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGINT) << "status " << status;
  // PDEATHSIG alone would take the actor; only the handler's group kill takes its child.
  EXPECT_TRUE(WaitForDeath(grandchild_fd, kLong));
  EXPECT_TRUE(WaitForDeath(actor_fd, kLong));
  ::close(actor_fd);
  ::close(grandchild_fd);
}

// ---------------------------------------------------------------------------
// (g) silence

TEST(ProcessActorTest, SilentConnectedActorIsUnresponsiveAfterTheTimeout) {
  ProcessActorHost host;
  ActorEndpoint* ep = SpawnOrDie(host, Bash("mute", "exec sleep 1000"));
  ASSERT_NE(ep, nullptr);
  const auto start = std::chrono::steady_clock::now();
  ActorStop stop = ep->WaitForStop(nullptr, milliseconds(100));
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(100));
  EXPECT_EQ(stop.kind, StopKind::kUnresponsive);
  EXPECT_EQ(host.LivePids().size(), 1u);
  ep->Kill();
  stop = ep->WaitForStop(nullptr, milliseconds(100));
  EXPECT_EQ(stop.kind, StopKind::kDied);
  EXPECT_EQ(stop.exit_code, 128 + SIGKILL);
}

// ---------------------------------------------------------------------------
// Environment, stdio and descriptors

TEST(ProcessActorTest, EnvironmentAndStdioAreSetUp) {
  ScopedTempDir tmp("process_actor_test");
  ASSERT_TRUE(tmp.ok()) << "cannot create a temp dir";
  const std::string& dir = tmp.path();
  ::setenv("PRUNECHECK_CONTROL_FD", "99", 1);  // as if we ran under another harness
  ProcessActorHost host;
  ProcessSpec spec;
  spec.name = "box";
  spec.argv = {"sh", "-c",
               "echo \"name=$PRUNECHECK_ACTOR_NAME foo=$FOO fd=${PRUNECHECK_CONTROL_FD-unset} pwd=$(pwd)\"; "
               "echo oops >&2; read x; echo \"stdin=$?\""};
  spec.env = {{"FOO", "first"}, {"FOO", "bar"}};
  spec.use_channel = false;
  spec.working_dir = dir;
  spec.stdout_path = dir + "/out";
  spec.stderr_path = dir + "/err";
  ActorEndpoint* ep = SpawnOrDie(host, spec);
  ::unsetenv("PRUNECHECK_CONTROL_FD");
  ASSERT_NE(ep, nullptr);
  ActorStop stop = ep->WaitForExit(nullptr, kLong);
  EXPECT_EQ(stop.kind, StopKind::kFinished) << stop.message;
  EXPECT_EQ(ReadFile(dir + "/out"), "name=box foo=bar fd=unset pwd=" + dir + "\nstdin=1\n");
  EXPECT_EQ(ReadFile(dir + "/err"), "oops\n");
}

TEST(ProcessActorTest, ActorSeesOnlyStdioAndTheControlFd) {
  ScopedTempDir tmp("process_actor_test");
  ASSERT_TRUE(tmp.ok()) << "cannot create a temp dir";
  const std::string& dir = tmp.path();
  ProcessActorHost host;
  ProcessSpec spec = Actor("fds", R"(
ls /proc/self/fd > "$OUT"
echo "fd=$PRUNECHECK_CONTROL_FD" >> "$OUT"
send '{"type":"result","exit_code":0,"status":"ok"}'
)");
  spec.env = {{"OUT", dir + "/fds"}};
  // A descriptor this process leaks (no O_CLOEXEC, below Boost's exec-error
  // pipe) must not reach the actor.
  const int leak = ::open("/dev/null", O_RDONLY);
  ASSERT_GE(leak, 0);
  ActorEndpoint* ep = SpawnOrDie(host, spec);
  ::close(leak);
  ASSERT_NE(ep, nullptr);
  EXPECT_EQ(ep->WaitForStop(nullptr, kLong).kind, StopKind::kFinished);
  std::istringstream in(ReadFile(dir + "/fds"));
  std::set<std::string> fds;
  std::string line, fd_line;
  while (std::getline(in, line)) {
    if (line.rfind("fd=", 0) == 0) {
      fd_line = line;
    } else {
      fds.insert(line);
    }
  }
  EXPECT_EQ(fd_line, "fd=3");
  // ls's own directory descriptor is the one extra entry.
  EXPECT_EQ(fds, (std::set<std::string>{"0", "1", "2", "3", "4"}));
}

// The real actor binary, end to end: a prune of an empty cache under full control.
TEST(ProcessActorTest, CacheActorPrunesUnderControl) {
  const char* cache_actor = std::getenv("PRUNECHECK_CACHE_ACTOR");
  if (cache_actor == nullptr) GTEST_SKIP() << "PRUNECHECK_CACHE_ACTOR is not set (run through ctest)";
  ScopedTempDir tmp("process_actor_test");
  ASSERT_TRUE(tmp.ok()) << "cannot create a temp dir";
  const std::string& dir = tmp.path();
  ProcessActorHost host;
  ProcessSpec spec;
  spec.name = "pruner";
  std::filesystem::create_directories(dir + "/cache/archive-v0");  // prune never creates a cache
  spec.argv = {cache_actor, "prune", "--cache", dir + "/cache", "--profile", "reference"};
  spec.stdout_path = dir + "/pruner.stdout";
  spec.stderr_path = dir + "/pruner.stderr";
  ActorEndpoint* ep = SpawnOrDie(host, spec);
  ASSERT_NE(ep, nullptr);
  std::vector<ControlMessage> msgs;
  std::vector<std::string> points;
  ActorStop stop;
  for (int steps = 0; steps < 1000; ++steps) {
    stop = ep->WaitForStop(&msgs, kLong);
    if (stop.kind != StopKind::kYield && stop.kind != StopKind::kBlocked) break;
    points.push_back(stop.point);
    ep->Resume();
  }
  ASSERT_EQ(stop.kind, StopKind::kFinished) << StopKindName(stop.kind) << ": " << stop.message << "\n"
                                            << ReadFile(dir + "/pruner.stderr");
  EXPECT_EQ(stop.exit_code, 0);
  EXPECT_NE(std::find(points.begin(), points.end(), "prune.begin"), points.end());
  EXPECT_NE(std::find(points.begin(), points.end(), "prune.done"), points.end());
  const bool locked = std::any_of(msgs.begin(), msgs.end(), [](const ControlMessage& m) {
    return m.type == MessageType::kEvent && m.kind == EventKind::kLockAcquired;
  });
  EXPECT_TRUE(locked);
  EXPECT_TRUE(host.LivePids().empty());
}

// ---------------------------------------------------------------------------
// CacheActorPool: serving cache-actor processes reused across runs

const char* CacheActorOrNull() { return std::getenv("PRUNECHECK_CACHE_ACTOR"); }

#define REQUIRE_CACHE_ACTOR()                                                      \
  do {                                                                             \
    if (CacheActorOrNull() == nullptr) {                                           \
      GTEST_SKIP() << "PRUNECHECK_CACHE_ACTOR is not set (run through ctest)";     \
    }                                                                              \
  } while (false)

// Restores an environment variable at scope exit.
class ScopedEnv {
 public:
  explicit ScopedEnv(const char* name) : name_(name) {
    if (const char* v = std::getenv(name)) saved_ = v;
  }
  ~ScopedEnv() {
    if (saved_.has_value()) ::setenv(name_, saved_->c_str(), 1);
    else ::unsetenv(name_);
  }

 private:
  const char* name_;
  std::optional<std::string> saved_;
};

TEST(DefaultCacheActorPathTest, TheEnvironmentVariableWins) {
  ScopedEnv restore("PRUNECHECK_CACHE_ACTOR");
  ::setenv("PRUNECHECK_CACHE_ACTOR", "/somewhere/else/cache-actor", 1);
  EXPECT_EQ(DefaultCacheActorPath("/ignored/argv0"), "/somewhere/else/cache-actor");
}

// This test binary is build/<preset>/harness/harness_tests; ctest names the
// cache-actor built beside it, build/<preset>/pruner/cache-actor.
TEST(DefaultCacheActorPathTest, WithoutTheVariableFindsTheOneBuiltBesideTheExecutable) {
  REQUIRE_CACHE_ACTOR();
  const std::filesystem::path built = CacheActorOrNull();
  ScopedEnv restore("PRUNECHECK_CACHE_ACTOR");
  ::unsetenv("PRUNECHECK_CACHE_ACTOR");
  const std::string found = DefaultCacheActorPath();
  ASSERT_NE(found, "cache-actor") << "fell back to PATH";
  EXPECT_TRUE(std::filesystem::equivalent(found, built)) << found << " vs " << built;
}

// A pooled run of `args` (cache-actor arguments), logs in `dir`.
ServeRunSpec PooledRun(const std::string& name, std::vector<std::string> args, const std::string& dir) {
  ServeRunSpec run;
  run.name = name;
  run.args = std::move(args);
  run.stdout_path = dir + "/" + name + ".stdout";
  run.stderr_path = dir + "/" + name + ".stderr";
  return run;
}

ActorEndpoint* SpawnPooledOrDie(ProcessActorHost& host, const ServeRunSpec& run) {
  Result<ActorEndpoint*> ep = host.SpawnPooled(run);
  if (!ep.ok()) {
    ADD_FAILURE() << "SpawnPooled(" << run.name << "): " << ep.status().ToString();
    return nullptr;
  }
  return *ep;
}

// Resumes `ep` at every stop until it ends; its messages go to *msgs.
ActorStop DriveToEnd(ActorEndpoint* ep, std::vector<ControlMessage>* msgs = nullptr) {
  ActorStop stop;
  for (int steps = 0; steps < 1000; ++steps) {
    stop = ep->WaitForStop(msgs, kLong);
    if (stop.kind != StopKind::kYield && stop.kind != StopKind::kBlocked) break;
    ep->Resume();
  }
  return stop;
}

// prune never creates a cache (a missing or foreign path is refused), so the
// fixture makes the smallest tree that is one: an empty archive bucket.
std::string MinimalCache(const std::string& path) {
  std::filesystem::create_directories(path + "/archive-v0");
  return path;
}

std::vector<std::string> PruneArgs(const std::string& cache) {
  return {"prune", "--cache", MinimalCache(cache), "--profile", "reference", "--seed", "1", "--no-fsync"};
}

// The descriptors a process has open, by number.
std::set<std::string> OpenFds(pid_t pid) {
  std::set<std::string> fds;
  for (const auto& e : std::filesystem::directory_iterator("/proc/" + std::to_string(pid) + "/fd")) {
    fds.insert(e.path().filename().string());
  }
  return fds;
}

TEST(CacheActorPoolTest, ConsecutiveRunsReuseOneProcessWhichLeaksNoDescriptor) {
  REQUIRE_CACHE_ACTOR();
  ScopedTempDir tmp("process_actor_test");
  ASSERT_TRUE(tmp.ok()) << "cannot create a temp dir";
  const std::string& dir = tmp.path();
  CacheActorPool pool(CacheActorOrNull());
  pid_t pid = -1;
  std::set<std::string> fds;
  for (int i = 0; i < 4; ++i) {
    {
      ProcessActorHost host(&pool);
      ActorEndpoint* ep = SpawnPooledOrDie(host, PooledRun("pruner", PruneArgs(dir + "/cache"), dir));
      ASSERT_NE(ep, nullptr);
      std::vector<ControlMessage> msgs;
      ActorStop stop = DriveToEnd(ep, &msgs);
      ASSERT_EQ(stop.kind, StopKind::kFinished) << stop.message << "\n" << ReadFile(dir + "/pruner.stderr");
      EXPECT_EQ(stop.exit_code, 0);
      EXPECT_EQ(ep->name(), "pruner");
      // The run's stdout went to its own file (truncated per run: one report).
      const std::string out = ReadFile(dir + "/pruner.stdout");
      EXPECT_EQ(out.find("prune (reference"), 0u) << out;
      EXPECT_EQ(out.find("prune (reference", 1), std::string::npos) << out;
      ASSERT_EQ(host.LivePids().size(), 1u);
      if (i == 0) pid = host.LivePids()[0];
      EXPECT_EQ(host.LivePids()[0], pid) << "run " << i << " did not reuse the process";
    }
    ASSERT_EQ(pool.IdlePids(), std::vector<pid_t>{pid});
    // Between runs the process holds what it held after the first: its
    // stdio and the channel. No cache fd, no lock, no log file.
    if (i == 0) fds = OpenFds(pid);
    EXPECT_EQ(OpenFds(pid), fds) << "after run " << i;
  }
  EXPECT_EQ(fds, (std::set<std::string>{"0", "1", "2", "3"}));
  EXPECT_EQ(pool.started(), 1);
}

TEST(CacheActorPoolTest, BadRunGetsTheOneShotExitCodeAndTheProcessKeepsServing) {
  REQUIRE_CACHE_ACTOR();
  ScopedTempDir tmp("process_actor_test");
  ASSERT_TRUE(tmp.ok()) << "cannot create a temp dir";
  const std::string& dir = tmp.path();
  const std::string cache = dir + "/cache";
  CacheActorPool pool(CacheActorOrNull());
  struct Case {
    std::vector<std::string> args;
    int exit_code;
    std::string says;  // in the result's message
  };
  const std::vector<Case> cases = {
      {{"install", "--cache", cache}, 2, "--wheel is required"},
      {{"frobnicate"}, 2, "A subcommand is required"},
      {{"prune", "--cache", cache, "--lock-timeout-ms", "-5"}, 2, "--lock-timeout-ms"},
      {{"prune", "--cache", cache, "--profile", "uv-9.9"}, 2, "unknown profile 'uv-9.9'"},
      {{"read", "--cache", cache, "--wheel", "demo_pkg-1.0.0-py3-none-any.whl", "--env", dir + "/env"},
       6, "not in the cache"},
      {{"profiles"}, 2, "not 'profiles'"},
      {{"serve"}, 2, "not 'serve'"},
  };
  for (const Case& c : cases) {
    std::string what;
    for (const std::string& a : c.args) what += a + " ";
    // What a fresh process does with the same command line.
    int fresh_exit = -1;
    {
      ProcessActorHost host;
      ProcessSpec spec;
      spec.name = "fresh";
      spec.argv = {CacheActorOrNull()};
      spec.argv.insert(spec.argv.end(), c.args.begin(), c.args.end());
      spec.stderr_path = dir + "/fresh.stderr";
      ActorEndpoint* ep = SpawnOrDie(host, spec);
      ASSERT_NE(ep, nullptr);
      fresh_exit = DriveToEnd(ep).exit_code;
    }
    ProcessActorHost host(&pool);
    ActorEndpoint* ep = SpawnPooledOrDie(host, PooledRun("bad", c.args, dir));
    ASSERT_NE(ep, nullptr);
    ActorStop stop = DriveToEnd(ep);
    EXPECT_EQ(stop.kind, StopKind::kFinished) << what << stop.message;
    EXPECT_EQ(stop.exit_code, c.exit_code) << what << stop.message;
    if (c.args[0] != "profiles" && c.args[0] != "serve") {  // those two a fresh process does run
      EXPECT_EQ(stop.exit_code, fresh_exit) << what;
    }
    EXPECT_NE(stop.message.find(c.says), std::string::npos) << what << stop.message;
    // What it printed went to the run's stderr, as a fresh process's would.
    EXPECT_FALSE(ReadFile(dir + "/bad.stderr").empty()) << what;
  }
  // Still the one process, and it still works.
  ProcessActorHost host(&pool);
  ActorEndpoint* ep = SpawnPooledOrDie(host, PooledRun("pruner", PruneArgs(cache), dir));
  ASSERT_NE(ep, nullptr);
  ActorStop stop = DriveToEnd(ep);
  EXPECT_EQ(stop.kind, StopKind::kFinished) << stop.message;
  EXPECT_EQ(stop.exit_code, 0);
  EXPECT_EQ(pool.started(), 1);
}

TEST(CacheActorPoolTest, NoOptionCarriesOverFromOneRunToTheNext) {
  REQUIRE_CACHE_ACTOR();
  ScopedTempDir tmp("process_actor_test");
  ASSERT_TRUE(tmp.ok()) << "cannot create a temp dir";
  const std::string& dir = tmp.path();
  CacheActorPool pool(CacheActorOrNull());
  MinimalCache(dir + "/cache");  // prune never creates a cache
  auto run = [&](std::vector<std::string> args) {
    ProcessActorHost host(&pool);
    ActorEndpoint* ep = SpawnPooledOrDie(host, PooledRun("pruner", std::move(args), dir));
    if (ep == nullptr) return std::string();
    ActorStop stop = DriveToEnd(ep);
    EXPECT_EQ(stop.kind, StopKind::kFinished) << stop.message;
    return ReadFile(dir + "/pruner.stdout");
  };
  const std::string printed = run({"prune", "--cache", dir + "/cache", "--json", "--profile", "uv-0.8.19", "--seed",
                                    "4", "--lock-timeout-ms", "10", "--grace", "3600", "--no-fsync"});
  EXPECT_EQ(printed.rfind("{", 0), 0u) << printed << ReadFile(dir + "/pruner.stderr");
  EXPECT_NE(printed.find("\"profile\":\"uv-0.8.19\""), std::string::npos) << printed;
  // The same options, not given: the defaults, not the last run's values.
  const std::string plain = run({"prune", "--cache", dir + "/cache"});
  EXPECT_EQ(plain.rfind("prune (reference", 0), 0u) << plain;
  EXPECT_EQ(pool.started(), 1);
}

TEST(CacheActorPoolTest, KilledOrUnfinishedProcessesAreReapedAndReplaced) {
  REQUIRE_CACHE_ACTOR();
  ScopedTempDir tmp("process_actor_test");
  ASSERT_TRUE(tmp.ok()) << "cannot create a temp dir";
  const std::string& dir = tmp.path();
  CacheActorPool pool(CacheActorOrNull());
  pid_t killed = -1, unfinished = -1;
  int killed_fd = -1, unfinished_fd = -1;
  {
    ProcessActorHost host(&pool);
    ActorEndpoint* a = SpawnPooledOrDie(host, PooledRun("a", PruneArgs(dir + "/a"), dir));
    ActorEndpoint* b = SpawnPooledOrDie(host, PooledRun("b", PruneArgs(dir + "/b"), dir));
    ASSERT_NE(a, nullptr);
    ASSERT_NE(b, nullptr);
    ASSERT_EQ(a->WaitForStop(nullptr, kLong).kind, StopKind::kYield);
    ASSERT_EQ(b->WaitForStop(nullptr, kLong).kind, StopKind::kYield);
    const std::vector<pid_t> pids = host.LivePids();
    ASSERT_EQ(pids.size(), 2u);
    killed = pids[0];
    unfinished = pids[1];
    killed_fd = PidfdOpen(killed);
    unfinished_fd = PidfdOpen(unfinished);
    a->Kill();
    ActorStop stop = a->WaitForStop(nullptr, kLong);
    EXPECT_EQ(stop.kind, StopKind::kDied);
    EXPECT_EQ(stop.exit_code, 128 + SIGKILL);
    // b is left at its yield point: its run never ends.
  }
  // Neither went back to the pool; both are dead and reaped.
  EXPECT_TRUE(pool.IdlePids().empty());
  for (auto [pid, fd] : {std::pair{killed, killed_fd}, std::pair{unfinished, unfinished_fd}}) {
    ASSERT_GE(fd, 0);
    EXPECT_TRUE(WaitForDeath(fd, kLong)) << pid;
    ::close(fd);
    errno = 0;
    EXPECT_EQ(::waitpid(pid, nullptr, WNOHANG), -1) << pid;
    EXPECT_EQ(errno, ECHILD) << pid;
  }
  // The next run gets a new process, and works.
  {
    ProcessActorHost host(&pool);
    ActorEndpoint* ep = SpawnPooledOrDie(host, PooledRun("c", PruneArgs(dir + "/a"), dir));
    ASSERT_NE(ep, nullptr);
    ActorStop stop = DriveToEnd(ep);
    EXPECT_EQ(stop.kind, StopKind::kFinished) << stop.message;
    EXPECT_EQ(stop.exit_code, 0);
    ASSERT_EQ(host.LivePids().size(), 1u);
    EXPECT_NE(host.LivePids()[0], killed);
    EXPECT_NE(host.LivePids()[0], unfinished);
  }
  EXPECT_EQ(pool.started(), 3);
  EXPECT_EQ(pool.IdlePids().size(), 1u);
}

TEST(CacheActorPoolTest, ProcessThatDiedWhileIdleIsNotHandedOut) {
  REQUIRE_CACHE_ACTOR();
  ScopedTempDir tmp("process_actor_test");
  ASSERT_TRUE(tmp.ok()) << "cannot create a temp dir";
  const std::string& dir = tmp.path();
  CacheActorPool pool(CacheActorOrNull());
  {
    ProcessActorHost host(&pool);
    ActorEndpoint* ep = SpawnPooledOrDie(host, PooledRun("a", PruneArgs(dir + "/cache"), dir));
    ASSERT_NE(ep, nullptr);
    ASSERT_EQ(DriveToEnd(ep).kind, StopKind::kFinished);
  }
  ASSERT_EQ(pool.IdlePids().size(), 1u);
  const pid_t dead = pool.IdlePids()[0];
  const int fd = PidfdOpen(dead);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(::kill(dead, SIGKILL), 0);
  ASSERT_TRUE(WaitForDeath(fd, kLong));
  ::close(fd);
  ProcessActorHost host(&pool);
  ActorEndpoint* ep = SpawnPooledOrDie(host, PooledRun("b", PruneArgs(dir + "/cache"), dir));
  ASSERT_NE(ep, nullptr);
  ActorStop stop = DriveToEnd(ep);
  EXPECT_EQ(stop.kind, StopKind::kFinished) << stop.message;
  EXPECT_NE(host.LivePids().at(0), dead);
  errno = 0;
  EXPECT_EQ(::waitpid(dead, nullptr, WNOHANG), -1);  // reaped when it was found dead
  EXPECT_EQ(errno, ECHILD);
}

TEST(CacheActorPoolTest, DestroyingThePoolKillsAndReapsEveryProcess) {
  REQUIRE_CACHE_ACTOR();
  ScopedTempDir tmp("process_actor_test");
  ASSERT_TRUE(tmp.ok()) << "cannot create a temp dir";
  const std::string& dir = tmp.path();
  std::vector<pid_t> pids;
  std::vector<int> pidfds;
  {
    CacheActorPool pool(CacheActorOrNull());
    {
      ProcessActorHost host(&pool);
      std::vector<ActorEndpoint*> eps;
      for (const char* name : {"a", "b", "c"}) {
        eps.push_back(SpawnPooledOrDie(host, PooledRun(name, PruneArgs(dir + "/" + name), dir)));
        ASSERT_NE(eps.back(), nullptr);
      }
      for (ActorEndpoint* ep : eps) EXPECT_EQ(DriveToEnd(ep).kind, StopKind::kFinished);
    }
    pids = pool.IdlePids();
    ASSERT_EQ(pids.size(), 3u);
    for (pid_t pid : pids) pidfds.push_back(PidfdOpen(pid));
  }
  for (size_t i = 0; i < pids.size(); ++i) {
    ASSERT_GE(pidfds[i], 0);
    EXPECT_TRUE(WaitForDeath(pidfds[i], milliseconds(0))) << pids[i] << " outlived its pool";
    ::close(pidfds[i]);
  }
  ExpectNoChildren();
}

TEST(CacheActorPoolTest, SigintToTheHarnessKillsIdlePooledProcesses) {
  REQUIRE_CACHE_ACTOR();
  ScopedTempDir tmp("process_actor_test");
  ASSERT_TRUE(tmp.ok()) << "cannot create a temp dir";
  const std::string& dir = tmp.path();
  int to_test[2];
  ASSERT_EQ(::pipe2(to_test, O_CLOEXEC), 0);
  const pid_t harness = ::fork();
  ASSERT_GE(harness, 0);
  if (harness == 0) {
    // A harness that survives the signal (deferred exit), so what kills the
    // idle process is the handler's sweep, not PDEATHSIG.
    ::close(to_test[0]);
    InstallHarnessSignalHandlers(/*defer_exit=*/true);
    auto* pool = new CacheActorPool(CacheActorOrNull());  // never destroyed, on purpose
    {
      ProcessActorHost host(pool);
      Result<ActorEndpoint*> ep = host.SpawnPooled(PooledRun("a", PruneArgs(dir + "/cache"), dir));
      if (!ep.ok() || DriveToEnd(*ep).kind != StopKind::kFinished) ::_exit(2);
    }
    if (pool->IdlePids().size() != 1) ::_exit(3);
    const pid_t idle = pool->IdlePids()[0];
    const int fd = PidfdOpen(idle);
    if (::write(to_test[1], &idle, sizeof idle) != sizeof idle) ::_exit(4);
    const bool died = WaitForDeath(fd, kLong);
    siginfo_t info{};
    const bool killed = ::waitid(P_PID, static_cast<id_t>(idle), &info, WEXITED) == 0 &&
                        info.si_code == CLD_KILLED && info.si_status == SIGKILL;
    ::_exit(died && killed ? 0 : 5);
  }
  ::close(to_test[1]);
  pid_t idle = -1;
  const bool got = ReadFully(to_test[0], &idle, sizeof idle);
  ::close(to_test[0]);
  ::kill(harness, SIGINT);
  int status = 0;
  ASSERT_EQ(::waitpid(harness, &status, 0), harness);
  ASSERT_TRUE(got) << "harness child exited with " << status;
  EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
}

TEST(ProcessActorTest, SpawnFailureLeavesNoChild) {
  ProcessActorHost host;
  ProcessSpec spec;
  spec.name = "ghost";
  spec.argv = {"/nonexistent/prunecheck-no-such-program"};
  Result<ActorEndpoint*> ep = host.Spawn(spec);
  EXPECT_FALSE(ep.ok());
  spec.argv = {"prunecheck-no-such-program-in-path"};
  ep = host.Spawn(spec);
  ASSERT_FALSE(ep.ok());
  EXPECT_TRUE(ep.status().Is(StatusCode::kNotFound)) << ep.status().ToString();
  spec.argv = {};
  EXPECT_FALSE(host.Spawn(spec).ok());
  // Failures after the fork come back through the start report, with errno.
  spec.argv = {"/bin/true"};
  spec.working_dir = "/nonexistent/prunecheck-no-such-dir";
  ep = host.Spawn(spec);
  ASSERT_FALSE(ep.ok());
  EXPECT_NE(ep.status().ToString().find("No such file or directory"), std::string::npos) << ep.status().ToString();
  spec.working_dir.clear();
  ScopedTempDir tmp("spawn-failure");
  ASSERT_TRUE(tmp.ok());
  const std::string not_executable = tmp.path() + "/not-executable";
  { std::ofstream(not_executable) << "#!/bin/sh\nexit 0\n"; }
  spec.argv = {not_executable};
  ep = host.Spawn(spec);
  ASSERT_FALSE(ep.ok());
  EXPECT_NE(ep.status().ToString().find("Permission denied"), std::string::npos) << ep.status().ToString();
  EXPECT_TRUE(host.LivePids().empty());
  ExpectNoChildren();
}

}  // namespace
}  // namespace prunecheck::harness
