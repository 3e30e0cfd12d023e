#include "harness/syscall/syscall_actor.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/seccomp.h>
#include <poll.h>
#include <sched.h>
#include <seccomp.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstring>
#include <deque>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <thread>

#include "harness/process/process_actor.h"
#include "harness/syscall/cache_path.h"
#include "harness/syscall/syscall_filter.h"

extern char** environ;

namespace prunecheck::harness {
namespace {

using Clock = std::chrono::steady_clock;

// Quiescence must be seen this many times in a row, a short poll apart.
constexpr int kQuietSamples = 2;
constexpr auto kQuietPoll = std::chrono::microseconds(200);
// Every task asleep with no call held for this long: "sys.wait".
constexpr auto kSleepingIsBlocked = std::chrono::milliseconds(20);
// How long to wait for the kernel to let a killed init go.
constexpr auto kReapGrace = std::chrono::seconds(10);
// How long a starting actor may take to hand over its seccomp listener.
constexpr auto kStartTimeout = std::chrono::seconds(30);

int64_t MonotonicNs() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

std::string ReadLink(const std::string& path) {
  char buf[PATH_MAX];
  const ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
  if (n <= 0) return "";
  return std::string(buf, static_cast<size_t>(n));
}

// Reads a NUL-terminated string of at most PATH_MAX bytes at `addr` in `pid`.
bool ReadRemoteString(pid_t pid, uint64_t addr, std::string* out) {
  out->clear();
  if (addr == 0) return false;
  char buf[4096];
  while (out->size() < PATH_MAX) {
    // Never cross a page boundary in one read: the next page may be unmapped.
    const size_t len = 4096 - static_cast<size_t>(addr % 4096);
    iovec local{buf, len};
    iovec remote{reinterpret_cast<void*>(addr), len};
    ssize_t n = ::process_vm_readv(pid, &local, 1, &remote, 1, 0);
    if (n <= 0) {
      // Fallback (e.g. process_vm_readv filtered by a container): /proc/PID/mem.
      const std::string mem = "/proc/" + std::to_string(pid) + "/mem";
      const int fd = ::open(mem.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) return false;
      n = ::pread(fd, buf, len, static_cast<off_t>(addr));
      ::close(fd);
      if (n <= 0) return false;
    }
    const void* nul = std::memchr(buf, 0, static_cast<size_t>(n));
    if (nul != nullptr) {
      out->append(buf, static_cast<size_t>(static_cast<const char*>(nul) - buf));
      return true;
    }
    out->append(buf, static_cast<size_t>(n));
    addr += static_cast<uint64_t>(n);
  }
  return false;
}

bool ReadRemote(pid_t pid, uint64_t addr, void* dst, size_t len) {
  iovec local{dst, len};
  iovec remote{reinterpret_cast<void*>(addr), len};
  return ::process_vm_readv(pid, &local, 1, &remote, 1, 0) == static_cast<ssize_t>(len);
}

// One intercepted call, decoded.
struct Call {
  uint64_t id = 0;
  pid_t tid = 0;
  int nr = -1;
  std::string name;                 // "openat"
  std::vector<std::string> abs;     // absolute paths it names
  std::vector<std::optional<std::string>> rel;  // cache-relative, or nullopt outside
  std::string symlink_target;       // symlink(at): the link's content
  int fd = -1;                      // flock, fcntl, ftruncate: the fd
  uint64_t flags = 0;               // open flags / flock op / fcntl cmd / unlinkat flags
  uint64_t lock_arg = 0;            // fcntl: address of the struct flock
  uint64_t seq = 0;                 // arrival order
  bool inside = false;

