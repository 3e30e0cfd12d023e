#include "pruner/wheel/wheel_extractor.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "pruner/base/fault_injecting_file_system.h"
#include "pruner/base/fs_util.h"
#include "pruner/wheel/fixture_wheel.h"
#include "pruner/base/scoped_temp_dir.h"

namespace prunecheck {
namespace {

namespace stdfs = std::filesystem;

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

std::string ReadWhole(const stdfs::path& p) {
  std::ifstream in(p, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Sets the Unix mode stored in the central directory for entry `name`
// (external attributes, high 16 bits). Returns false if not found.
bool PatchCentralMode(std::string& z, const std::string& name, uint32_t mode) {
  auto get16 = [&](size_t o) {
    return static_cast<size_t>(static_cast<unsigned char>(z[o]) | (static_cast<unsigned char>(z[o + 1]) << 8));
  };
  auto get32 = [&](size_t o) { return get16(o) | (get16(o + 2) << 16); };
  const size_t eocd = z.size() - 22;
  size_t p = get32(eocd + 16);
  for (size_t i = 0, n = get16(eocd + 10); i < n; ++i) {
    const size_t nlen = get16(p + 28), elen = get16(p + 30), clen = get16(p + 32);
    if (z.compare(p + 46, nlen, name) == 0) {
      const uint32_t attrs = mode << 16;
      for (int k = 0; k < 4; ++k) z[p + 38 + static_cast<size_t>(k)] = static_cast<char>((attrs >> (8 * k)) & 0xff);
      return true;
    }
    p += 46 + nlen + elen + clen;
  }
  return false;
}

// Layout of every test:
//   <root>/canary              must never change
//   <root>/wheels/<wheel>      the input
//   <root>/work/sibling.txt    must never change
//   <root>/work/dest/          the extraction destination
// Anything an unsafe entry could reach ("../x" -> work/x, "a/../../x" ->
// work/x, "../../x" -> root/x, "<root>/abs_target") is outside dest and
// would show up in the snapshot of <root> minus dest.
class WheelExtractorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(tmp_.ok()) << "cannot create a temp dir";
    root_ = tmp_.path();
    stdfs::create_directories(root_ / "wheels");
    stdfs::create_directories(root_ / "work/dest");
    std::ofstream(root_ / "canary") << "canary\n";
    std::ofstream(root_ / "work/sibling.txt") << "sibling\n";
    Result<Fd> d = fs_->OpenDir(AT_FDCWD, (root_ / "work/dest").string());
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    dest_ = std::move(d).value();
  }

  std::map<std::string, std::string> Snapshot() const {
    std::map<std::string, std::string> out;
    const stdfs::path dest = root_ / "work/dest";
    for (auto it = stdfs::recursive_directory_iterator(root_); it != stdfs::recursive_directory_iterator(); ++it) {
      const stdfs::path& p = it->path();
      if (p == dest) {
        it.disable_recursion_pending();
        continue;
      }
      std::string rel = stdfs::relative(p, root_).string();
      stdfs::file_status st = it->symlink_status();
      if (stdfs::is_symlink(st)) {
        out[rel] = "symlink:" + stdfs::read_symlink(p).string();
      } else if (stdfs::is_regular_file(st)) {
        struct stat sb;
        ::lstat(p.c_str(), &sb);
        out[rel] = "file:nlink=" + std::to_string(sb.st_nlink) + ":" + ReadWhole(p);
      } else if (stdfs::is_directory(st)) {
        out[rel] = "dir";
      } else {
        out[rel] = "other";
      }
    }
    return out;
  }

  std::string WriteWheel(const std::string& bytes, const std::string& name = "demo-1.0.0-py3-none-any.whl") {
    std::string path = (root_ / "wheels" / name).string();
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

  Result<ExtractedWheel> ExtractBytes(const std::string& bytes, const ExtractLimits& limits = {},
                                      FileSystem* fs = nullptr) {
    wheel_path_ = WriteWheel(bytes);
    before_ = Snapshot();
    return ExtractWheel(fs ? *fs : *fs_, AT_FDCWD, wheel_path_, dest_.get(), limits);
  }

  Result<ExtractedWheel> Extract(const FixtureWheelSpec& spec, const ExtractLimits& limits = {},
                                 FileSystem* fs = nullptr) {
    Result<std::string> bytes = BuildFixtureWheel(spec);
    if (!bytes.ok()) return bytes.status();
    return ExtractBytes(*bytes, limits, fs);
  }

  // Empties the destination for the next case of a table-driven test.
  void ResetDest() {
    dest_.reset();
    stdfs::remove_all(root_ / "work/dest");
    stdfs::create_directory(root_ / "work/dest");
    Result<Fd> d = fs_->OpenDir(AT_FDCWD, (root_ / "work/dest").string());
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    dest_ = std::move(d).value();
  }

  // Nothing outside dest changed, nothing named x appeared above dest, and
  // dest holds no symlinks and no hard links.
  void ExpectContained() {
    EXPECT_EQ(Snapshot(), before_);
    EXPECT_FALSE(stdfs::exists(stdfs::symlink_status(root_ / "x")));
    EXPECT_FALSE(stdfs::exists(stdfs::symlink_status(root_ / "work/x")));
    EXPECT_FALSE(stdfs::exists(stdfs::symlink_status(root_ / "abs_target")));
    EXPECT_EQ(ReadWhole(root_ / "canary"), "canary\n");
    for (auto it = stdfs::recursive_directory_iterator(root_ / "work/dest");
         it != stdfs::recursive_directory_iterator(); ++it) {
      stdfs::file_status st = it->symlink_status();
      EXPECT_FALSE(stdfs::is_symlink(st)) << it->path();
      if (stdfs::is_regular_file(st)) {
        struct stat sb;
        ASSERT_EQ(::lstat(it->path().c_str(), &sb), 0);
        EXPECT_EQ(sb.st_nlink, 1u) << it->path();
      }
    }
  }

  // A refusal: kInvalidInput, "<wheel>: entry '<name>': <reason...>", contained.
  void ExpectRefused(const Result<ExtractedWheel>& r, const std::string& entry, const std::string& reason) {
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidInput) << r.status().ToString();
    EXPECT_TRUE(Contains(r.status().message(), wheel_path_ + ": entry '" + entry + "': " + reason))
        << r.status().message();
    ExpectContained();
  }

  FileSystem* fs_ = DefaultFileSystem();
  ScopedTempDir tmp_{"extractor_test"};
  stdfs::path root_;
  Fd dest_;
  std::string wheel_path_;
  std::map<std::string, std::string> before_;
};

RawZipEntry File(const std::string& path, const std::string& data, bool in_record = false) {
  RawZipEntry e;
  e.kind = RawZipEntry::Kind::kFile;
  e.path = path;
  e.data = data;
  e.in_record = in_record;
  return e;
}

TEST_F(WheelExtractorTest, ExtractsAndVerifiesGoodFixture) {
  FixtureWheelSpec spec;
  spec.file_count = 25;
  Result<ExtractedWheel> r = Extract(spec);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->record_path, "demo-1.0.0.dist-info/RECORD");
  EXPECT_EQ(r->files, 28u);
  EXPECT_EQ(r->record.entries.size(), 28u);
  uint64_t listed_bytes = 0;
  for (const RecordEntry& e : r->record.entries) {
    listed_bytes += e.size.value_or(0);
    stdfs::path p = root_ / "work/dest" / e.path;
    ASSERT_TRUE(stdfs::is_regular_file(stdfs::symlink_status(p))) << p;
    EXPECT_EQ(stdfs::status(p).permissions() & stdfs::perms::all,
              stdfs::perms::owner_read | stdfs::perms::owner_write | stdfs::perms::group_read |
                  stdfs::perms::others_read)
        << p;
  }
  // RECORD itself is the only file without a size.
  EXPECT_EQ(r->bytes, listed_bytes + stdfs::file_size(root_ / "work/dest" / r->record_path));
  ExpectContained();

