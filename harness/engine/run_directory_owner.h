// Who owns a run directory, so that one left behind by a harness that died
// (SIGKILL, OOM kill, power cut of a CI job) is removed by a later one
// (issue 9 item 13).
//
// PrepareRun writes `<run>/owner` (kOwnerMarker) into every run directory on
// disk: a versioned text file naming the owning process by pid and by its
// start time (field 22 of /proc/PID/stat), so a recycled pid is not taken
// for the owner. A directory that is kept on purpose (--keep, a failed
// run's for inspection) has its marker removed when it is handed back:
// only directories in use carry one. RemoveStaleRunDirectories removes
// those whose owner is gone — and nothing else: only entries of the base
// directory named prunecheck-run-*, that are real directories (never
// through a symlink), that carry a well-formed marker of a process that no
// longer exists. It examines a bounded number of entries.
//
// Thread-safety: reentrant.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "pruner/base/status.h"

namespace prunecheck::harness {

inline constexpr const char* kRunDirPrefix = "prunecheck-run-";
inline constexpr const char* kOwnerMarker = "owner";

struct RunDirOwner {
  pid_t pid = 0;
  uint64_t start_time = 0;  // clock ticks after boot, /proc/PID/stat field 22
};

// The start time of process `pid`; kNotFound when there is no such process.
Result<uint64_t> ProcessStartTime(pid_t pid);
// This process.
Result<RunDirOwner> CurrentOwner();
// Whether `owner` is still running (same pid and same start time).
bool OwnerAlive(const RunDirOwner& owner);

// The marker's content, version 1: "prunecheck-run-owner 1\npid N\nstart T\n".
std::string FormatOwnerMarker(const RunDirOwner& owner);
// kInvalidInput unless `text` is a version-1 marker.
Result<RunDirOwner> ParseOwnerMarker(const std::string& text);

// Writes this process's marker into the run directory `run_dir`.
Status WriteOwnerMarker(const std::string& run_dir);
// Removes the marker: the directory is kept on purpose and no longer in use.
void ReleaseRunDirectory(const std::string& run_dir);

struct StaleRunDirCleanup {
  std::vector<std::string> removed;  // paths
  std::vector<std::string> failed;   // "path: why"
};

// Removes every run directory under `base_dir` whose owner is gone; looks at
// no more than `max_entries` entries of `base_dir`.
StaleRunDirCleanup RemoveStaleRunDirectories(const std::string& base_dir, size_t max_entries = 10000);

// RemoveStaleRunDirectories, then one line per directory removed or not
// removable on `out`, each starting with `who` (e.g. "prunecheck explore").
// Every command that creates run directories calls it first.
void RemoveStaleRunDirectoriesAndReport(const std::string& base_dir, const std::string& who, std::FILE* out);

}  // namespace prunecheck::harness
