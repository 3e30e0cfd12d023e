// cache-actor: every cache operation under every profile, from the command
// line. Usable by hand on a real directory and spawned by the harness, either
// once per operation or as a serving process (`cache-actor serve`) that runs
// one operation per `run` message, reused across runs to save the process
// start-up (harness/PROTOCOL.md §4.1).
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pruner/actor/exit_codes.h"
#include "pruner/actor/sanitizer_hooks.h"
#include "pruner/actor/trace_yield_points.h"
#include "pruner/base/escape.h"
#include "pruner/base/file_system.h"
#include "pruner/base/local_time_zone.h"
#include "pruner/base/id_source.h"
#include "pruner/base/no_sync_file_system.h"
#include "pruner/cache/cache_scan.h"
#include "pruner/cache/cache_session.h"
#include "pruner/channel/channel_yield_points.h"
#include "pruner/profiles/profile_registry.h"
#include "pruner/wheel/fixture_wheel.h"

namespace prunecheck {
namespace {

struct CommonArgs {
  std::string cache;
  std::string profile = "reference";
  std::string wheel;
  std::string env;
  std::string link_mode = "hardlink";
  std::string package;
  long grace_seconds = -1;
  long lock_timeout_ms = 30000;
  bool trace = false;
  bool json = false;
  bool no_fsync = false;
  bool verbose = false;
  std::vector<std::string> stop_at;
  long long seed = -1;
};

// The last failure Fail() printed: the control channel's result reports it.
Status& LastFailure() {
  static Status last;
  return last;
}

// Every name printed in a human-readable line goes through EscapeName: a
// file name holding a newline must not forge a line of output.
int Fail(const std::string& what, const Status& st, int code) {
  std::fprintf(stderr, "cache-actor: %s: %s\n", EscapeName(what).c_str(), EscapeName(st.ToString()).c_str());
  LastFailure() = st.Annotate(what);
  return code;
}

// --trace/--stop-at while the harness drives the actor: print (and stop) as
// usual, then hand the point to the channel. Lock waits are the channel's.
class TraceThenChannel final : public YieldPoints {
 public:
  TraceThenChannel(TraceYieldPoints trace, YieldPoints* channel) : trace_(std::move(trace)), channel_(channel) {}
  void Yield(std::string_view point, std::string_view subject) override {
    trace_.Yield(point, subject);
    channel_->Yield(point, subject);
  }
  void Blocked(std::string_view point, std::chrono::microseconds backoff) override {
    trace_.Blocked(point, std::chrono::microseconds(0));
    channel_->Blocked(point, backoff);
  }
  void Report(const Event& e) override {
    trace_.Report(e);
    channel_->Report(e);
  }

 private:
  TraceYieldPoints trace_;
  YieldPoints* channel_;
};

// Names from the disk need not be UTF-8; JSON must be: such bytes become U+FFFD.
void PrintJson(const nlohmann::json& j) {
  std::cout << j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
}

nlohmann::json ToJson(const std::vector<SkippedEntry>& v) {
  nlohmann::json out = nlohmann::json::array();
  for (const SkippedEntry& e : v) out.push_back({{"subject", e.subject}, {"reason", e.reason}});
  return out;
}

nlohmann::json ToJson(const std::vector<std::string>& v) { return nlohmann::json(v); }

class Actor {
 public:
  // `channel`: the harness's control channel, or nullptr when run by hand.
  explicit Actor(const CommonArgs& a, YieldPoints* channel = nullptr) : args_(a), channel_(channel) {}

