// ProcessActorHost: actors as real OS processes, spawned by SpawnActorProcess
// (fork + execve, nothing allocated in between) and watched with Boost.Process
// v2 (Boost 1.81, header-only) on one asio::io_context.
//
// Boost 1.81 quirks handled here (see README.md):
//  - Debian ships no Boost.Filesystem 1.81 library, so Boost.Process uses
//    std::filesystem (BOOST_PROCESS_USE_STD_FS); in 1.81 that mode forgets to
//    include <boost/optional.hpp> and two type-traits headers, so we do.
//  - its launchers are not used: they call asio's notify_fork(fork_child)
//    between fork and exec, which allocates (see SpawnActorProcess); the
//    child is attached with bp::process(executor, pid) instead.

// Must precede every Boost.Process include (this is the only TU with one).
#define BOOST_PROCESS_USE_STD_FS 1

#include <boost/optional.hpp>
#include <boost/type_traits/is_constructible.hpp>
#include <boost/type_traits/remove_pointer.hpp>
// (the three above are missing from Boost.Process 1.81 in std::filesystem mode)
#include <boost/asio/io_context.hpp>
#include <boost/asio/local/stream_protocol.hpp>
#include <boost/asio/write.hpp>
#include <boost/process/v2/environment.hpp>
#include <boost/process/v2/process.hpp>

#include "harness/process/process_actor.h"

#include "harness/engine/interrupt.h"
#include "harness/engine/sanitizer_reports.h"
#include "pruner/channel/control_message.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <filesystem>
#include <optional>
#include <string_view>

extern char** environ;

namespace prunecheck::harness {
namespace {

namespace asio = boost::asio;
namespace bp = boost::process::v2;
using Clock = std::chrono::steady_clock;
using stream_protocol = asio::local::stream_protocol;

// The fd number the control channel has in every actor.
constexpr int kChildControlFd = 3;
// A line longer than this without '\n' is a protocol error.
constexpr size_t kMaxLineBytes = 1 << 20;
// After SIGKILL, how long to wait for the kernel to let us reap.
constexpr std::chrono::seconds kReapGrace{10};
// After the actor exited, how long to wait for EOF on its channel (only a
// member of its group that escaped the group kill could delay it).
constexpr std::chrono::seconds kEofGrace{2};

// ---------------------------------------------------------------------------
// The async-signal-safe table of live process groups, shared by every host.

constexpr int kMaxGroups = 4096;
std::atomic<pid_t> g_live_groups[kMaxGroups];
static_assert(std::atomic<pid_t>::is_always_lock_free, "the signal handler needs lock-free atomics");
std::atomic<bool> g_handlers_installed{false};

void RegisterGroup(pid_t pgid) {
  for (std::atomic<pid_t>& slot : g_live_groups) {
    pid_t expected = 0;
    if (slot.compare_exchange_strong(expected, pgid)) return;
  }
  // Table full: the group still dies with the harness through PDEATHSIG of
  // its leader; only its other members would survive a SIGINT.
}

void UnregisterGroup(pid_t pgid) {
  for (std::atomic<pid_t>& slot : g_live_groups) {
    pid_t expected = pgid;
    if (slot.compare_exchange_strong(expected, 0)) return;
  }
}

std::atomic<bool> g_defer_exit{false};

extern "C" void HarnessSignalHandler(int sig) {
  const int saved_errno = errno;
  for (std::atomic<pid_t>& slot : g_live_groups) {
    const pid_t pgid = slot.load();
    if (pgid > 0) ::kill(-pgid, SIGKILL);
  }
  // Both SIGINT and SIGTERM go back to their default: a second one is fatal at once.
  ::signal(SIGINT, SIG_DFL);
  ::signal(SIGTERM, SIG_DFL);
  if (g_defer_exit.load()) {
    // The engine sees this between steps, removes the run directory and
    // re-raises the signal itself.
    NoteInterrupt(sig);
  } else {
    ::raise(sig);  // pending until we return (sig is blocked in its handler), then fatal
  }
  errno = saved_errno;
}

// ---------------------------------------------------------------------------

int ExitCodeFromWaitStatus(int status) {
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    const char* name = ::sigabbrev_np(WTERMSIG(status));
    return "killed by signal " + std::to_string(WTERMSIG(status)) + (name ? std::string(" (SIG") + name + ")" : "");
  }
  return "ended with unknown wait status " + std::to_string(status);
}

std::string Truncate(std::string_view s, size_t n) {
  if (s.size() <= n) return std::string(s);
  return std::string(s.substr(0, n)) + "...";
}

// Closes every fd in [lo, hi] (async-signal-safe; used between fork and exec).
void CloseRange(unsigned lo, unsigned hi) {
  if (lo > hi) return;
  if (::close_range(lo, hi, 0) == 0) return;
  // Kernels before 5.9: close one by one up to the fd limit.
  struct rlimit rl {};
  unsigned limit = 65536;
  if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur < limit) {
    limit = static_cast<unsigned>(rl.rlim_cur);
  }
  for (unsigned fd = lo; fd <= hi && fd < limit; ++fd) ::close(static_cast<int>(fd));
}