  // The tree verifies again, and ReadRecordFromTree finds the same RECORD.
  EXPECT_TRUE(VerifyTreeAgainstRecord(*fs_, dest_.get(), r->record, {true, false}).ok());
  Result<ExtractedWheel> again = ReadRecordFromTree(*fs_, dest_.get());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->record_path, r->record_path);
  EXPECT_EQ(again->record.entries.size(), r->record.entries.size());
}

// Issue 9 item 1: a wheel path that is a FIFO blocked open() forever (a
// regression hangs here until ctest's timeout); a directory or a device
// went to libarchive. Each is refused before libarchive sees it.
TEST_F(WheelExtractorTest, RefusesAWheelPathThatIsNotARegularFile) {
  const std::string fifo = (root_ / "wheels" / "fifo-1.0-py3-none-any.whl").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  const std::string dir = (root_ / "wheels" / "dir-1.0-py3-none-any.whl").string();
  stdfs::create_directory(dir);
  for (const std::string& path : {fifo, dir, std::string("/dev/zero")}) {
    Result<ExtractedWheel> r = ExtractWheel(*fs_, AT_FDCWD, path, dest_.get(), {});
    ASSERT_FALSE(r.ok()) << path;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidInput) << r.status().ToString();
    // Refused before libarchive reads a byte, by the wheel check or by the
    // file system's own open (whichever sees it first); either names the path.
    EXPECT_TRUE(Contains(r.status().message(), path)) << r.status().message();
    EXPECT_TRUE(Contains(r.status().message(), "not a regular file")) << r.status().message();
  }
  EXPECT_TRUE(stdfs::is_empty(root_ / "work/dest"));
}