  // Opens a session; on failure prints and returns the exit code via *code.
  // `create`: install-like operations create a missing cache; prune and
  // clean never do (a missing or foreign directory is bad input, exit 2).
  std::unique_ptr<CacheSession> Open(int* code, bool create = true) {
    Result<const ProfileSpec*> profile = FindProfile(args_.profile);
    if (!profile.ok()) {
      *code = Fail("--profile", profile.status(), kExitBadInput);
      return nullptr;
    }
    TraceYieldPoints trace(args_.trace, std::set<std::string>(args_.stop_at.begin(), args_.stop_at.end()));
    if (channel_ == nullptr) {
      points_ = std::make_unique<TraceYieldPoints>(std::move(trace));
    } else if (args_.trace || !args_.stop_at.empty()) {
      points_ = std::make_unique<TraceThenChannel>(std::move(trace), channel_);
    }
    if (args_.seed >= 0) ids_ = std::make_unique<SeededIdSource>(static_cast<uint64_t>(args_.seed));
    SessionOptions opts;
    opts.profile = *profile;
    opts.points = points_ ? points_.get() : channel_;
    opts.ids = ids_.get();
    if (args_.grace_seconds >= 0) opts.grace = std::chrono::seconds(args_.grace_seconds);
    opts.lock_timeout = std::chrono::milliseconds(args_.lock_timeout_ms);
    opts.create = create;
    if (args_.no_fsync) {
      no_sync_ = std::make_unique<NoSyncFileSystem>(DefaultFileSystem());
      opts.fs = no_sync_.get();
    }
    Result<std::unique_ptr<CacheSession>> s = CacheSession::Open(args_.cache, opts);
    if (!s.ok()) {
      const bool bad_input = s.status().Is(StatusCode::kInvalidInput) || (!create && s.status().Is(StatusCode::kNotFound));
      *code = Fail("opening cache " + args_.cache, s.status(), bad_input ? kExitBadInput : ExitCodeFor(s.status()));
      return nullptr;
    }
    return std::move(s).value();
  }