  std::string Point() const { return "sys." + name; }
  std::string Subject() const {
    std::string s;
    for (size_t i = 0; i < abs.size(); ++i) {
      if (i > 0) s += " -> ";
      s += rel[i] ? *rel[i] : abs[i];
    }
    return s;
  }
  bool BlockingLock() const {
    if (nr == SYS_flock) return (flags & LOCK_NB) == 0 && (flags & (LOCK_SH | LOCK_EX)) != 0;
    if (nr == SYS_fcntl) return flags == F_SETLKW || flags == F_OFD_SETLKW;
    return false;
  }
};

struct ProcStat {
  pid_t pid = 0;
  char state = '?';
  pid_t ppid = 0;
  long threads = 1;
};

bool ReadStat(const std::string& path, ProcStat* st) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[1024];
  const ssize_t n = ::read(fd, buf, sizeof buf - 1);
  ::close(fd);
  if (n <= 0) return false;
  buf[n] = 0;
  st->pid = static_cast<pid_t>(std::atol(buf));
  const char* close_paren = std::strrchr(buf, ')');  // the command name may contain anything
  if (close_paren == nullptr || close_paren[1] == 0) return false;
  const char* p = close_paren + 2;
  st->state = *p;
  // Fields after the state: ppid is the 1st, num_threads the 17th.
  int field = 0;
  for (const char* q = p; *q != 0; ++q) {
    if (*q != ' ') continue;
    ++field;
    if (field == 1) st->ppid = static_cast<pid_t>(std::atol(q + 1));
    if (field == 17) {
      st->threads = std::atol(q + 1);
      break;
    }
  }
  return true;
}

bool Running(char state) { return state == 'R' || state == 'D'; }

// A /proc file of at most 64 KiB, whole.
bool ReadSmallFile(const std::string& path, std::string* out) {
  out->clear();
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char chunk[4096];
  ssize_t n;
  while (out->size() < 65536 && (n = ::read(fd, chunk, sizeof chunk)) > 0) out->append(chunk, static_cast<size_t>(n));
  ::close(fd);
  return true;
}

// The path `path` (relative to dirfd `dirfd` of task `tid`) as an absolute path.
std::string Absolute(pid_t tid, int dirfd, const std::string& path) {
  if (!path.empty() && path[0] == '/') return path;
  const std::string proc = "/proc/" + std::to_string(tid);
  const std::string base = dirfd == AT_FDCWD ? ReadLink(proc + "/cwd") : ReadLink(proc + "/fd/" + std::to_string(dirfd));
  if (path.empty()) return base;
  return base + "/" + path;
}

// ---------------------------------------------------------------------------
// The child side: async-signal-safe code only (the harness may be
// multithreaded).

struct ChildArgs {
  const char* exe = nullptr;
  char* const* argv = nullptr;
  char* const* envp = nullptr;
  int in_fd = -1, out_fd = -1, err_fd = -1;
  int sock_child = -1, sock_parent = -1;
  int exec_err_r = -1, exec_err_w = -1;
  const sock_fprog* prog = nullptr;
  bool pid_namespace = false;
};

[[noreturn]] void ChildFail(const ChildArgs& a, int err) {
  (void)!::write(a.exec_err_w, &err, sizeof err);
  ::_exit(127);
}

int High(int fd) { return fd < 0 ? -1 : ::fcntl(fd, F_DUPFD_CLOEXEC, 10); }

[[noreturn]] void RunCommand(const ChildArgs& a) {
  if (::setpgid(0, 0) != 0) ChildFail(a, errno);
  if (::prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) ChildFail(a, errno);
  const int in = High(a.in_fd), out = High(a.out_fd), err = High(a.err_fd);
  if (::dup2(in, 0) < 0 || ::dup2(out, 1) < 0) ChildFail(a, errno);
  if (err >= 0 && ::dup2(err, 2) < 0) ChildFail(a, errno);
  if (::prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) ChildFail(a, errno);
  const long lfd = ::syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_NEW_LISTENER, a.prog);
  if (lfd < 0) ChildFail(a, errno);
  // The listener goes to the harness; the command never holds it.
  char cbuf[CMSG_SPACE(sizeof(int))] = {};
  int one = 1;
  iovec iov{&one, sizeof one};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = cbuf;
  msg.msg_controllen = sizeof cbuf;
  cmsghdr* c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  const int lfd_int = static_cast<int>(lfd);
  std::memcpy(CMSG_DATA(c), &lfd_int, sizeof(int));
  if (::sendmsg(a.sock_child, &msg, MSG_NOSIGNAL) < 0) ChildFail(a, errno);
  ::close(lfd_int);
  // Every fd but 0..2 is closed by the exec (the error pipe stays usable until then).
  if (::close_range(3, ~0U, CLOSE_RANGE_CLOEXEC) != 0) {
    for (int fd = 3; fd < 1024; ++fd) {
      if (fd != a.exec_err_w) ::close(fd);
    }
  }
  ::execve(a.exe, a.argv, a.envp);
  ChildFail(a, errno);
}

// PID 1 of the actor's namespace (or a subreaper without one): starts the
// command, reaps everything, and reports the command's wait status.
[[noreturn]] void RunInit(const ChildArgs& a) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  ::close(a.sock_parent);
  ::close(a.exec_err_r);
  // The harness may have died before PDEATHSIG was armed: its end is closed then.
  pollfd p{a.sock_child, 0, 0};
  if (::poll(&p, 1, 0) == 1 && (p.revents & POLLHUP) != 0) ::_exit(127);
  if (!a.pid_namespace) ::prctl(PR_SET_CHILD_SUBREAPER, 1);
  ::setpgid(0, 0);
  sigset_t none;
  ::sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  for (int sig : {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGCHLD}) ::signal(sig, SIG_DFL);
  // A raw fork: this process is a raw clone of a multithreaded harness, so
  // glibc's fork() could wait forever on a malloc or stdio lock that another
  // harness thread held at the moment of the clone (seen: a run-directory
  // reaper thread mid-malloc). The command's side makes only system calls.
  const pid_t cmd = static_cast<pid_t>(::syscall(SYS_clone, SIGCHLD, 0, 0, 0, 0));
  if (cmd == 0) RunCommand(a);
  int status = 127 << 8;
  // The init keeps nothing of the harness's but its status socket.
  if (a.sock_child > 0) ::close_range(0, static_cast<unsigned>(a.sock_child - 1), 0);
  ::close_range(static_cast<unsigned>(a.sock_child + 1), ~0U, 0);
  if (cmd > 0) {
    for (;;) {
      int st = 0;
      const pid_t r = ::waitpid(-1, &st, 0);
      if (r == cmd) {
        status = st;
        break;
      }
      if (r < 0 && errno != EINTR) break;
    }
  }
  (void)!::send(a.sock_child, &status, sizeof status, MSG_NOSIGNAL);
  // Whatever the command left behind goes too (with a PID namespace, the
  // kernel kills every process in it as this init exits).
  if (!a.pid_namespace && cmd > 0) ::kill(-cmd, SIGKILL);
  ::_exit(0);
}

std::atomic<int> g_pid_namespace{-1};  // -1 unknown, 0 refused, 1 works

// ---------------------------------------------------------------------------

class SyscallEndpointImpl final : public ActorEndpoint {
 public:
  SyscallEndpointImpl(SyscallActorSpec spec, std::string root, pid_t init, int pidfd, int notify_fd, int status_fd)
      : spec_(std::move(spec)), root_(std::move(root)), init_(init), pidfd_(pidfd), notify_fd_(notify_fd),
        status_fd_(status_fd), rng_(spec_.seed ^ 0x5eccu) {
    RegisterLiveProcessGroup(init_);
    if (seccomp_notify_alloc(&req_, &resp_) != 0) {
      req_ = nullptr;
      resp_ = nullptr;
    }
    free_ = !spec_.controlled;
    // Free mode (stress): a thread of this endpoint's own answers the calls,
    // each after its seeded random delay, so the black box runs beside the
    // other actors from its start, not only once the harness comes to its
    // WaitForExit (free runs wait for their actors one after another).
    // Until it has stopped, no other thread touches this endpoint's state.
    if (free_) service_ = std::thread([this] { Serve(); });
  }