TEST_F(WheelExtractorTest, ExtractsDirectoryEntriesAndNonAsciiQuotedNames) {
  FixtureWheelSpec spec;
  RawZipEntry dir;
  dir.kind = RawZipEntry::Kind::kDirectory;
  dir.path = "demo/empty/";
  spec.extra_entries = {dir, File("demo/\xc3\xbcn\xc3\xaf, \"q\".py", "x = 1\n", /*in_record=*/true)};
  Result<ExtractedWheel> r = Extract(spec);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(stdfs::is_directory(root_ / "work/dest/demo/empty"));
  EXPECT_EQ(ReadWhole(root_ / "work/dest/demo/\xc3\xbcn\xc3\xaf, \"q\".py"), "x = 1\n");
  ExpectContained();
}

// Zip modes are ignored except the executable bit: files are 0644 or 0755
// (less the umask), whatever the archive claims (setuid, world-writable, ...).
TEST_F(WheelExtractorTest, KeepsOnlyTheExecutableBit) {
  FixtureWheelSpec spec;
  spec.extra_entries = {File("demo/tool.sh", "#!/bin/sh\n", true), File("demo/odd.txt", "odd\n", true)};
  Result<std::string> bytes = BuildFixtureWheel(spec);
  ASSERT_TRUE(bytes.ok());
  ASSERT_TRUE(PatchCentralMode(*bytes, "demo/tool.sh", S_IFREG | 0755));
  ASSERT_TRUE(PatchCentralMode(*bytes, "demo/odd.txt", S_IFREG | 04666));
  const mode_t mask = ::umask(022);
  Result<ExtractedWheel> r = ExtractBytes(*bytes);
  ::umask(mask);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  struct stat sb;
  ASSERT_EQ(::lstat((root_ / "work/dest/demo/tool.sh").c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 07777, 0755u);
  ASSERT_EQ(::lstat((root_ / "work/dest/demo/odd.txt").c_str(), &sb), 0);
  EXPECT_EQ(sb.st_mode & 07777, 0644u);
  ExpectContained();
}

TEST_F(WheelExtractorTest, RefusesParentTraversalEntry) {
  FixtureWheelSpec spec;
  spec.extra_entries = {File("../x", "escaped", true)};
  ExpectRefused(Extract(spec), "../x", "'..' path component");
}

// Issue 9: a wheel nested deeper than removal could handle broke garbage
// collection for good. Extraction now refuses what the archive walks refuse.
TEST_F(WheelExtractorTest, RefusesEntryNestedDeeperThanTheTreeLimit) {
  std::string deep;
  for (int i = 0; i < kMaxTreeDepth; ++i) deep += "d/";
  FixtureWheelSpec spec;
  spec.extra_entries = {File(deep + "f.py", "deep", true)};
  Result<ExtractedWheel> r = Extract(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidInput) << r.status().ToString();
  EXPECT_TRUE(Contains(r.status().message(), wheel_path_ + ": entry 'd/d/d/")) << r.status().message();
  EXPECT_TRUE(Contains(r.status().message(), "d/d/f.py': nested more than 256 levels deep (the limit)"))
      << r.status().message();
  EXPECT_LT(r.status().message().size(), 600u) << "the refusal quotes a shortened name";
  ExpectContained();

  // Exactly at the limit is a valid wheel.
  ResetDest();
  std::string at_limit;
  for (int i = 0; i + 1 < kMaxTreeDepth; ++i) at_limit += "d/";
  spec.extra_entries = {File(at_limit + "f.py", "deep", true)};
  Result<ExtractedWheel> ok = Extract(spec);
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();
}

TEST_F(WheelExtractorTest, RefusesAbsoluteEntry) {
  FixtureWheelSpec spec;
  const std::string abs = (root_ / "abs_target").string();
  spec.extra_entries = {File(abs, "escaped")};
  ExpectRefused(Extract(spec), abs, "absolute path");
}

TEST_F(WheelExtractorTest, RefusesDotDotInsideEntry) {
  FixtureWheelSpec spec;
  spec.extra_entries = {File("a/../../x", "escaped")};
  ExpectRefused(Extract(spec), "a/../../x", "'..' path component");
}

TEST_F(WheelExtractorTest, RefusesOtherUnsafeNames) {
  // libarchive's zip reader turns '\\' into '/', so a backslashed traversal
  // arrives as "demo/../../x" and is refused for its '..' components.
  struct Case {
    std::string written, seen, reason;
  } cases[] = {
      {"demo\\..\\..\\x", "demo/../../x", "'..' path component"},
      {"demo//x", "demo//x", "empty path component"},
      {"demo/./x", "demo/./x", "'.' path component"},
      {"./x", "./x", "'.' path component"},
      {"..", "..", "'..' path component"},
  };
  for (const Case& c : cases) {
    FixtureWheelSpec spec;
    spec.extra_entries = {File(c.written, "escaped")};
    ExpectRefused(Extract(spec), c.seen, c.reason);
    ResetDest();
  }
}

TEST_F(WheelExtractorTest, RefusesSymlinkEntry) {
  FixtureWheelSpec spec;
  RawZipEntry link;
  link.kind = RawZipEntry::Kind::kSymlink;
  link.path = "demo/link";
  link.link_target = "../../../canary";
  spec.extra_entries = {link};
  ExpectRefused(Extract(spec), "demo/link", "symlink entry (to '../../../canary')");
}

// Zip has no hard links: libarchive's zip writer stores an entry with a
// hardlink set as an ordinary (empty) regular file, and its zip reader never
// reports one, so the extractor's hardlink check cannot fire for a .whl. What
// must hold is that no link is ever made: the entry arrives as a plain file
// that RECORD does not list, and the wheel is rejected.
TEST_F(WheelExtractorTest, RefusesHardlinkEntry) {
  FixtureWheelSpec spec;
  RawZipEntry link;
  link.kind = RawZipEntry::Kind::kHardlink;
  link.path = "demo/hard";
  link.link_target = "../../../canary";
  spec.extra_entries = {link};
  Result<ExtractedWheel> r = Extract(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kVerificationFailed) << r.status().ToString();
  EXPECT_TRUE(Contains(r.status().message(), "demo/hard: not listed in RECORD")) << r.status().message();
  ExpectContained();  // includes: canary still has nlink 1, nothing in dest is hard-linked
}

// Device and socket modes come only from the central directory's external
// attributes; the test patches them into an ordinary entry.
TEST_F(WheelExtractorTest, RefusesDeviceAndSocketEntries) {
  struct Case {
    uint32_t mode;
    const char* reason;
  } cases[] = {{S_IFCHR | 0644, "device entry"}, {S_IFBLK | 0644, "device entry"}, {S_IFSOCK | 0644, "socket entry"}};
  for (const Case& c : cases) {
    FixtureWheelSpec spec;
    spec.extra_entries = {File("demo/special", "")};
    Result<std::string> bytes = BuildFixtureWheel(spec);
    ASSERT_TRUE(bytes.ok());
    ASSERT_TRUE(PatchCentralMode(*bytes, "demo/special", c.mode));
    ExpectRefused(ExtractBytes(*bytes), "demo/special", c.reason);
    ResetDest();
  }
}

// libarchive 3.6 reports a zip entry with S_IFIFO as a regular file, so a
// fifo never reaches the extractor as one: it becomes an empty regular file,
// unlisted in RECORD, and no fifo is created.
TEST_F(WheelExtractorTest, FifoEntryNeverBecomesAFifo) {
  FixtureWheelSpec spec;
  spec.extra_entries = {File("demo/special", "")};
  Result<std::string> bytes = BuildFixtureWheel(spec);
  ASSERT_TRUE(bytes.ok());
  ASSERT_TRUE(PatchCentralMode(*bytes, "demo/special", S_IFIFO | 0644));
  Result<ExtractedWheel> r = ExtractBytes(*bytes);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(r.status().Is(StatusCode::kInvalidInput) || r.status().Is(StatusCode::kVerificationFailed))
      << r.status().ToString();
  EXPECT_TRUE(Contains(r.status().message(), "demo/special")) << r.status().message();
  std::error_code ec;
  stdfs::file_status st = stdfs::symlink_status(root_ / "work/dest/demo/special", ec);
  EXPECT_FALSE(stdfs::is_fifo(st));
  ExpectContained();
}

TEST_F(WheelExtractorTest, RefusesDuplicateNames) {
  FixtureWheelSpec spec;
  spec.extra_entries = {File("demo/mod_0.py", "second copy", true)};
  ExpectRefused(Extract(spec), "demo/mod_0.py", "duplicate entry name");
}

TEST_F(WheelExtractorTest, RefusesFileDirectoryConflicts) {
  RawZipEntry as_dir;
  as_dir.kind = RawZipEntry::Kind::kDirectory;
  as_dir.path = "demo/mod_0.py/";
  struct Case {
    RawZipEntry entry;
    std::string reason;
  } cases[] = {
      {as_dir, "duplicate entry name"},
      {File("demo", "file where the package dir is"), "file entry where another entry has a directory"},
      {File("demo/mod_0.py/inner", "below a file"), "parent 'demo/mod_0.py' is a file entry"},
  };
  for (const Case& c : cases) {
    FixtureWheelSpec spec;
    spec.extra_entries = {c.entry};
    ExpectRefused(Extract(spec), c.entry.path, c.reason);
    ResetDest();
  }
}

// The fixture patches the first file's declared uncompressed size to half its
// real size (local header, data descriptor and central directory agree).
// libarchive hands back the whole inflated block together with ARCHIVE_WARN
// "ZIP uncompressed data is wrong size"; the extractor compares against the
// declared size first and refuses before writing a byte of it.
TEST_F(WheelExtractorTest, RefusesEntryLargerThanDeclared) {
  FixtureWheelSpec spec;
  spec.understate_entry_size = true;
  Result<ExtractedWheel> r = Extract(spec);
  ExpectRefused(r, "demo/mod_0.py", "data larger than declared size");
  std::error_code ec;
  uintmax_t written = stdfs::file_size(root_ / "work/dest/demo/mod_0.py", ec);
  if (!ec) {
    EXPECT_EQ(written, 0u);
  }
}

TEST_F(WheelExtractorTest, RefusesTooManyEntries) {
  FixtureWheelSpec spec;
  spec.file_count = 10;  // 13 entries with METADATA, WHEEL, RECORD
  ExtractLimits limits;
  limits.max_entries = 5;
  ExpectRefused(Extract(spec, limits), "demo/sub1/sub0/sub2/mod_5.py", "more entries than the limit of 5");
}

TEST_F(WheelExtractorTest, RefusesTooManyBytes) {
  FixtureWheelSpec spec;
  spec.min_file_size = 1000;
  spec.max_file_size = 1000;
  ExtractLimits limits;
  limits.max_entry_bytes = 999;
  Result<ExtractedWheel> r = Extract(spec, limits);
  ExpectRefused(r, "demo/mod_0.py", "declares 1000 bytes, more than the per-entry limit of 999");

  ExtractLimits total;
  total.max_total_bytes = 2500;
  ResetDest();
  r = Extract(spec, total);
  ExpectRefused(r, "demo/mod_2.py", "total size would exceed the limit of 2500 bytes");
}

// Issue 9 item 9: a 1 MB wheel wrote 1 GiB before anything stopped it. A
// wheel may now unpack to at most max_expansion_ratio (100) times its own
// size, beyond the first ratio_free_bytes (16 MiB).
TEST_F(WheelExtractorTest, RefusesAWheelThatExpandsLikeABomb) {
  FixtureWheelSpec spec;
  spec.extra_entries = {File("demo/zeros.bin", std::string(24u << 20, '\0'), true)};
  Result<ExtractedWheel> r = Extract(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidInput) << r.status().ToString();
  EXPECT_TRUE(Contains(r.status().message(), "entry 'demo/zeros.bin': the wheel would unpack to"))
      << r.status().message();
  EXPECT_TRUE(Contains(r.status().message(), "more than 100 times its size")) << r.status().message();
  ExpectContained();
  uint64_t written = 0;
  for (auto it = stdfs::recursive_directory_iterator(root_ / "work/dest"); it != stdfs::recursive_directory_iterator();
       ++it) {
    if (it->is_regular_file()) written += it->file_size();
  }
  EXPECT_LE(written, 16u << 20) << "bytes were written past the limit";

  // The same size, incompressible, is an ordinary large wheel.
  ResetDest();
  std::string noise(20u << 20, '\0');
  uint64_t x = 88172645463325252ull;
  for (char& c : noise) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    c = static_cast<char>(x);
  }
  spec.extra_entries = {File("demo/noise.bin", noise, true)};
  Result<ExtractedWheel> ok = Extract(spec);
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();
}

