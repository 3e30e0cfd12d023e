#include "pruner/channel/control_message.h"

#include <limits>
#include <optional>
#include <utility>

#include <nlohmann/json.hpp>

namespace prunecheck {

namespace {

using nlohmann::json;

constexpr std::pair<MessageType, std::string_view> kTypeNames[] = {
    {MessageType::kHello, "hello"},     {MessageType::kWelcome, "welcome"}, {MessageType::kYield, "yield"},
    {MessageType::kBlocked, "blocked"}, {MessageType::kGo, "go"},           {MessageType::kEvent, "event"},
    {MessageType::kResult, "result"},   {MessageType::kRun, "run"},
};

std::optional<MessageType> MessageTypeFromName(std::string_view name) {
  for (const auto& [type, n] : kTypeNames) {
    if (n == name) return type;
  }
  return std::nullopt;
}

// Reads the fields of one message object, naming the message type and field
// in every error ("yield.point: missing").
class FieldReader {
 public:
  FieldReader(const json& object, std::string_view type) : object_(object), type_(type) {}

  // Each getter leaves *out unchanged when the field is absent and not required.
  Status String(const char* field, bool required, std::string* out) const {
    const json* v = Find(field);
    if (v == nullptr) return required ? Missing(field) : Status::Ok();
    if (!v->is_string()) return WrongType(field, "a string");
    *out = v->get<std::string>();
    return Status::Ok();
  }