// What the child of SpawnActorProcess() does between fork and exec. All of
// it is prepared by the parent: the child only makes async-signal-safe calls.
struct ChildSetup {
  const char* exe = nullptr;
  const char* const* argv = nullptr;
  const char* const* envp = nullptr;
  pid_t parent_pid = -1;
  int stdin_fd = -1;
  int stdout_fd = -1;
  int stderr_fd = -1;   // -1: inherit
  int control_fd = -1;  // -1: black box
  const char* working_dir = nullptr;  // nullptr: inherit
};

// How long a forked child may take to reach execve(). It does only a few
// system calls; a child that takes longer is stuck, and is killed.
constexpr std::chrono::seconds kExecTimeout{30};

// Moves `fd` to a close-on-exec number >= 10 (so no later dup2 onto 0..3 can
// clobber it). -1 stays -1; -2: failed.
int HighFd(int fd) {
  if (fd < 0) return -1;
  const int h = ::fcntl(fd, F_DUPFD_CLOEXEC, 10);
  return h < 0 ? -2 : h;
}

// The child's side: set up, exec, or report errno on `report_fd` and _exit.
// Never returns.
[[noreturn]] void ExecChild(const ChildSetup& c, int report_fd) {
  auto fail = [&]() {
    const int e = errno;
    ssize_t w;
    do {
      w = ::write(report_fd, &e, sizeof e);
    } while (w < 0 && errno == EINTR);
    ::_exit(127);
  };
  // Own process group, so a kill takes the actor's children too.
  if (::setpgid(0, 0) != 0) fail();
  // Die with the harness (more exactly: with the harness thread that forked us).
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) fail();
  // The harness may have died before PDEATHSIG was armed.
  if (::getppid() != c.parent_pid) ::_exit(127);

  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  ::signal(SIGPIPE, SIG_DFL);
  ::signal(SIGINT, SIG_DFL);
  ::signal(SIGTERM, SIG_DFL);

  const int report = HighFd(report_fd);
  if (report < 0) fail();
  report_fd = report;
  const int in = HighFd(c.stdin_fd), out = HighFd(c.stdout_fd), err = HighFd(c.stderr_fd),
            ctl = HighFd(c.control_fd);
  if (in == -2 || out == -2 || err == -2 || ctl == -2) fail();
  if (::dup2(in, STDIN_FILENO) < 0 || ::dup2(out, STDOUT_FILENO) < 0) fail();
  if (err >= 0 && ::dup2(err, STDERR_FILENO) < 0) fail();
  if (ctl >= 0 && ::dup2(ctl, kChildControlFd) < 0) fail();  // dup2 clears FD_CLOEXEC
  if (c.working_dir != nullptr && ::chdir(c.working_dir) != 0) fail();

  // Close everything but stdio, the channel and the report pipe (itself
  // close-on-exec: its EOF tells the parent that execve succeeded).
  const int last_kept = ctl >= 0 ? kChildControlFd : STDERR_FILENO;
  CloseRange(static_cast<unsigned>(last_kept + 1), static_cast<unsigned>(report - 1));
  CloseRange(static_cast<unsigned>(report + 1), ~0U);

  ::execve(c.exe, const_cast<char* const*>(c.argv), const_cast<char* const*>(c.envp));
  fail();
  ::_exit(127);  // not reached
}

