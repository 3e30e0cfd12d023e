#include "pruner/channel/channel_yield_points.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <thread>

namespace prunecheck {

namespace {

// A line from the harness longer than this is a protocol violation, not a
// reason to grow the buffer without bound.
constexpr size_t kMaxLineBytes = 1 << 20;

int64_t MonotonicNs() {
  struct timespec ts {};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// Writes all of `data`; MSG_NOSIGNAL turns a vanished peer into EPIPE
// instead of a silent SIGPIPE death.
Status SendAll(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, "control channel: send");
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

// Reads one '\n'-terminated line (without the '\n') through `buffer`, which
// keeps whatever arrived after it for the next call. *eof (if given) is set
// when the harness closed the channel cleanly between lines.
Result<std::string> ReadLine(int fd, std::string& buffer, bool* eof = nullptr) {
  for (;;) {
    size_t nl = buffer.find('\n');
    if (nl != std::string::npos) {
      std::string line = buffer.substr(0, nl);
      buffer.erase(0, nl + 1);
      return line;
    }
    if (buffer.size() > kMaxLineBytes) {
      return Status(StatusCode::kInvalidInput, "control channel: line longer than " +
                                                   std::to_string(kMaxLineBytes) + " bytes");
    }
    char chunk[4096];
    ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::FromErrno(errno, "control channel: recv");
    }
    if (n == 0) {
      if (eof != nullptr) *eof = buffer.empty();
      return Status(StatusCode::kIoError, buffer.empty() ? "control channel: closed by the harness"
                                                         : "control channel: closed by the harness mid-line");
    }
    buffer.append(chunk, static_cast<size_t>(n));
  }
}

}  // namespace

Result<std::unique_ptr<ChannelYieldPoints>> ChannelYieldPoints::Connect(int fd, std::string actor_name, bool serve) {
  const std::string what = "control channel fd " + std::to_string(fd);
  if (fd < 0 || ::fcntl(fd, F_GETFD) < 0) {
    return Status(StatusCode::kInvalidInput, what + " is not an open file descriptor");
  }
  // From here on the fd is ours: the object closes it on every path.
  std::unique_ptr<ChannelYieldPoints> p(new ChannelYieldPoints(fd));
  p->actor_name_ = std::move(actor_name);
  struct stat st {};
  if (::fstat(fd, &st) != 0) return Status::FromErrno(errno, what);
  if (!S_ISSOCK(st.st_mode)) {
    return Status(StatusCode::kInvalidInput, what + " is not a socket (the harness passes one end of a socketpair)");
  }
  // Programs this actor might start must not inherit the channel.
  int flags = ::fcntl(fd, F_GETFD);
  if (flags >= 0) (void)::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);

  ControlMessage hello;
  hello.type = MessageType::kHello;
  hello.actor = p->actor_name_;
  hello.pid = static_cast<int64_t>(::getpid());
  hello.protocol = kProtocolVersion;
  hello.serve = serve;
  PC_RETURN_IF_ERROR(SendAll(fd, EncodeMessage(hello)).Annotate(what + ": hello"));

  Result<std::string> line = ReadLine(fd, p->buffer_);
  if (!line.ok()) return line.status().Annotate(what + ": waiting for welcome");
  Result<ControlMessage> welcome = DecodeMessage(*line);
  if (!welcome.ok()) return welcome.status().Annotate(what + ": waiting for welcome");
  if (welcome->type != MessageType::kWelcome) {
    return Status(StatusCode::kInvalidInput, what + ": expected welcome, got " +
                                                 std::string(MessageTypeName(welcome->type)));
  }
  p->welcome_controlled_ = welcome->mode == "controlled";
  p->controlled_ = p->welcome_controlled_;
  p->max_delay_us_ = welcome->max_delay_us;
  p->rng_.seed(welcome->seed);
  return p;
}

Result<std::unique_ptr<ChannelYieldPoints>> ChannelYieldPoints::FromEnvironment(std::string actor_name, bool serve) {
  const char* value = std::getenv(kControlFdEnv);
  if (value == nullptr) return std::unique_ptr<ChannelYieldPoints>();
  std::string_view v(value);
  int fd = -1;
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), fd);
  if (v.empty() || ec != std::errc() || end != v.data() + v.size() || fd < 0) {
    return Status(StatusCode::kInvalidInput,
                  std::string(kControlFdEnv) + "='" + std::string(v) + "' is not a file descriptor number");
  }
  Result<std::unique_ptr<ChannelYieldPoints>> p = Connect(fd, std::move(actor_name), serve);
  if (!p.ok()) return p.status().Annotate(std::string(kControlFdEnv) + "=" + std::string(v));
  return p;
}

