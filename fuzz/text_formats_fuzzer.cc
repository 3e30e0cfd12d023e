// libFuzzer target: every small text format prunecheck reads from disk or a
// socket — wheel filenames, .http pointers, control-channel lines — must
// reject bad input with a Status, never crash.
#include <cstdint>
#include <string_view>

#include "pruner/cache/cache_layout.h"
#include "pruner/channel/control_message.h"
#include "pruner/wheel/wheel_name.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  auto name = prunecheck::ParseWheelFilename(text);
  if (name.ok()) {
    // Whatever parses must name a safe cache entry.
    if (!prunecheck::IsSafeComponent(name->NormalizedName()) || !prunecheck::IsSafeComponent(name->EntryName())) {
      __builtin_trap();
    }
  }
  (void)prunecheck::layout::ParsePointer(text, "fuzz");
  auto msg = prunecheck::DecodeMessage(text);
  if (msg.ok()) (void)prunecheck::DecodeMessage(prunecheck::EncodeMessage(*msg));
  return 0;
}
