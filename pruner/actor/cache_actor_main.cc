// cache-actor: every cache operation under every profile, from the command
// line. Usable by hand on a real directory and spawned by the harness.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "pruner/actor/exit_codes.h"
#include "pruner/actor/trace_yield_points.h"
#include "pruner/base/file_system.h"
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
  std::vector<std::string> stop_at;
  long long seed = -1;
};

// The last failure Fail() printed: the control channel's result reports it.
Status& LastFailure() {
  static Status last;
  return last;
}

int Fail(const std::string& what, const Status& st, int code) {
  std::fprintf(stderr, "cache-actor: %s: %s\n", what.c_str(), st.ToString().c_str());
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

void PrintJson(const nlohmann::json& j) { std::cout << j.dump() << "\n"; }

nlohmann::json ToJson(const std::vector<std::string>& v) { return nlohmann::json(v); }

class Actor {
 public:
  // `channel`: the harness's control channel, or nullptr when run by hand.
  explicit Actor(const CommonArgs& a, YieldPoints* channel = nullptr) : args_(a), channel_(channel) {}

  // Opens a session; on failure prints and returns the exit code via *code.
  std::unique_ptr<CacheSession> Open(int* code) {
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
    if (args_.no_fsync) {
      no_sync_ = std::make_unique<NoSyncFileSystem>(DefaultFileSystem());
      opts.fs = no_sync_.get();
    }
    Result<std::unique_ptr<CacheSession>> s = CacheSession::Open(args_.cache, opts);
    if (!s.ok()) {
      *code = Fail("opening cache " + args_.cache, s.status(),
                   s.status().Is(StatusCode::kInvalidInput) ? kExitBadInput : ExitCodeFor(s.status()));
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
    std::unique_ptr<CacheSession> session = Open(&code);
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
                 {"referenced", r->referenced}});
    } else {
      auto list = [](const char* what, const std::vector<std::string>& v) {
        std::printf("prune: %s: %zu", what, v.size());
        for (const std::string& s : v) std::printf(" %s", s.c_str());
        std::printf("\n");
      };
      const bool uses_grace = session->profile().selection != PruneSelection::kAllUnreferenced;
      std::printf("prune (%s%s): %zu archives referenced\n", args_.profile.c_str(),
                  uses_grace ? (", grace " + std::to_string(session->grace().count()) + "s").c_str() : "",
                  r->referenced);
      list("removed archives", r->removed_archives);
      list("removed temp dirs", r->removed_temp_dirs);
      list("removed other", r->removed_other);
      list("skipped (in use)", r->skipped_in_use);
      list("kept (within grace)", r->kept_for_grace);
      if (!r->resumed_from_trash.empty()) list("finished interrupted removals", r->resumed_from_trash);
    }
    return kExitOk;
  }

  int RunClean() {
    int code = kExitOk;
    std::unique_ptr<CacheSession> session = Open(&code);
    if (!session) return code;
    Result<CleanReport> r = session->Clean(args_.package);
    if (!r.ok()) return Fail("clean " + args_.package, r.status(), ExitCodeFor(r.status()));
    if (args_.json) {
      PrintJson({{"op", "clean"},
                 {"package", args_.package},
                 {"removed_entries", ToJson(r->removed_entries)},
                 {"removed_archives", ToJson(r->removed_archives)},
                 {"skipped_in_use", ToJson(r->skipped_in_use)}});
    } else {
      std::printf("clean %s: removed %zu entries, %zu archives; %zu archives in use left for a later prune\n",
                  args_.package.c_str(), r->removed_entries.size(), r->removed_archives.size(),
                  r->skipped_in_use.size());
    }
    return kExitOk;
  }

  int RunCheck() {
    FileSystem* fs = DefaultFileSystem();
    Result<Fd> root = fs->OpenDir(AT_FDCWD, args_.cache);
    if (!root.ok()) return Fail("opening cache " + args_.cache, root.status(), kExitBadInput);
    Result<CacheScan> scan = ScanCache(*fs, root->get(), true);
    if (!scan.ok()) return Fail("check", scan.status(), ExitCodeFor(scan.status()));
    nlohmann::json violations = nlohmann::json::array();
    for (const Violation& v : scan->violations) {
      violations.push_back({{"invariant", v.invariant}, {"subject", v.subject}, {"message", v.message}});
    }
    if (args_.json) {
      PrintJson({{"op", "check"},
                 {"archives", scan->archives.size()},
                 {"unreferenced_archives", scan->UnreferencedArchives()},
                 {"entries", scan->entries.size()},
                 {"temp_dirs", scan->temp_dirs},
                 {"trash", scan->trash},
                 {"violations", violations}});
    } else {
      std::printf("check: %zu archives (%zu unreferenced), %zu entries, %zu temp dirs, %zu in trash\n",
                  scan->archives.size(), scan->UnreferencedArchives(), scan->entries.size(),
                  scan->temp_dirs.size(), scan->trash.size());
      for (const Violation& v : scan->violations) {
        std::printf("violation %s: %s\n", v.invariant.c_str(), v.message.c_str());
      }
      if (scan->violations.empty()) std::printf("check: no violations\n");
    }
    if (scan->violations.empty()) return kExitOk;
    LastFailure() = Status(StatusCode::kVerificationFailed,
                           "check found " + std::to_string(scan->violations.size()) + " violation(s)");
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

}  // namespace
}  // namespace prunecheck