// Starts `c.exe` as a child of this (multithreaded) process and returns its
// pid once it has passed execve().
//
// Not Boost.Process's launchers: between fork and exec they call asio's
// notify_fork(fork_child), which allocates. In a child of a multithreaded
// process an allocation can wait forever on a lock that another thread held
// at the fork (seen: libasan's stack depot under gcc 12, which has no fork
// handler for it). Here the child allocates nothing, and a child that does not
// reach execve() within kExecTimeout is killed and reported: never a hang.
Result<pid_t> SpawnActorProcess(const ChildSetup& c, const std::string& what) {
  int rp[2];
  if (::pipe2(rp, O_CLOEXEC) != 0) return Status::FromErrno(errno, "pipe for " + what);
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int e = errno;
    ::close(rp[0]);
    ::close(rp[1]);
    return Status::FromErrno(e, "fork for " + what);
  }
  if (pid == 0) {
    ::close(rp[0]);
    ExecChild(c, rp[1]);
  }
  ::close(rp[1]);
  auto reap = [pid](bool kill_first) {
    if (kill_first) ::kill(pid, SIGKILL);
    while (::waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
  };
  const auto deadline = Clock::now() + kExecTimeout;
  int exec_errno = 0;
  ssize_t got = 0;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
    pollfd p{rp[0], POLLIN, 0};
    const int polled = left > 0 ? ::poll(&p, 1, static_cast<int>(left)) : 0;
    if (polled < 0 && errno == EINTR) continue;
    if (polled <= 0) {
      const int e = errno;
      ::close(rp[0]);
      reap(/*kill_first=*/true);
      if (polled < 0) return Status::FromErrno(e, "waiting for " + what + " to start");
      return Status(StatusCode::kIoError, what + ": the forked child did not reach execve within " +
                                              std::to_string(kExecTimeout.count()) + " s; killed");
    }
    do {
      got = ::read(rp[0], &exec_errno, sizeof exec_errno);
    } while (got < 0 && errno == EINTR);
    break;
  }
  ::close(rp[0]);
  if (got == 0) return pid;  // EOF: the pipe closed at a successful execve
  reap(/*kill_first=*/got != static_cast<ssize_t>(sizeof exec_errno));
  if (got == static_cast<ssize_t>(sizeof exec_errno)) return Status::FromErrno(exec_errno, "starting " + what);
  return Status(StatusCode::kIoError, "starting " + what + ": unreadable start report");
}

// ---------------------------------------------------------------------------

// One actor process. A *serving* endpoint (`cache-actor serve`) outlives
// runs: BeginRun() hands it one operation, and the run ends at its result
// (no exit); between runs it idles in a CacheActorPool.
class ProcessEndpoint final : public ActorEndpoint {
 public:
  ProcessEndpoint(asio::io_context& io, ProcessSpec spec, bool serving = false)
      : io_(io), spec_(std::move(spec)), serving_(serving), name_(spec_.name), controlled_(spec_.controlled),
        socket_(io) {}
  ~ProcessEndpoint() override = default;

  // Launches the process. On failure nothing is left running.
  Status Start() {
    if (spec_.argv.empty() || spec_.argv[0].empty()) {
      return Status(StatusCode::kInvalidInput, "actor " + spec_.name + ": empty argv");
    }
    int sv[2] = {-1, -1};
    if (spec_.use_channel && ::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) {
      return Status::FromErrno(errno, "socketpair for actor " + spec_.name);
    }
    FdGuard harness_end{sv[0]}, child_end{sv[1]};

    FdGuard in{::open("/dev/null", O_RDONLY | O_CLOEXEC)};
    if (in.fd < 0) return Status::FromErrno(errno, "opening /dev/null");
    const std::string out_path = spec_.stdout_path.empty() ? "/dev/null" : spec_.stdout_path;
    FdGuard out{::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)};
    if (out.fd < 0) return Status::FromErrno(errno, "opening stdout file " + out_path);
    FdGuard err;
    if (!spec_.stderr_path.empty()) {
      if (spec_.stderr_path == spec_.stdout_path) {
        err.fd = ::fcntl(out.fd, F_DUPFD_CLOEXEC, 0);
      } else {
        err.fd = ::open(spec_.stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      }
      if (err.fd < 0) return Status::FromErrno(errno, "opening stderr file " + spec_.stderr_path);
    }

    std::filesystem::path exe = spec_.argv[0];
    if (spec_.argv[0].find('/') == std::string::npos) {  // looked up in the harness's PATH
      exe = bp::environment::find_executable(spec_.argv[0]);
      if (exe.empty()) {
        return Status(StatusCode::kNotFound, "actor " + spec_.name + ": " + spec_.argv[0] + " not found in PATH");
      }
    }

    BuildEnvironment();
    std::vector<const char*> argv;
    for (const std::string& a : spec_.argv) argv.push_back(a.c_str());
    argv.push_back(nullptr);

    ChildSetup setup;
    const std::string exe_str = exe.string();
    setup.exe = exe_str.c_str();
    setup.argv = argv.data();
    setup.envp = envp_.data();
    setup.parent_pid = ::getpid();
    setup.stdin_fd = in.fd;
    setup.stdout_fd = out.fd;
    setup.stderr_fd = err.fd;
    setup.control_fd = child_end.fd;
    if (!spec_.working_dir.empty()) setup.working_dir = spec_.working_dir.c_str();
    Result<pid_t> child = SpawnActorProcess(setup, "actor " + spec_.name + " (" + exe_str + ")");
    if (!child.ok()) return child.status();
    bp::process proc(io_.get_executor(), *child);
    pid_ = proc.id();
    RegisterGroup(pid_);  // the child made itself a group leader before exec
    proc_.emplace(std::move(proc));

    if (spec_.use_channel) {
      boost::system::error_code aec;
      socket_.assign(stream_protocol(), harness_end.fd, aec);
      if (aec) {
        // Cannot talk to it: kill it now; it is reaped by the wait below.
        Kill();
      } else {
        harness_end.fd = -1;  // owned by socket_
        StartRead();
      }
    }
    StartWait();
    return Status::Ok();
  }