  ~SyscallEndpointImpl() override {
    StopService();
    if (!reaped_) {
      KillTree();
      ReapBlocking();
    }
    if (req_ != nullptr) seccomp_notify_free(req_, resp_);
    for (int fd : {pidfd_, notify_fd_, status_fd_}) {
      if (fd >= 0) ::close(fd);
    }
  }

  const std::string& name() const override { return spec_.name; }
  bool connected() const override { return true; }

  ActorStop WaitForStop(std::vector<ControlMessage>* messages, std::chrono::milliseconds timeout) override {
    if (final_) return *final_;
    if (reblocked_) {
      reblocked_ = false;
      Flush(messages);
      return ActorStop{StopKind::kBlocked, held_.at(*current_).Point(), held_.at(*current_).Subject(), -1, ""};
    }
    const Clock::time_point deadline = Clock::now() + timeout;
    int quiet = 0;
    Clock::time_point asleep_since = Clock::time_point::max();  // max: not seen asleep
    auto wait = std::chrono::microseconds(100);
    for (;;) {
      Drain();
      if (Exited()) return Finish(messages);
      if (Quiescent()) {
        ++quiet;
        if (quiet >= kQuietSamples) {
          if (!held_.empty()) return Stop(messages);
          if (asleep_since == Clock::time_point::max()) asleep_since = Clock::now();
          if (Clock::now() - asleep_since >= kSleepingIsBlocked) {
            PostStopChecks();
            Flush(messages);
            return ActorStop{StopKind::kBlocked, "sys.wait", "", -1, ""};
          }
        }
        wait = kQuietPoll;
      } else {
        quiet = 0;
        asleep_since = Clock::time_point::max();
        wait = std::min(wait * 2, std::chrono::microseconds(2000));
      }
      if (Clock::now() >= deadline) {
        Flush(messages);
        return ActorStop{StopKind::kUnresponsive, "", "", -1, "never stopped at a system call for the whole timeout"};
      }
      PollFor(wait);
    }
  }

  void Resume() override {
    if (final_ || killed_ || !current_) return;
    auto it = held_.find(*current_);
    if (it == held_.end()) {
      current_.reset();
      return;
    }
    if (it->second.BlockingLock() && LockBlocked(it->second)) {
      reblocked_ = true;  // still held elsewhere: blocked again, at once
      return;
    }
    Continue(it->second);
    held_.erase(it);
    current_.reset();
  }

  void Kill() override {
    StopService();
    if (final_ || killed_) return;
    killed_ = true;
    KillTree();
    held_.clear();
    current_.reset();
  }

  void Pause() override {
    for (pid_t p : FullTree()) ::kill(p, SIGSTOP);
  }
  void Continue() override {
    for (pid_t p : FullTree()) ::kill(p, SIGCONT);
  }

  ActorStop WaitForExit(std::vector<ControlMessage>* messages, std::chrono::milliseconds timeout) override {
    if (final_) return *final_;
    if (service_.joinable()) {
      const Clock::time_point until = Clock::now() + timeout;
      while (!service_done_.load() && Clock::now() < until) std::this_thread::sleep_for(std::chrono::milliseconds(2));
      StopService();
      if (!Exited()) {
        timed_out_ = true;
        Kill();
        ReapBlocking();
      }
      return Finish(messages);
    }
    free_ = true;
    reblocked_ = false;
    current_.reset();
    for (auto& [tid, call] : held_) Continue(call);
    held_.clear();
    const Clock::time_point deadline = Clock::now() + timeout;
    for (;;) {
      Drain();
      if (Exited()) return Finish(messages);
      if (Clock::now() >= deadline) {
        timed_out_ = true;
        Kill();
        ReapBlocking();
        return Finish(messages);
      }
      PollFor(std::chrono::milliseconds(5));
    }
  }

 private:
  // ---- free mode's own thread

  void Serve() {
    while (!service_stop_.load()) {
      Drain();
      if (Exited()) break;
      PollFor(std::chrono::milliseconds(5));
    }
    service_done_ = true;
  }

  void StopService() {
    if (!service_.joinable()) return;
    service_stop_ = true;
    service_.join();
  }

  // ---- notifications

  void PollFor(std::chrono::microseconds wait) {
    pollfd fds[2] = {{notify_fd_, POLLIN, 0}, {pidfd_, POLLIN, 0}};
    timespec ts{static_cast<time_t>(wait.count() / 1000000), static_cast<long>(wait.count() % 1000000) * 1000};
    ::ppoll(fds, 2, &ts, nullptr);
  }

  // Receives every pending notification; continues those outside the cache.
  void Drain() {
    if (req_ == nullptr || notify_fd_ < 0) return;
    for (;;) {
      pollfd p{notify_fd_, POLLIN, 0};
      if (::poll(&p, 1, 0) != 1 || (p.revents & POLLIN) == 0) return;
      std::memset(req_, 0, sizeof *req_);
      if (seccomp_notify_receive(notify_fd_, req_) != 0) continue;  // the caller died meanwhile
      std::optional<Call> call = Decode(*req_);
      if (!call) {
        Respond(req_->id);  // unreadable arguments: let the kernel judge the call
        continue;
      }
      if (!call->inside) {
        Respond(call->id);
        continue;
      }
      call->seq = ++arrivals_;
      if (free_) {
        if (spec_.max_delay_us > 0) {
          std::uniform_int_distribution<int64_t> d(0, spec_.max_delay_us);
          std::this_thread::sleep_for(std::chrono::microseconds(d(rng_)));
        }
        Continue(*call);
        continue;
      }
      held_[call->tid] = std::move(*call);
    }
  }

  void Respond(uint64_t id) {
    std::memset(resp_, 0, sizeof *resp_);
    resp_->id = id;
    resp_->flags = SECCOMP_USER_NOTIF_FLAG_CONTINUE;
    (void)seccomp_notify_respond(notify_fd_, resp_);  // ENOENT: the caller died; nothing to answer
  }

