#include "pruner/channel/control_message.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace prunecheck {
namespace {

ControlMessage RoundTrip(const ControlMessage& m) {
  std::string line = EncodeMessage(m);
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(line.find('\n'), line.size() - 1) << "exactly one line: " << line;
  Result<ControlMessage> back = DecodeMessage(line);
  EXPECT_TRUE(back.ok()) << back.status().ToString() << " for " << line;
  return back.ok() ? *back : ControlMessage();
}

void ExpectInvalid(std::string_view line, std::string_view names) {
  Result<ControlMessage> m = DecodeMessage(line);
  ASSERT_FALSE(m.ok()) << "accepted: " << line;
  EXPECT_EQ(m.status().code(), StatusCode::kInvalidInput) << m.status().ToString();
  EXPECT_NE(m.status().message().find(names), std::string::npos)
      << "error for " << line << " should name '" << names << "': " << m.status().ToString();
}

TEST(ControlMessageTest, TypeNames) {
  EXPECT_EQ(MessageTypeName(MessageType::kHello), "hello");
  EXPECT_EQ(MessageTypeName(MessageType::kWelcome), "welcome");
  EXPECT_EQ(MessageTypeName(MessageType::kYield), "yield");
  EXPECT_EQ(MessageTypeName(MessageType::kBlocked), "blocked");
  EXPECT_EQ(MessageTypeName(MessageType::kGo), "go");
  EXPECT_EQ(MessageTypeName(MessageType::kEvent), "event");
  EXPECT_EQ(MessageTypeName(MessageType::kResult), "result");
  EXPECT_EQ(MessageTypeName(MessageType::kRun), "run");
}

TEST(ControlMessageTest, HelloRoundTrips) {
  ControlMessage m;
  m.type = MessageType::kHello;
  m.actor = "installer-1";
  m.pid = 4242;
  m.protocol = 1;
  ControlMessage b = RoundTrip(m);
  EXPECT_EQ(b.type, MessageType::kHello);
  EXPECT_EQ(b.actor, "installer-1");
  EXPECT_EQ(b.pid, 4242);
  EXPECT_EQ(b.protocol, 1);
}

TEST(ControlMessageTest, HelloOfAServingActorRoundTripsAndOneShotHelloIsUnchanged) {
  ControlMessage m;
  m.type = MessageType::kHello;
  m.actor = "pool-1";
  m.pid = 7;
  EXPECT_EQ(EncodeMessage(m), "{\"type\":\"hello\",\"actor\":\"pool-1\",\"pid\":7,\"protocol\":1}\n");
  EXPECT_FALSE(RoundTrip(m).serve);
  m.serve = true;
  EXPECT_EQ(EncodeMessage(m), "{\"type\":\"hello\",\"actor\":\"pool-1\",\"pid\":7,\"protocol\":1,\"serve\":true}\n");
  EXPECT_TRUE(RoundTrip(m).serve);
}

TEST(ControlMessageTest, RunRoundTrips) {
  ControlMessage m;
  m.type = MessageType::kRun;
  m.actor = "installer-1";
  m.argv = {"install", "--cache", "/tmp/r/cache", "--seed", "7", "--wheel", "a b\n.whl", ""};
  m.stdout_path = "/tmp/r/logs/installer-1.stdout";
  m.stderr_path = "/tmp/r/logs/installer-1.stderr";
  m.sanitizer_log = "/tmp/r/logs/installer-1.sanitizer";
  m.mode = "free";
  m.seed = std::numeric_limits<uint64_t>::max();
  m.max_delay_us = 2000;
  ControlMessage b = RoundTrip(m);
  EXPECT_EQ(b.type, MessageType::kRun);
  EXPECT_EQ(b.actor, m.actor);
  EXPECT_EQ(b.argv, m.argv);
  EXPECT_EQ(b.stdout_path, m.stdout_path);
  EXPECT_EQ(b.stderr_path, m.stderr_path);
  EXPECT_EQ(b.sanitizer_log, m.sanitizer_log);
  EXPECT_EQ(b.mode, "free");
  EXPECT_EQ(b.seed, m.seed);
  EXPECT_EQ(b.max_delay_us, 2000);

  // Only argv is required; an absent mode means the welcome's.
  Result<ControlMessage> minimal = DecodeMessage(R"({"type":"run","argv":["prune","--cache","c"]})");
  ASSERT_TRUE(minimal.ok()) << minimal.status().ToString();
  EXPECT_EQ(minimal->argv, (std::vector<std::string>{"prune", "--cache", "c"}));
  EXPECT_EQ(minimal->mode, "");
  EXPECT_EQ(minimal->stdout_path, "");
  EXPECT_EQ(minimal->sanitizer_log, "");
  EXPECT_EQ(minimal->seed, 0u);
}

TEST(ControlMessageTest, WelcomeRoundTripsFullSeedRange) {
  ControlMessage m;
  m.type = MessageType::kWelcome;
  m.mode = "free";
  m.seed = std::numeric_limits<uint64_t>::max();
  m.max_delay_us = 250;
  ControlMessage b = RoundTrip(m);
  EXPECT_EQ(b.type, MessageType::kWelcome);
  EXPECT_EQ(b.mode, "free");
  EXPECT_EQ(b.seed, std::numeric_limits<uint64_t>::max());
  EXPECT_EQ(b.max_delay_us, 250);
}

TEST(ControlMessageTest, YieldBlockedGoEventResultRoundTrip) {
  ControlMessage y;
  y.type = MessageType::kYield;
  y.point = "install.persisted";
  y.subject = "AbCdEfGhIjKlMn_-";
  y.t_ns = 123456789012345;
  ControlMessage yb = RoundTrip(y);
  EXPECT_EQ(yb.type, MessageType::kYield);
  EXPECT_EQ(yb.point, y.point);
  EXPECT_EQ(yb.subject, y.subject);
  EXPECT_EQ(yb.t_ns, y.t_ns);

  ControlMessage bl;
  bl.type = MessageType::kBlocked;
  bl.point = "lock.root.wait";
  EXPECT_EQ(RoundTrip(bl).point, "lock.root.wait");
  EXPECT_EQ(RoundTrip(bl).type, MessageType::kBlocked);

  ControlMessage go;
  go.type = MessageType::kGo;
  EXPECT_EQ(EncodeMessage(go), "{\"type\":\"go\"}\n");
  EXPECT_EQ(RoundTrip(go).type, MessageType::kGo);

  ControlMessage e;
  e.type = MessageType::kEvent;
  e.kind = "lock_acquired";
  e.subject = "";
  e.detail = ".lock shared";
  e.t_ns = 7;
  ControlMessage eb = RoundTrip(e);
  EXPECT_EQ(eb.type, MessageType::kEvent);
  EXPECT_EQ(eb.kind, "lock_acquired");
  EXPECT_EQ(eb.detail, ".lock shared");
  EXPECT_EQ(eb.t_ns, 7);

  ControlMessage r;
  r.type = MessageType::kResult;
  r.exit_code = 4;
  r.status = "verification-failed";
  r.message = "archive X vanished\nwhile in use \"quoted\"";
  ControlMessage rb = RoundTrip(r);
  EXPECT_EQ(rb.type, MessageType::kResult);
  EXPECT_EQ(rb.exit_code, 4);
  EXPECT_EQ(rb.status, "verification-failed");
  EXPECT_EQ(rb.message, r.message);
}

TEST(ControlMessageTest, EncodesOnlyTheFieldsOfItsType) {
  ControlMessage y;
  y.type = MessageType::kYield;
  y.point = "prune.before_remove";
  y.subject = "id";
  y.t_ns = 5;
  y.actor = "not-sent";
  EXPECT_EQ(EncodeMessage(y), "{\"type\":\"yield\",\"point\":\"prune.before_remove\",\"subject\":\"id\",\"t_ns\":5}\n");
}

TEST(ControlMessageTest, InvalidUtf8IsReplacedNotThrown) {
  ControlMessage e;
  e.type = MessageType::kEvent;
  e.kind = "use_begin";
  e.detail = std::string("bad \xff\xfe name");
  std::string line;
  ASSERT_NO_THROW(line = EncodeMessage(e));
  Result<ControlMessage> back = DecodeMessage(line);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->detail.substr(0, 4), "bad ");
}

