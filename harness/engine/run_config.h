// RunConfig: everything that, with a strategy and a seed, determines a run.
//
// Actors are roles (install, read, refresh, prune, clean) played by
// cache-actor under a profile, or any command ("bring your own actor").
// Setup operations run sequentially before the scheduled part, to put the
// cache in the state a story starts from. Faults are kills at named points
// (or at random, seeded) and mtime ageing. A RunConfig round-trips through
// JSON so a trace file can carry the run it belongs to.
//
// Thread-safety: value types.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "pruner/base/status.h"

namespace prunecheck::harness {

// What an actor does. Parsed once where text enters (JSON, TOML, CLI); the
// text form ("install", ...) is what files and output carry.
enum class Role { kInstall, kRead, kRefresh, kPrune, kClean, kCommand };
inline constexpr Role kAllRoles[] = {Role::kInstall, Role::kRead,  Role::kRefresh,
                                     Role::kPrune,   Role::kClean, Role::kCommand};
std::string_view RoleName(Role r);
std::optional<Role> ParseRole(std::string_view text);
std::vector<std::string> RoleNames();  // in kAllRoles order

// A setup step, parsed once like Role.
enum class SetupKind { kInstall, kRefresh, kPrune, kAge };
inline constexpr SetupKind kAllSetupKinds[] = {SetupKind::kInstall, SetupKind::kRefresh, SetupKind::kPrune,
                                               SetupKind::kAge};
std::string_view SetupKindName(SetupKind k);
std::optional<SetupKind> ParseSetupKind(std::string_view text);
std::vector<std::string> SetupKindNames();  // in kAllSetupKinds order

struct ActorSpec {
  std::string name;             // unique in the run, e.g. "installer"
  Role role = Role::kInstall;
  std::string profile;          // protocol profile (not for command)
  std::string package = "demo"; // fixture wheel's distribution name
  std::string link_mode = "hardlink";
  std::vector<std::string> command;  // role == kCommand: argv; {cache} {run} are substituted
  bool black_box = false;       // role == kCommand and it does not speak the protocol
  // Black boxes only: instead of running free from the start, run to
  // completion — alone, every other actor held — when actor `run_at.actor`
  // is chosen at its `occurrence`-th arrival at `run_at.point`. Makes a
  // black box's effect on a controlled run deterministic. Empty point: free.
  struct At {
    std::string actor;
    std::string point;
    int occurrence = 1;
  } run_at;
};

// Parses "ACTOR@POINT[#N]" (kill and run-at specifications).
Result<ActorSpec::At> ParseAt(const std::string& text);

struct SetupOp {
  SetupKind op = SetupKind::kInstall;
  std::string profile = "reference";
  std::string package = "demo";
  int64_t age_seconds = 0;  // op == kAge: move every archive's and marker's mtime back this far
};

// Kill `actor` (or any actor when "*") instead of resuming it when it is
// chosen at its `occurrence`-th arrival (1-based) at yield point `point`.
struct KillAt {
  std::string actor = "*";
  std::string point;
  int occurrence = 1;
};

struct RunConfig {
  std::vector<ActorSpec> actors;
  std::vector<SetupOp> setup;
  std::vector<KillAt> kills;
  double kill_probability = 0.0;   // per step, seeded
  int64_t grace_seconds = 0;       // given to every pruner; time is compressed in runs
  int fixture_files = 4;           // files per fixture wheel
  int max_steps = 5000;            // progress bound
  int64_t unresponsive_ms = 10000; // a connected actor silent this long is treated as blocked
  bool plant_canaries = true;      // files and symlinks outside the root, for containment
};

nlohmann::json ToJson(const RunConfig& c);
// kInvalidInput naming the field when the JSON does not describe a RunConfig.
Result<RunConfig> RunConfigFromJson(const nlohmann::json& j);

// Validates roles, profiles and names; kInvalidInput with what is wrong.
Status Validate(const RunConfig& c);

}  // namespace prunecheck::harness
