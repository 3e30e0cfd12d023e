// Sanitizer reports of the actors a run spawns: the options their processes
// get, and gathering what they wrote after the run (harness/README.md,
// "Sanitizer reports").
//
// A sanitized actor (built with the asan or tsan preset, or any binary the
// user brings) writes each report to `<log_dir>/<actor>.sanitizer.<pid>`
// (the runtime adds the pid). A one-shot process gets that prefix as
// `log_path` in ASAN_OPTIONS/TSAN_OPTIONS/UBSAN_OPTIONS; a serving
// `cache-actor serve` gets it in each `run` message (PROTOCOL.md §5), since
// one process serves many runs. After the run, any non-empty report file is
// a `sanitizer` violation naming the actor, with the report's first frames.
//
// Why a violation and not a harness error: the report is a finding about the
// system under test (the actor), not a failure of the harness to judge; like
// any verdict it keeps the run directory, writes a trace and exits 1, so the
// run can be replayed and minimized.
//
// Thread-safety: pure functions (SanitizerEnvironment reads the environment).
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "harness/engine/invariant_checker.h"

namespace prunecheck::harness {

// The defaults the harness gives its children, before the user's settings
// (the runtimes take the last value of a repeated option, so the user's win).
// halt_on_error=1: the first report ends the actor (also what TSan needs to
//   fail at all; ASan and UBSan with -fno-sanitize-recover halt anyway).
// abort_on_error=0 and exitcode=66: the actor exits with a code no
//   cache-actor outcome uses (exit_codes.h) instead of dumping core on
//   SIGABRT (slow, and a core per kill in a long stress run).
// second_deadlock_stack=1 (TSan): a lock-order report shows both stacks.
// print_stacktrace=1 (UBSan): a report with frames, not one line.
inline constexpr const char* kAsanDefaults = "halt_on_error=1:abort_on_error=0:exitcode=66";
inline constexpr const char* kTsanDefaults = "halt_on_error=1:abort_on_error=0:exitcode=66:second_deadlock_stack=1";
inline constexpr const char* kUbsanDefaults = "halt_on_error=1:abort_on_error=0:exitcode=66:print_stacktrace=1";
inline constexpr int kSanitizerExitCode = 66;

// Where `actor`'s reports go in `log_dir`: the log_path prefix.
std::string SanitizerLogPrefix(const std::string& log_dir, const std::string& actor);

// ASAN_OPTIONS, TSAN_OPTIONS and UBSAN_OPTIONS for a child: the defaults,
// then the harness's own value of the variable (the user's), then
// `log_path=<log_prefix>` unless `log_prefix` is empty. The log path comes
// last on purpose: gathering reports is the harness's job, so a log_path of
// the user's would hide them from it.
std::vector<std::pair<std::string, std::string>> SanitizerEnvironment(const std::string& log_prefix);

struct SanitizerReport {
  std::string actor;    // from the file name
  long pid = 0;         // from the file name
  std::string path;     // the report file
  std::string summary;  // "ThreadSanitizer: data race ..." (the SUMMARY line, or the first line)
  std::vector<std::string> frames;  // the first frames ("#0 ...") of the report
};

// Every non-empty `<actor>.sanitizer.<pid>` file directly in `log_dir`, in
// name order. Reads at most the first 64 KiB of each. A missing directory
// has no reports.
std::vector<SanitizerReport> CollectSanitizerReports(const std::string& log_dir);

// The `sanitizer` violation for `report`: names the actor and the pid, the
// summary and the first frames, one per line, and where the whole report is.
HarnessViolation SanitizerViolation(const SanitizerReport& report);

}  // namespace prunecheck::harness
