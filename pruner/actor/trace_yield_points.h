// TraceYieldPoints: the cache-actor's YieldPoints for hand use.
//
// --trace prints every yield point and event as one JSON object per line on
// stderr; --stop-at POINT raises SIGSTOP when the actor reaches POINT, so a
// person can reproduce a race by hand (run a prune in another shell, then
// `kill -CONT <pid>`). The harness uses its own implementation instead.
//
// Thread-safety: one instance per actor thread.
#pragma once

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <set>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "pruner/base/yield_points.h"

namespace prunecheck {

class TraceYieldPoints final : public YieldPoints {
 public:
  TraceYieldPoints(bool trace, std::set<std::string> stop_at)
      : trace_(trace), stop_at_(std::move(stop_at)) {}

  void Yield(std::string_view point, std::string_view subject) override {
    if (trace_) Emit({{"point", point}, {"subject", subject}});
    if (stop_at_.count(std::string(point))) {
      std::fprintf(stderr, "cache-actor: pid %d stopped at %.*s (%.*s); resume with: kill -CONT %d\n",
                   static_cast<int>(getpid()), static_cast<int>(point.size()), point.data(),
                   static_cast<int>(subject.size()), subject.data(), static_cast<int>(getpid()));
      std::fflush(stderr);
      raise(SIGSTOP);
    }
  }

  void Blocked(std::string_view point, std::chrono::microseconds backoff) override {
    if (trace_ && !reported_blocked_.count(std::string(point))) {
      reported_blocked_.insert(std::string(point));
      Emit({{"blocked", point}});
    }
    std::this_thread::sleep_for(backoff);
  }

  void Report(const Event& e) override {
    if (trace_) Emit({{"event", EventKindName(e.kind)}, {"subject", e.archive_id}, {"detail", e.detail}});
  }

 private:
  void Emit(nlohmann::json j) {
    struct timespec ts {};
    clock_gettime(CLOCK_MONOTONIC, &ts);
    j["t_ns"] = static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
    j["pid"] = static_cast<int>(getpid());
    std::string line = j.dump() + "\n";
    std::fwrite(line.data(), 1, line.size(), stderr);
    std::fflush(stderr);
  }

  bool trace_;
  std::set<std::string> stop_at_;
  std::set<std::string> reported_blocked_;
};

}  // namespace prunecheck
