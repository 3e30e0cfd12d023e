// The control channel's messages (harness/PROTOCOL.md is the normative text).
//
// One JSON object per line over an inherited socket whose fd number is in
// the environment variable PRUNECHECK_CONTROL_FD. Actors send hello, yield,
// blocked, event and result; the harness answers hello with welcome and each
// yield/blocked with go (in controlled mode; in free mode it never has to).
//
// Thread-safety: value types and pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "pruner/base/status.h"

namespace prunecheck {

inline constexpr const char* kControlFdEnv = "PRUNECHECK_CONTROL_FD";
inline constexpr int kProtocolVersion = 1;

enum class MessageType {
  kHello,    // actor -> harness: {"type":"hello","actor":NAME,"pid":N,"protocol":1}
  kWelcome,  // harness -> actor: {"type":"welcome","mode":"controlled"|"free","seed":S,"max_delay_us":D}
  kYield,    // actor -> harness: {"type":"yield","point":P,"subject":S}; controlled: wait for go
  kBlocked,  // actor -> harness: {"type":"blocked","point":P}; a lock is held elsewhere; wait for go, then retry
  kGo,       // harness -> actor: {"type":"go"}
  kEvent,    // actor -> harness: {"type":"event","kind":K,"subject":S,"detail":D,"t_ns":T}
  kResult,   // actor -> harness: {"type":"result","exit_code":N,"status":CODE,"message":M}
};

std::string_view MessageTypeName(MessageType t);

struct ControlMessage {
  MessageType type = MessageType::kGo;
  std::string actor;    // hello
  int64_t pid = 0;      // hello
  int protocol = kProtocolVersion;  // hello
  std::string point;    // yield, blocked
  std::string subject;  // yield, event
  std::string kind;     // event: EventKindName (archive_published, use_begin, ...)
  std::string detail;   // event
  int64_t t_ns = 0;     // event, yield: CLOCK_MONOTONIC nanoseconds
  int exit_code = 0;    // result
  std::string status;   // result: StatusCodeName
  std::string message;  // result
  std::string mode;     // welcome
  uint64_t seed = 0;    // welcome
  int64_t max_delay_us = 0;  // welcome: free mode delay noise at yield points
};

// One line of JSON, terminated by '\n'.
std::string EncodeMessage(const ControlMessage& m);
// Parses one line (with or without the '\n'). kInvalidInput naming what is wrong.
Result<ControlMessage> DecodeMessage(std::string_view line);

}  // namespace prunecheck
