// RapidCheck over whole scenarios (issue 10 item 3; docs/design.md §7).
//
// A generated scenario is a set of actors (roles and protocol profiles, the
// package each uses — the cached one or a fresh one — and its link mode),
// setup steps (install / refresh / age), kill faults at points its actors
// reach, a grace period, and a strategy with a seed. It becomes a RunConfig
// that the Explorer explores for a small budget of schedules.
//
//   SafeCombinationsKeepEveryInvariant: clients and pruners of versions that
//     `prunecheck matrix` calls safe together (README.md, "Which versions
//     are safe together?") keep every invariant, with kills and extra
//     actors, setup steps and link modes the matrix does not try.
//   KnownUnsafeCombinationIsFound: a uv-0.8.18 pruner with any client
//     profile is caught within its budget.
//
// Shrinking: actors, setup steps and kills are vectors, so RapidCheck drops
// them one by one (and shrinks each element's choices towards the first
// option); the seed shrinks towards 0. On failure the test prints
// RapidCheck's RC_PARAMS="reproduce=..." line and saves the minimal scenario
// as a TOML file (its path is printed) that `prunecheck run FILE` replays.
//
// Scale (ctest label `property`): the memory-transport properties run 25
// cases, the process-transport one 5, with RapidCheck seed 1 unless
// RC_PARAMS sets one — deterministic in CI. Larger local runs:
//   RC_PARAMS="seed=7 max_success=500" build/default/harness/harness_property_tests --gtest_filter=ScenarioProperty.Safe*
//   PRUNECHECK_PROPERTY_SCALE=20 ctest --preset default -L property
// Failures are saved under $PRUNECHECK_PROPERTY_OUT (default
// ${TMPDIR:-/tmp}/prunecheck-property).
//
// A deliberately broken profile: PRUNECHECK_PROPERTY_MUTANT=<mutant> makes
// every actor the properties believe plays `reference` play that mutant
// instead, so the safe property must fail (MutantMakesTheSafePropertyFail
// checks that it does, with a reproduce line and a scenario that
// reproduces).
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>
#include <rapidcheck.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "harness/engine/explorer.h"
#include "harness/engine/run_config.h"
#include "harness/engine/run_report.h"
#include "harness/scenario/matrix.h"
#include "harness/scenario/scenario.h"
#include "harness/scenario/scenario_writer.h"
#include "rapidcheck/detail/Configuration.h"
#include "rapidcheck/detail/TestListener.h"