  // install / read / refresh
  int RunInstallLike(const std::string& op) {
    Result<LinkMode> mode = ParseLinkMode(args_.link_mode);
    if (!mode.ok()) return Fail("--link-mode", mode.status(), kExitBadInput);
    if (op != "read") {
      struct stat st {};
      if (::stat(args_.wheel.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
        return Fail("--wheel", Status(StatusCode::kInvalidInput, args_.wheel + " is not a readable file"),
                    kExitBadInput);
      }
    }
    int code = kExitOk;
    std::unique_ptr<CacheSession> session = Open(&code);
    if (!session) return code;
    InstallRequest req{args_.wheel, args_.env, *mode, ""};
    if (op != "read") {
      // The library opens the wheel without following symlinks; a user's
      // wheel may well be a symlink into a store, so resolve it here and keep
      // the name the user gave for the cache entry.
      std::error_code ec;
      std::filesystem::path resolved = std::filesystem::canonical(args_.wheel, ec);
      if (!ec && resolved.string() != args_.wheel) {
        req.wheel_filename = std::filesystem::path(args_.wheel).filename().string();
        req.wheel_path = resolved.string();
      }
    }
    Result<InstallOutcome> out = op == "install" ? session->Install(req)
                                 : op == "read"  ? session->Read(req)
                                                 : session->Refresh(req);
    if (!out.ok()) {
      int rc = (op == "read" && out.status().Is(StatusCode::kNotFound)) ? kExitNotCached : ExitCodeFor(out.status());
      return Fail(op, out.status(), rc);
    }
    if (args_.json) {
      PrintJson({{"op", op},
                 {"profile", args_.profile},
                 {"cache_hit", out->cache_hit},
                 {"archive_id", out->archive_id},
                 {"entry", out->entry},
                 {"files_linked", out->files_linked},
                 {"displaced_archive", out->displaced_archive}});
    } else {
      std::printf("%s: %s archive %s via %s; linked %llu files into %s (%s), verified against RECORD\n",
                  op.c_str(), out->cache_hit ? "cache hit," : "unpacked new", out->archive_id.c_str(),
                  out->entry.c_str(), static_cast<unsigned long long>(out->files_linked), args_.env.c_str(),
                  args_.link_mode.c_str());
      if (!out->displaced_archive.empty()) {
        std::printf("%s: displaced archive %s (now unreferenced)\n", op.c_str(), out->displaced_archive.c_str());
      }
    }
    return kExitOk;
  }

  int RunPrune() {
    int code = kExitOk;
    // Never creates a cache: a missing path is an error, and an existing
    // directory that is not a cache is refused by Prune.
    std::unique_ptr<CacheSession> session = Open(&code, /*create=*/false);
    if (!session) return code;
    Result<PruneReport> r = session->Prune();
    if (!r.ok()) return Fail("prune", r.status(), ExitCodeFor(r.status()));
    if (args_.json) {
      PrintJson({{"op", "prune"},
                 {"profile", args_.profile},
                 {"removed_archives", ToJson(r->removed_archives)},
                 {"removed_temp_dirs", ToJson(r->removed_temp_dirs)},
                 {"removed_other", ToJson(r->removed_other)},
                 {"skipped_in_use", ToJson(r->skipped_in_use)},
                 {"kept_for_grace", ToJson(r->kept_for_grace)},
                 {"resumed_from_trash", ToJson(r->resumed_from_trash)},
                 {"skipped", ToJson(r->skipped)},
                 {"removed_bytes", r->removed_bytes},
                 {"referenced", r->referenced}});
    } else {
      PrintPruneSummary(*session, *r);
    }
    return kExitOk;
  }

  // Counts and bytes; the names only with -v (a cache of thousands of
  // archives must not print thousands of ids). What could not be removed is
  // always named, up to a bound.
  void PrintPruneSummary(const CacheSession& session, const PruneReport& r) {
    const bool uses_grace = session.profile().selection != PruneSelection::kAllUnreferenced;
    std::printf("prune (%s%s): %zu archives referenced\n", EscapeName(args_.profile).c_str(),
                uses_grace ? (", grace " + std::to_string(session.grace().count()) + "s").c_str() : "",
                r.referenced);
    std::printf("prune: removed %zu archives, %zu temp dirs, %zu other entries (%llu bytes)\n",
                r.removed_archives.size(), r.removed_temp_dirs.size(), r.removed_other.size(),
                static_cast<unsigned long long>(r.removed_bytes));
    std::printf("prune: left %zu archives in use, %zu within the grace period\n", r.skipped_in_use.size(),
                r.kept_for_grace.size());
    if (!r.resumed_from_trash.empty()) {
      std::printf("prune: finished %zu interrupted removals\n", r.resumed_from_trash.size());
    }
    if (args_.verbose) {
      auto each = [](const char* what, const std::vector<std::string>& v) {
        for (const std::string& name : v) std::printf("prune: %s %s\n", what, EscapeName(name).c_str());
      };
      each("removed archive", r.removed_archives);
      each("removed temp dir", r.removed_temp_dirs);
      each("removed other", r.removed_other);
      each("in use", r.skipped_in_use);
      each("within grace", r.kept_for_grace);
      each("finished interrupted removal", r.resumed_from_trash);
    }
    PrintSkipped("prune", r.skipped);
  }

  void PrintSkipped(const char* op, const std::vector<SkippedEntry>& skipped) {
    if (skipped.empty()) return;
    constexpr size_t kShown = 20;
    std::printf("%s: skipped %zu entries it could not remove or judge (the rest was done):\n", op, skipped.size());
    for (size_t i = 0; i < skipped.size(); ++i) {
      if (i == kShown && !args_.verbose) {
        std::printf("%s: ... and %zu more (all with -v or --json)\n", op, skipped.size() - kShown);
        break;
      }
      std::printf("%s: skipped %s: %s\n", op, EscapeName(skipped[i].subject).c_str(),
                  EscapeName(skipped[i].reason).c_str());
    }
  }

  int RunClean() {
    int code = kExitOk;
    std::unique_ptr<CacheSession> session = Open(&code, /*create=*/false);
    if (!session) return code;
    Result<CleanReport> r = session->Clean(args_.package);
    if (!r.ok()) return Fail("clean " + args_.package, r.status(), ExitCodeFor(r.status()));
    if (args_.json) {
      PrintJson({{"op", "clean"},
                 {"package", args_.package},
                 {"removed_entries", ToJson(r->removed_entries)},
                 {"removed_archives", ToJson(r->removed_archives)},
                 {"skipped_in_use", ToJson(r->skipped_in_use)},
                 {"skipped", ToJson(r->skipped)}});
    } else {
      std::printf("clean %s: removed %zu entries, %zu archives; %zu archives in use left for a later prune\n",
                  EscapeName(args_.package).c_str(), r->removed_entries.size(), r->removed_archives.size(),
                  r->skipped_in_use.size());
      PrintSkipped("clean", r->skipped);
    }
    return kExitOk;
  }

  int RunWipe() {
    int code = kExitOk;
    std::unique_ptr<CacheSession> session = Open(&code, /*create=*/false);
    if (!session) return code;
    Result<WipeReport> r = session->Wipe();
    if (!r.ok()) return Fail("wipe", r.status(), ExitCodeFor(r.status()));
    if (args_.json) {
      PrintJson({{"op", "wipe"},
                 {"removed", ToJson(r->removed)},
                 {"removed_archives", ToJson(r->removed_archives)},
                 {"skipped", ToJson(r->skipped)}});
    } else {
      std::printf("wipe: removed %zu archives and %zu top-level directories; .lock unlinked\n",
                  r->removed_archives.size(), r->removed.size());
      PrintSkipped("wipe", r->skipped);
    }
    return kExitOk;
  }

  int RunCheck() {
    FileSystem* fs = DefaultFileSystem();
    Result<Fd> root = fs->OpenDir(AT_FDCWD, args_.cache);
    if (!root.ok()) return Fail("opening cache " + args_.cache, root.status(), kExitBadInput);
    if (Status is_cache = VerifyIsCache(*fs, root->get(), args_.cache); !is_cache.ok()) {
      return Fail("check", is_cache, kExitBadInput);
    }
    Result<CacheScan> scan = ScanCache(*fs, root->get(), true);
    if (!scan.ok()) return Fail("check", scan.status(), ExitCodeFor(scan.status()));
    nlohmann::json violations = nlohmann::json::array();
    for (const Violation& v : scan->violations) {
      violations.push_back({{"invariant", v.invariant}, {"subject", v.subject}, {"message", v.message}});
    }
    nlohmann::json findings = nlohmann::json::array();
    for (const Violation& f : scan->findings) {
      findings.push_back({{"kind", f.invariant}, {"subject", f.subject}, {"message", f.message}});
    }
    if (args_.json) {
      PrintJson({{"op", "check"},
                 {"archives", scan->archives.size()},
                 {"unreferenced_archives", scan->UnreferencedArchives()},
                 {"entries", scan->entries.size()},
                 {"temp_dirs", scan->temp_dirs},
                 {"trash", scan->trash},
                 {"violations", violations},
                 {"findings", findings}});
    } else {
      std::printf("check: %zu archives (%zu unreferenced), %zu entries, %zu temp dirs, %zu in trash\n",
                  scan->archives.size(), scan->UnreferencedArchives(), scan->entries.size(),
                  scan->temp_dirs.size(), scan->trash.size());
      for (const Violation& v : scan->violations) {
        std::printf("violation %s: %s\n", v.invariant.c_str(), EscapeName(v.message).c_str());
      }
      for (const Violation& f : scan->findings) {
        std::printf("finding %s: %s\n", f.invariant.c_str(), EscapeName(f.message).c_str());
      }
      if (scan->violations.empty() && scan->findings.empty()) std::printf("check: no violations\n");
    }
    if (scan->violations.empty() && scan->findings.empty()) return kExitOk;
    LastFailure() = Status(StatusCode::kVerificationFailed,
                           "check found " + std::to_string(scan->violations.size()) + " violation(s) and " +
                               std::to_string(scan->findings.size()) + " finding(s)");
    return kExitVerification;
  }

 private:
  const CommonArgs& args_;
  YieldPoints* channel_;
  std::unique_ptr<YieldPoints> points_;
  std::unique_ptr<IdSource> ids_;
  std::unique_ptr<FileSystem> no_sync_;
};

struct MakeWheelArgs {
  std::string out_dir = ".";
  FixtureWheelSpec spec;
};

int RunMakeWheel(const MakeWheelArgs& a) {
  Result<std::string> path = WriteFixtureWheel(a.out_dir, a.spec);
  if (!path.ok()) return Fail("make-wheel", path.status(), ExitCodeFor(path.status()));
  std::printf("%s\n", path->c_str());
  return kExitOk;
}

int RunProfiles(bool json) {
  nlohmann::json all = nlohmann::json::array();
  for (const ProfileSpec* p : AllProfiles()) {
    if (json) {
      all.push_back({{"name", p->name}, {"mutant", p->mutant}, {"description", p->description}});
    } else {
      std::printf("%-32s %s%s\n", p->name.c_str(), p->mutant ? "[mutant] " : "", p->description.c_str());
    }
  }
  if (json) PrintJson(all);
  return kExitOk;
}

// The main job until the harness exists: a guided tour that installs a wheel,
// hits the cache, refreshes (displacing the old archive) and prunes, under a
// chosen profile, printing each step and the physical check after it.
int RunDemo(const std::string& dir_arg, const std::string& profile_name, bool keep) {
  std::string dir = dir_arg;
  if (dir.empty()) {
    char tmpl[] = "/tmp/prunecheck-demo-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) return Fail("demo", Status::FromErrno(errno, "mkdtemp"), kExitIo);
    dir = tmpl;
  }
  std::printf("== prunecheck demo: profile %s, working in %s\n", profile_name.c_str(), dir.c_str());
  FixtureWheelSpec spec;
  spec.distribution = "demo_pkg";
  spec.version = "1.0.0";
  spec.file_count = 12;
  Result<std::string> wheel = WriteFixtureWheel(dir, spec);
  if (!wheel.ok()) return Fail("demo: writing fixture wheel", wheel.status(), kExitIo);
  std::printf("-- wrote a synthetic wheel: %s\n", wheel->c_str());

  CommonArgs base;
  base.cache = dir + "/cache";
  base.profile = profile_name;
  base.wheel = *wheel;
  base.grace_seconds = 0;  // so the demo's prune acts now rather than in an hour

  auto step = [&](const char* title, const std::string& env, const std::string& op) {
    std::printf("-- %s\n", title);
    CommonArgs a = base;
    a.env = env;
    Actor actor(a);
    int rc = op == "prune" ? actor.RunPrune() : op == "check" ? actor.RunCheck() : actor.RunInstallLike(op);
    if (rc != kExitOk) std::printf("   (exit code %d)\n", rc);
    return rc;
  };
  int rc = kExitOk;
  for (auto [title, env, op] : std::vector<std::tuple<const char*, std::string, std::string>>{
           {"install into env-a (cold cache: unpack, persist, reference, link)", dir + "/env-a", "install"},
           {"install into env-b (same wheel: a cache hit, still one archive)", dir + "/env-b", "install"},
           {"refresh (re-download: new archive, entry repointed, old one displaced)", dir + "/env-c", "refresh"},
           {"check the cache (invariants at quiescence)", "", "check"},
           {"prune (grace 0 for the demo: the displaced archive goes)", "", "prune"},
           {"check again", "", "check"},
           {"read from the cache into env-d (cache hit after prune)", dir + "/env-d", "read"}}) {
    rc = step(title, env, op);
    if (rc != kExitOk) break;
  }
  if (rc == kExitOk && !keep && dir_arg.empty()) {
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    std::printf("== demo finished; removed %s (use --keep to look around)\n", dir.c_str());
  } else {
    std::printf("== demo %s; files kept in %s\n", rc == kExitOk ? "finished" : "FAILED", dir.c_str());
  }
  return rc;
}

// What one cache-actor command line asks for.
enum class Op { kInstall, kRead, kRefresh, kPrune, kClean, kWipe, kCheck, kProfiles, kMakeWheel, kDemo, kServe };

struct CommandLine {
  Op op = Op::kProfiles;
  std::string actor_name = "cache-actor";
  CommonArgs args;
  MakeWheelArgs make_wheel;
  std::string demo_dir;
  bool demo_keep = false;
  std::string demo_profile = "reference";
  // Set when parsing ended the command: --help (0) or a parse error (2, with
  // `error` saying why). CLI11 has already printed it.
  int exit_code = -1;
  std::string error;
};

// The operations a harness drives over the control channel.
bool IsOperation(Op op) {
  return op == Op::kInstall || op == Op::kRead || op == Op::kRefresh || op == Op::kPrune || op == Op::kClean || op == Op::kWipe ||
         op == Op::kCheck;
}

// Parses cache-actor command lines (argv[0] is the program name). A serving
// actor parses every run's with one parser: building the CLI11 app costs
// hundreds of microseconds, many times a parse. Every parse starts from the
// defaults (the bound CommandLine is reset, CLI11's state cleared), so
// nothing carries over from an earlier command line.
class CommandLineParser {
 public:
  CommandLineParser() { Build(); }
  CommandLineParser(const CommandLineParser&) = delete;
  CommandLineParser& operator=(const CommandLineParser&) = delete;

