// ChannelYieldPoints against a fake harness: a thread on the other end of a
// socketpair. The two sides synchronise only through the socket.
#include "pruner/channel/channel_yield_points.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

namespace prunecheck {
namespace {

// The harness end: blocking line I/O on one socket.
class FakeHarness {
 public:
  explicit FakeHarness(int fd) : fd_(fd) {}
  ~FakeHarness() { Close(); }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  int fd() const { return fd_; }

  // Next message; a default (kGo-typed, empty) message with *eof set on EOF.
  ControlMessage Receive(bool* eof = nullptr) {
    if (eof) *eof = false;
    for (;;) {
      size_t nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        std::string line = buffer_.substr(0, nl);
        buffer_.erase(0, nl + 1);
        Result<ControlMessage> m = DecodeMessage(line);
        EXPECT_TRUE(m.ok()) << m.status().ToString() << ": " << line;
        return m.ok() ? *m : ControlMessage();
      }
      char chunk[512];
      ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        if (eof) *eof = true;
        EXPECT_TRUE(eof != nullptr) << "unexpected EOF from the actor";
        return ControlMessage();
      }
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }

  void SendLine(const std::string& line) {
    ASSERT_EQ(::send(fd_, line.data(), line.size(), MSG_NOSIGNAL), static_cast<ssize_t>(line.size()));
  }
  void Send(const ControlMessage& m) { SendLine(EncodeMessage(m)); }
  void Go() {
    ControlMessage go;
    go.type = MessageType::kGo;
    Send(go);
  }
  void Welcome(const std::string& mode, uint64_t seed = 1, int64_t max_delay_us = 0) {
    ControlMessage w;
    w.type = MessageType::kWelcome;
    w.mode = mode;
    w.seed = seed;
    w.max_delay_us = max_delay_us;
    Send(w);
  }
  // Reads hello, checks it, answers with a welcome.
  void Handshake(const std::string& mode, const std::string& expected_actor, int64_t max_delay_us = 0) {
    ControlMessage hello = Receive();
    EXPECT_EQ(hello.type, MessageType::kHello);
    EXPECT_EQ(hello.actor, expected_actor);
    EXPECT_EQ(hello.pid, static_cast<int64_t>(::getpid()));
    EXPECT_EQ(hello.protocol, kProtocolVersion);
    Welcome(mode, 42, max_delay_us);
  }

 private:
  int fd_;
  std::string buffer_;
};

struct Pair {
  int actor = -1;
  int harness = -1;
};

Pair MakePair() {
  int sv[2];
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
  return {sv[0], sv[1]};
}

// Connects on this thread while `harness_side` runs on another.
template <typename F>
std::unique_ptr<ChannelYieldPoints> ConnectWith(FakeHarness& h, int actor_fd, F harness_side,
                                                const std::string& name = "tester") {
  std::thread t([&] { harness_side(h); });
  Result<std::unique_ptr<ChannelYieldPoints>> p = ChannelYieldPoints::Connect(actor_fd, name);
  t.join();
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return p.ok() ? std::move(p).value() : nullptr;
}

TEST(ChannelYieldPointsTest, ControlledYieldWaitsForGo) {
  Pair fds = MakePair();
  FakeHarness h(fds.harness);
  std::atomic<int> gos_sent{0};
  std::vector<ControlMessage> seen;

  std::unique_ptr<ChannelYieldPoints> p;
  std::thread harness([&] {
    h.Handshake("controlled", "installer-1");
    for (int i = 0; i < 2; ++i) {
      seen.push_back(h.Receive());
      gos_sent.fetch_add(1);
      h.Go();
    }
    seen.push_back(h.Receive());  // the blocked message
    gos_sent.fetch_add(1);
    h.Go();
    seen.push_back(h.Receive());  // the event
    seen.push_back(h.Receive());  // the result
    bool eof = false;
    h.Receive(&eof);
    EXPECT_TRUE(eof);
  });
  Result<std::unique_ptr<ChannelYieldPoints>> c = ChannelYieldPoints::Connect(fds.actor, "installer-1");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  p = std::move(c).value();
  EXPECT_TRUE(p->controlled());

  p->Yield("install.begin", "AAAA");
  // The harness counts a go before sending it: returning earlier means Yield did not wait.
  EXPECT_EQ(gos_sent.load(), 1);
  p->Yield("install.persisted", "AAAA");
  EXPECT_EQ(gos_sent.load(), 2);
  // Controlled mode never sleeps the backoff: an hour would hang the test.
  p->Blocked("lock.root.wait", std::chrono::hours(1));
  EXPECT_EQ(gos_sent.load(), 3);
  p->Report(Event{EventKind::kLockAcquired, "", ".lock shared"});
  p->Finish(0, Status::Ok());
  p.reset();  // closes the channel: the harness sees EOF
  harness.join();

  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[0].type, MessageType::kYield);
  EXPECT_EQ(seen[0].point, "install.begin");
  EXPECT_EQ(seen[0].subject, "AAAA");
  EXPECT_GT(seen[0].t_ns, 0);
  EXPECT_EQ(seen[1].point, "install.persisted");
  EXPECT_GE(seen[1].t_ns, seen[0].t_ns);
  EXPECT_EQ(seen[2].type, MessageType::kBlocked);
  EXPECT_EQ(seen[2].point, "lock.root.wait");
  EXPECT_EQ(seen[3].type, MessageType::kEvent);
  EXPECT_EQ(seen[3].kind, EventKind::kLockAcquired);
  EXPECT_EQ(seen[3].detail, ".lock shared");
  EXPECT_EQ(seen[3].subject, "");
  EXPECT_GE(seen[3].t_ns, seen[1].t_ns);
  EXPECT_EQ(seen[4].type, MessageType::kResult);
  EXPECT_EQ(seen[4].exit_code, 0);
  EXPECT_EQ(seen[4].status, "ok");
  EXPECT_EQ(seen[4].message, "");
}

