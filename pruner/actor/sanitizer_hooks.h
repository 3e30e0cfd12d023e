// cache-actor's ties to the sanitizers it may be built with (the asan and
// tsan presets): where a serving process writes each run's reports, and the
// test-only planted bugs that prove the harness reports what a sanitizer
// finds in an actor (harness/README.md, "Sanitizer reports").
//
// PRUNECHECK_PLANT_BUG=ACTOR:BUG (test-only; no release user sets it) makes
// the actor named ACTOR commit BUG as its operation starts:
//   data-race      two threads write one int, unsynchronized (TSan)
//   heap-overflow  one byte written past a 16-byte heap block (ASan)
// Only a sanitized build honours it, since the bug is undefined behaviour;
// an unsanitized cache-actor refuses it (exit 2) rather than run it.
//
// Thread-safety: called from the actor's main thread only.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <thread>

#include "pruner/base/status.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define PRUNECHECK_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer)
#define PRUNECHECK_SANITIZED 1
#endif
#endif

#if defined(PRUNECHECK_SANITIZED)
#include <sanitizer/common_interface_defs.h>
#endif

namespace prunecheck {

inline constexpr const char* kPlantBugEnv = "PRUNECHECK_PLANT_BUG";

// A serving process: sends this run's reports to `prefix`.PID ("" = stderr,
// which is the run's stderr file while the run lasts). No-op unsanitized.
inline void SetSanitizerReportPath(const std::string& prefix) {
#if defined(PRUNECHECK_SANITIZED)
  __sanitizer_set_report_path(prefix.empty() ? "stderr" : prefix.c_str());
#else
  (void)prefix;
#endif
}

namespace planted {

// The first write happens before the second in time (the relaxed flag), but
// nothing orders them for TSan: relaxed atomics create no happens-before, so
// the race is reported on every run, not by luck of timing.
inline int DataRace() {
  int* shared = new int(0);
  std::atomic<bool> first_done{false};
  std::thread first([&] {
    *shared += 1;
    first_done.store(true, std::memory_order_relaxed);
  });
  std::thread second([&] {
    while (!first_done.load(std::memory_order_relaxed)) std::this_thread::yield();
    *shared += 1;
  });
  first.join();
  second.join();
  const int value = *shared;
  delete shared;
  return value;
}

inline int HeapOverflow() {
  char* block = new char[16]();
  volatile size_t past_the_end = 16;  // volatile: the compiler must not see the index
  block[past_the_end] = 1;
  const int value = block[0];
  delete[] block;
  return value;
}

}  // namespace planted

// Commits the bug PRUNECHECK_PLANT_BUG plants in `actor`, if any. An error
// (kInvalidInput) for a malformed value, an unknown bug, or a build without
// a sanitizer; OK otherwise (also when the variable names another actor).
inline Status MaybePlantBug(const std::string& actor) {
  const char* value = std::getenv(kPlantBugEnv);
  if (value == nullptr || *value == '\0') return Status::Ok();
  const std::string v = value;
  const size_t colon = v.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return Status(StatusCode::kInvalidInput, std::string(kPlantBugEnv) + "='" + v + "': expected ACTOR:BUG");
  }
  const std::string bug = v.substr(colon + 1);
  if (bug != "data-race" && bug != "heap-overflow") {
    return Status(StatusCode::kInvalidInput,
                  std::string(kPlantBugEnv) + ": unknown bug '" + bug + "' (data-race, heap-overflow)");
  }
  if (v.substr(0, colon) != actor) return Status::Ok();
#if defined(PRUNECHECK_SANITIZED)
  const int value_seen = bug == "data-race" ? planted::DataRace() : planted::HeapOverflow();
  std::fprintf(stderr, "cache-actor: planted %s committed (%d)\n", bug.c_str(), value_seen);
  return Status::Ok();
#else
  return Status(StatusCode::kInvalidInput,
                std::string(kPlantBugEnv) + " is for sanitizer builds only (the asan and tsan presets)");
#endif
}

}  // namespace prunecheck
