// Fuzz target: bytes -> a scenario (actors, setup, grace, random kills) and the
// schedule's choices -> one in-process controlled run on the in-memory file
// system (Transport::kMemory), judged by the invariant checker. Every actor
// plays a profile known to be safe with the others — reference installers,
// readers and refreshers; reference or uv-0.8.19 pruners, cleaners and
// wipers (the whole cache, `.lock` last), which
// wait for the reference's per-operation `.lock` (pruner/README.md), and only
// reference ones when actors may be killed — so any
// invariant violation, or a run the harness could not carry out, is a bug and
// aborts with the run's summary. Not pr-20116: its try-lock pruner skips the
// prune when another pruner holds `.lock`, which the `progress` invariant
// rightly reports (a fuzzer finding that is the profile's documented design).
//
// The first bytes describe the scenario; the rest pick, at every step, which
// enabled actor runs next (FuzzedDataProvider yields 0, the lowest enabled
// actor, once the input is used up), so the engine mutates schedules
// directly instead of seeds of a random strategy.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "harness/engine/controlled_run.h"
#include "harness/engine/run_config.h"
#include "harness/engine/run_report.h"
#include "harness/strategy/strategy.h"
#include "pruner/base/local_time_zone.h"

namespace {

namespace h = prunecheck::harness;

class BytesStrategy final : public h::Strategy {
 public:
  explicit BytesStrategy(FuzzedDataProvider& in) : in_(in) {}
  std::string name() const override { return "fuzz-bytes"; }
  int Pick(const h::SchedulingState& s) override {
    const std::vector<int>& from = s.enabled.empty() ? s.blocked : s.enabled;
    return from[in_.ConsumeIntegralInRange<size_t>(0, from.size() - 1)];
  }

 private:
  FuzzedDataProvider& in_;
};

h::RunConfig ConsumeConfig(FuzzedDataProvider& in) {
  static const h::Role kActorRoles[] = {h::Role::kInstall, h::Role::kRead,  h::Role::kRefresh,
                                         h::Role::kPrune,   h::Role::kClean, h::Role::kWipe};
  static const char* const kPrunerProfiles[] = {"reference", "uv-0.8.19"};
  static const char* const kLinkModes[] = {"hardlink", "copy", "symlink"};
  static const h::SetupKind kSetupOps[] = {h::SetupKind::kInstall, h::SetupKind::kRefresh, h::SetupKind::kPrune,
                                           h::SetupKind::kAge};
  h::RunConfig c;
  const int actors = in.ConsumeIntegralInRange<int>(2, 4);
  for (int i = 0; i < actors; ++i) {
    h::ActorSpec a;
    a.role = kActorRoles[in.ConsumeIntegralInRange<int>(0, 5)];
    a.name = std::string(h::RoleName(a.role)) + std::to_string(i);
    const bool removes = a.role == h::Role::kPrune || a.role == h::Role::kClean || a.role == h::Role::kWipe;
    a.profile = removes ? kPrunerProfiles[in.ConsumeIntegralInRange<int>(0, 1)] : "reference";
    a.package = in.ConsumeBool() ? "demo" : "other";
    a.link_mode = kLinkModes[in.ConsumeIntegralInRange<int>(0, 2)];
    c.actors.push_back(a);
  }
  const int setups = in.ConsumeIntegralInRange<int>(0, 3);
  for (int i = 0; i < setups; ++i) {
    h::SetupOp op;
    op.op = kSetupOps[in.ConsumeIntegralInRange<int>(0, 3)];
    op.package = in.ConsumeBool() ? "demo" : "other";
    op.age_seconds = in.ConsumeIntegralInRange<int64_t>(0, 3 * 3600);
    c.setup.push_back(op);
  }
  c.grace_seconds = in.ConsumeBool() ? 0 : 3600;
  c.kill_probability = in.ConsumeBool() ? 0.0 : in.ConsumeIntegralInRange<int>(1, 15) / 100.0;
  if (c.kill_probability > 0) {
    // uv-0.8.19 removes in place: killed mid-delete it leaves a partial
    // archive (no-partial-archive, its documented crash behaviour, as in
    // scenarios/pruner-crash-mid-delete-uv-0.8.18.toml). Under kills only
    // the reference pruner is safe. Decided after all bytes above are read,
    // so a saved input keeps meaning the same scenario.
    for (h::ActorSpec& a : c.actors) {
      if (a.role == h::Role::kPrune || a.role == h::Role::kClean || a.role == h::Role::kWipe) a.profile = "reference";
    }
  }
  c.fixture_files = in.ConsumeIntegralInRange<int>(1, 3);
  c.max_steps = 2000;
  return c;
}

}  // namespace

// Before any thread exists (libFuzzer calls this first; so does replay_main.cc).
extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  prunecheck::PinLocalTimeZone();  // no stat of /etc/localtime per zip entry
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const h::RunConfig config = ConsumeConfig(in);
  const uint64_t seed = in.ConsumeIntegral<uint32_t>();
  if (prunecheck::Status valid = h::Validate(config); !valid.ok()) {
    std::fprintf(stderr, "schedule: the fuzz target built an invalid config: %s\n", valid.ToString().c_str());
    std::abort();
  }
  BytesStrategy strategy(in);
  h::RunOptions options;
  options.transport = h::Transport::kMemory;
  options.keep_failed = false;
  h::RunResult r = h::RunControlled(config, strategy, seed, options);
  if (!r.error.ok() || !r.passed) {
    std::fprintf(stderr, "schedule: %s\nconfig: %s\nseed %llu, choices:",
                 r.error.ok() ? "invariant violated" : "the harness could not carry out the run",
                 h::ToJson(config).dump().c_str(), static_cast<unsigned long long>(seed));
    for (int choice : r.choices) std::fprintf(stderr, " %d", choice);
    std::fprintf(stderr, "\n%s\n", h::Summary(config, r).c_str());
    std::abort();
  }
  return 0;
}
