#include "harness/cli/run_command.h"

#include "harness/cli/cli_values.h"

#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "harness/engine/interrupt.h"
#include "harness/engine/run_directory_owner.h"
#include "harness/process/process_actor.h"

#include "harness/scenario/junit.h"
#include "harness/scenario/scenario.h"
#include "harness/scenario/scenario_runner.h"

namespace prunecheck::harness {

namespace {

constexpr int kExitPass = 0;
constexpr int kExitMismatch = 1;
constexpr int kExitBadInput = 2;
constexpr int kExitHarnessError = 4;

class RunCommandImpl final : public RunCommand {
 public:
  RunCommandImpl(CLI::App& app, std::function<std::string()> cache_actor) : cache_actor_(std::move(cache_actor)) {
    sub_ = app.add_subcommand("run", "run scenario files and compare each with its expected verdict");
    sub_->add_option("scenarios", paths_, "scenario files (TOML), or directories of *.toml files (sorted)")
        ->required();
    sub_->add_option("--junit", junit_, "also write the results as JUnit XML to this file")
        ->check(WritableFilePath());
    sub_->add_option("--transport", transport_,
                     "run every scenario with this transport (default: each file's own, else process)")
        ->check(CLI::IsMember({"process", "thread", "memory"}));
    sub_->add_flag("--keep", keep_, "keep every run directory");
    sub_->add_flag("--fresh-processes", fresh_processes_,
                   "start a fresh cache-actor process per actor per run instead of reusing serving ones");
    sub_->add_option("--base-dir", base_dir_, "create run directories here")
        ->capture_default_str()
        ->check(WritableDirectory());
    sub_->footer(
        "Exit codes: 0 every scenario showed its expected verdict, 1 some did not (FAIL) or could not be carried "
        "out (ERROR), 2 a malformed scenario file (nothing was run), 4 the --junit file could not be written");
  }

  bool parsed() const override { return sub_->parsed(); }

  int Execute() override {
    Result<std::vector<std::string>> files = ExpandScenarioPaths(paths_);
    if (!files.ok()) {
      std::fprintf(stderr, "prunecheck run: %s\n", files.status().message().c_str());
      return kExitBadInput;
    }
    // Parse everything first: a malformed file means nothing runs.
    std::vector<Scenario> scenarios;
    int bad = 0;
    for (const std::string& f : *files) {
      Result<Scenario> s = LoadScenario(f);
      if (!s.ok()) {
        std::fprintf(stderr, "%s\n", s.status().message().c_str());
        ++bad;
        continue;
      }
      scenarios.push_back(std::move(*s));
    }
    if (bad > 0) {
      std::fprintf(stderr, "prunecheck run: %d malformed scenario file(s); nothing was run\n", bad);
      return kExitBadInput;
    }

    RemoveStaleRunDirectoriesAndReport(base_dir_, "prunecheck run", stderr);
    ScenarioRunOptions options;
    options.transport = transport_;
    options.cache_actor = cache_actor_();
    // One pool for the whole command: consecutive runs reuse its processes.
    std::unique_ptr<CacheActorPool> pool;
    if (!fresh_processes_) pool = std::make_unique<CacheActorPool>(options.cache_actor);
    options.pool = pool.get();
    options.base_dir = base_dir_;
    options.keep = keep_;
    RunDirectoryReaper reaper;  // passed runs' directories go while the next run goes on
    options.reaper = &reaper;
    std::vector<ScenarioOutcome> outcomes;
    int passed = 0;
    int failed = 0;
    double total = 0;
    for (const Scenario& s : scenarios) {
      ScenarioOutcome o = RunScenario(s, options);
      if (const int sig = InterruptSignal(); sig != 0) {
        // The engine has killed the actors and removed the run directory; the
        // reaper finishes the earlier ones; then die of the signal.
        std::printf("prunecheck run: interrupted in %s after %d passed, %d failed\n", s.name.c_str(), passed, failed);
        std::fflush(stdout);
        reaper.Drain();
        std::signal(sig, SIG_DFL);
        std::raise(sig);
        std::_Exit(128 + sig);
      }
      std::printf("%s", FormatOutcome(o).c_str());
      std::fflush(stdout);
      (o.matched ? passed : failed) += 1;
      total += o.seconds;
      outcomes.push_back(std::move(o));
    }
    std::printf("%d passed, %d failed (%zu scenario%s, %.2f s)\n", passed, failed, outcomes.size(),
                outcomes.size() == 1 ? "" : "s", total);
    if (!junit_.empty()) {
      Status w = WriteJUnit(outcomes, junit_);
      if (!w.ok()) {
        std::fprintf(stderr, "prunecheck run: %s\n", w.ToString().c_str());
        return kExitHarnessError;
      }
    }
    return failed == 0 ? kExitPass : kExitMismatch;
  }

 private:
  std::function<std::string()> cache_actor_;
  CLI::App* sub_ = nullptr;
  std::vector<std::string> paths_;
  std::string junit_;
  std::string transport_;
  bool keep_ = false;
  bool fresh_processes_ = false;
  std::string base_dir_ = DefaultRunBaseDir();
};

}  // namespace

std::unique_ptr<RunCommand> AddRunCommand(CLI::App& app, std::function<std::string()> cache_actor_path) {
  return std::make_unique<RunCommandImpl>(app, std::move(cache_actor_path));
}

}  // namespace prunecheck::harness
