#include "harness/engine/explorer.h"

#include <sched.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <filesystem>
#include <map>
#include <mutex>
#include <thread>
#include <utility>

#include "harness/engine/interrupt.h"
#include "harness/engine/run_directory_reaper.h"
#include "harness/process/process_actor.h"
#include "pruner/base/local_time_zone.h"

namespace prunecheck::harness {
namespace {

using Clock = std::chrono::steady_clock;

uint64_t SplitMix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

bool StartsWith(const std::string& s, const char* prefix) { return s.rfind(prefix, 0) == 0; }

void RemoveKeptRunDir(const RunResult& r) {
  if (!r.run_dir_kept || r.run_dir.empty()) return;
  std::error_code ec;
  std::filesystem::remove_all(r.run_dir, ec);
}

// One finished run, waiting to be committed in index order.
struct Finished {
  int index = 0;
  RunResult result;
  bool diverged = false;
  bool exhausted = false;
  bool strategy_error = false;  // result.error came from the strategy's error channel
};

class Exploration {
 public:
  Exploration(const RunConfig& config, const ExplorerOptions& options) : config_(config), opt_(options) {}

  ExploreResult Run() {
    const auto start = Clock::now();
    start_ = start;
    last_progress_ = start;
    for (int i = 0; i < opt_.runs; ++i) {
      if (i % opt_.shard_count == opt_.shard_index) indices_.push_back(i);
    }
    res_.planned = static_cast<int>(indices_.size());
    const bool custom = static_cast<bool>(opt_.make_strategy);
    shared_mode_ = !custom && StartsWith(opt_.strategy, "dfs");
    pct_ = !custom && StartsWith(opt_.strategy, "pct");
    int jobs = (custom || shared_mode_) ? 1 : std::max(1, opt_.jobs);
    jobs = std::max(1, std::min(jobs, res_.planned));
    res_.jobs = jobs;
    if (shared_mode_) {
      Result<std::unique_ptr<Strategy>> s = MakeStrategy(opt_.strategy, opt_.seed);
      if (!s.ok()) {
        res_.error = s.status();
        return Finish();
      }
      shared_ = std::move(*s);
    }
    pools_.resize(static_cast<size_t>(jobs));
    for (size_t w = 0; w < pools_.size(); ++w) {
      if (w == 0 && opt_.run.pool != nullptr) {
        pools_[w].borrowed = opt_.run.pool;
      } else {
        pools_[w] = MakePool();
      }
    }

    size_t pos = 0;
    // Run 0 alone first: pct's k is its step count (see the header).
    if (pct_) {
      if (!indices_.empty() && indices_[0] == 0) {
        Finished f = RunOne(0, pools_[0].get());
        res_.steps_estimate = std::max(f.result.steps, 1);
        pos = 1;
        if (!Commit(std::move(f))) return Finish();
      } else if (!indices_.empty()) {
        Finished f = RunOne(0, pools_[0].get());
        RemoveKeptRunDir(f.result);
        if (InterruptSignal() != 0) {
          res_.interrupted = true;
          return Finish();
        }
        res_.steps_estimate = std::max(f.result.steps, 1);
      }
    }
    if (jobs == 1) {
      for (; pos < indices_.size() && !stopped_; ++pos) {
        if (TimeIsUp()) break;
        Finished f = RunOne(indices_[pos], pools_[0].get());
        if (!Commit(std::move(f))) break;
      }
    } else {
      RunParallel(pos, jobs);
    }
    return Finish();
  }

 private:
  // A worker's pool; empty off the process transport or with fresh processes.
  struct PoolSlot {
    std::unique_ptr<CacheActorPool> owned;
    CacheActorPool* borrowed = nullptr;  // the caller's (RunOptions::pool)
    CacheActorPool* get() const { return borrowed != nullptr ? borrowed : owned.get(); }
  };

  PoolSlot MakePool() const {
    PoolSlot slot;
    if (opt_.pooled && opt_.run.transport == Transport::kProcess) {
      slot.owned = std::make_unique<CacheActorPool>(opt_.run.cache_actor);
    }
    return slot;
  }

  bool TimeIsUp() {
    if (opt_.max_seconds <= 0) return false;
    if (std::chrono::duration<double>(Clock::now() - start_).count() < opt_.max_seconds) return false;
    out_of_time_ = true;
    return true;
  }