  CommandLine Parse(int argc, const char* const* argv) {
    cl_ = CommandLine();
    app_.clear();
    try {
      app_.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
      cl_.exit_code = app_.exit(e);
      return cl_;
    } catch (const CLI::CallForAllHelp& e) {
      cl_.exit_code = app_.exit(e);
      return cl_;
    } catch (const CLI::ParseError& e) {
      app_.exit(e);
      cl_.exit_code = kExitBadInput;
      cl_.error = e.what();
      return cl_;
    }
    cl_.op = Op::kServe;  // require_subcommand(1): if none of the others, it was serve
    for (const auto& [sub, op] : subs_) {
      if (sub->parsed()) cl_.op = op;
    }
    return cl_;
  }

 private:
  void Build() {
    CommandLine& cl = cl_;
    CLI::App& app = app_;
    CommonArgs& args = cl.args;
    app.footer(kExitCodeHelp);
    app.require_subcommand(1);
    app.add_option("--actor-name", cl.actor_name, "name this actor gives the harness (when PRUNECHECK_CONTROL_FD is set)")
        ->envname("PRUNECHECK_ACTOR_NAME")
        ->capture_default_str();

    auto add_common = [&](CLI::App* sub, bool needs_cache = true) {
      auto* c = sub->add_option("--cache", args.cache, "cache root directory (install, read and refresh create it if missing; prune and clean refuse what is not a cache)");
      if (needs_cache) c->required();
      sub->add_option("--profile", args.profile, "protocol profile (see `cache-actor profiles`)")
          ->capture_default_str();
      sub->add_option("--lock-timeout-ms", args.lock_timeout_ms, "give up waiting for a lock after this long")
          ->capture_default_str()
          ->check(CLI::NonNegativeNumber);
      sub->add_flag("--trace", args.trace, "print yield points and events as JSON lines on stderr");
      sub->add_option("--stop-at", args.stop_at, "raise SIGSTOP at this yield point (repeatable)");
      sub->add_option("--seed", args.seed, "derive archive ids from this seed instead of the CSPRNG")
          ->check(CLI::NonNegativeNumber);
      sub->add_flag("--json", args.json, "print the result as one JSON object");
      sub->add_flag("--no-fsync", args.no_fsync,
                    "skip fsync (test harnesses: a killed process loses nothing fsync would keep)");
    };
    auto add_install_like = [&](CLI::App* sub) {
      add_common(sub);
      sub->add_option("--wheel", args.wheel, "the .whl file (for read: its filename names the entry)")->required();
      sub->add_option("--env", args.env, "environment directory to link into (created if missing)")->required();
      sub->add_option("--link-mode", args.link_mode, "hardlink, copy or symlink")
          ->capture_default_str()
          ->check(CLI::IsMember({"hardlink", "copy", "symlink"}));
    };

    CLI::App* install = app.add_subcommand("install", "install a wheel: cache hit if cached, else unpack and reference it");
    add_install_like(install);
    CLI::App* read = app.add_subcommand("read", "cache hit only: link a cached wheel (exit 6 if not cached)");
    add_install_like(read);
    CLI::App* refresh = app.add_subcommand("refresh", "re-download: unpack anew and repoint the entry, displacing the old archive");
    add_install_like(refresh);
    CLI::App* prune = app.add_subcommand("prune", "remove what the profile's prune rules say");
    add_common(prune);
    prune->add_flag("-v,--verbose", args.verbose, "also name every archive and entry removed or kept");
    prune->add_option("--grace", args.grace_seconds, "grace period in seconds (default: the profile's)")
        ->check(CLI::NonNegativeNumber);
    CLI::App* clean = app.add_subcommand("clean", "remove one package's entries and archives (uv cache clean PKG)");
    add_common(clean);
    clean->add_flag("-v,--verbose", args.verbose, "name every entry that could not be removed");
    clean->add_option("package", args.package, "package name")->required();
    CLI::App* wipe = app.add_subcommand("wipe", "remove the whole cache's contents, .lock last (uv cache clean, no package)");
    add_common(wipe);
    CLI::App* check = app.add_subcommand("check", "scan a cache at rest for dangling references and partial archives");
    check->add_option("--cache", args.cache, "cache root directory")->required()->check(CLI::ExistingDirectory);
    check->add_flag("--json", args.json, "print the result as one JSON object");
    CLI::App* profiles = app.add_subcommand("profiles", "list the simulated versions and mutants");
    profiles->add_flag("--json", args.json, "print as JSON");

    MakeWheelArgs& mw = cl.make_wheel;
    CLI::App* make_wheel = app.add_subcommand("make-wheel", "write a deterministic synthetic wheel (test fixture)");
    make_wheel->add_option("--out", mw.out_dir, "directory to write into")->capture_default_str()->check(CLI::ExistingDirectory);
    make_wheel->add_option("--name", mw.spec.distribution, "distribution name")->capture_default_str();
    make_wheel->add_option("--version", mw.spec.version, "version")->capture_default_str();
    make_wheel->add_option("--seed", mw.spec.seed, "content seed")->capture_default_str();
    make_wheel->add_option("--files", mw.spec.file_count, "number of files")->capture_default_str()->check(CLI::Range(0, 1000000));
    make_wheel->add_option("--max-size", mw.spec.max_file_size, "largest file in bytes")->capture_default_str();

    CLI::App* demo = app.add_subcommand("demo", "install, hit, refresh and prune a synthetic wheel, narrating each step");
    demo->add_option("--dir", cl.demo_dir, "work here instead of a fresh /tmp directory (kept)");
    demo->add_option("--profile", cl.demo_profile, "protocol profile")->capture_default_str();
    demo->add_flag("--keep", cl.demo_keep, "keep the temporary directory");

    app.add_subcommand("serve",
                       "harness only: serve many operations over the control channel, one per `run` message "
                       "(harness/PROTOCOL.md)");
    subs_ = {{install, Op::kInstall}, {read, Op::kRead},     {refresh, Op::kRefresh},
             {prune, Op::kPrune},     {clean, Op::kClean},   {wipe, Op::kWipe},     {check, Op::kCheck},
             {profiles, Op::kProfiles}, {make_wheel, Op::kMakeWheel}, {demo, Op::kDemo}};
  }