  const std::string& name() const override { return name_; }
  // Whether the actor was given the control channel (not whether it has used it yet).
  bool connected() const override { return spec_.use_channel; }

  pid_t pid() const { return pid_; }
  bool reaped() const { return exited_; }
  bool serving() const { return serving_; }
  // Asynchronous operations not yet completed: the endpoint must outlive
  // them (its io_context may be shared and outlive it).
  int pending() const { return pending_; }

  // Serving: alive, between runs (never given one, or its last one ended
  // with a result), and nothing unexpected seen. Only such an endpoint may
  // serve another run.
  bool Idle() const {
    return serving_ && !exited_ && !killed_ && !eof_ && !protocol_error_ && !in_run_ && inbox_.empty() &&
           buffer_.empty();
  }

  // Serving: starts one operation (REQUIRES: Idle()). From here on the
  // endpoint behaves like a freshly spawned actor of that run.
  void BeginRun(const ServeRunSpec& run) {
    name_ = run.name;
    controlled_ = run.controlled;
    in_run_ = true;
    result_.reset();
    final_.reset();
    ControlMessage m;
    m.type = MessageType::kRun;
    m.actor = run.name;
    m.argv = run.args;
    m.stdout_path = run.stdout_path;
    m.stderr_path = run.stderr_path;
    m.sanitizer_log = run.sanitizer_log;
    m.mode = run.controlled ? "controlled" : "free";
    m.seed = run.seed;
    m.max_delay_us = run.max_delay_us;
    if (hello_) {
      Send(m);
    } else {
      pending_run_ = m;  // a process still starting: the run follows its welcome
    }
  }

  ActorStop WaitForStop(std::vector<ControlMessage>* messages, std::chrono::milliseconds timeout) override {
    return Wait(messages, Clock::now() + timeout, /*until_exit=*/false);
  }

  ActorStop WaitForExit(std::vector<ControlMessage>* messages, std::chrono::milliseconds timeout) override {
    timeout_for_message_ = timeout;
    return Wait(messages, Clock::now() + timeout, /*until_exit=*/true);
  }

  void Resume() override {
    if (!spec_.use_channel || exited_ || killed_ || (serving_ && !in_run_)) return;
    // Sent at every step: encoded once.
    static const std::string go = [] {
      ControlMessage m;
      m.type = MessageType::kGo;
      return EncodeMessage(m);
    }();
    SendLine(go);
  }

  void Kill() override {
    if (exited_ || killed_) return;
    killed_ = true;
    kill_time_ = Clock::now();
    ::kill(-pid_, SIGKILL);
  }

  void Pause() override {
    if (!exited_) ::kill(-pid_, SIGSTOP);
  }
  void Continue() override {
    if (!exited_) ::kill(-pid_, SIGCONT);
  }

  // Host shutdown: SIGKILL unless already gone (marks the end as a harness kill).
  void KillForShutdown() { Kill(); }

  // Blocking reap, when the io loop did not deliver the exit in time.
  void ReapBlocking() {
    if (exited_) return;
    int status = 0;
    pid_t r;
    do {
      r = ::waitpid(pid_, &status, 0);
    } while (r < 0 && errno == EINTR);
    OnExited(r == pid_ ? std::optional<int>(status) : std::nullopt);
  }

  // Cancels outstanding operations before the io_context goes away.
  void Close() {
    boost::system::error_code ec;
    socket_.close(ec);
    eof_ = true;
  }

 private:
  struct FdGuard {
    int fd = -1;
    FdGuard() = default;
    explicit FdGuard(int f) : fd(f) {}
    FdGuard(const FdGuard&) = delete;
    FdGuard& operator=(const FdGuard&) = delete;
    ~FdGuard() {
      if (fd >= 0) ::close(fd);
    }
  };