  Result<std::unique_ptr<Strategy>> StrategyFor(int index) const {
    if (opt_.make_strategy) return opt_.make_strategy(index);
    return MakeStrategy(opt_.strategy, RunStrategySeed(opt_.seed, index), res_.steps_estimate > 0 ? res_.steps_estimate : 64);
  }

  Finished RunOne(int index, CacheActorPool* pool) {
    Finished f;
    f.index = index;
    RunOptions ro = opt_.run;
    ro.pool = pool;
    ro.reaper = &reaper_;
    // A search may miss a trigger's point in some runs, never in all of
    // them (TriggerTally, judged in Finish); a single run may not miss it.
    ro.unfired_trigger_is_error = opt_.runs == 1;
    const uint64_t run_seed = opt_.seed + static_cast<uint64_t>(index);
    if (shared_) {
      f.result = RunControlled(config_, *shared_, run_seed, ro);
      f.diverged = shared_->diverged();
      f.exhausted = shared_->exhausted();
      f.strategy_error = !shared_->error().ok();
      return f;
    }
    Result<std::unique_ptr<Strategy>> s = StrategyFor(index);
    if (!s.ok()) {
      f.result.error = s.status();
      return f;
    }
    f.result = RunControlled(config_, **s, run_seed, ro);
    f.diverged = (*s)->diverged();
    f.exhausted = (*s)->exhausted();
    f.strategy_error = !(*s)->error().ok();
    return f;
  }

  std::optional<Invariant> FailingInvariant(const RunResult& r) const {
    if (opt_.failing_invariant) return opt_.failing_invariant(r);
    if (r.violations.empty()) return std::nullopt;
    return r.violations.front().invariant;
  }

  // Takes run `f` (in index order) into the result; false: stop exploring.
  bool Commit(Finished f) {
    if (InterruptSignal() != 0) {
      RemoveKeptRunDir(f.result);
      res_.interrupted = true;
      return Stop();
    }
    RunResult& r = f.result;
    const uint64_t run_seed = opt_.seed + static_cast<uint64_t>(f.index);
    ++res_.done;
    if (f.diverged) ++res_.diverged_runs;
    if (!r.error.ok()) {
      (void)run_seed;
      res_.error = r.error;
      res_.error_index = f.index;
      res_.error_from_strategy = f.strategy_error;
      if (r.run_dir_kept) res_.error_run_dir = r.run_dir;
      return Stop();
    }
    triggers_.Add(r);
    if (opt_.on_run) opt_.on_run(f.index, r);
    std::optional<Invariant> invariant = FailingInvariant(r);
    if (!invariant) {
      if (!opt_.run.keep) RemoveKeptRunDir(r);
    } else {
      ++res_.failing;
      ExploreFailure failure;
      failure.index = f.index;
      failure.seed = run_seed;
      failure.invariant = *invariant;
      failure.original_steps = r.choices.size();
      const std::string label =
          (opt_.make_strategy ? std::string("custom") : opt_.strategy) + " run " + std::to_string(f.index);
      failure.trace = MakeTrace(config_, r, run_seed, label, opt_.run.transport);
      failure.result = std::move(r);
      if (opt_.minimize) Minimize(failure);
      if (InterruptSignal() != 0) {
        RemoveKeptRunDir(failure.result);
        res_.interrupted = true;
        return Stop();
      }
      if (opt_.on_failure) opt_.on_failure(failure, MinimizePool());
      if (opt_.remove_failed_run_dirs) RemoveKeptRunDir(failure.result);
      res_.failures.push_back(std::move(failure));
    }
    Progress();
    if (f.exhausted) {
      res_.exhausted = true;
      return Stop();
    }
    if (invariant && !opt_.keep_going) return Stop();
    return true;
  }

  bool Stop() {
    stopped_ = true;
    return false;
  }

  CacheActorPool* MinimizePool() {
    if (res_.jobs == 1) return pools_[0].get();
    if (minimize_pool_.get() == nullptr) minimize_pool_ = MakePool();
    return minimize_pool_.get();
  }

