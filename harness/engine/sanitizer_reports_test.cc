// Sanitizer reports of actors: the options children get, gathering report
// files, and — in the sanitizer builds only — the planted bugs of cache-actor
// (pruner/actor/sanitizer_hooks.h) reported through the harness by name.
#include "harness/engine/sanitizer_reports.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdlib>
#include <fstream>
#include <optional>
#include <string>

#include "harness/engine/controlled_run.h"
#include "harness/engine/run_report.h"
#include "harness/process/process_actor.h"
#include "harness/strategy/strategy.h"
#include "pruner/base/scoped_temp_dir.h"

namespace prunecheck::harness {
namespace {

// Sets (or unsets) an environment variable for one test, then restores it.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    if (value != nullptr) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_.c_str(), old_->c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

std::string Value(const std::vector<std::pair<std::string, std::string>>& env, const std::string& name) {
  for (const auto& [k, v] : env) {
    if (k == name) return v;
  }
  return "<unset>";
}

TEST(SanitizerEnvironmentTest, DefaultsThenTheUsersSettingsThenTheLogPath) {
  ScopedEnv tsan("TSAN_OPTIONS", "halt_on_error=0:history_size=7");
  ScopedEnv asan("ASAN_OPTIONS", nullptr);
  ScopedEnv ubsan("UBSAN_OPTIONS", "");
  auto env = SanitizerEnvironment("/r/logs/installer-1.sanitizer");
  // The runtimes take an option's last value: the user's halt_on_error=0 wins.
  EXPECT_EQ(Value(env, "TSAN_OPTIONS"),
            "halt_on_error=1:abort_on_error=0:exitcode=66:second_deadlock_stack=1:halt_on_error=0:history_size=7"
            ":log_path=/r/logs/installer-1.sanitizer");
  EXPECT_EQ(Value(env, "ASAN_OPTIONS"), "halt_on_error=1:abort_on_error=0:exitcode=66:log_path=/r/logs/installer-1.sanitizer");
  EXPECT_EQ(Value(env, "UBSAN_OPTIONS"),
            "halt_on_error=1:abort_on_error=0:exitcode=66:print_stacktrace=1:log_path=/r/logs/installer-1.sanitizer");
  // A serving process gets no log path: each run names its own.
  EXPECT_EQ(Value(SanitizerEnvironment(""), "ASAN_OPTIONS"), "halt_on_error=1:abort_on_error=0:exitcode=66");
  EXPECT_EQ(SanitizerLogPrefix("/r/logs", "pruner"), "/r/logs/pruner.sanitizer");
}

void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
}

TEST(SanitizerReportsTest, CollectsNonEmptyReportFilesWithActorPidSummaryAndFirstFrames) {
  ScopedTempDir dir("sanitizer-reports-test");
  ASSERT_TRUE(dir.ok());
  WriteFile(dir.path() + "/installer.1.sanitizer.4242",
            "==================\n"
            "WARNING: ThreadSanitizer: data race (pid=4242)\n"
            "  Write of size 4 at 0x7b04 by thread T2:\n"
            "    #0 f0 a.cc:1\n    #1 f1 a.cc:2\n    #2 f2 a.cc:3\n    #3 f3 a.cc:4\n    #4 f4 a.cc:5\n"
            "  Previous write of size 4 at 0x7b04 by thread T1:\n"
            "    #0 g0 a.cc:9\n"
            "SUMMARY: ThreadSanitizer: data race a.cc:1 in f0\n"
            "==================\n");
  WriteFile(dir.path() + "/pruner.sanitizer.17", "");                 // empty: no report
  WriteFile(dir.path() + "/pruner.stderr", "SUMMARY: not a report\n");  // not a report file
  WriteFile(dir.path() + "/reader.sanitizer.x1", "SUMMARY: junk\n");     // no pid suffix
  std::vector<SanitizerReport> reports = CollectSanitizerReports(dir.path());
  ASSERT_EQ(reports.size(), 1u);
  const SanitizerReport& r = reports[0];
  EXPECT_EQ(r.actor, "installer.1");
  EXPECT_EQ(r.pid, 4242);
  EXPECT_EQ(r.summary, "ThreadSanitizer: data race a.cc:1 in f0");
  EXPECT_EQ(r.frames, (std::vector<std::string>{"#0 f0 a.cc:1", "#1 f1 a.cc:2", "#2 f2 a.cc:3", "#3 f3 a.cc:4",
                                                "#4 f4 a.cc:5"}));
  HarnessViolation v = SanitizerViolation(r);
  EXPECT_EQ(v.invariant, Invariant::kSanitizer);
  EXPECT_EQ(v.actor, "installer.1");
  EXPECT_EQ(v.message,
            "actor installer.1 (pid 4242): ThreadSanitizer: data race a.cc:1 in f0\n"
            "      #0 f0 a.cc:1\n      #1 f1 a.cc:2\n      #2 f2 a.cc:3\n      #3 f3 a.cc:4\n      #4 f4 a.cc:5\n"
            "      (whole report: " + dir.path() + "/installer.1.sanitizer.4242)");

  EXPECT_TRUE(CollectSanitizerReports(dir.path() + "/missing").empty());
}

// ---- Planted bugs: cache-actor built with the sanitizer at hand. ----

#if defined(__SANITIZE_THREAD__)
constexpr const char* kBuildSanitizer = "thread";
#elif defined(__SANITIZE_ADDRESS__)
constexpr const char* kBuildSanitizer = "address";
#else
constexpr const char* kBuildSanitizer = "";
#endif

std::string CacheActor() {
  const char* actor = std::getenv("PRUNECHECK_CACHE_ACTOR");
  return actor ? actor : "cache-actor";
}

RunConfig InstallerAndReader() {
  RunConfig c;
  ActorSpec installer;
  installer.name = "installer-1";
  installer.role = Role::kInstall;
  installer.profile = "reference";
  ActorSpec reader = installer;
  reader.name = "reader-1";
  reader.role = Role::kRead;
  c.actors = {installer, reader};
  return c;
}

// Runs InstallerAndReader with `bug` planted in installer-1, fresh or pooled,
// and checks the verdict names installer-1 (and only it) with `what`.
void ExpectPlantedBugReported(const char* bug, const std::string& what, bool pooled) {
  ScopedEnv plant("PRUNECHECK_PLANT_BUG", (std::string("installer-1:") + bug).c_str());
  RunOptions o;
  o.transport = Transport::kProcess;
  o.cache_actor = CacheActor();
  o.keep_failed = false;
  std::optional<CacheActorPool> pool;  // started after the variable is set: the pool's processes inherit it
  if (pooled) {
    pool.emplace(o.cache_actor);
    o.pool = &*pool;
  }
  auto strategy = MakeRandomStrategy(/*seed=*/3);
  RunResult r = RunControlled(InstallerAndReader(), *strategy, /*seed=*/3, o);
  ASSERT_TRUE(r.error.ok()) << r.error.ToString();
  EXPECT_FALSE(r.passed);
  int sanitizer_violations = 0;
  for (const HarnessViolation& v : r.violations) {
    if (v.invariant != Invariant::kSanitizer) continue;
    ++sanitizer_violations;
    EXPECT_EQ(v.actor, "installer-1") << v.message;
    EXPECT_NE(v.message.find("actor installer-1 (pid "), std::string::npos) << v.message;
    EXPECT_NE(v.message.find(what), std::string::npos) << v.message;
    EXPECT_NE(v.message.find("#0 "), std::string::npos) << "no frames shown: " << v.message;
  }
  EXPECT_EQ(sanitizer_violations, 1) << Summary(InstallerAndReader(), r);
}

TEST(SanitizerReportsTest, DisplayKeepsReportLinesApartAndEscapesEachOne) {
  SanitizerReport r;
  r.actor = "installer";
  r.pid = 42;
  r.path = "/run/logs/installer.sanitizer.42";
  r.summary = "ThreadSanitizer: data race x.cc:66 in F()";
  r.frames = {"#0 F() x.cc:66", "#1 G\x1b[31m() y.cc:7"};
  const std::string shown = ViolationForDisplay(SanitizerViolation(r));
  EXPECT_EQ(shown,
            "actor installer (pid 42): ThreadSanitizer: data race x.cc:66 in F()\n"
            "      #0 F() x.cc:66\n"
            "      #1 G\\x1b[31m() y.cc:7\n"
            "      (whole report: /run/logs/installer.sanitizer.42)");
  // Any other invariant's message is escaped whole: a name with a newline
  // cannot start a line of the verdict.
  HarnessViolation forged;
  forged.invariant = Invariant::kNoDanglingReference;
  forged.message = "entry x\n  [containment] fake";
  EXPECT_EQ(ViolationForDisplay(forged).find('\n'), std::string::npos) << ViolationForDisplay(forged);
}

TEST(PlantedBugTest, DataRaceInCacheActorIsReportedNamingTheActor) {
  if (std::string(kBuildSanitizer) != "thread") {
    GTEST_SKIP() << "needs the tsan preset: only ThreadSanitizer reports the planted data race";
  }
  ExpectPlantedBugReported("data-race", "ThreadSanitizer: data race", /*pooled=*/false);
  ExpectPlantedBugReported("data-race", "ThreadSanitizer: data race", /*pooled=*/true);
}

TEST(PlantedBugTest, HeapOverflowInCacheActorIsReportedNamingTheActor) {
  if (std::string(kBuildSanitizer) != "address") {
    GTEST_SKIP() << "needs the asan preset: only AddressSanitizer reports the planted heap overflow";
  }
  ExpectPlantedBugReported("heap-overflow", "AddressSanitizer: heap-buffer-overflow", /*pooled=*/false);
  ExpectPlantedBugReported("heap-overflow", "AddressSanitizer: heap-buffer-overflow", /*pooled=*/true);
}

TEST(PlantedBugTest, UnsanitizedCacheActorRefusesToPlantABug) {
  if (std::string(kBuildSanitizer) != "") GTEST_SKIP() << "a sanitized cache-actor honours the variable";
  ScopedTempDir dir("planted-bug-test");
  ASSERT_TRUE(dir.ok());
  const std::string cmd = "PRUNECHECK_PLANT_BUG=x:heap-overflow PRUNECHECK_ACTOR_NAME=x '" + CacheActor() + "' prune --cache '" +
                          dir.path() + "/c' 2>/dev/null";
  const int status = std::system(cmd.c_str());
  ASSERT_TRUE(WIFEXITED(status));
  EXPECT_EQ(WEXITSTATUS(status), 2);
  EXPECT_FALSE(std::filesystem::exists(dir.path() + "/c")) << "it went on with the operation";
}

}  // namespace
}  // namespace prunecheck::harness