TEST(ChannelYieldPointsTest, FreeModeNeverWaitsForGo) {
  Pair fds = MakePair();
  FakeHarness h(fds.harness);
  std::unique_ptr<ChannelYieldPoints> p =
      ConnectWith(h, fds.actor, [](FakeHarness& fh) { fh.Handshake("free", "reader", /*max_delay_us=*/200); }, "reader");
  ASSERT_NE(p, nullptr);
  EXPECT_FALSE(p->controlled());
  // No go is ever sent: in controlled mode these calls would block forever.
  for (int i = 0; i < 20; ++i) p->Yield("link.progress", "BBBB");
  p->Blocked("lock.entry.wait", std::chrono::microseconds(1));
  p->Report(Event{EventKind::kUseBegin, "BBBB", "read x"});
  p->Report(Event{EventKind::kUseEnd, "BBBB", "ok"});
  p->Finish(4, Status(StatusCode::kVerificationFailed, "archive BBBB vanished"));
  p.reset();

  std::vector<ControlMessage> seen;
  for (;;) {
    bool eof = false;
    ControlMessage m = h.Receive(&eof);
    if (eof) break;
    seen.push_back(m);
  }
  ASSERT_EQ(seen.size(), 24u);
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(seen[i].type, MessageType::kYield);
    EXPECT_EQ(seen[i].point, "link.progress");
  }
  EXPECT_EQ(seen[20].type, MessageType::kBlocked);
  EXPECT_EQ(seen[21].kind, EventKind::kUseBegin);
  EXPECT_EQ(seen[21].subject, "BBBB");
  EXPECT_EQ(seen[22].kind, EventKind::kUseEnd);
  EXPECT_EQ(seen[23].type, MessageType::kResult);
  EXPECT_EQ(seen[23].exit_code, 4);
  EXPECT_EQ(seen[23].status, "verification-failed");
  EXPECT_EQ(seen[23].message, "archive BBBB vanished");
}

// True when a recv would find nothing on `fd` right now.
bool NothingToRead(int fd) {
  pollfd p{fd, POLLIN, 0};
  return ::poll(&p, 1, 0) == 0;
}

TEST(ChannelYieldPointsTest, ControlledEventsGoOutInOneSendWithTheNextStop) {
  Pair fds = MakePair();
  FakeHarness h(fds.harness);
  std::unique_ptr<ChannelYieldPoints> p =
      ConnectWith(h, fds.actor, [](FakeHarness& fh) { fh.Handshake("controlled", "tester"); });
  ASSERT_NE(p, nullptr);
  p->Report(Event{EventKind::kUseBegin, "CCCC", "read x"});
  p->Report(Event{EventKind::kUseEnd, "CCCC", "ok"});
  // Sends are synchronous: had the events been sent, they would be readable now.
  EXPECT_TRUE(NothingToRead(h.fd()));
  p->Finish(0, Status::Ok());
  // One send: a single recv returns all three lines.
  char buf[4096];
  ssize_t n = ::recv(h.fd(), buf, sizeof buf, MSG_DONTWAIT);
  ASSERT_GT(n, 0);
  const std::string got(buf, static_cast<size_t>(n));
  ASSERT_EQ(std::count(got.begin(), got.end(), '\n'), 3) << got;
  EXPECT_LT(got.find("use_begin"), got.find("use_end"));
  EXPECT_LT(got.find("use_end"), got.find("\"result\""));
}