  CommandLine cl_;  // what app_'s options are bound to; declared first
  CLI::App app_{
      "cache-actor: plays one actor (installer, reader, refresher, pruner, cleaner) of a uv-style\n"
      "package cache under a chosen protocol profile. See `cache-actor profiles`."};
  std::vector<std::pair<CLI::App*, Op>> subs_;
};

// Runs an operation (IsOperation(cl.op)) as actor `actor_name`; `channel` is
// the harness's control channel, or nullptr when run by hand. Every object
// the operation uses is created here and gone when it returns: fds, locks,
// id source.
int RunOperation(const CommandLine& cl, const std::string& actor_name, YieldPoints* channel) {
  if (Status planted = MaybePlantBug(actor_name); !planted.ok()) return Fail("planted bug", planted, kExitBadInput);
  Actor actor(cl.args, channel);
  switch (cl.op) {
    case Op::kInstall: return actor.RunInstallLike("install");
    case Op::kRead: return actor.RunInstallLike("read");
    case Op::kRefresh: return actor.RunInstallLike("refresh");
    case Op::kPrune: return actor.RunPrune();
    case Op::kClean: return actor.RunClean();
    case Op::kWipe: return actor.RunWipe();
    case Op::kCheck: return actor.RunCheck();
    default: return kExitInternal;
  }
}

// Ends an operation on the channel: its result, with the failure Fail() saw.
int SendResult(ChannelYieldPoints& channel, int rc) {
  Status st = rc == kExitOk          ? Status::Ok()
              : !LastFailure().ok()  ? LastFailure()
                                     : Status(StatusCode::kIoError, "exit code " + std::to_string(rc));
  std::fflush(stdout);
  channel.Finish(rc, st);
  return rc;
}

// Points fds 1 and 2 at one run's log files for the duration of that run, so
// a serving actor writes each run's output where a fresh process would.
class RunStdio {
 public:
  RunStdio() = default;
  RunStdio(const RunStdio&) = delete;
  RunStdio& operator=(const RunStdio&) = delete;
  ~RunStdio() { Restore(); }