  void BuildEnvironment() {
    std::vector<std::pair<std::string, std::string>> overrides = spec_.env;
    if (spec_.use_channel) overrides.emplace_back(kControlFdEnv, std::to_string(kChildControlFd));
    overrides.emplace_back("PRUNECHECK_ACTOR_NAME", spec_.name);
    auto overridden = [&](std::string_view entry) {
      const std::string_view key = entry.substr(0, entry.find('='));
      if (!spec_.use_channel && key == kControlFdEnv) return true;  // never leak ours (nested harness)
      return std::any_of(overrides.begin(), overrides.end(), [&](const auto& kv) { return kv.first == key; });
    };
    env_.clear();
    for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
      if (!overridden(*e)) env_.emplace_back(*e);
    }
    // Later duplicates of a key in spec_.env win.
    for (size_t i = 0; i < overrides.size(); ++i) {
      const bool later = std::any_of(overrides.begin() + static_cast<std::ptrdiff_t>(i) + 1, overrides.end(),
                                     [&](const auto& kv) { return kv.first == overrides[i].first; });
      if (!later) env_.push_back(overrides[i].first + "=" + overrides[i].second);
    }
    envp_.clear();
    for (const std::string& s : env_) envp_.push_back(s.c_str());
    envp_.push_back(nullptr);
  }

  void StartWait() {
    ++pending_;
    proc_->async_wait([this](bp::error_code ec, int /*code*/) {
      --pending_;
      if (ec == asio::error::operation_aborted) return;
      if (exited_) return;  // reaped by ReapBlocking
      if (ec) {
        OnExited(std::nullopt);  // someone else reaped it
      } else {
        OnExited(proc_->native_exit_code());
      }
    });
  }

  void OnExited(std::optional<int> status) {
    exited_ = true;
    wait_status_ = status;
    eof_deadline_ = Clock::now() + kEofGrace;
    // Whatever the leader left in its group goes too: no orphans. The group
    // id cannot have been reused: a pid stays reserved while it names a group.
    ::kill(-pid_, SIGKILL);
    UnregisterGroup(pid_);
  }

  void StartRead() {
    ++pending_;
    socket_.async_read_some(asio::buffer(chunk_), [this](const boost::system::error_code& ec, size_t n) {
      --pending_;
      if (n > 0) OnData(std::string_view(chunk_.data(), n));
      if (ec || protocol_error_) {
        eof_ = true;
        return;
      }
      StartRead();
    });
  }

  void OnData(std::string_view data) {
    if (protocol_error_) return;
    buffer_.append(data);
    size_t start = 0;
    for (size_t nl; (nl = buffer_.find('\n', start)) != std::string::npos; start = nl + 1) {
      OnLine(std::string_view(buffer_).substr(start, nl - start));
      if (protocol_error_) return;
    }
    buffer_.erase(0, start);
    if (buffer_.size() > kMaxLineBytes) {
      ProtocolError("actor " + name_ + " sent a control line longer than " + std::to_string(kMaxLineBytes) +
                    " bytes: \"" + Truncate(buffer_, 200) + "\"");
    }
  }

  void OnLine(std::string_view line) {
    Result<ControlMessage> m = DecodeMessage(line);
    if (!m.ok()) {
      ProtocolError("actor " + name_ + " sent a malformed control line \"" + Truncate(line, 200) +
                    "\": " + m.status().message());
      return;
    }
    switch (m->type) {
      case MessageType::kHello:
        if (hello_) {
          ProtocolError("actor " + name_ + " said hello twice: \"" + Truncate(line, 200) + "\"");
          return;
        }
        if (m->protocol != kProtocolVersion) {
          ProtocolError("actor " + name_ + " speaks control protocol " + std::to_string(m->protocol) +
                        ", the harness speaks " + std::to_string(kProtocolVersion));
          return;
        }
        if (m->serve != serving_) {
          ProtocolError("actor " + name_ + (serving_ ? " was started to serve runs but its hello does not say serve"
                                                      : " says it serves runs but was started for one operation") +
                        ": \"" + Truncate(line, 200) + "\"");
          return;
        }
        hello_ = true;
        {
          // Answered at once, whoever is being waited for: the welcome
          // depends only on the spec, so this keeps runs deterministic.
          ControlMessage w;
          w.type = MessageType::kWelcome;
          w.mode = spec_.controlled ? "controlled" : "free";
          w.seed = spec_.seed;
          w.max_delay_us = spec_.max_delay_us;
          Send(w);
        }
        if (pending_run_) {
          Send(*pending_run_);
          pending_run_.reset();
        }
        return;
      case MessageType::kWelcome:
      case MessageType::kGo:
      case MessageType::kRun:
        ProtocolError("actor " + name_ + " sent a harness-only message \"" + Truncate(line, 200) + "\"");
        return;
      default:
        inbox_.push_back(std::move(m).value());
    }
  }

  void ProtocolError(std::string what) {
    if (protocol_error_) return;
    protocol_error_ = std::move(what);
    Kill();
  }

  void Send(const ControlMessage& m) { SendLine(EncodeMessage(m)); }

  void SendLine(const std::string& line) {
    if (!socket_.is_open()) return;
    boost::system::error_code ec;
    asio::write(socket_, asio::buffer(line), ec);
    // EPIPE/ECONNRESET: the actor is gone; its exit is reported by the wait.
  }

  ActorStop Final() {
    if (final_) return *final_;
    ActorStop s;
    s.exit_code = wait_status_ ? ExitCodeFromWaitStatus(*wait_status_) : -1;
    const std::string how = wait_status_ ? DescribeWaitStatus(*wait_status_) : "was reaped by someone else";
    if (protocol_error_) {
      s.kind = StopKind::kDied;
      s.message = *protocol_error_ + "; killed";
    } else if (timed_out_) {
      s.kind = StopKind::kDied;
      s.message = "did not exit within " + std::to_string(timeout_for_message_.count()) + " ms; killed by the harness";
    } else if (killed_) {
      s.kind = StopKind::kDied;
      s.message = "killed by the harness (SIGKILL to its process group)";
    } else if (!spec_.use_channel) {
      // A black box that exits on its own has finished, whatever its status;
      // only a signal counts as dying.
      const bool signalled = wait_status_ && WIFSIGNALED(*wait_status_);
      s.kind = signalled || !wait_status_ ? StopKind::kDied : StopKind::kFinished;
      s.message = how;
    } else if (result_) {
      s.kind = StopKind::kFinished;
      if (serving_) s.exit_code = result_->exit_code;  // the process lives on: the result is the run's end
      s.message = result_->status.empty() ? result_->message
                  : result_->message.empty() ? result_->status
                                             : result_->status + ": " + result_->message;
    } else {
      s.kind = StopKind::kDied;
      s.message = how + " without sending a result";
    }
    final_ = s;
    return s;
  }

  ActorStop Wait(std::vector<ControlMessage>* messages, Clock::time_point deadline, bool until_exit) {
    if (final_) return *final_;
    for (;;) {
      // 1. What the actor has said so far, in order.
      while (!inbox_.empty()) {
        ControlMessage m = std::move(inbox_.front());
        inbox_.pop_front();
        const bool dead = killed_ || protocol_error_.has_value();
        switch (m.type) {
          case MessageType::kEvent:
            if (messages) messages->push_back(std::move(m));
            break;
          case MessageType::kYield: {
            ActorStop s;
            s.kind = StopKind::kYield;
            s.point = m.point;
            s.subject = m.subject;
            if (messages) messages->push_back(std::move(m));
            if (dead) break;
            if (!until_exit) return s;
            if (controlled_) Resume();
            break;
          }
          case MessageType::kBlocked:
            if (dead) break;
            if (!until_exit) {
              ActorStop s;
              s.kind = StopKind::kBlocked;
              s.point = m.point;
              return s;
            }
            if (controlled_) Resume();
            break;
          case MessageType::kResult:
            result_ = std::move(m);
            if (serving_ && !dead) {
              // The run is over; the process waits for its next one. Nothing
              // it sends before then belongs to this run.
              in_run_ = false;
              return Final();
            }
            break;
          default:
            break;
        }
      }

      // 2. Ended: exited, and the channel drained.
      const Clock::time_point now = Clock::now();
      if (exited_ && (eof_ || !spec_.use_channel || now >= eof_deadline_)) return Final();

      // 3. How long to keep waiting.
      if (until_exit && !exited_ && !killed_ && now >= deadline) {
        timed_out_ = true;
        Kill();
      }
      Clock::time_point until = deadline;
      if (exited_) {
        until = eof_deadline_;
      } else if (killed_) {
        until = std::max(deadline, kill_time_ + kReapGrace);
      }
      if (now >= until) {
        if (!killed_) return ActorStop{StopKind::kUnresponsive, "", "", -1, "sent nothing for the whole timeout"};
        // SIGKILLed but the kernel has not let it go (uninterruptible sleep):
        // the host's destructor reaps it.
        return ActorStop{StopKind::kDied, "", "", 128 + SIGKILL, "killed, but not yet reaped"};
      }

      // 4. Let asio deliver something (possibly for another actor).
      if (io_.stopped()) io_.restart();
      if (io_.run_one_until(until) == 0 && Clock::now() < until) {
        // No outstanding work at all: nothing can change any more.
        if (!exited_) ReapBlocking();
        eof_ = true;
      }
    }
  }

  asio::io_context& io_;
  ProcessSpec spec_;
  const bool serving_;      // `cache-actor serve`: many runs, each ending at its result
  std::string name_;        // the actor's name (serving: in its current run)
  bool controlled_;         // the current run's mode (one-shot: the spec's)
  bool in_run_ = false;     // serving: a run was begun and has not sent its result
  std::optional<ControlMessage> pending_run_;  // serving: to send after the welcome
  int pending_ = 0;         // outstanding async operations (see pending())
  std::vector<std::string> env_;
  std::vector<const char*> envp_;
  std::optional<bp::process> proc_;
  pid_t pid_ = -1;
  stream_protocol::socket socket_;
  std::array<char, 4096> chunk_{};
  std::string buffer_;
  std::deque<ControlMessage> inbox_;

  bool hello_ = false;
  bool eof_ = false;
  bool exited_ = false;
  bool killed_ = false;
  bool timed_out_ = false;
  std::chrono::milliseconds timeout_for_message_{0};
  Clock::time_point kill_time_{};
  Clock::time_point eof_deadline_{};
  std::optional<int> wait_status_;
  std::optional<std::string> protocol_error_;
  std::optional<ControlMessage> result_;
  std::optional<ActorStop> final_;
};