  std::optional<Call> Decode(const seccomp_notif& n) {
    Call c;
    c.id = n.id;
    c.tid = static_cast<pid_t>(n.pid);
    c.nr = n.data.nr;
    c.name = std::string(InterceptedSyscallName(c.nr));
    if (c.name.empty()) return std::nullopt;
    const __u64* a = n.data.args;
    auto dirfd = [](uint64_t v) { return static_cast<int>(static_cast<uint32_t>(v)); };
    bool ok = true;
    auto path_at = [&](int dfd, uint64_t addr, bool may_be_null = false) {
      std::string p;
      if (addr == 0 && may_be_null) {
        c.abs.push_back(Absolute(c.tid, dfd, ""));
        return;
      }
      if (!ReadRemoteString(c.tid, addr, &p)) {
        ok = false;
        return;
      }
      c.abs.push_back(Absolute(c.tid, dfd, p));
    };
    auto fd_path = [&](uint64_t fd) {
      c.fd = dirfd(fd);
      std::string path = ReadLink("/proc/" + std::to_string(c.tid) + "/fd/" + std::to_string(c.fd));
      // A file unlinked while open reads as "PATH (deleted)": it is still the
      // cache's (a lock file pulled from under its holder is the case that
      // matters), so it is judged under the name it had.
      constexpr std::string_view kDeleted = " (deleted)";
      if (path.size() > kDeleted.size() && path.compare(path.size() - kDeleted.size(), kDeleted.size(), kDeleted) == 0) {
        path.resize(path.size() - kDeleted.size());
      }
      c.abs.push_back(std::move(path));
    };
    switch (c.nr) {
      case SYS_open: path_at(AT_FDCWD, a[0]); c.flags = a[1]; break;
      case SYS_openat: path_at(dirfd(a[0]), a[1]); c.flags = a[2]; break;
      case SYS_openat2: {
        path_at(dirfd(a[0]), a[1]);
        uint64_t flags = 0;
        if (ReadRemote(c.tid, a[2], &flags, sizeof flags)) c.flags = flags;
        break;
      }
      case SYS_creat: path_at(AT_FDCWD, a[0]); c.flags = O_CREAT | O_WRONLY | O_TRUNC; break;
      case SYS_mkdir: case SYS_rmdir: case SYS_unlink: case SYS_utimes: case SYS_truncate:
        path_at(AT_FDCWD, a[0]);
        break;
      case SYS_mkdirat: path_at(dirfd(a[0]), a[1]); break;
      case SYS_unlinkat: path_at(dirfd(a[0]), a[1]); c.flags = a[2]; break;
      case SYS_rename: case SYS_link: path_at(AT_FDCWD, a[0]); path_at(AT_FDCWD, a[1]); break;
      case SYS_renameat: case SYS_renameat2: case SYS_linkat:
        path_at(dirfd(a[0]), a[1]);
        path_at(dirfd(a[2]), a[3]);
        break;
      case SYS_symlink:
        ok = ReadRemoteString(c.tid, a[0], &c.symlink_target);
        path_at(AT_FDCWD, a[1]);
        break;
      case SYS_symlinkat:
        ok = ReadRemoteString(c.tid, a[0], &c.symlink_target);
        path_at(dirfd(a[1]), a[2]);
        break;
      case SYS_utimensat: path_at(dirfd(a[0]), a[1], /*may_be_null=*/true); break;
      case SYS_flock: fd_path(a[0]); c.flags = a[1]; break;
      case SYS_fcntl: fd_path(a[0]); c.flags = a[1]; c.lock_arg = a[2]; break;
      case SYS_ftruncate: fd_path(a[0]); break;
      default: return std::nullopt;
    }
    // The arguments were read from a task that may have gone (and its pid
    // been reused) meanwhile: only a still-valid notification counts.
    if (seccomp_notify_id_valid(notify_fd_, c.id) != 0) return std::nullopt;
    if (!ok) return std::nullopt;
    for (const std::string& p : c.abs) {
      std::optional<std::string> r = p.empty() ? std::nullopt : CacheRelative(root_, p);
      c.inside |= r.has_value();
      c.rel.push_back(std::move(r));
    }
    return c;
  }

  // ---- the process tree

  // Every process of the actor (not its init), walked down from the init
  // through /proc/PID/task/TID/children: a few reads per process of the
  // tree instead of a scan of all of /proc (which cost most of a step's
  // time on a busy machine). The walk can miss a child forked or reparented
  // while it reads (the kernel says the children files are exact only for
  // stopped tasks), so it only ever says "still running"; "quiescent" is
  // confirmed with FullTree.
  std::vector<pid_t> Tree(std::map<pid_t, ProcStat>* stats = nullptr) {
    std::vector<pid_t> tree;
    std::vector<std::pair<pid_t, long>> todo = {{init_, 1}};  // (pid, threads)
    std::string buf;
    while (!todo.empty()) {
      const auto [p, threads] = todo.back();
      todo.pop_back();
      const std::string task_dir = "/proc/" + std::to_string(p) + "/task";
      std::vector<std::string> tids;
      if (threads <= 1) {
        tids.push_back(std::to_string(p));
      } else if (DIR* d = ::opendir(task_dir.c_str())) {
        while (dirent* e = ::readdir(d)) {
          if (e->d_name[0] >= '0' && e->d_name[0] <= '9') tids.emplace_back(e->d_name);
        }
        ::closedir(d);
      }
      for (const std::string& tid : tids) {
        if (!ReadSmallFile(task_dir + "/" + tid + "/children", &buf)) continue;
        const char* q = buf.c_str();
        while (*q != 0) {
          char* end = nullptr;
          const long c = std::strtol(q, &end, 10);
          if (end == q) break;
          q = end;
          ProcStat st;
          if (!ReadStat("/proc/" + std::to_string(c) + "/stat", &st)) continue;  // gone meanwhile
          tree.push_back(static_cast<pid_t>(c));
          if (stats) (*stats)[static_cast<pid_t>(c)] = st;
          todo.emplace_back(static_cast<pid_t>(c), st.threads);
        }
      }
    }
    return tree;
  }