  Status Int64(const char* field, bool required, int64_t* out) const {
    const json* v = Find(field);
    if (v == nullptr) return required ? Missing(field) : Status::Ok();
    if (v->is_number_unsigned()) {
      uint64_t u = v->get<uint64_t>();
      if (u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return WrongType(field, "a 64-bit integer");
      *out = static_cast<int64_t>(u);
      return Status::Ok();
    }
    if (!v->is_number_integer()) return WrongType(field, "an integer");
    *out = v->get<int64_t>();
    return Status::Ok();
  }

  Status Int(const char* field, bool required, int* out) const {
    int64_t wide = *out;
    PC_RETURN_IF_ERROR(Int64(field, required, &wide));
    if (wide < std::numeric_limits<int>::min() || wide > std::numeric_limits<int>::max()) {
      return WrongType(field, "a 32-bit integer");
    }
    *out = static_cast<int>(wide);
    return Status::Ok();
  }

  Status Bool(const char* field, bool required, bool* out) const {
    const json* v = Find(field);
    if (v == nullptr) return required ? Missing(field) : Status::Ok();
    if (!v->is_boolean()) return WrongType(field, "true or false");
    *out = v->get<bool>();
    return Status::Ok();
  }

  Status StringArray(const char* field, bool required, std::vector<std::string>* out) const {
    const json* v = Find(field);
    if (v == nullptr) return required ? Missing(field) : Status::Ok();
    if (!v->is_array()) return WrongType(field, "an array of strings");
    std::vector<std::string> strings;
    for (const json& e : *v) {
      if (!e.is_string()) return WrongType(field, "an array of strings");
      strings.push_back(e.get<std::string>());
    }
    *out = std::move(strings);
    return Status::Ok();
  }

  Status Uint64(const char* field, bool required, uint64_t* out) const {
    const json* v = Find(field);
    if (v == nullptr) return required ? Missing(field) : Status::Ok();
    // nlohmann stores non-negative literals as unsigned; a negative one is signed.
    if (!v->is_number_unsigned()) return WrongType(field, "a non-negative integer");
    *out = v->get<uint64_t>();
    return Status::Ok();
  }

 private:
  const json* Find(const char* field) const {
    auto it = object_.find(field);
    if (it == object_.end() || it->is_null()) return nullptr;
    return &*it;
  }
  Status Missing(const char* field) const {
    return Status(StatusCode::kInvalidInput, "control message " + Name(field) + ": missing");
  }
  Status WrongType(const char* field, const char* expected) const {
    return Status(StatusCode::kInvalidInput, "control message " + Name(field) + ": must be " + expected);
  }
  std::string Name(const char* field) const {
    std::string n(type_);
    n += '.';
    n += field;
    return n;
  }

  const json& object_;
  std::string_view type_;
};

}  // namespace

std::string_view EventKindText(const ControlMessage& m) {
  return m.kind ? EventKindName(*m.kind) : std::string_view(m.unknown_kind);
}

std::optional<EventKind> ParseEventKind(std::string_view text) {
  constexpr EventKind kAll[] = {EventKind::kArchivePublished, EventKind::kReferenced,  EventKind::kUseBegin,
                                EventKind::kUseEnd,           EventKind::kRemoveBegin, EventKind::kRemoveEnd,
                                EventKind::kLockAcquired,     EventKind::kLockReleased, EventKind::kLockUnlinked};
  for (EventKind k : kAll) {
    if (EventKindName(k) == text) return k;
  }
  return std::nullopt;
}

std::string_view MessageTypeName(MessageType t) {
  for (const auto& [type, name] : kTypeNames) {
    if (type == t) return name;
  }
  return "unknown";
}

std::string EncodeMessage(const ControlMessage& m) {
  // Insertion order: "type" first, as in PROTOCOL.md, so lines read well in traces.
  nlohmann::ordered_json j = nlohmann::ordered_json::object();
  j["type"] = MessageTypeName(m.type);
  switch (m.type) {
    case MessageType::kHello:
      j["actor"] = m.actor;
      j["pid"] = m.pid;
      j["protocol"] = m.protocol;
      if (m.serve) j["serve"] = true;  // absent for one-shot actors: their hello is unchanged
      break;
    case MessageType::kWelcome:
      j["mode"] = m.mode;
      j["seed"] = m.seed;
      j["max_delay_us"] = m.max_delay_us;
      break;
    case MessageType::kYield:
      j["point"] = m.point;
      j["subject"] = m.subject;
      j["t_ns"] = m.t_ns;
      break;
    case MessageType::kBlocked:
      j["point"] = m.point;
      break;
    case MessageType::kGo:
      break;
    case MessageType::kEvent:
      j["kind"] = EventKindText(m);
      j["subject"] = m.subject;
      j["detail"] = m.detail;
      j["t_ns"] = m.t_ns;
      break;
    case MessageType::kResult:
      j["exit_code"] = m.exit_code;
      j["status"] = m.status;
      j["message"] = m.message;
      break;
    case MessageType::kRun:
      j["actor"] = m.actor;
      j["argv"] = m.argv;
      j["stdout"] = m.stdout_path;
      j["stderr"] = m.stderr_path;
      if (!m.sanitizer_log.empty()) j["sanitizer_log"] = m.sanitizer_log;
      if (!m.mode.empty()) j["mode"] = m.mode;
      j["seed"] = m.seed;
      j["max_delay_us"] = m.max_delay_us;
      break;
  }
  // File names and OS messages need not be UTF-8: replace invalid bytes with
  // U+FFFD rather than throwing, so the line is always valid JSON.
  std::string line = j.dump(-1, ' ', /*ensure_ascii=*/false, nlohmann::ordered_json::error_handler_t::replace);
  line += '\n';
  return line;
}

Result<ControlMessage> DecodeMessage(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.empty()) return Status(StatusCode::kInvalidInput, "control message: empty line");
  json j = json::parse(line.begin(), line.end(), /*cb=*/nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) {
    return Status(StatusCode::kInvalidInput, "control message: not valid JSON: " +
                                                 std::string(line.substr(0, 200)));
  }
  if (!j.is_object()) return Status(StatusCode::kInvalidInput, "control message: not a JSON object");
  auto type_it = j.find("type");
  if (type_it == j.end()) return Status(StatusCode::kInvalidInput, "control message type: missing");
  if (!type_it->is_string()) return Status(StatusCode::kInvalidInput, "control message type: must be a string");
  const std::string type_name = type_it->get<std::string>();
  std::optional<MessageType> type = MessageTypeFromName(type_name);
  if (!type) return Status(StatusCode::kInvalidInput, "control message type: unknown type '" + type_name + "'");