  // Empty paths leave that fd alone. Files are created or truncated.
  Status Redirect(const std::string& out_path, const std::string& err_path) {
    Flush();
    int out = -1;
    if (!out_path.empty()) {
      out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (out < 0) return Status::FromErrno(errno, "opening stdout file " + out_path);
      PC_RETURN_IF_ERROR(Point(STDOUT_FILENO, out));
    }
    if (!err_path.empty()) {
      if (err_path == out_path) return Point(STDERR_FILENO, STDOUT_FILENO);
      int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
      if (err < 0) return Status::FromErrno(errno, "opening stderr file " + err_path);
      PC_RETURN_IF_ERROR(Point(STDERR_FILENO, err));
    }
    return Status::Ok();
  }

  // Flushes what the run wrote and points fds 1 and 2 back where they were.
  void Restore() {
    Flush();
    for (int fd : {STDOUT_FILENO, STDERR_FILENO}) {
      int& saved = saved_[fd - 1];
      if (saved < 0) continue;
      ::dup2(saved, fd);
      ::close(saved);
      saved = -1;
    }
    // A run that hit a write error (a full disk) must not leave the streams
    // failed for the next one.
    std::clearerr(stdout);
    std::clearerr(stderr);
    std::cout.clear();
    std::cerr.clear();
  }

