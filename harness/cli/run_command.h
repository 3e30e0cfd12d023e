// `prunecheck run FILE|DIR... [--junit FILE] [--transport process|thread]`:
// runs scenario files and compares each with its expected verdict.
//
// Every file is parsed before anything runs; any malformed file is reported
// as FILE:LINE:COL and the command exits 2 without running a scenario. Then
// one line per scenario (PASS / FAIL / ERROR, time, and why), and a summary
// "N passed, M failed". Exit 0 iff every scenario matched, 1 otherwise.
//
// Thread-safety: CLI glue; single-threaded.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>
#include <string>

namespace prunecheck::harness {

class RunCommand {
 public:
  virtual ~RunCommand() = default;
  // True when the command line chose `run`.
  virtual bool parsed() const = 0;
  // Runs it; returns the process exit code.
  virtual int Execute() = 0;
};

// Adds the `run` subcommand to `app`. `cache_actor_path` is called (after
// parsing) for the cache-actor binary the process transport launches.
std::unique_ptr<RunCommand> AddRunCommand(CLI::App& app, std::function<std::string()> cache_actor_path);

}  // namespace prunecheck::harness