  ControlMessage m;
  m.type = *type;
  FieldReader r(j, type_name);
  // Required fields are what a receiver cannot do without; everything else
  // (subjects, details, timestamps) defaults, so a hand-written actor in any
  // language can stay small. Unknown extra fields are ignored.
  switch (m.type) {
    case MessageType::kHello:
      PC_RETURN_IF_ERROR(r.String("actor", true, &m.actor));
      PC_RETURN_IF_ERROR(r.Int64("pid", true, &m.pid));
      PC_RETURN_IF_ERROR(r.Int("protocol", true, &m.protocol));
      PC_RETURN_IF_ERROR(r.Bool("serve", false, &m.serve));
      break;
    case MessageType::kWelcome:
      PC_RETURN_IF_ERROR(r.String("mode", true, &m.mode));
      if (m.mode != "controlled" && m.mode != "free") {
        return Status(StatusCode::kInvalidInput,
                      "control message welcome.mode: must be \"controlled\" or \"free\", not \"" + m.mode + "\"");
      }
      PC_RETURN_IF_ERROR(r.Uint64("seed", false, &m.seed));
      PC_RETURN_IF_ERROR(r.Int64("max_delay_us", false, &m.max_delay_us));
      if (m.max_delay_us < 0) {
        return Status(StatusCode::kInvalidInput, "control message welcome.max_delay_us: must be >= 0");
      }
      break;
    case MessageType::kYield:
      PC_RETURN_IF_ERROR(r.String("point", true, &m.point));
      PC_RETURN_IF_ERROR(r.String("subject", false, &m.subject));
      PC_RETURN_IF_ERROR(r.Int64("t_ns", false, &m.t_ns));
      break;
    case MessageType::kBlocked:
      PC_RETURN_IF_ERROR(r.String("point", true, &m.point));
      break;
    case MessageType::kGo:
      break;
    case MessageType::kEvent:
      PC_RETURN_IF_ERROR(r.String("kind", true, &m.unknown_kind));
      m.kind = ParseEventKind(m.unknown_kind);
      if (m.kind) m.unknown_kind.clear();
      PC_RETURN_IF_ERROR(r.String("subject", false, &m.subject));
      PC_RETURN_IF_ERROR(r.String("detail", false, &m.detail));
      PC_RETURN_IF_ERROR(r.Int64("t_ns", false, &m.t_ns));
      break;
    case MessageType::kResult:
      PC_RETURN_IF_ERROR(r.Int("exit_code", true, &m.exit_code));
      PC_RETURN_IF_ERROR(r.String("status", false, &m.status));
      PC_RETURN_IF_ERROR(r.String("message", false, &m.message));
      break;
    case MessageType::kRun:
      PC_RETURN_IF_ERROR(r.String("actor", false, &m.actor));
      PC_RETURN_IF_ERROR(r.StringArray("argv", true, &m.argv));
      if (m.argv.empty()) return Status(StatusCode::kInvalidInput, "control message run.argv: must not be empty");
      PC_RETURN_IF_ERROR(r.String("stdout", false, &m.stdout_path));
      PC_RETURN_IF_ERROR(r.String("stderr", false, &m.stderr_path));
      PC_RETURN_IF_ERROR(r.String("sanitizer_log", false, &m.sanitizer_log));
      PC_RETURN_IF_ERROR(r.String("mode", false, &m.mode));
      if (!m.mode.empty() && m.mode != "controlled" && m.mode != "free") {
        return Status(StatusCode::kInvalidInput,
                      "control message run.mode: must be \"controlled\" or \"free\", not \"" + m.mode + "\"");
      }
      PC_RETURN_IF_ERROR(r.Uint64("seed", false, &m.seed));
      PC_RETURN_IF_ERROR(r.Int64("max_delay_us", false, &m.max_delay_us));
      if (m.max_delay_us < 0) {
        return Status(StatusCode::kInvalidInput, "control message run.max_delay_us: must be >= 0");
      }
      break;
  }
  if (m.point.empty() && (m.type == MessageType::kYield || m.type == MessageType::kBlocked)) {
    return Status(StatusCode::kInvalidInput, "control message " + type_name + ".point: must not be empty");
  }
  if (m.type == MessageType::kEvent && !m.kind && m.unknown_kind.empty()) {
    return Status(StatusCode::kInvalidInput, "control message event.kind: must not be empty");
  }
  return m;
}

}  // namespace prunecheck