TEST(ControlMessageTest, AcceptsCrLfAndIgnoresUnknownFields) {
  Result<ControlMessage> m = DecodeMessage("{\"type\":\"go\",\"future\":{\"x\":[1,2]}}\r\n");
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->type, MessageType::kGo);
  Result<ControlMessage> w =
      DecodeMessage(R"({"type":"welcome","mode":"controlled","seed":9,"max_delay_us":0,"scheduler":"pct"})");
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->mode, "controlled");
  EXPECT_EQ(w->seed, 9u);
}

TEST(ControlMessageTest, OptionalFieldsDefault) {
  // What a small hand-written actor may leave out.
  Result<ControlMessage> y = DecodeMessage(R"({"type":"yield","point":"read.resolved"})");
  ASSERT_TRUE(y.ok()) << y.status().ToString();
  EXPECT_EQ(y->subject, "");
  EXPECT_EQ(y->t_ns, 0);
  Result<ControlMessage> e = DecodeMessage(R"({"type":"event","kind":"use_end","subject":"abc"})");
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->detail, "");
  EXPECT_EQ(e->t_ns, 0);
  Result<ControlMessage> r = DecodeMessage(R"({"type":"result","exit_code":0})");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->status, "");
  Result<ControlMessage> w = DecodeMessage(R"({"type":"welcome","mode":"free"})");
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_EQ(w->seed, 0u);
  EXPECT_EQ(w->max_delay_us, 0);
}