  void Minimize(ExploreFailure& f) {
    RunConfig replay_config = ReplayConfig(f.trace);
    RunOptions quiet = opt_.run;
    quiet.keep = false;
    quiet.keep_failed = false;
    quiet.pool = MinimizePool();
    quiet.reaper = &reaper_;
    int attempts = 0;
    std::vector<int> smaller = MinimizeChoices(
        f.result.choices,
        [&](const std::vector<int>& candidate) {
          if (InterruptSignal() != 0) return false;
          ++attempts;
          std::unique_ptr<ReplayStrategy> replay = MakeReplayStrategy(candidate);
          RunResult rr = RunControlled(replay_config, *replay, f.seed, quiet);
          std::optional<Invariant> inv = FailingInvariant(rr);
          return inv.has_value() && *inv == f.invariant;
        },
        opt_.minimize_budget);
    f.minimize_replays = attempts;
    if (InterruptSignal() != 0) return;
    // Re-run the minimized schedule once more to record its own trace.
    std::unique_ptr<ReplayStrategy> replay = MakeReplayStrategy(smaller);
    RunOptions keep_opts = opt_.run;
    keep_opts.keep = true;
    keep_opts.pool = quiet.pool;
    RunResult mr = RunControlled(replay_config, *replay, f.seed, keep_opts);
    std::optional<Invariant> inv = FailingInvariant(mr);
    if (!mr.error.ok() || !inv || *inv != f.invariant) {
      RemoveKeptRunDir(mr);
      return;
    }
    if (!opt_.run.keep) RemoveKeptRunDir(f.result);  // the minimized run's directory supersedes it
    const std::string label = f.trace.strategy + " (minimized)";
    f.result = std::move(mr);
    f.trace = MakeTrace(replay_config, f.result, f.seed, label, opt_.run.transport);
    f.trace.choices = f.result.choices;
    f.minimized = true;
  }

  void Progress() {
    if (!opt_.on_progress) return;
    const auto now = Clock::now();
    const bool due = opt_.progress_every > 0 ? res_.done % opt_.progress_every == 0
                                             : now - last_progress_ > std::chrono::seconds(2);
    if (!due) return;
    last_progress_ = now;
    ExploreProgress p;
    p.done = res_.done;
    p.planned = res_.planned;
    p.failing = res_.failing;
    p.seconds = std::chrono::duration<double>(now - start_).count();
    opt_.on_progress(p);
  }

  void RunParallel(size_t first_pos, int jobs) {
    std::atomic<size_t> next{first_pos};
    std::atomic<int> stop_at{INT_MAX};  // no run above this index is started
    std::atomic<bool> give_up{false};   // interrupt, time budget or an error: claim nothing more
    std::mutex mu;
    std::condition_variable cv;
    std::map<int, Finished> finished;
    int live_workers = jobs;
    // The committing thread sleeps until the run it commits next is there
    // and either a batch has gathered or a deciding run (an error, a
    // failure that ends the search, exhaustion) waits; then it commits every
    // consecutive run it has. Waking it per run cost a context switch per
    // schedule and, with jobs == cores, preempted a worker each time.
    const size_t batch = static_cast<size_t>(4 * jobs);
    int next_to_commit = first_pos < indices_.size() ? indices_[first_pos] : -1;
    bool deciding_waits = false;
    auto commit_due = [&] {
      return live_workers == 0 ||
             (finished.count(next_to_commit) > 0 && (deciding_waits || finished.size() >= batch));
    };

    auto worker = [&](size_t w) {
      for (;;) {
        const size_t p = next.fetch_add(1);
        if (p >= indices_.size() || give_up.load()) break;
        const int index = indices_[p];
        if (index > stop_at.load()) break;
        if (InterruptSignal() != 0) break;
        if (opt_.max_seconds > 0 &&
            std::chrono::duration<double>(Clock::now() - start_).count() >= opt_.max_seconds) {
          give_up = true;
          std::lock_guard<std::mutex> l(mu);
          out_of_time_ = true;
          break;
        }
        Finished f = RunOne(index, pools_[w].get());
        // A passing run's message log is only read to make a failure's
        // trace: free it here, on the thread that allocated it. Freed by the
        // committing thread instead, each of its blocks went back to this
        // worker's malloc arena under that arena's lock, against the worker's
        // own allocations (measured: the main cost of --jobs 2 over two
        // separate processes).
        if (f.result.error.ok() && f.result.violations.empty()) std::vector<LoggedMessage>().swap(f.result.log);
        const bool deciding = !f.result.error.ok() || f.exhausted ||
                              (!opt_.keep_going && FailingInvariant(f.result).has_value());
        if (deciding) {
          int cur = stop_at.load();
          while (index < cur && !stop_at.compare_exchange_weak(cur, index)) {
          }
        }
        std::lock_guard<std::mutex> l(mu);
        finished.emplace(index, std::move(f));
        deciding_waits = deciding_waits || deciding;
        if (commit_due()) cv.notify_one();
      }
      std::lock_guard<std::mutex> l(mu);
      --live_workers;
      cv.notify_one();
    };
    // With TZ unset, glibc frees and re-copies its saved zone name on every
    // mktime() (libarchive calls it per zip entry), under a lock of its own
    // that ThreadSanitizer cannot see: it reported a race between two
    // workers' installs on every parallel exploration. With TZ pinned
    // (local_time_zone.h; prunecheck's main does it too) and loaded here,
    // before any worker exists, every later call only reads. setenv() is
    // safe here: this process's other threads (the reaper) read no
    // environment.
    static const bool zone_loaded = [] {
      PinLocalTimeZone();
      ::tzset();
      return true;
    }();
    (void)zone_loaded;
    std::vector<std::thread> threads;
    threads.reserve(static_cast<size_t>(jobs));
    for (int w = 0; w < jobs; ++w) threads.emplace_back(worker, static_cast<size_t>(w));

    for (size_t p = first_pos; p < indices_.size() && !stopped_; ++p) {
      const int index = indices_[p];
      Finished f;
      {
        std::unique_lock<std::mutex> l(mu);
        next_to_commit = index;
        // Consecutive runs already there are committed without sleeping.
        if (finished.count(index) == 0) cv.wait(l, commit_due);
        auto it = finished.find(index);
        if (it == finished.end()) break;  // nobody will run it (time budget, interrupt)
        f = std::move(it->second);
        finished.erase(it);
      }
      if (!Commit(std::move(f))) {
        give_up = true;
        break;
      }
    }
    give_up = true;
    for (std::thread& t : threads) t.join();
    // Runs past the deciding one: not part of the result.
    for (auto& [index, f] : finished) RemoveKeptRunDir(f.result);
    if (InterruptSignal() != 0) res_.interrupted = true;
  }