// SIGKILLs every group in `endpoints` and reaps every process: through the
// io loop while exits arrive within kReapGrace, then blocking.
void KillGroupsAndReap(asio::io_context& io, std::vector<std::unique_ptr<ProcessEndpoint>>& endpoints) {
  for (auto& e : endpoints) e->KillForShutdown();
  const Clock::time_point until = Clock::now() + kReapGrace;
  auto all_reaped = [&] {
    return std::all_of(endpoints.begin(), endpoints.end(), [](const auto& e) { return e->reaped(); });
  };
  while (!all_reaped() && Clock::now() < until) {
    if (io.stopped()) io.restart();
    if (io.run_one_until(until) == 0) break;
  }
  for (auto& e : endpoints) e->ReapBlocking();
}

// KillGroupsAndReap, then lets every outstanding handler run, so that the
// endpoints can be destroyed even when `io` lives on (a pool's). Empties
// `endpoints`.
void KillAndReap(asio::io_context& io, std::vector<std::unique_ptr<ProcessEndpoint>>& endpoints) {
  if (endpoints.empty()) return;
  KillGroupsAndReap(io, endpoints);
  for (auto& e : endpoints) e->Close();
  // Run the cancelled and completed handlers while the endpoints they point
  // to still exist: the socket reads were cancelled by Close(), and every
  // process is reaped, so its pidfd wait completes at once.
  auto all_idle = [&] {
    return std::all_of(endpoints.begin(), endpoints.end(), [](const auto& e) { return e->pending() == 0; });
  };
  const Clock::time_point drain_until = Clock::now() + kReapGrace;
  while (!all_idle() && Clock::now() < drain_until) {
    if (io.stopped()) io.restart();
    if (io.run_one_until(drain_until) == 0 && io.stopped()) break;  // no work left at all
  }
  for (auto& e : endpoints) {
    // Still referred to by a handler that never ran (only a process the
    // kernel would not let go): leaking it beats a handler on freed memory.
    if (e->pending() > 0) (void)e.release();
  }
  endpoints.clear();
}

}  // namespace