TEST(ChannelYieldPointsTest, ServingActorRunsOneOperationPerRunUntilTheHarnessHangsUp) {
  Pair fds = MakePair();
  FakeHarness h(fds.harness);
  std::vector<ControlMessage> seen;
  std::unique_ptr<ChannelYieldPoints> p;
  std::thread harness([&] {
    ControlMessage hello = h.Receive();
    EXPECT_EQ(hello.type, MessageType::kHello);
    EXPECT_TRUE(hello.serve);
    h.Welcome("controlled");
    ControlMessage run;
    run.type = MessageType::kRun;
    run.actor = "reader-1";
    run.argv = {"read", "--cache", "c"};
    run.mode = "free";
    run.seed = 5;
    h.Send(run);
    seen.push_back(h.Receive());  // free: the yield, no go needed
    seen.push_back(h.Receive());  // its result
    run.actor = "pruner";
    run.argv = {"prune"};
    run.mode = "";  // the welcome's: controlled
    h.Send(run);
    seen.push_back(h.Receive());  // the yield, with the event before it
    seen.push_back(h.Receive());
    h.Go();
    seen.push_back(h.Receive());  // the result
    h.Close();
  });
  Result<std::unique_ptr<ChannelYieldPoints>> c = ChannelYieldPoints::Connect(fds.actor, "pool-1", /*serve=*/true);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  p = std::move(c).value();

  std::optional<ControlMessage> first = p->NextRun();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(first->argv, (std::vector<std::string>{"read", "--cache", "c"}));
  p->BeginRun(*first);
  EXPECT_FALSE(p->controlled());
  p->Yield("read.begin", "x.whl");  // free mode: does not wait
  p->Finish(6, Status(StatusCode::kNotFound, "not cached"));

  std::optional<ControlMessage> second = p->NextRun();
  ASSERT_TRUE(second.has_value());
  p->BeginRun(*second);
  EXPECT_TRUE(p->controlled());
  p->Report(Event{EventKind::kRemoveBegin, "DDDD", "in-place"});
  p->Yield("prune.before_remove", "DDDD");  // waits for the go
  p->Finish(0, Status::Ok());

  EXPECT_FALSE(p->NextRun().has_value());  // EOF between runs: the normal end
  harness.join();
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[0].type, MessageType::kYield);
  EXPECT_EQ(seen[1].type, MessageType::kResult);
  EXPECT_EQ(seen[1].exit_code, 6);
  EXPECT_EQ(seen[1].status, "not-found");
  EXPECT_EQ(seen[2].type, MessageType::kEvent);
  EXPECT_EQ(seen[2].kind, EventKind::kRemoveBegin);
  EXPECT_EQ(seen[3].type, MessageType::kYield);
  EXPECT_EQ(seen[4].type, MessageType::kResult);
  EXPECT_EQ(seen[4].exit_code, 0);
}

TEST(ChannelYieldPointsTest, EveryEventKindIsSentByName) {
  Pair fds = MakePair();
  FakeHarness h(fds.harness);
  std::unique_ptr<ChannelYieldPoints> p =
      ConnectWith(h, fds.actor, [](FakeHarness& fh) { fh.Handshake("free", "tester"); });
  ASSERT_NE(p, nullptr);
  const std::vector<std::pair<EventKind, std::string>> kinds = {
      {EventKind::kArchivePublished, "archive_published"}, {EventKind::kReferenced, "referenced"},
      {EventKind::kUseBegin, "use_begin"},                 {EventKind::kUseEnd, "use_end"},
      {EventKind::kRemoveBegin, "remove_begin"},           {EventKind::kRemoveEnd, "remove_end"},
      {EventKind::kLockAcquired, "lock_acquired"},         {EventKind::kLockReleased, "lock_released"},
  };
  for (const auto& [kind, name] : kinds) p->Report(Event{kind, "id", name});
  for (const auto& [kind, name] : kinds) {
    ControlMessage m = h.Receive();
    EXPECT_EQ(m.type, MessageType::kEvent);
    EXPECT_EQ(EventKindText(m), name);
    EXPECT_EQ(ParseEventKind(name), kind);
    EXPECT_EQ(m.kind, kind);
    EXPECT_EQ(m.detail, name);
  }
}

