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
// kWipe: the whole cache's contents, `.lock` last (CacheSession::Wipe).
enum class Role { kInstall, kRead, kRefresh, kPrune, kClean, kWipe, kCommand };
inline constexpr Role kAllRoles[] = {Role::kInstall, Role::kRead,  Role::kRefresh,
                                     Role::kPrune,   Role::kClean, Role::kWipe, Role::kCommand};
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
  // Black boxes: run free, judged only physically (inotify stamps, tree
  // checks), instead of as a syscall-controlled actor (harness/syscall/).
  bool free_running = false;
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

// The ranges every reader of a RunConfig enforces — scenario TOML
// (harness/scenario/scenario.cc), trace and --config JSON
// (run_config_json.cc) and Validate() — so that one input is never accepted
// in one form and refused in another.
inline constexpr int64_t kMaxGraceSeconds = int64_t{10} * 365 * 24 * 3600;
inline constexpr int64_t kMaxAgeSeconds = kMaxGraceSeconds;
inline constexpr int kMinFixtureFiles = 1;
inline constexpr int kMaxFixtureFiles = 100000;
inline constexpr int kMaxMaxSteps = 10000000;
inline constexpr int64_t kMaxUnresponsiveMs = int64_t{24} * 3600 * 1000;
inline constexpr int kMaxOccurrence = 1000000;
inline constexpr size_t kMaxActors = 256;
inline constexpr size_t kMaxSetupOps = 10000;
inline constexpr size_t kMaxKills = 10000;

// An actor name names files of the run directory (env-<name>, logs/<name>.*):
// letters, digits, '.', '_', '-', starting with a letter or digit, at most
// 64 bytes — never '/', "..", spaces, '@' or '#'.
bool IsActorName(std::string_view name);
std::string ActorNameRule(const std::string& name);  // the message for a bad one
// A package is a distribution name (PEP 508: letters, digits, '.', '_', '-',
// beginning and ending with a letter or digit, here at most 100 bytes); it
// names the fixture wheel's file, so never '/' or "..".
bool IsPackageName(std::string_view name);
std::string PackageNameRule(const std::string& name);

nlohmann::json ToJson(const RunConfig& c);
// kInvalidInput naming the field when the JSON does not describe a RunConfig
// (read as strictly as a file: run_config_json.h, where files are read).
Result<RunConfig> RunConfigFromJson(const nlohmann::json& j);

// Validates roles, profiles, names and the points of kills and run_at;
// kInvalidInput with what is wrong.
Status Validate(const RunConfig& c);

// Whether `actor` of `c` ("*": any of them) can arrive at `point`: an actor
// played by cache-actor only at a point it yields at (KnownYieldPoints(),
// pruner/base/yield_points.h); a command or black-box actor announces its own
// points. kInvalidInput naming the point (with a did-you-mean) otherwise, so
// a fault at a point that does not exist is an error instead of a pass.
Status CheckYieldPointFor(const RunConfig& c, const std::string& actor, const std::string& point);

}  // namespace prunecheck::harness