// ---------------------------------------------------------------------------

struct CacheActorPool::Impl {
  explicit Impl(std::string exe) : cache_actor(std::move(exe)) {}
  ~Impl() { KillAndReap(io, idle); }

  // An idle serving process: the most recently used one that is still
  // healthy, else a new one. Processes found dead or confused are discarded.
  Result<std::unique_ptr<ProcessEndpoint>> Take() {
    // Deliver what happened while they idled (an exit, a stray line).
    if (io.stopped()) io.restart();
    io.poll();
    std::vector<std::unique_ptr<ProcessEndpoint>> broken;
    std::unique_ptr<ProcessEndpoint> found;
    while (!idle.empty() && !found) {
      std::unique_ptr<ProcessEndpoint> e = std::move(idle.back());
      idle.pop_back();
      if (e->Idle()) {
        found = std::move(e);
      } else {
        broken.push_back(std::move(e));
      }
    }
    KillAndReap(io, broken);
    if (found) return found;
    ProcessSpec spec;
    spec.name = "cache-actor-serve-" + std::to_string(++started);
    spec.argv = {cache_actor, "serve"};
    // The sanitizer defaults, without a log path: each run names its own.
    spec.env = SanitizerEnvironment("");
    auto e = std::make_unique<ProcessEndpoint>(io, std::move(spec), /*serving=*/true);
    PC_RETURN_IF_ERROR(e->Start());
    return e;
  }

  // Declared first: destroyed after every endpoint bound to it.
  asio::io_context io;
  std::string cache_actor;
  std::vector<std::unique_ptr<ProcessEndpoint>> idle;
  int started = 0;
};

std::string DefaultCacheActorPath(const char* argv0) {
  if (const char* env = std::getenv("PRUNECHECK_CACHE_ACTOR")) return env;
  std::error_code ec;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec && argv0 != nullptr) self = argv0;
  if (!self.empty()) {
    for (const auto& candidate :
         {self.parent_path() / "cache-actor", self.parent_path().parent_path() / "pruner" / "cache-actor"}) {
      if (std::filesystem::exists(candidate, ec)) return candidate.string();
    }
  }
  return "cache-actor";  // from PATH
}

CacheActorPool::CacheActorPool(std::string cache_actor) : impl_(std::make_unique<Impl>(std::move(cache_actor))) {}

CacheActorPool::~CacheActorPool() = default;

const std::string& CacheActorPool::cache_actor() const { return impl_->cache_actor; }

std::vector<pid_t> CacheActorPool::IdlePids() const {
  std::vector<pid_t> pids;
  for (const auto& e : impl_->idle) {
    if (!e->reaped()) pids.push_back(e->pid());
  }
  return pids;
}