// The ratio is over the whole wheel, not per entry: many modest entries that
// together exceed it are refused at the entry that crosses it.
TEST_F(WheelExtractorTest, ExpansionRatioCountsTheWholeWheel) {
  FixtureWheelSpec spec;
  spec.file_count = 0;
  for (int i = 0; i < 4; ++i) {
    spec.extra_entries.push_back(File("demo/z" + std::to_string(i) + ".bin", std::string(40000, 'z'), true));
  }
  ExtractLimits limits;
  limits.ratio_free_bytes = 0;
  limits.max_expansion_ratio = 50;  // each entry alone is far below; all four are not
  Result<ExtractedWheel> r = Extract(spec, limits);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(Contains(r.status().message(), "more than 50 times its size")) << r.status().message();
  EXPECT_FALSE(Contains(r.status().message(), "demo/z0.bin")) << r.status().message();
  ExpectContained();

  ResetDest();
  limits.max_expansion_ratio = 1000;
  Result<ExtractedWheel> ok = Extract(spec, limits);
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();
}

// RECORD is read into memory: it has a cap of its own, far below the
// per-entry one (issue 9 item 1).
TEST_F(WheelExtractorTest, RecordIsReadWithABound) {
  FixtureWheelSpec spec;
  ExtractLimits limits;
  limits.max_record_bytes = 100;  // the fixture's RECORD is larger
  Result<ExtractedWheel> r = Extract(spec, limits);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidInput) << r.status().ToString();
  EXPECT_TRUE(Contains(r.status().message(), "RECORD: larger than 100 bytes")) << r.status().message();
}