ChannelYieldPoints::~ChannelYieldPoints() {
  // Events still buffered (an operation that ended without a result): best
  // effort, so the harness sees what happened before the actor went away.
  if (!outgoing_.empty()) (void)SendAll(fd_, outgoing_);
  if (fd_ >= 0) ::close(fd_);
}

void ChannelYieldPoints::Yield(std::string_view point, std::string_view subject) {
  ControlMessage m;
  m.type = MessageType::kYield;
  m.point = std::string(point);
  m.subject = std::string(subject);
  m.t_ns = MonotonicNs();
  Send(m);
  if (finished_) return;
  if (controlled_) {
    WaitForGo();
  } else if (max_delay_us_ > 0) {
    std::uniform_int_distribution<int64_t> delay(0, max_delay_us_);
    int64_t us = delay(rng_);
    if (us > 0) std::this_thread::sleep_for(std::chrono::microseconds(us));
  }
}

void ChannelYieldPoints::Blocked(std::string_view point, std::chrono::microseconds backoff) {
  ControlMessage m;
  m.type = MessageType::kBlocked;
  m.point = std::string(point);
  Send(m);
  if (controlled_ && !finished_) {
    // The scheduler decides when retrying makes sense; sleeping would only
    // stall the single running actor.
    WaitForGo();
  } else if (backoff.count() > 0) {
    std::this_thread::sleep_for(backoff);
  }
}

void ChannelYieldPoints::Report(const Event& event) {
  ControlMessage m;
  m.type = MessageType::kEvent;
  m.kind = event.kind;
  m.subject = event.archive_id;
  m.detail = event.detail;
  m.t_ns = MonotonicNs();
  Send(m);
}

void ChannelYieldPoints::Finish(int exit_code, const Status& status) {
  if (finished_) return;
  ControlMessage m;
  m.type = MessageType::kResult;
  m.exit_code = exit_code;
  m.status = std::string(StatusCodeName(status.code()));
  m.message = status.message();
  Send(m);
  finished_ = true;
}

std::optional<ControlMessage> ChannelYieldPoints::NextRun() {
  bool eof = false;
  Result<std::string> line = ReadLine(fd_, buffer_, &eof);
  if (!line.ok()) {
    if (eof) return std::nullopt;  // the harness is done with this actor
    Die(line.status());
  }
  Result<ControlMessage> m = DecodeMessage(*line);
  if (!m.ok()) Die(m.status());
  if (m->type != MessageType::kRun) {
    Die(Status(StatusCode::kInvalidInput,
               "control channel: expected run, got " + std::string(MessageTypeName(m->type))));
  }
  return std::move(m).value();
}

void ChannelYieldPoints::BeginRun(const ControlMessage& run) {
  if (!run.actor.empty()) actor_name_ = run.actor;
  controlled_ = run.mode.empty() ? welcome_controlled_ : run.mode == "controlled";
  max_delay_us_ = run.max_delay_us;
  rng_.seed(run.seed);
  finished_ = false;
  outgoing_.clear();
}

void ChannelYieldPoints::Send(const ControlMessage& m) {
  outgoing_ += EncodeMessage(m);
  // Controlled mode: an event waits for the stop that ends this step.
  if (m.type == MessageType::kEvent && controlled_ && !finished_) return;
  Status st = SendAll(fd_, outgoing_);
  outgoing_.clear();
  // After the result the harness may already have hung up; what is still sent
  // (lock releases from destructors) is best effort and must not change the
  // exit status the result announced.
  if (!st.ok() && !finished_) Die(st);
}

ControlMessage ChannelYieldPoints::Receive() {
  Result<std::string> line = ReadLine(fd_, buffer_);
  if (!line.ok()) Die(line.status());
  Result<ControlMessage> m = DecodeMessage(*line);
  if (!m.ok()) Die(m.status());
  return std::move(m).value();
}

void ChannelYieldPoints::WaitForGo() {
  ControlMessage m = Receive();
  if (m.type != MessageType::kGo) {
    Die(Status(StatusCode::kInvalidInput,
               "control channel: expected go, got " + std::string(MessageTypeName(m.type))));
  }
}

void ChannelYieldPoints::Die(const Status& why) {
  // An actor must never run on unsupervised: the harness is gone or confused.
  // _exit: no destructors, no atexit handlers, no flushing of half-done work.
  std::string msg = "prunecheck actor " + actor_name_ + " (pid " + std::to_string(::getpid()) +
                    "): exiting: " + why.ToString() + "\n";
  ssize_t ignored = ::write(STDERR_FILENO, msg.data(), msg.size());
  (void)ignored;
  ::_exit(1);
}

}  // namespace prunecheck