 private:
  static void Flush() {
    std::cout.flush();
    std::cerr.flush();
    std::fflush(stdout);
    std::fflush(stderr);
  }
  // Makes `fd` refer to what `target` refers to, keeping the old one to
  // restore. Closes `target` unless it is a standard fd.
  Status Point(int fd, int target) {
    Status st = Status::Ok();
    saved_[fd - 1] = ::fcntl(fd, F_DUPFD_CLOEXEC, 10);
    if (saved_[fd - 1] < 0 || ::dup2(target, fd) < 0) st = Status::FromErrno(errno, "redirecting fd " + std::to_string(fd));
    if (target > STDERR_FILENO) ::close(target);
    return st;
  }

  int saved_[2] = {-1, -1};  // the serving process's own fds 1 and 2
};

// `cache-actor serve`: one control-channel connection, many operations. Each
// `run` is parsed and run exactly as the one-shot command line would be, with
// fresh objects seeded from its own arguments, and ends with its result. The
// harness closing the channel ends the process (exit 0).
int Serve(const std::string& actor_name) {
  Result<std::unique_ptr<ChannelYieldPoints>> c = ChannelYieldPoints::FromEnvironment(actor_name, /*serve=*/true);
  if (!c.ok()) return Fail("control channel", c.status(), kExitBadInput);
  if (*c == nullptr) {
    return Fail("serve", Status(StatusCode::kInvalidInput, std::string(kControlFdEnv) +
                                                               " is not set: serve is started by the harness"),
                kExitBadInput);
  }
  std::unique_ptr<ChannelYieldPoints> channel = std::move(c).value();
  CommandLineParser parser;
  while (std::optional<ControlMessage> run = channel->NextRun()) {
    channel->BeginRun(*run);
    LastFailure() = Status::Ok();
    int rc = kExitOk;
    SetSanitizerReportPath(run->sanitizer_log);
    {
      RunStdio stdio;
      if (Status st = stdio.Redirect(run->stdout_path, run->stderr_path); !st.ok()) {
        rc = Fail("serve", st, kExitIo);
      } else {
        std::vector<const char*> argv = {"cache-actor"};
        for (const std::string& a : run->argv) argv.push_back(a.c_str());
        CommandLine cl = parser.Parse(static_cast<int>(argv.size()), argv.data());
        if (cl.exit_code >= 0) {
          rc = cl.exit_code;
          if (rc != kExitOk) LastFailure() = Status(StatusCode::kInvalidInput, cl.error);
        } else if (!IsOperation(cl.op)) {
          rc = Fail("serve", Status(StatusCode::kInvalidInput,
                                    "a run must be install, read, refresh, prune, clean or check, not '" +
                                        run->argv[0] + "'"),
                    kExitBadInput);
        } else {
          rc = RunOperation(cl, run->actor, channel.get());
        }
      }
    }  // the run's output is flushed to its files before its result goes out
    // Between runs the run directory may be gone: back to the process's stderr.
    SetSanitizerReportPath("");
    SendResult(*channel, rc);
  }
  return kExitOk;
}

}  // namespace
}  // namespace prunecheck

int main(int argc, char** argv) {
  using namespace prunecheck;
  PinLocalTimeZone();  // before anything reads the zone; see local_time_zone.h
  CommandLine cl = CommandLineParser().Parse(argc, argv);
  if (cl.exit_code >= 0) return cl.exit_code;
  if (cl.op == Op::kServe) return Serve(cl.actor_name);
  if (IsOperation(cl.op)) {
    // Spawned by the harness (harness/PROTOCOL.md): the operation talks over
    // the control channel and ends with a result message.
    Result<std::unique_ptr<ChannelYieldPoints>> c = ChannelYieldPoints::FromEnvironment(cl.actor_name);
    if (!c.ok()) return Fail("control channel", c.status(), kExitBadInput);
    std::unique_ptr<ChannelYieldPoints> channel = std::move(c).value();
    const int rc = RunOperation(cl, cl.actor_name, channel.get());
    return channel ? SendResult(*channel, rc) : rc;
  }
  switch (cl.op) {
    case Op::kProfiles: return RunProfiles(cl.args.json);
    case Op::kMakeWheel: return RunMakeWheel(cl.make_wheel);
    case Op::kDemo:
      if (!FindProfile(cl.demo_profile).ok()) {
        return Fail("--profile", FindProfile(cl.demo_profile).status(), kExitBadInput);
      }
      return RunDemo(cl.demo_dir, cl.demo_profile, cl.demo_keep);
    default: return kExitInternal;
  }
}