TEST_F(WheelExtractorTest, RecordHashMismatchNamesTheFile) {
  FixtureWheelSpec spec;
  spec.corrupt_record_hash = true;
  Result<ExtractedWheel> r = Extract(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kVerificationFailed) << r.status().ToString();
  EXPECT_TRUE(Contains(r.status().message(), wheel_path_ + ": demo/mod_0.py: sha256")) << r.status().message();
  ExpectContained();
}

TEST_F(WheelExtractorTest, UnlistedExtraFileFailsVerification) {
  FixtureWheelSpec spec;
  spec.extra_entries = {File("demo/unlisted.py", "print('hi')\n", /*in_record=*/false)};
  Result<ExtractedWheel> r = Extract(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kVerificationFailed) << r.status().ToString();
  EXPECT_TRUE(Contains(r.status().message(), "demo/unlisted.py: not listed in RECORD")) << r.status().message();
  ExpectContained();
}

TEST_F(WheelExtractorTest, RequiresExactlyOneRecord) {
  FixtureWheelSpec spec;
  spec.extra_entries = {File("other-1.0.dist-info/RECORD", "")};
  Result<ExtractedWheel> r = Extract(spec);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidInput);
  EXPECT_TRUE(Contains(r.status().message(), "more than one *.dist-info/RECORD")) << r.status().message();
}