  // Every process of the actor (not its init), from one scan of /proc.
  std::vector<pid_t> FullTree(std::map<pid_t, ProcStat>* stats = nullptr) {
    std::map<pid_t, std::vector<pid_t>> children;
    std::map<pid_t, ProcStat> all;
    DIR* d = ::opendir("/proc");
    if (d == nullptr) return {};
    while (dirent* e = ::readdir(d)) {
      if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
      ProcStat st;
      if (!ReadStat(std::string("/proc/") + e->d_name + "/stat", &st)) continue;
      children[st.ppid].push_back(st.pid);
      all[st.pid] = st;
    }
    ::closedir(d);
    std::vector<pid_t> tree;
    std::vector<pid_t> todo = {init_};
    while (!todo.empty()) {
      const pid_t p = todo.back();
      todo.pop_back();
      for (pid_t c : children[p]) {
        tree.push_back(c);
        todo.push_back(c);
      }
    }
    if (stats) {
      for (pid_t p : tree) (*stats)[p] = all[p];
    }
    return tree;
  }

  // Every task of the tree held here, asleep, or gone. A task asleep in
  // the kernel's seccomp wait whose notification this endpoint has not
  // received yet counts as running: its notification is on its way (the
  // listener can lag the task's state).
  bool Quiescent() { return QuiescentIn(/*full=*/false) && QuiescentIn(/*full=*/true); }

  bool QuiescentIn(bool full) {
    std::map<pid_t, ProcStat> stats;
    const std::vector<pid_t> tree = full ? FullTree(&stats) : Tree(&stats);
    auto quiet = [&](pid_t tid, char state, const std::string& proc) {
      if (held_.count(tid)) return true;
      if (Running(state)) return false;
      if (state != 'S') return true;
      char wchan[64] = {};
      const int fd = ::open((proc + "/wchan").c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) return true;
      const ssize_t n = ::read(fd, wchan, sizeof wchan - 1);
      ::close(fd);
      return n <= 0 || std::strncmp(wchan, "seccomp_", 8) != 0;
    };
    for (pid_t p : tree) {
      const ProcStat& st = stats[p];
      const std::string proc = "/proc/" + std::to_string(p);
      if (st.threads <= 1) {
        if (!quiet(p, st.state, proc)) return false;
        continue;
      }
      const std::string dir = proc + "/task";
      DIR* d = ::opendir(dir.c_str());
      if (d == nullptr) continue;  // gone
      bool all_quiet = true;
      while (dirent* e = ::readdir(d)) {
        if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
        ProcStat ts;
        const std::string task = dir + "/" + e->d_name;
        if (!ReadStat(task + "/stat", &ts)) continue;
        if (!quiet(ts.pid, ts.state, task)) {
          all_quiet = false;
          break;
        }
      }
      ::closedir(d);
      if (!all_quiet) return false;
    }
    return true;
  }

  void KillTree() {
    for (pid_t p : FullTree()) ::kill(p, SIGKILL);  // the subreaper fallback needs this; harmless otherwise
    ::kill(init_, SIGKILL);                       // with a namespace, this alone kills everything
  }

  // ---- stops

  ActorStop Stop(std::vector<ControlMessage>* messages) {
    PostStopChecks();
    // "The" point among several held: smallest (subject, point, arrival).
    const Call* best = nullptr;
    for (const auto& [tid, call] : held_) {
      if (best == nullptr || std::tie(call.abs, call.name, call.seq) < std::tie(best->abs, best->name, best->seq)) {
        best = &call;
      }
    }
    current_ = best->tid;
    Flush(messages);
    if (best->BlockingLock() && LockBlocked(*best)) {
      return ActorStop{StopKind::kBlocked, best->Point(), best->Subject(), -1, ""};
    }
    return ActorStop{StopKind::kYield, best->Point(), best->Subject(), -1, ""};
  }

  void Flush(std::vector<ControlMessage>* messages) {
    if (messages != nullptr) {
      for (ControlMessage& m : events_) messages->push_back(std::move(m));
    }
    events_.clear();
  }

  void Event(EventKind kind, std::string subject, std::string detail) {
    ControlMessage m;
    m.type = MessageType::kEvent;
    m.kind = kind;
    m.subject = std::move(subject);
    m.detail = std::move(detail);
    m.t_ns = MonotonicNs();
    events_.push_back(std::move(m));
  }

  bool Exists(const std::string& rel) const {
    struct stat st {};
    return ::lstat((root_ + "/" + rel).c_str(), &st) == 0;
  }

  // Effects of calls continued earlier, now that they have completed.
  void PostStopChecks() {
    for (auto it = removing_.begin(); it != removing_.end();) {
      if (!Exists("archive-v0/" + *it)) {
        Event(EventKind::kRemoveEnd, *it, "");
        it = removing_.erase(it);
      } else {
        ++it;
      }
    }
    for (const std::string& id : publishing_) {
      if (Exists("archive-v0/" + id)) Event(EventKind::kArchivePublished, id, "");
    }
    publishing_.clear();
  }

