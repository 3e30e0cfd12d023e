// The control channel's messages (harness/PROTOCOL.md is the normative text).
//
// One JSON object per line over an inherited socket whose fd number is in
// the environment variable PRUNECHECK_CONTROL_FD. Actors send hello, yield,
// blocked, event and result; the harness answers hello with welcome and each
// yield/blocked with go (in controlled mode; in free mode it never has to).
// A *serving* actor (hello with "serve":true) runs one operation per "run"
// message from the harness, each ending with its own result, so one process
// serves many runs.
//
// Thread-safety: value types and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "pruner/base/status.h"

namespace prunecheck {

inline constexpr const char* kControlFdEnv = "PRUNECHECK_CONTROL_FD";
inline constexpr int kProtocolVersion = 1;

enum class MessageType {
  kHello,    // actor -> harness: {"type":"hello","actor":NAME,"pid":N,"protocol":1[,"serve":true]}
  kWelcome,  // harness -> actor: {"type":"welcome","mode":"controlled"|"free","seed":S,"max_delay_us":D}
  kYield,    // actor -> harness: {"type":"yield","point":P,"subject":S}; controlled: wait for go
  kBlocked,  // actor -> harness: {"type":"blocked","point":P}; a lock is held elsewhere; wait for go, then retry
  kGo,       // harness -> actor: {"type":"go"}
  kEvent,    // actor -> harness: {"type":"event","kind":K,"subject":S,"detail":D,"t_ns":T}
  kResult,   // actor -> harness: {"type":"result","exit_code":N,"status":CODE,"message":M}
  kRun,      // harness -> serving actor: {"type":"run","actor":NAME,"argv":[...],"stdout":P,"stderr":P,
             //   "mode":M,"seed":S,"max_delay_us":D,"sanitizer_log":P}; run one operation, then send its result
};

std::string_view MessageTypeName(MessageType t);

struct ControlMessage {
  MessageType type = MessageType::kGo;
  std::string actor;    // hello; run: the name the actor has in this run
  int64_t pid = 0;      // hello
  int protocol = kProtocolVersion;  // hello
  bool serve = false;   // hello: a serving actor, waiting for run messages after the welcome
  std::string point;    // yield, blocked
  std::string subject;  // yield, event
  std::string kind;     // event: EventKindName (archive_published, use_begin, ...)
  std::string detail;   // event
  int64_t t_ns = 0;     // event, yield: CLOCK_MONOTONIC nanoseconds
  int exit_code = 0;    // result
  std::string status;   // result: StatusCodeName
  std::string message;  // result
  std::string mode;     // welcome; run ("" in a run: the welcome's mode)
  uint64_t seed = 0;    // welcome, run
  int64_t max_delay_us = 0;  // welcome, run: free mode delay noise at yield points
  std::vector<std::string> argv;  // run: one command line of the actor, without the program name
  std::string stdout_path;  // run "stdout": file for the run's fd 1 ("": leave fd 1 as it is)
  std::string stderr_path;  // run "stderr": file for the run's fd 2 ("": leave fd 2 as it is)
  std::string sanitizer_log;  // run "sanitizer_log": log_path prefix for sanitizer reports ("": stderr)
};

// One line of JSON, terminated by '\n'.
std::string EncodeMessage(const ControlMessage& m);
// Parses one line (with or without the '\n'). kInvalidInput naming what is wrong.
Result<ControlMessage> DecodeMessage(std::string_view line);

}  // namespace prunecheck