TEST_F(WheelExtractorTest, RejectsNonZipInput) {
  Result<ExtractedWheel> r = ExtractBytes(std::string(4096, 'z'));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidInput) << r.status().ToString();
  EXPECT_TRUE(Contains(r.status().message(), wheel_path_)) << r.status().message();
  ExpectContained();
}

TEST_F(WheelExtractorTest, MissingWheelIsNotFound) {
  Result<ExtractedWheel> r = ExtractWheel(*fs_, AT_FDCWD, (root_ / "wheels/nope.whl").string(), dest_.get());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound) << r.status().ToString();
}

TEST_F(WheelExtractorTest, InjectedNoSpaceDuringWrite) {
  FaultInjectingFileSystem faulty(fs_);
  faulty.AddFault(Fault{FsOp::kWrite, ENOSPC, "", /*skip=*/3, /*count=*/1});
  FixtureWheelSpec spec;
  Result<ExtractedWheel> r = Extract(spec, {}, &faulty);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNoSpace) << r.status().ToString();
  EXPECT_TRUE(Contains(r.status().message(), wheel_path_)) << r.status().message();
  EXPECT_EQ(faulty.InjectedCount(), 1);
  EXPECT_EQ(faulty.CallCount(FsOp::kWrite), 4);  // stopped at the failing write
  ExpectContained();
}

