// Fuzz target: the control-channel line parser (harness/PROTOCOL.md). An actor
// is untrusted input to the harness — any program can be brought as a
// --command actor — so whatever it writes must decode to a message or fail
// with kInvalidInput and a message, never crash; and what decodes must
// survive an encode/decode round trip unchanged (the harness re-encodes
// messages into traces and logs).
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "pruner/channel/control_message.h"

namespace {

void CheckLine(std::string_view line) {
  prunecheck::Result<prunecheck::ControlMessage> m = prunecheck::DecodeMessage(line);
  if (!m.ok()) {
    if (!m.status().Is(prunecheck::StatusCode::kInvalidInput) || m.status().message().empty()) std::abort();
    return;
  }
  const std::string once = prunecheck::EncodeMessage(*m);
  if (once.empty() || once.back() != '\n' || once.find('\n') != once.size() - 1) std::abort();
  prunecheck::Result<prunecheck::ControlMessage> again = prunecheck::DecodeMessage(once);
  if (!again.ok()) std::abort();
  if (prunecheck::EncodeMessage(*again) != once) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  // As the harness reads the channel: one message per '\n'-terminated line.
  size_t start = 0;
  while (start < text.size()) {
    size_t nl = text.find('\n', start);
    if (nl == std::string_view::npos) nl = text.size();
    CheckLine(text.substr(start, nl - start));
    start = nl + 1;
  }
  return 0;
}