TEST(ControlMessageTest, RejectsMalformedLines) {
  ExpectInvalid("", "empty");
  ExpectInvalid("\n", "empty");
  ExpectInvalid("{\"type\":\"go\"", "not valid JSON");
  ExpectInvalid("{\"type\":\"go\"} {\"type\":\"go\"}", "not valid JSON");
  ExpectInvalid("[\"go\"]", "not a JSON object");
  ExpectInvalid("\"go\"", "not a JSON object");
  ExpectInvalid("{}", "type: missing");
  ExpectInvalid("{\"type\":7}", "type: must be a string");
  ExpectInvalid("{\"type\":\"stop\"}", "unknown type 'stop'");
}

TEST(ControlMessageTest, RejectsMissingRequiredFieldsNamingThem) {
  ExpectInvalid(R"({"type":"hello","pid":1,"protocol":1})", "hello.actor: missing");
  ExpectInvalid(R"({"type":"hello","actor":"a","protocol":1})", "hello.pid: missing");
  ExpectInvalid(R"({"type":"hello","actor":"a","pid":1})", "hello.protocol: missing");
  ExpectInvalid(R"({"type":"welcome","seed":1})", "welcome.mode: missing");
  ExpectInvalid(R"({"type":"yield","subject":"x"})", "yield.point: missing");
  ExpectInvalid(R"({"type":"yield","point":null})", "yield.point: missing");
  ExpectInvalid(R"({"type":"blocked"})", "blocked.point: missing");
  ExpectInvalid(R"({"type":"event","subject":"x"})", "event.kind: missing");
  ExpectInvalid(R"({"type":"result","status":"ok"})", "result.exit_code: missing");
}

TEST(ControlMessageTest, RejectsWrongTypesNamingTheField) {
  ExpectInvalid(R"({"type":"hello","actor":5,"pid":1,"protocol":1})", "hello.actor: must be a string");
  ExpectInvalid(R"({"type":"hello","actor":"a","pid":"1","protocol":1})", "hello.pid: must be an integer");
  ExpectInvalid(R"({"type":"hello","actor":"a","pid":1.5,"protocol":1})", "hello.pid: must be an integer");
  ExpectInvalid(R"({"type":"hello","actor":"a","pid":1,"protocol":4294967296})", "hello.protocol");
  ExpectInvalid(R"({"type":"welcome","mode":"controlled","seed":-1})", "welcome.seed: must be a non-negative");
  ExpectInvalid(R"({"type":"welcome","mode":"controlled","seed":"1"})", "welcome.seed");
  ExpectInvalid(R"({"type":"welcome","mode":"fast"})", "welcome.mode");
  ExpectInvalid(R"({"type":"welcome","mode":true})", "welcome.mode: must be a string");
  ExpectInvalid(R"({"type":"welcome","mode":"free","max_delay_us":-3})", "welcome.max_delay_us");
  ExpectInvalid(R"({"type":"yield","point":["a"]})", "yield.point: must be a string");
  ExpectInvalid(R"({"type":"yield","point":""})", "yield.point: must not be empty");
  ExpectInvalid(R"({"type":"yield","point":"p","subject":1})", "yield.subject: must be a string");
  ExpectInvalid(R"({"type":"yield","point":"p","t_ns":18446744073709551615})", "yield.t_ns");
  ExpectInvalid(R"({"type":"event","kind":"use_begin","detail":{}})", "event.detail: must be a string");
  ExpectInvalid(R"({"type":"event","kind":"use_begin","t_ns":"now"})", "event.t_ns: must be an integer");
  ExpectInvalid(R"({"type":"result","exit_code":"0"})", "result.exit_code: must be an integer");
  ExpectInvalid(R"({"type":"result","exit_code":0,"message":false})", "result.message: must be a string");
  ExpectInvalid(R"({"type":"hello","actor":"a","pid":1,"protocol":1,"serve":1})", "hello.serve: must be true or false");
}

TEST(ControlMessageTest, RejectsMalformedRunNamingTheField) {
  ExpectInvalid(R"({"type":"run"})", "run.argv: missing");
  ExpectInvalid(R"({"type":"run","argv":null})", "run.argv: missing");
  ExpectInvalid(R"({"type":"run","argv":"install --cache c"})", "run.argv: must be an array of strings");
  ExpectInvalid(R"({"type":"run","argv":["install",3]})", "run.argv: must be an array of strings");
  ExpectInvalid(R"({"type":"run","argv":[]})", "run.argv: must not be empty");
  ExpectInvalid(R"({"type":"run","argv":["prune"],"stdout":1})", "run.stdout: must be a string");
  ExpectInvalid(R"({"type":"run","argv":["prune"],"stderr":[]})", "run.stderr: must be a string");
  ExpectInvalid(R"({"type":"run","argv":["prune"],"actor":false})", "run.actor: must be a string");
  ExpectInvalid(R"({"type":"run","argv":["prune"],"mode":"fast"})", "run.mode");
  ExpectInvalid(R"({"type":"run","argv":["prune"],"seed":-1})", "run.seed: must be a non-negative");
  ExpectInvalid(R"({"type":"run","argv":["prune"],"max_delay_us":-1})", "run.max_delay_us");
}

}  // namespace
}  // namespace prunecheck