TEST(ChannelYieldPointsTest, SendsAfterFinishAreBestEffort) {
  Pair fds = MakePair();
  FakeHarness h(fds.harness);
  std::unique_ptr<ChannelYieldPoints> p =
      ConnectWith(h, fds.actor, [](FakeHarness& fh) { fh.Handshake("controlled", "tester"); });
  ASSERT_NE(p, nullptr);
  p->Finish(0, Status::Ok());
  EXPECT_EQ(h.Receive().type, MessageType::kResult);
  h.Close();
  // A lock released by a destructor after the result: the harness is gone,
  // and that must neither kill the actor nor block it waiting for go.
  p->Report(Event{EventKind::kLockReleased, "", ".lock shared"});
  p->Yield("lock.root.release", ".lock");
  p->Finish(1, Status::Ok());  // second Finish: ignored
  SUCCEED();
}

TEST(ChannelYieldPointsTest, ReadsMessagesSplitAndCoalescedInTheStream) {
  Pair fds = MakePair();
  FakeHarness h(fds.harness);
  std::unique_ptr<ChannelYieldPoints> p;
  std::thread harness([&] {
    ControlMessage hello = h.Receive();
    EXPECT_EQ(hello.type, MessageType::kHello);
    // The welcome arrives in two pieces, and with the first two gos glued to it.
    h.SendLine("{\"type\":\"welc");
    h.SendLine("ome\",\"mode\":\"controlled\",\"seed\":3}\n{\"type\":\"go\"}\n{\"type\":\"go\",\"x\":1}\n");
    for (int i = 0; i < 3; ++i) EXPECT_EQ(h.Receive().type, MessageType::kYield);
    h.Go();
  });
  Result<std::unique_ptr<ChannelYieldPoints>> c = ChannelYieldPoints::Connect(fds.actor, "tester");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  p = std::move(c).value();
  p->Yield("a", "");
  p->Yield("b", "");
  p->Yield("c", "");
  harness.join();
}

TEST(ChannelYieldPointsTest, ConnectRejectsBadFds) {
  Result<std::unique_ptr<ChannelYieldPoints>> neg = ChannelYieldPoints::Connect(-1, "x");
  ASSERT_FALSE(neg.ok());
  EXPECT_EQ(neg.status().code(), StatusCode::kInvalidInput);

  int pipefd[2];
  ASSERT_EQ(::pipe2(pipefd, O_CLOEXEC), 0);
  ::close(pipefd[1]);
  const int closed = pipefd[1];
  Result<std::unique_ptr<ChannelYieldPoints>> gone = ChannelYieldPoints::Connect(closed, "x");
  ASSERT_FALSE(gone.ok());
  EXPECT_EQ(gone.status().code(), StatusCode::kInvalidInput);
  EXPECT_NE(gone.status().message().find("not an open file descriptor"), std::string::npos)
      << gone.status().ToString();

  Result<std::unique_ptr<ChannelYieldPoints>> pipe_end = ChannelYieldPoints::Connect(pipefd[0], "x");
  ASSERT_FALSE(pipe_end.ok());
  EXPECT_NE(pipe_end.status().message().find("not a socket"), std::string::npos) << pipe_end.status().ToString();
  // Connect took ownership and closed it.
  EXPECT_EQ(::fcntl(pipefd[0], F_GETFD), -1);
}

TEST(ChannelYieldPointsTest, ConnectFailsWhenTheHarnessHangsUpOrSaysSomethingElse) {
  {
    Pair fds = MakePair();
    FakeHarness h(fds.harness);
    std::thread t([&] {
      EXPECT_EQ(h.Receive().type, MessageType::kHello);
      h.Close();
    });
    Result<std::unique_ptr<ChannelYieldPoints>> p = ChannelYieldPoints::Connect(fds.actor, "x");
    t.join();
    ASSERT_FALSE(p.ok());
    EXPECT_NE(p.status().message().find("closed by the harness"), std::string::npos) << p.status().ToString();
  }
  {
    Pair fds = MakePair();
    FakeHarness h(fds.harness);
    std::thread t([&] {
      EXPECT_EQ(h.Receive().type, MessageType::kHello);
      h.Go();
    });
    Result<std::unique_ptr<ChannelYieldPoints>> p = ChannelYieldPoints::Connect(fds.actor, "x");
    t.join();
    ASSERT_FALSE(p.ok());
    EXPECT_NE(p.status().message().find("expected welcome, got go"), std::string::npos) << p.status().ToString();
  }
  {
    Pair fds = MakePair();
    FakeHarness h(fds.harness);
    std::thread t([&] {
      EXPECT_EQ(h.Receive().type, MessageType::kHello);
      h.SendLine("{\"type\":\"welcome\",\"mode\":\"turbo\"}\n");
    });
    Result<std::unique_ptr<ChannelYieldPoints>> p = ChannelYieldPoints::Connect(fds.actor, "x");
    t.join();
    ASSERT_FALSE(p.ok());
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidInput);
    EXPECT_NE(p.status().message().find("welcome.mode"), std::string::npos) << p.status().ToString();
  }
}