TEST_F(WheelExtractorTest, InjectedReadErrorOnWheel) {
  FaultInjectingFileSystem faulty(fs_);
  faulty.AddFault(Fault{FsOp::kRead, EIO, "", /*skip=*/0, /*count=*/1});
  FixtureWheelSpec spec;
  Result<ExtractedWheel> r = Extract(spec, {}, &faulty);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIoError) << r.status().ToString();
  EXPECT_EQ(faulty.InjectedCount(), 1);
}

TEST_F(WheelExtractorTest, InjectedPermissionErrorCreatingDirectory) {
  FaultInjectingFileSystem faulty(fs_);
  faulty.AddFault(Fault{FsOp::kMakeDir, EACCES, "sub", /*skip=*/0, /*count=*/-1});
  FixtureWheelSpec spec;
  Result<ExtractedWheel> r = Extract(spec, {}, &faulty);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kPermissionDenied) << r.status().ToString();
}

TEST_F(WheelExtractorTest, ReadRecordFromTreeNeedsExactlyOne) {
  Result<ExtractedWheel> none = ReadRecordFromTree(*fs_, dest_.get());
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kInvalidInput);
  stdfs::create_directories(root_ / "work/dest/a-1.dist-info");
  stdfs::create_directories(root_ / "work/dest/b-1.dist-info");
  std::ofstream(root_ / "work/dest/a-1.dist-info/RECORD") << "a-1.dist-info/RECORD,,\n";
  Result<ExtractedWheel> one = ReadRecordFromTree(*fs_, dest_.get());
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(one->record_path, "a-1.dist-info/RECORD");
  std::ofstream(root_ / "work/dest/b-1.dist-info/RECORD") << "b-1.dist-info/RECORD,,\n";
  Result<ExtractedWheel> two = ReadRecordFromTree(*fs_, dest_.get());
  ASSERT_FALSE(two.ok());
  EXPECT_EQ(two.status().code(), StatusCode::kInvalidInput);
}

}  // namespace
}  // namespace prunecheck
