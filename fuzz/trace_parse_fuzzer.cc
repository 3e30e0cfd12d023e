// Fuzz target: the trace reader (`prunecheck replay FILE`, harness/engine/
// run_report.h). Any bytes either read back as a trace whose config validates
// and which survives a write/read round trip, or fail with kInvalidInput and a
// message naming the file — never a crash, never an exception.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "harness/engine/run_config.h"
#include "harness/engine/run_report.h"
#include "pruner/base/scoped_temp_dir.h"

namespace {

[[noreturn]] void Fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "trace_parse: %s: %.*s\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

// One scratch directory per process (on tmpfs when TMPDIR points there).
const std::string& ScratchDir() {
  // A function-local static: removed when the process exits normally.
  static const prunecheck::ScopedTempDir dir("prunecheck-fuzz-trace");
  if (!dir.ok()) Fail("scratch dir", "cannot create a temp dir");
  return dir.path();
}

void WriteBytes(const std::string& path, const uint8_t* data, size_t size) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) Fail("cannot write", path);
  if (size > 0 && std::fwrite(data, 1, size, f) != size) Fail("short write", path);
  std::fclose(f);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace h = prunecheck::harness;
  const std::string path = ScratchDir() + "/trace.json";
  WriteBytes(path, data, size);
  prunecheck::Result<h::Trace> t = h::ReadTrace(path);
  if (!t.ok()) {
    if (!t.status().Is(prunecheck::StatusCode::kInvalidInput)) Fail("not kInvalidInput", t.status().ToString());
    if (t.status().message().find(path) == std::string::npos) Fail("error does not name the file", t.status().message());
    return 0;
  }
  prunecheck::Status valid = h::Validate(t->config);
  if (!valid.ok()) Fail("read but does not validate", valid.ToString());
  (void)h::ReplayConfig(*t);
  const std::string again_path = ScratchDir() + "/again.json";
  prunecheck::Status w = h::WriteTrace(*t, again_path);
  if (!w.ok()) Fail("cannot write the trace back", w.ToString());
  prunecheck::Result<h::Trace> again = h::ReadTrace(again_path);
  if (!again.ok()) Fail("written trace does not read back", again.status().ToString());
  if (h::ToJson(*again) != h::ToJson(*t)) Fail("trace round trip", "changed the trace");
  return 0;
}