  // The events a call causes, reported as it is let through.
  void Synthesise(const Call& c) {
    const std::string rel0 = c.rel.empty() || !c.rel[0] ? "" : *c.rel[0];
    const std::string rel1 = c.rel.size() < 2 || !c.rel[1] ? "" : *c.rel[1];
    int depth0 = 0, depth1 = 0;
    const std::string id0 = ArchiveIdOf(rel0, &depth0);
    const std::string id1 = ArchiveIdOf(rel1, &depth1);
    auto begin_removal = [&](const std::string& id) {
      if (id.empty() || removing_.count(id) || !Exists("archive-v0/" + id)) return;
      removing_.insert(id);
      Event(EventKind::kRemoveBegin, id, "sys." + c.name);
    };
    // An installer's in-flight temp dir (".tmp*" at the top level) is in use
    // as much as an archive is (the installers report use_begin on it): its
    // removal is judged the same way, with the dir's name as subject.
    int tdepth0 = 0, tdepth1 = 0;
    const std::string tmp0 = TempDirOf(rel0, &tdepth0);
    const std::string tmp1 = TempDirOf(rel1, &tdepth1);
    auto begin_tmp_removal = [&](const std::string& dir) {
      if (dir.empty() || removing_tmp_.count(dir) || !Exists(dir)) return;
      removing_tmp_.insert(dir);
      Event(EventKind::kRemoveBegin, dir, "sys." + c.name);
    };
    switch (c.nr) {
      case SYS_unlink: case SYS_unlinkat: case SYS_rmdir:
        if (!id0.empty() && Exists(rel0)) begin_removal(id0);
        if (!tmp0.empty() && Exists(rel0)) begin_tmp_removal(tmp0);
        break;
      case SYS_rename: case SYS_renameat: case SYS_renameat2:
        // An archive moved out of archive-v0 is being removed; anything
        // moved into archive-v0/<id> publishes it; onto a wheels-v6 entry
        // references whatever the moved symlink points at. A temp dir (or
        // something in it) moved anywhere but into archive-v0 is removed
        // from under its installer; renamed into archive-v0 it is persisted.
        if (!id0.empty() && depth0 == 1 && id1.empty()) begin_removal(id0);
        if (!tmp0.empty() && tmp1 != tmp0 && id1.empty()) begin_tmp_removal(tmp0);
        if (!id1.empty() && depth1 == 1) publishing_.insert(id1);
        if (rel1.rfind("wheels-v6/", 0) == 0) {
          const std::string target = ReadLink(c.abs[0]);
          const std::string id = ArchiveIdOf(TargetArchive(target));
          if (!id.empty()) Event(EventKind::kReferenced, id, rel1);
        }
        break;
      case SYS_mkdir: case SYS_mkdirat:
        if (!id0.empty() && depth0 == 1) publishing_.insert(id0);
        break;
      case SYS_symlink: case SYS_symlinkat:
        if (rel0.rfind("wheels-v6/", 0) == 0) {
          const std::string id = ArchiveIdOf(TargetArchive(c.symlink_target));
          if (!id.empty()) Event(EventKind::kReferenced, id, rel0);
        }
        break;
      case SYS_open: case SYS_openat: case SYS_openat2: case SYS_creat:
        if (!id0.empty() && depth0 >= 2 && (c.flags & O_DIRECTORY) == 0 && !used_.count(id0)) {
          struct stat st {};
          const bool dir = ::lstat(c.abs[0].c_str(), &st) == 0 && S_ISDIR(st.st_mode);
          if (!dir) {
            used_.insert(id0);
            Event(EventKind::kUseBegin, id0, "sys." + c.name + " " + rel0);
          }
        }
        break;
      case SYS_flock: case SYS_fcntl: LockEvent(c); break;
      default: break;
    }
  }

  // "archive-v0/<id>" out of a symlink's content (relative or absolute).
  static std::string TargetArchive(const std::string& target) {
    const size_t pos = target.find("archive-v0/");
    return pos == std::string::npos ? "" : target.substr(pos);
  }

  void LockEvent(const Call& c) {
    if (c.abs.empty() || !c.rel[0]) return;
    // The file the fd holds, not whatever the path names now: a lock file
    // replaced or unlinked under the black box is told by inode and links.
    struct stat st {};
    const std::string fdpath = "/proc/" + std::to_string(c.tid) + "/fd/" + std::to_string(c.fd);
    if (::stat(fdpath.c_str(), &st) != 0 && ::stat(c.abs[0].c_str(), &st) != 0) return;
    const std::string ino = std::to_string(st.st_ino);
    std::optional<bool> exclusive;  // nullopt: a release
    if (c.nr == SYS_flock) {
      if (c.flags & LOCK_UN) {
        exclusive.reset();
      } else {
        exclusive = (c.flags & LOCK_EX) != 0;
      }
    } else {
      struct flock fl {};
      if (!ReadRemote(c.tid, c.lock_arg, &fl, sizeof fl)) return;
      if (fl.l_type != F_UNLCK) exclusive = fl.l_type == F_WRLCK;
    }
    const std::string key = *c.rel[0];
    if (exclusive) {
      // A non-blocking attempt may fail: the event says it was attempted
      // while free (probed), which a blocking one always succeeds at.
      if (!c.BlockingLock() && LockBlocked(c)) return;
      locks_[key] = ino;
      Event(EventKind::kLockAcquired, ino,
            key + (*exclusive ? " exclusive" : " shared") + (st.st_nlink == 0 ? " unlinked" : ""));
    } else if (locks_.count(key)) {
      locks_.erase(key);
      Event(EventKind::kLockReleased, ino, key);
    }
  }

