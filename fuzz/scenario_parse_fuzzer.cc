// Fuzz target: the scenario file parser (harness/scenario/scenario.h). Any
// bytes either parse into a scenario that validates and whose RunConfig
// survives the JSON round trip a trace makes, or fail with kInvalidInput and
// a positioned message "fuzz.toml:LINE:COL: ..." — never a crash, never an
// exception.
#include <cctype>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "harness/engine/run_config.h"
#include "harness/scenario/scenario.h"

namespace {

constexpr std::string_view kPath = "fuzz.toml";

// "fuzz.toml:LINE:COL: " with LINE and COL positive decimals.
bool Positioned(std::string_view m) {
  if (!m.starts_with(kPath) || m.size() <= kPath.size() || m[kPath.size()] != ':') return false;
  size_t i = kPath.size() + 1;
  for (int field = 0; field < 2; ++field) {
    size_t digits = 0;
    while (i < m.size() && std::isdigit(static_cast<unsigned char>(m[i]))) ++i, ++digits;
    if (digits == 0 || i >= m.size() || m[i] != ':') return false;
    ++i;
  }
  return true;
}

[[noreturn]] void Fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "scenario_parse: %s: %.*s\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace h = prunecheck::harness;
  const std::string text(reinterpret_cast<const char*>(data), size);
  prunecheck::Result<h::Scenario> s = h::ParseScenario(text, std::string(kPath));
  if (!s.ok()) {
    if (!s.status().Is(prunecheck::StatusCode::kInvalidInput)) Fail("not kInvalidInput", s.status().ToString());
    if (!Positioned(s.status().message())) Fail("error without FILE:LINE:COL", s.status().message());
    return 0;
  }
  prunecheck::Status valid = h::Validate(s->config);
  if (!valid.ok()) Fail("parsed but does not validate", valid.ToString());
  prunecheck::Result<h::RunConfig> back = h::RunConfigFromJson(h::ToJson(s->config));
  if (!back.ok()) Fail("RunConfig JSON round trip", back.status().ToString());
  if (h::ToJson(*back) != h::ToJson(s->config)) Fail("RunConfig JSON round trip", "changed the config");
  return 0;
}
