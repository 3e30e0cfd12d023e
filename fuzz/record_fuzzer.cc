// libFuzzer target: RECORD parsing must reject or accept, never crash, and
// whatever it accepts must survive a format/parse round trip.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "pruner/wheel/record.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  prunecheck::Result<prunecheck::Record> r = prunecheck::ParseRecord(text, "fuzz");
  if (!r.ok()) return 0;
  std::string again = prunecheck::FormatRecord(*r);
  prunecheck::Result<prunecheck::Record> r2 = prunecheck::ParseRecord(again, "fuzz-roundtrip");
  if (!r2.ok() || r2->entries.size() != r->entries.size()) std::abort();
  for (size_t i = 0; i < r->entries.size(); ++i) {
    if (r->entries[i].path != r2->entries[i].path || r->entries[i].hash != r2->entries[i].hash ||
        r->entries[i].size != r2->entries[i].size) {
      std::abort();
    }
  }
  return 0;
}