int CacheActorPool::started() const { return impl_->started; }

// ---------------------------------------------------------------------------

struct ProcessActorHost::Impl {
  explicit Impl(CacheActorPool::Impl* p) : pool(p), io(p != nullptr ? p->io : own_io) {}

  // Pooled endpoints that ended their run cleanly go back to the pool; every
  // other endpoint is killed and reaped.
  ~Impl() {
    std::vector<std::unique_ptr<ProcessEndpoint>> doomed;
    if (pool != nullptr) {
      if (io.stopped()) io.restart();
      io.poll();  // an exit or a stray line that already arrived counts against reuse
    }
    for (auto& e : endpoints) {
      if (pool != nullptr && e->Idle()) {
        pool->idle.push_back(std::move(e));
      } else {
        doomed.push_back(std::move(e));
      }
    }
    endpoints.clear();
    // Replacements are started when next needed, not here: starting them
    // now (to overlap their start-up with the checks) measured no faster.
    KillAndReap(io, doomed);
  }

  void KillAll() { KillGroupsAndReap(io, endpoints); }

  CacheActorPool::Impl* pool;
  asio::io_context own_io;  // unused with a pool: its io_context drives everything
  asio::io_context& io;
  std::vector<std::unique_ptr<ProcessEndpoint>> endpoints;
};

ProcessActorHost::ProcessActorHost() : impl_(std::make_unique<Impl>(nullptr)) {}

ProcessActorHost::ProcessActorHost(CacheActorPool* pool)
    : impl_(std::make_unique<Impl>(pool != nullptr ? pool->impl_.get() : nullptr)) {}

ProcessActorHost::~ProcessActorHost() = default;

Result<ActorEndpoint*> ProcessActorHost::Spawn(const ProcessSpec& spec) {
  auto e = std::make_unique<ProcessEndpoint>(impl_->io, spec);
  Status st = e->Start();
  if (!st.ok()) return st;
  impl_->endpoints.push_back(std::move(e));
  return static_cast<ActorEndpoint*>(impl_->endpoints.back().get());
}

Result<ActorEndpoint*> ProcessActorHost::SpawnPooled(const ServeRunSpec& run) {
  if (impl_->pool == nullptr) {
    return Status(StatusCode::kInvalidInput, "actor " + run.name + ": this host has no pool of serving processes");
  }
  if (run.args.empty()) return Status(StatusCode::kInvalidInput, "actor " + run.name + ": empty arguments");
  // The log files are the harness's to create, as for a fresh process: a
  // path it cannot open is its error, not the actor's.
  for (const std::string& path : {run.stdout_path, run.stderr_path}) {
    if (path.empty()) continue;
    const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return Status::FromErrno(errno, "opening log file " + path + " for actor " + run.name);
    ::close(fd);
  }
  Result<std::unique_ptr<ProcessEndpoint>> e = impl_->pool->Take();
  if (!e.ok()) return e.status().Annotate("actor " + run.name);
  ServeRunSpec absolute = run;
  // The serving process resolves relative paths against its own cwd, which
  // need not be the harness's now.
  std::error_code ec;
  if (!run.stdout_path.empty()) absolute.stdout_path = std::filesystem::absolute(run.stdout_path, ec).string();
  if (!run.stderr_path.empty()) absolute.stderr_path = std::filesystem::absolute(run.stderr_path, ec).string();
  if (!run.sanitizer_log.empty()) absolute.sanitizer_log = std::filesystem::absolute(run.sanitizer_log, ec).string();
  (*e)->BeginRun(absolute);
  impl_->endpoints.push_back(std::move(e).value());
  return static_cast<ActorEndpoint*>(impl_->endpoints.back().get());
}

void ProcessActorHost::KillAll() { impl_->KillAll(); }

std::vector<pid_t> ProcessActorHost::LivePids() const {
  std::vector<pid_t> pids;
  for (const auto& e : impl_->endpoints) {
    if (!e->reaped()) pids.push_back(e->pid());
  }
  return pids;
}

void RegisterLiveProcessGroup(pid_t pgid) { RegisterGroup(pgid); }
void UnregisterLiveProcessGroup(pid_t pgid) { UnregisterGroup(pgid); }

void InstallHarnessSignalHandlers(bool defer_exit) {
  g_defer_exit.store(defer_exit);
  if (g_handlers_installed.exchange(true)) return;
  struct sigaction sa {};
  sa.sa_handler = HarnessSignalHandler;
  ::sigfillset(&sa.sa_mask);  // nothing interrupts the sweep
  sa.sa_flags = 0;
  ::sigaction(SIGINT, &sa, nullptr);
  ::sigaction(SIGTERM, &sa, nullptr);
}

}  // namespace prunecheck::harness