int main(int argc, char** argv) {
  using namespace prunecheck;
  CLI::App app{
      "cache-actor: plays one actor (installer, reader, refresher, pruner, cleaner) of a uv-style\n"
      "package cache under a chosen protocol profile. See `cache-actor profiles`."};
  app.footer(kExitCodeHelp);
  app.require_subcommand(1);
  std::string actor_name = "cache-actor";
  app.add_option("--actor-name", actor_name, "name this actor gives the harness (when PRUNECHECK_CONTROL_FD is set)")
      ->envname("PRUNECHECK_ACTOR_NAME")
      ->capture_default_str();
  CommonArgs args;

  auto add_common = [&](CLI::App* sub, bool needs_cache = true) {
    auto* c = sub->add_option("--cache", args.cache, "cache root directory (created if missing)");
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

  std::string op;
  CLI::App* install = app.add_subcommand("install", "install a wheel: cache hit if cached, else unpack and reference it");
  add_install_like(install);
  CLI::App* read = app.add_subcommand("read", "cache hit only: link a cached wheel (exit 6 if not cached)");
  add_install_like(read);
  CLI::App* refresh = app.add_subcommand("refresh", "re-download: unpack anew and repoint the entry, displacing the old archive");
  add_install_like(refresh);
  CLI::App* prune = app.add_subcommand("prune", "remove what the profile's prune rules say");
  add_common(prune);
  prune->add_option("--grace", args.grace_seconds, "grace period in seconds (default: the profile's)")
      ->check(CLI::NonNegativeNumber);
  CLI::App* clean = app.add_subcommand("clean", "remove one package's entries and archives (uv cache clean PKG)");
  add_common(clean);
  clean->add_option("package", args.package, "package name")->required();
  CLI::App* check = app.add_subcommand("check", "scan a cache at rest for dangling references and partial archives");
  check->add_option("--cache", args.cache, "cache root directory")->required()->check(CLI::ExistingDirectory);
  check->add_flag("--json", args.json, "print the result as one JSON object");
  CLI::App* profiles = app.add_subcommand("profiles", "list the simulated versions and mutants");
  profiles->add_flag("--json", args.json, "print as JSON");

  MakeWheelArgs mw;
  CLI::App* make_wheel = app.add_subcommand("make-wheel", "write a deterministic synthetic wheel (test fixture)");
  make_wheel->add_option("--out", mw.out_dir, "directory to write into")->capture_default_str()->check(CLI::ExistingDirectory);
  make_wheel->add_option("--name", mw.spec.distribution, "distribution name")->capture_default_str();
  make_wheel->add_option("--version", mw.spec.version, "version")->capture_default_str();
  make_wheel->add_option("--seed", mw.spec.seed, "content seed")->capture_default_str();
  make_wheel->add_option("--files", mw.spec.file_count, "number of files")->capture_default_str()->check(CLI::Range(0, 1000000));
  make_wheel->add_option("--max-size", mw.spec.max_file_size, "largest file in bytes")->capture_default_str();

  std::string demo_dir;
  bool demo_keep = false;
  std::string demo_profile = "reference";
  CLI::App* demo = app.add_subcommand("demo", "install, hit, refresh and prune a synthetic wheel, narrating each step");
  demo->add_option("--dir", demo_dir, "work here instead of a fresh /tmp directory (kept)");
  demo->add_option("--profile", demo_profile, "protocol profile")->capture_default_str();
  demo->add_flag("--keep", demo_keep, "keep the temporary directory");

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);
    return kExitBadInput;
  }

  // Spawned by the harness (harness/PROTOCOL.md): the operations talk over the
  // control channel and end with a result message.
  std::unique_ptr<ChannelYieldPoints> channel;
  const bool operation = install->parsed() || read->parsed() || refresh->parsed() || prune->parsed() ||
                         clean->parsed() || check->parsed();
  if (operation) {
    Result<std::unique_ptr<ChannelYieldPoints>> c = ChannelYieldPoints::FromEnvironment(actor_name);
    if (!c.ok()) return Fail("control channel", c.status(), kExitBadInput);
    channel = std::move(c).value();
  }
  auto finish = [&](int rc) {
    if (channel) {
      Status st = rc == kExitOk             ? Status::Ok()
                  : !LastFailure().ok()     ? LastFailure()
                                            : Status(StatusCode::kIoError, "exit code " + std::to_string(rc));
      std::fflush(stdout);
      channel->Finish(rc, st);
    }
    return rc;
  };

  Actor actor(args, channel.get());
  if (install->parsed()) return finish(actor.RunInstallLike("install"));
  if (read->parsed()) return finish(actor.RunInstallLike("read"));
  if (refresh->parsed()) return finish(actor.RunInstallLike("refresh"));
  if (prune->parsed()) return finish(actor.RunPrune());
  if (clean->parsed()) return finish(actor.RunClean());
  if (check->parsed()) return finish(actor.RunCheck());
  if (profiles->parsed()) return RunProfiles(args.json);
  if (make_wheel->parsed()) return RunMakeWheel(mw);
  if (demo->parsed()) {
    if (!FindProfile(demo_profile).ok()) return Fail("--profile", FindProfile(demo_profile).status(), kExitBadInput);
    return RunDemo(demo_dir, demo_profile, demo_keep);
  }
  return kExitInternal;
}