  // Would the lock call `c` wait for a lock another process holds? Probed
  // through a fresh open file description of the same file; a conflict
  // with a lock of this very actor (an upgrade) does not count.
  bool LockBlocked(const Call& c) {
    const std::string fdpath = "/proc/" + std::to_string(c.tid) + "/fd/" + std::to_string(c.fd);
    const int pfd = ::open(fdpath.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (pfd < 0) return false;  // gone: the call fails without waiting
    struct stat st {};
    ::fstat(pfd, &st);
    bool conflict = false;
    if (c.nr == SYS_flock) {
      const int op = (c.flags & LOCK_EX) ? LOCK_EX : LOCK_SH;
      if (::flock(pfd, op | LOCK_NB) == 0) {
        ::flock(pfd, LOCK_UN);
      } else {
        conflict = errno == EWOULDBLOCK;
      }
    } else {
      struct flock fl {};
      if (ReadRemote(c.tid, c.lock_arg, &fl, sizeof fl)) {
        if (fl.l_whence == SEEK_CUR) fl.l_whence = SEEK_SET;  // our offset is not theirs; close enough
        if (::fcntl(pfd, F_OFD_GETLK, &fl) == 0) conflict = fl.l_type != F_UNLCK;
      }
    }
    ::close(pfd);
    if (!conflict) return false;
    return HeldOutsideTree(st);
  }

  // Whether /proc/locks lists a holder of the file's locks outside this actor.
  bool HeldOutsideTree(const struct stat& st) {
    const std::vector<pid_t> tree = FullTree();
    const std::set<pid_t> mine(tree.begin(), tree.end());
    char want[64];
    std::snprintf(want, sizeof want, "%02x:%02x:%lu", major(st.st_dev), minor(st.st_dev),
                  static_cast<unsigned long>(st.st_ino));
    FILE* f = std::fopen("/proc/locks", "re");
    if (f == nullptr) return true;
    char line[512];
    bool outside = false;
    while (std::fgets(line, sizeof line, f) != nullptr) {
      if (std::strstr(line, "->") != nullptr) continue;  // a waiter, not a holder
      char id[16], type[16], adv[16], mode[16], dev[64];
      long pid = 0;
      if (std::sscanf(line, "%15s %15s %15s %15s %ld %63s", id, type, adv, mode, &pid, dev) != 6) continue;
      if (std::strcmp(dev, want) != 0) continue;
      if (pid <= 0 || !mine.count(static_cast<pid_t>(pid))) outside = true;
    }
    std::fclose(f);
    return outside;
  }

  void Continue(const Call& c) {
    Synthesise(c);
    Respond(c.id);
  }

  // ---- the end

  bool Exited() {
    if (reaped_) return true;
    int status = 0;
    const pid_t r = ::waitpid(init_, &status, WNOHANG);
    if (r == init_ || (r < 0 && errno == ECHILD)) {
      reaped_ = true;
      UnregisterLiveProcessGroup(init_);
      return true;
    }
    return false;
  }

  void ReapBlocking() {
    if (reaped_) return;
    const Clock::time_point until = Clock::now() + kReapGrace;
    while (!Exited() && Clock::now() < until) {
      pollfd p{pidfd_, POLLIN, 0};
      ::poll(&p, 1, 100);
    }
  }

  ActorStop Finish(std::vector<ControlMessage>* messages) {
    int status = 0;
    const bool have_status = ::recv(status_fd_, &status, sizeof status, MSG_DONTWAIT) == sizeof status;
    if (!killed_) {
      PostStopChecks();
      for (const auto& [key, ino] : locks_) Event(EventKind::kLockReleased, ino, key + " (exit)");
      for (const std::string& id : used_) Event(EventKind::kUseEnd, id, "exit");
    }
    locks_.clear();
    used_.clear();
    Flush(messages);
    ActorStop s;
    if (timed_out_) {
      s.kind = StopKind::kDied;
      s.exit_code = 128 + SIGKILL;
      s.message = "did not exit in time; killed by the harness";
    } else if (killed_) {
      s.kind = StopKind::kDied;
      s.exit_code = 128 + SIGKILL;
      s.message = "killed by the harness (SIGKILL to its PID namespace)";
    } else if (!have_status) {
      s.kind = StopKind::kDied;
      s.message = "its init ended without reporting the command's status";
    } else if (WIFEXITED(status)) {
      s.kind = StopKind::kFinished;
      s.exit_code = WEXITSTATUS(status);
      s.message = "exited with status " + std::to_string(s.exit_code);
    } else {
      s.kind = StopKind::kDied;
      s.exit_code = WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
      s.message = "killed by signal " + std::to_string(WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    }
    final_ = s;
    return s;
  }

  SyscallActorSpec spec_;
  std::string root_;
  pid_t init_;
  int pidfd_, notify_fd_, status_fd_;
  seccomp_notif* req_ = nullptr;
  seccomp_notif_resp* resp_ = nullptr;
  std::mt19937_64 rng_;
  bool free_ = false;
  std::thread service_;                 // free mode only: Serve()
  std::atomic<bool> service_stop_{false};
  std::atomic<bool> service_done_{false};
  std::map<pid_t, Call> held_;   // by task id
  std::optional<pid_t> current_; // the held call reported at the last stop
  bool reblocked_ = false;
  uint64_t arrivals_ = 0;
  std::deque<ControlMessage> events_;
  std::set<std::string> removing_, publishing_, used_;
  std::set<std::string> removing_tmp_;  // ".tmp*" dirs whose removal was reported (never ended: they are not archives)
  std::map<std::string, std::string> locks_;  // cache-relative lock file -> inode
  bool killed_ = false, timed_out_ = false, reaped_ = false;
  std::optional<ActorStop> final_;
};

struct Fd {
  int fd = -1;
  Fd() = default;
  explicit Fd(int f) : fd(f) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
  int release() {
    const int f = fd;
    fd = -1;
    return f;
  }
};

std::string FindExecutable(const std::string& name) {
  if (name.find('/') != std::string::npos) return name;
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t i = 0;
  while (i <= dirs.size()) {
    size_t j = dirs.find(':', i);
    if (j == std::string::npos) j = dirs.size();
    const std::string dir = j > i ? dirs.substr(i, j - i) : ".";
    const std::string cand = dir + "/" + name;
    if (::access(cand.c_str(), X_OK) == 0) return cand;
    i = j + 1;
  }
  return "";
}

}  // namespace

bool SyscallActorsUsePidNamespace() {
  if (g_pid_namespace.load() < 0) {
    const pid_t p = static_cast<pid_t>(::syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0));
    if (p == 0) ::_exit(0);
    if (p > 0) {
      while (::waitpid(p, nullptr, 0) < 0 && errno == EINTR) {
      }
    }
    g_pid_namespace.store(p > 0 ? 1 : 0);
  }
  return g_pid_namespace.load() == 1;
}