  ExploreResult Finish() {
    reaper_.Drain();
    res_.out_of_time = out_of_time_ && !stopped_;
    res_.seconds = std::chrono::duration<double>(Clock::now() - start_).count();
    if (InterruptSignal() != 0) res_.interrupted = true;
    if (Status t = triggers_.Check(); !t.ok() && res_.error.ok() && res_.failing == 0 && !res_.interrupted) {
      // A verdict never passes by accident: no run did what it was asked to.
      res_.error = t;
      res_.error_index = res_.done - 1;
    }
    return std::move(res_);
  }

  const RunConfig& config_;
  const ExplorerOptions& opt_;
  std::vector<int> indices_;
  bool shared_mode_ = false;
  bool pct_ = false;
  std::unique_ptr<Strategy> shared_;
  std::vector<PoolSlot> pools_;
  PoolSlot minimize_pool_;
  RunDirectoryReaper reaper_;
  ExploreResult res_;
  TriggerTally triggers_;  // run_at triggers and kill faults that never fired, over the committed runs
  bool stopped_ = false;
  bool out_of_time_ = false;
  Clock::time_point start_;
  Clock::time_point last_progress_;
};

}  // namespace

uint64_t RunStrategySeed(uint64_t seed, int index) {
  return SplitMix64(seed ^ SplitMix64(static_cast<uint64_t>(index)));
}

int DefaultJobs() {
  cpu_set_t set;
  if (::sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
  return std::max(1, static_cast<int>(std::thread::hardware_concurrency()));
}

Status ValidateExplorerOptions(const ExplorerOptions& o) {
  if (o.runs < 1) return Status(StatusCode::kInvalidInput, "--runs must be at least 1");
  if (o.jobs < 1 || o.jobs > 1024) return Status(StatusCode::kInvalidInput, "--jobs must be in [1, 1024]");
  if (o.shard_count < 1 || o.shard_index < 0 || o.shard_index >= o.shard_count) {
    return Status(StatusCode::kInvalidInput, "--shard I/N needs 0 <= I < N");
  }
  if (o.max_seconds < 0) return Status(StatusCode::kInvalidInput, "--seconds must not be negative");
  if (!o.make_strategy) {
    Result<std::unique_ptr<Strategy>> s = MakeStrategy(o.strategy, o.seed);
    if (!s.ok()) return s.status().Annotate("--strategy");
  }
  return Status();
}

ExploreResult Explore(const RunConfig& config, const ExplorerOptions& options) {
  return Exploration(config, options).Run();
}

}  // namespace prunecheck::harness
