// RapidCheck stateful test of the reference profile in sequential use.
//
// Random install / read / refresh / clean / prune / "time passes" commands,
// plus debris a crashed process would leave (an archive persisted but never
// referenced, a half-unpacked temp dir, a half-emptied trash), run against a
// counting model. After every command the cache is scanned: no reference
// dangles, no partial archive is visible, referenced content matches RECORD;
// and after every prune, nothing unreferenced is left that was seen longer
// than the grace ago. A failure prints the command sequence and a
// RC_PARAMS="reproduce=..." string.
#include <gtest/gtest.h>
#include <rapidcheck/gtest.h>
#include <rapidcheck/state.h>

#include <fstream>

#include "pruner/base/id_source.h"
#include "pruner/cache/cache_scan.h"
#include "pruner/cache/cache_test_support.h"
#include "pruner/wheel/wheel_extractor.h"
#include "pruner/base/scoped_temp_dir.h"

namespace prunecheck::testing {
namespace {

constexpr int kPackages = 3;
constexpr auto kGrace = std::chrono::seconds(3600);

// What the cache should hold, in counts (archive ids are random, so the model
// tracks how many things are in which state rather than which ids).
struct Model {
  std::array<bool, kPackages> cached{};
  // Unreferenced things by grace state: never seen by a prune / seen / seen longer than the grace.
  int archives_unseen = 0, archives_seen = 0, archives_aged = 0;
  int temps_unseen = 0, temps_seen = 0, temps_aged = 0;
  int trash = 0;
  int Cached() const { return static_cast<int>(std::count(cached.begin(), cached.end(), true)); }
  int Unreferenced() const { return archives_unseen + archives_seen + archives_aged; }
};

struct Sut {
  Sut() {
    if (!tmp.ok()) std::abort();  // RapidCheck's command bodies cannot ASSERT
    dir = tmp.path();
    cache = dir + "/cache";
    fs::create_directories(dir + "/wheels");
    for (int i = 0; i < kPackages; ++i) {
      FixtureWheelSpec spec;
      spec.distribution = "pkg" + std::to_string(i);
      spec.seed = static_cast<uint64_t>(i + 1);
      spec.file_count = 4;
      wheels.push_back(*WriteFixtureWheel(dir + "/wheels", spec));
    }
    SessionOptions o;
    o.profile = *FindProfile("reference");
    o.grace = kGrace;
    session = std::move(CacheSession::Open(cache, o)).value();
  }
  ~Sut() { session.reset(); }  // before tmp removes the tree
  InstallRequest Req(int pkg) { return {wheels[static_cast<size_t>(pkg)], dir + "/env", LinkMode::kHardlink, ""}; }