namespace prunecheck::harness {
namespace {

// ---- what the matrix says ----------------------------------------------

// The client profiles `prunecheck matrix` finds safe with each pruner
// profile (ci/matrix.sh on defaults; README.md's table). Pruners with no
// safe client (uv-0.8.18, pr-17211) are in KnownUnsafePruners instead.
const std::map<std::string, std::vector<std::string>>& SafeClientsByPruner() {
  static const std::map<std::string, std::vector<std::string>> m = {
      {"reference", {"reference", "uv-0.8.18", "uv-0.8.19", "pr-17211", "pr-20116", "pr-20116-early-release"}},
      {"uv-0.8.19", {"uv-0.8.19", "reference", "pr-17211", "pr-20116"}},
      {"pr-20116", {"pr-20116", "reference", "uv-0.8.19", "pr-17211", "pr-20116-early-release"}},
      {"pr-20116-early-release", {"pr-20116-early-release", "reference", "uv-0.8.19", "pr-17211", "pr-20116"}},
  };
  return m;
}

const std::vector<std::string>& AllClientProfiles() {
  static const std::vector<std::string> v = {"reference", "uv-0.8.18", "uv-0.8.19", "pr-17211", "pr-20116",
                                             "pr-20116-early-release"};
  return v;
}

// ---- the generated value -------------------------------------------------

const char* const kLinkModes[] = {"hardlink", "copy", "symlink"};
const char* const kStrategies[] = {"pct:3", "pct:2", "random"};
// Points each role reaches in (nearly) every schedule; a kill that never
// fires in any schedule tested nothing, and the case is discarded.
const std::map<Role, std::vector<const char*>>& KillPoints() {
  static const std::map<Role, std::vector<const char*>> m = {
      {Role::kInstall, {"install.begin", "link.begin", "link.progress"}},
      {Role::kRead, {"read.begin", "read.resolved", "link.progress"}},
      {Role::kRefresh, {"refresh.begin", "link.begin"}},
      {Role::kPrune, {"prune.begin", "prune.listed"}},
  };
  return m;
}

struct GenClient {
  int role = 0;      // install, read, refresh
  int profile = 0;   // index into the allowed client profiles
  bool fresh_package = false;  // install: a package nobody else uses, instead of the cached one
  int link_mode = 0;
};

struct GenSetup {
  int op = 0;        // install, refresh, age
  int profile = 0;
  bool fresh_package = false;
  bool long_ago = true;  // age: two hours (past a one-hour grace) or ten minutes
};

struct GenKill {
  int actor = 0;     // index into the actors (mod their number)
  int point = 0;     // index into the actor's role's KillPoints (mod); first arrival
};

struct GenScenario {
  int pruner = 0;                 // index into the pruner profiles of the property
  std::vector<GenClient> clients;  // at least one
  int pruners = 1;                // 1 or 2 pruners of that profile
  std::vector<GenSetup> setup;    // after the fixed first step (install the cached package, aged)
  std::vector<GenKill> kills;
  bool grace = true;              // one hour, or none
  int strategy = 0;
  uint32_t seed = 0;
};

struct PropertyKind {
  std::vector<std::string> pruners;
  // Client profiles allowed with pruner `p`.
  std::vector<std::string> (*clients)(const std::string& p);
  bool kills = true;
  // Begin with a matrix cell's installer of a fresh package (its profile the
  // first client's): the actor through which the matrix saw the bug.
  bool matrix_installer = false;
};

std::vector<std::string> SafeClientsOf(const std::string& p) { return SafeClientsByPruner().at(p); }
std::vector<std::string> AnyClient(const std::string&) { return AllClientProfiles(); }

const PropertyKind& SafeKind() {
  static const PropertyKind k{{"reference", "uv-0.8.19", "pr-20116", "pr-20116-early-release"}, &SafeClientsOf, true,
                              false};
  return k;
}
const PropertyKind& UnsafeKind() {
  // No kills: a kill can end the pruner before it does harm, and the
  // property claims the bug is found, not that every fault shows it. The
  // matrix's installer of a fresh package is always there: a uv-0.8.18
  // prune removes only unreferenced archives and temp dirs, so with cache
  // hits alone there is nothing it can break (found by this property's
  // first version, which shrank to one cache-hit installer).
  static const PropertyKind k{{"uv-0.8.18"}, &AnyClient, false, true};
  return k;
}

rc::Gen<GenScenario> GenScenarioOf(const PropertyKind& kind) {
  const int pruners = static_cast<int>(kind.pruners.size());
  const bool kills = kind.kills;
  auto client = rc::gen::construct<GenClient>(rc::gen::inRange(0, 3), rc::gen::inRange(0, 6), rc::gen::arbitrary<bool>(),
                                              rc::gen::inRange(0, 3));
  auto setup = rc::gen::construct<GenSetup>(rc::gen::inRange(0, 3), rc::gen::inRange(0, 6), rc::gen::arbitrary<bool>(),
                                            rc::gen::arbitrary<bool>());
  auto kill = rc::gen::construct<GenKill>(rc::gen::inRange(0, 5), rc::gen::inRange(0, 3));
  return rc::gen::build<GenScenario>(
      rc::gen::set(&GenScenario::pruner, rc::gen::inRange(0, pruners)),
      rc::gen::set(&GenScenario::clients, rc::gen::resize(3, rc::gen::nonEmpty(rc::gen::container<std::vector<GenClient>>(client)))),
      rc::gen::set(&GenScenario::pruners, rc::gen::inRange(1, 3)),
      rc::gen::set(&GenScenario::setup, rc::gen::resize(3, rc::gen::container<std::vector<GenSetup>>(setup))),
      rc::gen::set(&GenScenario::kills, kills ? rc::gen::resize(2, rc::gen::container<std::vector<GenKill>>(kill))
                                              : rc::gen::just(std::vector<GenKill>{})),
      rc::gen::set(&GenScenario::grace, rc::gen::arbitrary<bool>()),
      rc::gen::set(&GenScenario::strategy, rc::gen::inRange(0, 3)),
      rc::gen::set(&GenScenario::seed, rc::gen::arbitrary<uint32_t>()));
}

// The profile an actor the property believes plays `profile` really plays:
// itself, or the mutant of PRUNECHECK_PROPERTY_MUTANT for `reference`.
std::string Played(const std::string& profile) {
  const char* mutant = std::getenv("PRUNECHECK_PROPERTY_MUTANT");
  return profile == "reference" && mutant != nullptr && *mutant != '\0' ? mutant : profile;
}

RunConfig ToRunConfig(const GenScenario& g, const PropertyKind& kind) {
  static const Role kClientRoles[] = {Role::kInstall, Role::kRead, Role::kRefresh};
  const std::string pruner = kind.pruners[static_cast<size_t>(g.pruner) % kind.pruners.size()];
  const std::vector<std::string> clients = kind.clients(pruner);
  auto client_profile = [&](int i) { return clients[static_cast<size_t>(i) % clients.size()]; };
  RunConfig c;
  c.fixture_files = 3;
  c.grace_seconds = g.grace ? 3600 : 0;
  // As in a matrix cell: the cached package, installed two hours ago.
  c.setup.push_back({SetupKind::kInstall, Played(client_profile(g.clients[0].profile)), "demo", 0});
  c.setup.push_back({SetupKind::kAge, Played(client_profile(g.clients[0].profile)), "demo", 7200});
  for (const GenSetup& s : g.setup) {
    static const SetupKind kOps[] = {SetupKind::kInstall, SetupKind::kRefresh, SetupKind::kAge};
    SetupOp op{kOps[s.op], Played(client_profile(s.profile)), s.fresh_package ? "early" : "demo", 0};
    if (op.op == SetupKind::kAge) op.age_seconds = s.long_ago ? 7200 : 600;
    c.setup.push_back(op);
  }
  std::map<Role, int> count;
  if (kind.matrix_installer) {
    ActorSpec a;
    a.role = Role::kInstall;
    a.name = "installer";
    a.profile = Played(client_profile(g.clients[0].profile));
    a.package = "other";
    c.actors.push_back(a);
  }
  for (const GenClient& gc : g.clients) {
    ActorSpec a;
    a.role = kClientRoles[gc.role];
    a.name = std::string(RoleName(a.role)) + "-" + std::to_string(++count[a.role]);
    a.profile = Played(client_profile(gc.profile));
    // Readers and refreshers use the cached package; an installer the cached
    // one (a cache hit, racing the pruner) or a fresh one.
    a.package = a.role == Role::kInstall && gc.fresh_package ? "other" : "demo";
    a.link_mode = kLinkModes[gc.link_mode];
    c.actors.push_back(a);
  }
  for (int i = 0; i < g.pruners; ++i) {
    ActorSpec a;
    a.role = Role::kPrune;
    a.name = "pruner-" + std::to_string(i + 1);
    a.profile = Played(pruner);
    c.actors.push_back(a);
  }
  for (const GenKill& k : g.kills) {
    const ActorSpec& a = c.actors[static_cast<size_t>(k.actor) % c.actors.size()];
    const std::vector<const char*>& points = KillPoints().at(a.role);
    c.kills.push_back({a.name, points[static_cast<size_t>(k.point) % points.size()], 1});
  }
  return c;
}

std::string StrategyOf(const GenScenario& g) { return kStrategies[g.strategy]; }

void showValue(const GenScenario& g, std::ostream& os) {
  // Shown as what it means, not as indices. (The kind is not known here;
  // the failure message prints the run config too.)
  os << "strategy " << StrategyOf(g) << ", seed " << g.seed << ", " << g.clients.size() << " client(s), "
     << g.pruners << " pruner(s), " << g.setup.size() << " extra setup step(s), " << g.kills.size() << " kill(s), grace "
     << (g.grace ? 3600 : 0);
}

// ---- running one case ----------------------------------------------------

int Scale() {
  const char* s = std::getenv("PRUNECHECK_PROPERTY_SCALE");
  const int n = s != nullptr ? std::atoi(s) : 1;
  return n > 0 ? n : 1;
}

std::string OutDir() {
  if (const char* d = std::getenv("PRUNECHECK_PROPERTY_OUT"); d != nullptr && *d != '\0') return d;
  const char* tmp = std::getenv("TMPDIR");
  return std::string(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp") + "/prunecheck-property";
}

std::string CacheActor() {
  const char* p = std::getenv("PRUNECHECK_CACHE_ACTOR");
  return p != nullptr ? p : "cache-actor";
}

struct CaseSetup {
  Transport transport = Transport::kMemory;
  int schedules = 20;
};

ExplorerOptions OptionsFor(const GenScenario& g, const CaseSetup& cs) {
  ExplorerOptions eo;
  eo.strategy = StrategyOf(g);
  eo.seed = g.seed;
  eo.runs = cs.schedules;
  eo.jobs = 1;  // ctest runs two tests at once on two cores
  eo.run.transport = cs.transport;
  eo.run.cache_actor = CacheActor();
  eo.minimize = true;
  eo.remove_failed_run_dirs = true;
  return eo;
}

bool IsUnfiredKill(const ExploreResult& er) {
  return er.error.Is(StatusCode::kNotFound) && er.error.message().find("never fired") != std::string::npos;
}

// The last failing case seen: RapidCheck shrinks by accepting each smaller
// case that still fails, so once check() returns it is the minimal one.
struct LastFailure {
  std::optional<Trace> trace;     // a run that violated an invariant (safe property)
  std::optional<Scenario> scenario;  // a search that found nothing (unsafe property)
  std::string what;
};
LastFailure& Last() {
  static LastFailure f;
  return f;
}

void SafeCase(const GenScenario& g, const CaseSetup& cs) {
  const RunConfig config = ToRunConfig(g, SafeKind());
  ExplorerOptions eo = OptionsFor(g, cs);
  eo.failing_invariant = [&config](const RunResult& r) -> std::optional<Invariant> {
    for (const HarnessViolation& v : r.violations) {
      if (!IsTryLockSkip(config, r, v)) return v.invariant;
    }
    return std::nullopt;
  };
  int runs_with_kills = 0;
  eo.on_run = [&runs_with_kills](int, const RunResult& r) { runs_with_kills += r.kills.empty() ? 0 : 1; };
  const ExploreResult er = Explore(config, eo);
  if (IsUnfiredKill(er)) RC_DISCARD("a kill point no schedule reached");
  RC_TAG(config.actors.back().profile + " pruner");
  RC_CLASSIFY(runs_with_kills > 0, "a kill fired");
  RC_CLASSIFY(config.actors.size() > 2, "3+ actors");
  if (!er.error.ok()) {
    Last() = {};
    RC_FAIL("the harness could not run it: " + er.error.ToString() + "\nrun config: " + ToJson(config).dump());
  }
  if (!er.failures.empty()) {
    const ExploreFailure& f = er.failures.front();
    std::string what = std::string(InvariantName(f.invariant)) + " violated in schedule " +
                       std::to_string(f.index + 1) + " (" + eo.strategy + ", seed " + std::to_string(g.seed) + ")";
    for (const HarnessViolation& v : f.result.violations) what += "\n  [" + std::string(InvariantName(v.invariant)) + "] " + v.message;
    Last() = {f.trace, std::nullopt, what};
    RC_FAIL(what + "\nrun config: " + ToJson(config).dump());
  }
}

void UnsafeCase(const GenScenario& g, const CaseSetup& cs) {
  const RunConfig config = ToRunConfig(g, UnsafeKind());
  ExplorerOptions eo = OptionsFor(g, cs);
  eo.minimize = false;
  const ExploreResult er = Explore(config, eo);
  if (!er.error.ok()) RC_FAIL("the harness could not run it: " + er.error.ToString());
  // Any invariant counts: besides removing archives in use, a uv-0.8.18
  // prune removes other actors' lock files, and a reference installer then
  // fails to open its lock (`progress`) — harm all the same.
  if (!er.failures.empty()) RC_TAG(std::string(InvariantName(er.failures.front().invariant)));
  if (er.failures.empty()) {
    Scenario s;
    s.name = "property-unsafe-not-found";
    s.description = "a uv-0.8.18 pruner the property expected to be caught within " + std::to_string(cs.schedules) +
                    " schedules";
    s.expect = Invariant::kNoInUseRemoval;  // what the matrix saw; any violation would do
    s.transport = std::string(TransportName(cs.transport));
    s.config = config;
    s.schedule.strategy = eo.strategy;
    s.schedule.seed = g.seed;
    s.schedule.runs = cs.schedules;
    Last() = {std::nullopt, s, "no violation in " + std::to_string(er.done) + " schedules"};
    RC_FAIL("a uv-0.8.18 pruner was not caught in " + std::to_string(er.done) + " schedules (" + eo.strategy +
            ", seed " + std::to_string(g.seed) + ")\nrun config: " + ToJson(config).dump());
  }
}

// Writes the minimal failing case as a scenario file; its path, or why not.
std::string SaveMinimal(const CaseSetup& cs, const std::string& test) {
  const LastFailure& f = Last();
  std::error_code ec;
  std::filesystem::create_directories(OutDir(), ec);
  if (f.trace) {
    const std::string transport(TransportName(cs.transport));
    ScenarioRunOptions so{transport, transport, CacheActor(), DefaultRunBaseDir(), false};
    Result<SavedScenario> saved = SaveFailureScenario(*f.trace, OutDir(), so);
    if (!saved.ok()) return "(not saved: " + saved.status().ToString() + ")";
    return saved->path + (saved->verified ? "" : " (" + saved->verification + ")");
  }
  if (f.scenario) {
    const std::string path = OutDir() + "/" + test + ".toml";
    std::ofstream out(path);
    out << ScenarioToToml(*f.scenario, {"saved by harness_property_tests: " + f.what});
    return out ? path : "(not saved: cannot write " + path + ")";
  }
  return "(no failing case recorded)";
}

class QuietListener : public rc::detail::TestListener {
 public:
  void onTestCaseFinished(const rc::detail::CaseDescription&) override {}
  void onShrinkTried(const rc::detail::CaseDescription&, bool) override {}
  void onTestFinished(const rc::detail::TestMetadata&, const rc::detail::TestResult&) override {}
};

// Runs `property` as RapidCheck would under RC_GTEST_PROP, with `cases`
// successes (scaled) and seed 1 unless RC_PARAMS says otherwise; on failure
// prints the reproduce line and saves the minimal scenario.
template <typename Property>
void CheckScenarioProperty(int cases, const CaseSetup& cs, Property property) {
  using namespace rc::detail;
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  TestMetadata metadata;
  metadata.id = std::string(info->test_suite_name()) + "/" + info->name();
  metadata.description = info->name();
  TestParams params = configuration().testParams;
  const char* env = std::getenv("RC_PARAMS");
  const std::string rc_params = env != nullptr ? env : "";
  if (rc_params.find("seed") == std::string::npos) params.seed = 1;
  if (rc_params.find("max_success") == std::string::npos) params.maxSuccess = cases * Scale();
  params.maxSize = 100;
  std::printf("%s: %d cases, RapidCheck seed %llu, %d schedules each, %s transport\n", metadata.id.c_str(),
              params.maxSuccess, static_cast<unsigned long long>(params.seed), cs.schedules,
              std::string(TransportName(cs.transport)).c_str());
  Last() = {};
  QuietListener listener;
  const TestResult result = checkProperty(toProperty(property), metadata, params, listener, configuration().reproduce);
  std::ostringstream message;
  printResultMessage(result, message);
  if (result.template is<SuccessResult>()) {
    std::printf("%s\n", message.str().c_str());
    return;
  }
  std::string reproduce;
  if (result.template is<FailureResult>()) {
    Configuration c;
    c.reproduce[metadata.id] = result.template get<FailureResult>().reproduce;
    reproduce = "RC_PARAMS=\"" + configToMinimalString(c) + "\"";
  }
  const std::string scenario = result.template is<FailureResult>() ? SaveMinimal(cs, info->name()) : "";
  // Printed as well as in the failure, so ctest's output has it on one line each.
  std::printf("%s\n", message.str().c_str());
  if (!reproduce.empty()) std::printf("reproduce with: %s\n", reproduce.c_str());
  if (!scenario.empty()) std::printf("minimal scenario: %s\n", scenario.c_str());
  std::fflush(stdout);
  FAIL() << message.str() << "\nreproduce with: " << reproduce << "\nminimal scenario: " << scenario
         << "\n  prunecheck run " << scenario;
}

TEST(ScenarioProperty, SafeCombinationsKeepEveryInvariant) {
  const CaseSetup cs{Transport::kMemory, 20};
  CheckScenarioProperty(25, cs, [cs] { SafeCase(*GenScenarioOf(SafeKind()), cs); });
}

TEST(ScenarioProperty, SafeCombinationsKeepEveryInvariantOnProcesses) {
  const CaseSetup cs{Transport::kProcess, 4};
  CheckScenarioProperty(5, cs, [cs] { SafeCase(*GenScenarioOf(SafeKind()), cs); });
}

TEST(ScenarioProperty, KnownUnsafeCombinationIsFound) {
  const CaseSetup cs{Transport::kMemory, 200};
  CheckScenarioProperty(25, cs, [cs] { UnsafeCase(*GenScenarioOf(UnsafeKind()), cs); });
}

TEST(ScenarioProperty, KnownUnsafeCombinationIsFoundOnProcesses) {
  const CaseSetup cs{Transport::kProcess, 200};
  CheckScenarioProperty(3, cs, [cs] { UnsafeCase(*GenScenarioOf(UnsafeKind()), cs); });
}

// A deliberately broken profile makes the safe property fail, with the
// reproduce line and a minimal scenario that `prunecheck run` reproduces:
// this binary runs itself with PRUNECHECK_PROPERTY_MUTANT set.
TEST(ScenarioProperty, MutantMakesTheSafePropertyFail) {
  if (std::getenv("PRUNECHECK_PROPERTY_MUTANT") != nullptr) GTEST_SKIP() << "this is the mutant run itself";
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  ASSERT_GT(n, 0);
  self[n] = '\0';
  const std::string out_dir = OutDir() + "/mutant-" + std::to_string(getpid());
  std::filesystem::remove_all(out_dir);
  std::filesystem::create_directories(out_dir);
  const std::string log = out_dir + "/property.log";
  auto run_self = [&](const std::string& rc_params) {
    pid_t pid = fork();
    if (pid == 0) {
      setenv("PRUNECHECK_PROPERTY_MUTANT", "mutant-follow-symlinks", 1);
      setenv("PRUNECHECK_PROPERTY_OUT", out_dir.c_str(), 1);
      setenv("PRUNECHECK_PROPERTY_SCALE", "1", 1);
      if (rc_params.empty()) {
        unsetenv("RC_PARAMS");
      } else {
        setenv("RC_PARAMS", rc_params.c_str(), 1);
      }
      const int fd = open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (fd < 0) _exit(126);
      dup2(fd, 1);
      dup2(fd, 2);
      execl(self, self, "--gtest_filter=ScenarioProperty.SafeCombinationsKeepEveryInvariant", nullptr);
      _exit(127);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    std::ifstream in(log);
    return std::make_pair(status, std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()));
  };
  auto line_after = [](const std::string& text, const std::string& prefix) {
    const size_t at = text.find(prefix);
    if (at == std::string::npos) return std::string();
    const size_t begin = at + prefix.size();
    return text.substr(begin, text.find('\n', begin) - begin);
  };

  const auto [status, output] = run_self("");
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 1) << output;
  const std::string reproduce = line_after(output, "reproduce with: RC_PARAMS=\"");
  ASSERT_FALSE(reproduce.empty()) << output;
  ASSERT_EQ(reproduce.rfind("reproduce=", 0), 0u) << output;
  const std::string scenario = line_after(output, "minimal scenario: ");
  ASSERT_EQ(scenario.rfind(out_dir + "/", 0), 0u) << output;
  ASSERT_TRUE(std::filesystem::is_regular_file(scenario)) << output;
  std::printf("the mutant's run printed:\n%s\n", output.c_str());

  // The saved scenario reproduces: `prunecheck run` shows its expected violation (exit 0).
  const char* prunecheck = std::getenv("PRUNECHECK_BINARY");
  ASSERT_NE(prunecheck, nullptr);
  const std::string run_log = out_dir + "/run.log";
  const std::string cmd = std::string(prunecheck) + " run '" + scenario + "' > '" + run_log + "' 2>&1";
  const int run_status = std::system(cmd.c_str());
  std::ifstream run_in(run_log);
  const std::string run_output((std::istreambuf_iterator<char>(run_in)), std::istreambuf_iterator<char>());
  EXPECT_TRUE(WIFEXITED(run_status) && WEXITSTATUS(run_status) == 0) << run_output;
  EXPECT_NE(run_output.find("PASS"), std::string::npos) << run_output;

  // And so does the reproduce line: the same minimal case, at once.
  const auto [again_status, again] = run_self(reproduce.substr(0, reproduce.size() - 1));  // without the closing quote
  EXPECT_TRUE(WIFEXITED(again_status) && WEXITSTATUS(again_status) == 1) << again;
  EXPECT_FALSE(line_after(output, "run config: ").empty()) << output;
  EXPECT_EQ(line_after(again, "run config: "), line_after(output, "run config: ")) << again;
  if (!HasFailure()) {
    std::filesystem::remove_all(out_dir);
    std::error_code ec;
    std::filesystem::remove(OutDir(), ec);  // only if empty: it may hold real failures
  }
}

}  // namespace
}  // namespace prunecheck::harness