Result<std::unique_ptr<ActorEndpoint>> StartSyscallActor(const SyscallActorSpec& spec) {
  if (spec.argv.empty() || spec.argv[0].empty()) {
    return Status(StatusCode::kInvalidInput, "actor " + spec.name + ": empty command");
  }
  PC_ASSIGN_OR_RETURN(const std::vector<sock_filter>* prog, SyscallFilterProgram());
  char root_buf[PATH_MAX];
  if (::realpath(spec.cache.c_str(), root_buf) == nullptr) {
    return Status::FromErrno(errno, "actor " + spec.name + ": cache root " + spec.cache);
  }
  const std::string exe = FindExecutable(spec.argv[0]);
  if (exe.empty()) return Status(StatusCode::kNotFound, "actor " + spec.name + ": " + spec.argv[0] + " not found in PATH");

  // Everything the child needs is prepared here: after the fork it may
  // only make async-signal-safe calls.
  std::vector<std::string> env;
  std::vector<std::pair<std::string, std::string>> overrides = spec.env;
  overrides.emplace_back("PRUNECHECK_ACTOR_NAME", spec.name);
  for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
    const std::string_view entry(*e);
    const std::string_view key = entry.substr(0, entry.find('='));
    if (key == kControlFdEnv) continue;  // never leak ours (nested harness)
    if (std::any_of(overrides.begin(), overrides.end(), [&](const auto& kv) { return kv.first == key; })) continue;
    env.emplace_back(entry);
  }
  for (const auto& [k, v] : overrides) env.push_back(k + "=" + v);
  std::vector<char*> envp, argv;
  for (std::string& s : env) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = spec.argv;
  for (std::string& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);

  int sv[2];
  if (::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0) return Status::FromErrno(errno, "socketpair");
  Fd sock_parent(sv[0]), sock_child(sv[1]);
  int ep[2];
  if (::pipe2(ep, O_CLOEXEC) != 0) return Status::FromErrno(errno, "pipe");
  Fd err_r(ep[0]), err_w(ep[1]);
  Fd in(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  if (in.fd < 0) return Status::FromErrno(errno, "opening /dev/null");
  const std::string out_path = spec.stdout_path.empty() ? "/dev/null" : spec.stdout_path;
  Fd out(::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
  if (out.fd < 0) return Status::FromErrno(errno, "opening stdout file " + out_path);
  Fd err;
  if (!spec.stderr_path.empty()) {
    err.fd = spec.stderr_path == spec.stdout_path
                 ? ::fcntl(out.fd, F_DUPFD_CLOEXEC, 0)
                 : ::open(spec.stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (err.fd < 0) return Status::FromErrno(errno, "opening stderr file " + spec.stderr_path);
  }

  sock_fprog fprog{static_cast<unsigned short>(prog->size()), const_cast<sock_filter*>(prog->data())};
  ChildArgs a;
  a.exe = exe.c_str();
  a.argv = argv.data();
  a.envp = envp.data();
  a.in_fd = in.fd;
  a.out_fd = out.fd;
  a.err_fd = err.fd;
  a.sock_child = sock_child.fd;
  a.sock_parent = sock_parent.fd;
  a.exec_err_r = err_r.fd;
  a.exec_err_w = err_w.fd;
  a.prog = &fprog;
  a.pid_namespace = SyscallActorsUsePidNamespace();

  const pid_t init = a.pid_namespace ? static_cast<pid_t>(::syscall(SYS_clone, CLONE_NEWPID | SIGCHLD, 0, 0, 0, 0))
                                     : ::fork();
  if (init < 0) return Status::FromErrno(errno, "starting actor " + spec.name);
  if (init == 0) RunInit(a);
  ::close(sock_child.release());
  ::close(err_w.release());
  Fd pidfd(static_cast<int>(::syscall(SYS_pidfd_open, init, 0)));

  auto fail = [&](Status st) -> Status {
    ::kill(init, SIGKILL);
    while (::waitpid(init, nullptr, 0) < 0 && errno == EINTR) {
    }
    return st;
  };
  if (pidfd.fd < 0) return fail(Status::FromErrno(errno, "pidfd_open for actor " + spec.name));

  // The listener, or (no fd) the status of a command that failed before exec.
  char cbuf[CMSG_SPACE(sizeof(int))] = {};
  int payload = 0;
  iovec iov{&payload, sizeof payload};
  msghdr msg{};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = cbuf;
  msg.msg_controllen = sizeof cbuf;
  // Bounded: a child that never gets as far as the filter is an error, never a hang.
  pollfd ready{sock_parent.fd, POLLIN, 0};
  int polled;
  do {
    polled = ::poll(&ready, 1, static_cast<int>(std::chrono::milliseconds(kStartTimeout).count()));
  } while (polled < 0 && errno == EINTR);
  if (polled == 0) {
    return fail(Status(StatusCode::kIoError, "actor " + spec.name + ": its init did not install the seccomp filter within " +
                                                 std::to_string(kStartTimeout.count()) + " s"));
  }
  ssize_t n;
  do {
    n = ::recvmsg(sock_parent.fd, &msg, MSG_CMSG_CLOEXEC);
  } while (n < 0 && errno == EINTR);
  Fd notify;
  for (cmsghdr* c = CMSG_FIRSTHDR(&msg); n > 0 && c != nullptr; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) std::memcpy(&notify.fd, CMSG_DATA(c), sizeof(int));
  }
  int exec_errno = 0;
  ssize_t got;
  do {
    got = ::read(err_r.fd, &exec_errno, sizeof exec_errno);
  } while (got < 0 && errno == EINTR);
  if (got == sizeof exec_errno) {
    return fail(Status::FromErrno(exec_errno, "starting actor " + spec.name + " (" + exe + ")"));
  }
  if (notify.fd < 0) return fail(Status(StatusCode::kIoError, "actor " + spec.name + ": no seccomp listener"));
  std::unique_ptr<ActorEndpoint> e = std::make_unique<SyscallEndpointImpl>(
      spec, std::string(root_buf), init, pidfd.release(), notify.release(), sock_parent.release());
  return e;
}

}  // namespace prunecheck::harness