  ScopedTempDir tmp{"prunecheck-rc"};
  std::string dir, cache;
  std::vector<std::string> wheels;
  std::unique_ptr<CacheSession> session;
  CsprngIdSource ids;
};

using Command = rc::state::Command<Model, Sut>;

// The physical invariants, after every command.
void CheckInvariants(const Model& after, Sut& sut) {
  Result<Fd> root = DefaultFileSystem()->OpenDir(AT_FDCWD, sut.cache);
  RC_ASSERT(root.ok());
  Result<CacheScan> scan = ScanCache(*DefaultFileSystem(), root->get(), true);
  RC_ASSERT(scan.ok());
  for (const Violation& v : scan->violations) RC_FAIL(v.invariant + ": " + v.message);
  RC_ASSERT(scan->archives.size() == static_cast<size_t>(after.Cached() + after.Unreferenced()));
  RC_ASSERT(scan->UnreferencedArchives() == static_cast<size_t>(after.Unreferenced()));
}

struct Install : Command {
  int pkg = *rc::gen::inRange(0, kPackages);
  void apply(Model& m) const override { m.cached[static_cast<size_t>(pkg)] = true; }
  void run(const Model& m, Sut& sut) const override {
    Result<InstallOutcome> out = sut.session->Install(sut.Req(pkg));
    RC_ASSERT(out.ok());
    RC_ASSERT(out->cache_hit == m.cached[static_cast<size_t>(pkg)]);
    Model next = m;
    apply(next);
    CheckInvariants(next, sut);
  }
  void show(std::ostream& os) const override { os << "Install(pkg" << pkg << ")"; }
};

struct Read : Command {
  int pkg = *rc::gen::inRange(0, kPackages);
  void run(const Model& m, Sut& sut) const override {
    Result<InstallOutcome> out = sut.session->Read(sut.Req(pkg));
    if (m.cached[static_cast<size_t>(pkg)]) {
      RC_ASSERT(out.ok());
      RC_ASSERT(out->cache_hit);
    } else {
      RC_ASSERT(out.status().Is(StatusCode::kNotFound));
    }
    CheckInvariants(m, sut);
  }
  void show(std::ostream& os) const override { os << "Read(pkg" << pkg << ")"; }
};

struct Refresh : Command {
  int pkg = *rc::gen::inRange(0, kPackages);
  void apply(Model& m) const override {
    if (m.cached[static_cast<size_t>(pkg)]) ++m.archives_unseen;
    m.cached[static_cast<size_t>(pkg)] = true;
  }
  void run(const Model& m, Sut& sut) const override {
    Result<InstallOutcome> out = sut.session->Refresh(sut.Req(pkg));
    RC_ASSERT(out.ok());
    RC_ASSERT(out->displaced_archive.empty() == !m.cached[static_cast<size_t>(pkg)]);
    Model next = m;
    apply(next);
    CheckInvariants(next, sut);
  }
  void show(std::ostream& os) const override { os << "Refresh(pkg" << pkg << ")"; }
};

struct Clean : Command {
  int pkg = *rc::gen::inRange(0, kPackages);
  void apply(Model& m) const override { m.cached[static_cast<size_t>(pkg)] = false; }
  void run(const Model& m, Sut& sut) const override {
    Result<CleanReport> r = sut.session->Clean("pkg" + std::to_string(pkg));
    RC_ASSERT(r.ok());
    RC_ASSERT(r->removed_archives.size() == (m.cached[static_cast<size_t>(pkg)] ? 1u : 0u));
    Model next = m;
    apply(next);
    CheckInvariants(next, sut);
  }
  void show(std::ostream& os) const override { os << "Clean(pkg" << pkg << ")"; }
};

struct Prune : Command {
  void apply(Model& m) const override {
    m.archives_aged = 0;
    m.archives_seen += m.archives_unseen;
    m.archives_unseen = 0;
    m.temps_aged = 0;
    m.temps_seen += m.temps_unseen;
    m.temps_unseen = 0;
    m.trash = 0;
  }
  void run(const Model& m, Sut& sut) const override {
    Result<PruneReport> r = sut.session->Prune();
    RC_ASSERT(r.ok());
    RC_ASSERT(r->removed_archives.size() == static_cast<size_t>(m.archives_aged));
    RC_ASSERT(r->removed_temp_dirs.size() == static_cast<size_t>(m.temps_aged));
    RC_ASSERT(r->resumed_from_trash.size() == static_cast<size_t>(m.trash));
    RC_ASSERT(r->kept_for_grace.size() ==
              static_cast<size_t>(m.archives_unseen + m.archives_seen + m.temps_unseen + m.temps_seen));
    Model next = m;
    apply(next);
    CheckInvariants(next, sut);
    // Bounded growth: nothing unreferenced is older than the grace, no trash left.
    for (const auto& e : fs::directory_iterator(sut.cache + "/gc-v0/seen")) {
      auto age = fs::file_time_type::clock::now() - fs::last_write_time(e.path());
      RC_ASSERT(age < kGrace);
    }
    // (Not one RC_ASSERT: its expression capture would defeat the short-circuit.)
    const std::string trash = sut.cache + "/gc-v0/trash";
    if (fs::exists(trash)) RC_ASSERT(fs::is_empty(trash));
  }
  void show(std::ostream& os) const override { os << "Prune"; }
};

// Time passes: every first-seen marker is moved back beyond the grace.
struct GraceElapses : Command {
  void apply(Model& m) const override {
    m.archives_aged += m.archives_seen;
    m.archives_seen = 0;
    m.temps_aged += m.temps_seen;
    m.temps_seen = 0;
  }
  void run(const Model& m, Sut& sut) const override {
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(sut.cache + "/gc-v0/seen", ec)) {
      fs::last_write_time(e.path(), fs::last_write_time(e.path()) - 2 * kGrace);
    }
    CheckInvariants(m, sut);
  }
  void show(std::ostream& os) const override { os << "GraceElapses"; }
};

// Debris of an installer killed after persist, before reference: a complete
// archive nothing points at.
struct CrashAfterPersist : Command {
  int pkg = *rc::gen::inRange(0, kPackages);
  void apply(Model& m) const override { ++m.archives_unseen; }
  void run(const Model& m, Sut& sut) const override {
    std::string id = sut.ids.NewId();
    std::string path = sut.cache + "/archive-v0/" + id;
    fs::create_directories(path);
    Result<Fd> dest = DefaultFileSystem()->OpenDir(AT_FDCWD, path);
    RC_ASSERT(dest.ok());
    RC_ASSERT(ExtractWheel(*DefaultFileSystem(), AT_FDCWD, sut.wheels[static_cast<size_t>(pkg)], dest->get()).ok());
    Model next = m;
    apply(next);
    CheckInvariants(next, sut);
  }
  void show(std::ostream& os) const override { os << "CrashAfterPersist(pkg" << pkg << ")"; }
};

// Debris of an installer killed mid-unpack: a half-filled .tmp dir.
struct CrashDuringUnpack : Command {
  void apply(Model& m) const override { ++m.temps_unseen; }
  void run(const Model& m, Sut& sut) const override {
    std::string path = sut.cache + "/.tmp" + sut.ids.NewId(6);
    fs::create_directories(path + "/pkg0");
    std::ofstream(path + "/pkg0/partial.py") << "half";
    CheckInvariants(m, sut);
  }
  void show(std::ostream& os) const override { os << "CrashDuringUnpack"; }
};

// Debris of a pruner killed mid-delete: a half-emptied tree in the trash.
struct CrashDuringDelete : Command {
  void apply(Model& m) const override { ++m.trash; }
  void run(const Model& m, Sut& sut) const override {
    std::string path = sut.cache + "/gc-v0/trash/" + sut.ids.NewId();
    fs::create_directories(path + "/pkg1");
    std::ofstream(path + "/pkg1/left.py") << "left";
    CheckInvariants(m, sut);
  }
  void show(std::ostream& os) const override { os << "CrashDuringDelete"; }
};

RC_GTEST_PROP(ReferenceStatefulTest, SequentialUseKeepsEveryInvariant, ()) {
  Model model;
  Sut sut;
  rc::state::check(model, sut,
                   rc::state::gen::execOneOfWithArgs<Install, Read, Refresh, Clean, Prune, GraceElapses,
                                                     CrashAfterPersist, CrashDuringUnpack, CrashDuringDelete>());
}

}  // namespace
}  // namespace prunecheck::testing