TEST(ChannelYieldPointsTest, FromEnvironment) {
  ::unsetenv(kControlFdEnv);
  Result<std::unique_ptr<ChannelYieldPoints>> none = ChannelYieldPoints::FromEnvironment("x");
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_EQ(*none, nullptr);

  for (const char* bad : {"", "abc", "3x", "-1", "99999999999"}) {
    ::setenv(kControlFdEnv, bad, 1);
    Result<std::unique_ptr<ChannelYieldPoints>> p = ChannelYieldPoints::FromEnvironment("x");
    ASSERT_FALSE(p.ok()) << "accepted '" << bad << "'";
    EXPECT_EQ(p.status().code(), StatusCode::kInvalidInput) << p.status().ToString();
    EXPECT_NE(p.status().message().find(kControlFdEnv), std::string::npos) << p.status().ToString();
  }

  Pair fds = MakePair();
  FakeHarness h(fds.harness);
  ::setenv(kControlFdEnv, std::to_string(fds.actor).c_str(), 1);
  std::thread t([&] { h.Handshake("free", "env-actor"); });
  Result<std::unique_ptr<ChannelYieldPoints>> p = ChannelYieldPoints::FromEnvironment("env-actor");
  t.join();
  ::unsetenv(kControlFdEnv);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  ASSERT_NE(*p, nullptr);
  EXPECT_FALSE((*p)->controlled());
}

// The actor must not run on once the harness is gone. "threadsafe" death
// tests re-run the whole test (handshake included) in a fresh child process,
// so they stay sound under sanitizers that keep threads of their own.
class ChannelYieldPointsDeathTest : public ::testing::Test {
 protected:
  void SetUp() override {
    GTEST_FLAG_SET(death_test_style, "threadsafe");
    fds_ = MakePair();
    harness_ = std::make_unique<FakeHarness>(fds_.harness);
    points_ = ConnectWith(*harness_, fds_.actor, [](FakeHarness& fh) { fh.Handshake("controlled", "doomed"); },
                          "doomed");
    ASSERT_NE(points_, nullptr);
  }
  Pair fds_;
  std::unique_ptr<FakeHarness> harness_;
  std::unique_ptr<ChannelYieldPoints> points_;
};

TEST_F(ChannelYieldPointsDeathTest, ExitsWhenTheHarnessClosesWhileWaitingForGo) {
  // The harness stops writing: the yield goes out, the wait for go sees EOF.
  ASSERT_EQ(::shutdown(harness_->fd(), SHUT_WR), 0);
  EXPECT_EXIT(points_->Yield("install.persisted", "id"), ::testing::ExitedWithCode(1), "closed by the harness");
}

TEST_F(ChannelYieldPointsDeathTest, ExitsOnEpipeInsteadOfDyingOfSigpipe) {
  harness_->Close();
  // Controlled mode: the event goes out with the yield, and that send fails.
  EXPECT_EXIT(
      {
        points_->Report(Event{EventKind::kUseBegin, "id", ""});
        points_->Yield("install.begin", "id");
      },
      ::testing::ExitedWithCode(1), "send");
}

TEST_F(ChannelYieldPointsDeathTest, ServingActorExitsWhenTheHarnessSendsSomethingButRun) {
  harness_->Go();
  EXPECT_EXIT(points_->NextRun(), ::testing::ExitedWithCode(1), "expected run, got go");
}

TEST_F(ChannelYieldPointsDeathTest, ExitsOnGarbageFromTheHarness) {
  harness_->SendLine("this is not json\n");
  EXPECT_EXIT(points_->Blocked("lock.root.wait", std::chrono::microseconds(1)), ::testing::ExitedWithCode(1),
              "not valid JSON");
}

TEST_F(ChannelYieldPointsDeathTest, ExitsWhenTheHarnessAnswersAYieldWithSomethingButGo) {
  harness_->Welcome("free");
  EXPECT_EXIT(points_->Yield("prune.begin", ""), ::testing::ExitedWithCode(1), "expected go, got welcome");
}

}  // namespace
}  // namespace prunecheck
