#include "pruner/wheel/fixture_wheel.h"

#include <archive.h>
#include <archive_entry.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>

#include "pruner/wheel/record.h"
#include "pruner/wheel/wheel_name.h"
#include "pruner/base/scoped_temp_dir.h"

namespace prunecheck {
namespace {

struct ZipItem {
  std::string name;
  unsigned type = 0;  // AE_IF*
  int64_t declared_size = -1;
  std::string data;
  std::string symlink;
};

// Lists a zip held in memory with libarchive's (seekable) reader.
std::vector<ZipItem> ListZip(const std::string& bytes, bool read_data = true) {
  std::vector<ZipItem> out;
  struct archive* a = archive_read_new();
  archive_read_support_format_zip_seekable(a);
  EXPECT_EQ(archive_read_open_memory(a, bytes.data(), bytes.size()), ARCHIVE_OK) << archive_error_string(a);
  struct archive_entry* e = nullptr;
  while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
    ZipItem item;
    item.name = archive_entry_pathname(e);
    item.type = archive_entry_filetype(e);
    if (archive_entry_size_is_set(e)) item.declared_size = archive_entry_size(e);
    if (archive_entry_symlink(e) != nullptr) item.symlink = archive_entry_symlink(e);
    if (read_data) {
      char buf[8192];
      la_ssize_t n;
      while ((n = archive_read_data(a, buf, sizeof buf)) > 0) item.data.append(buf, static_cast<size_t>(n));
    }
    out.push_back(std::move(item));
  }
  archive_read_free(a);
  return out;
}

TEST(FixtureWheelTest, FilenameParsesBack) {
  FixtureWheelSpec spec;
  spec.distribution = "demo-pkg";
  spec.version = "2.0";
  EXPECT_EQ(FixtureWheelFilename(spec), "demo_pkg-2.0-py3-none-any.whl");
  Result<WheelName> wn = ParseWheelFilename(FixtureWheelFilename(spec));
  ASSERT_TRUE(wn.ok()) << wn.status().ToString();
  EXPECT_EQ(wn->NormalizedName(), "demo-pkg");
}

TEST(FixtureWheelTest, SameSpecSameBytes) {
  FixtureWheelSpec spec;
  spec.seed = 42;
  spec.file_count = 20;
  spec.extra_entries.push_back({RawZipEntry::Kind::kFile, "demo/extra.txt", "extra", "", true});
  Result<std::string> a = BuildFixtureWheel(spec);
  Result<std::string> b = BuildFixtureWheel(spec);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(*a, *b);
  spec.seed = 43;
  Result<std::string> c = BuildFixtureWheel(spec);
  ASSERT_TRUE(c.ok());
  EXPECT_NE(*a, *c);
}

TEST(FixtureWheelTest, LayoutAndRecord) {
  FixtureWheelSpec spec;
  spec.seed = 7;
  spec.file_count = 30;
  spec.min_file_size = 10;
  spec.max_file_size = 100;
  spec.max_depth = 2;
  Result<std::string> bytes = BuildFixtureWheel(spec);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  std::vector<ZipItem> items = ListZip(*bytes);
  ASSERT_EQ(items.size(), 33u);
  // RECORD comes last.
  EXPECT_EQ(items.back().name, "demo-1.0.0.dist-info/RECORD");
  Result<Record> rec = ParseRecord(items.back().data, "RECORD");
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  ASSERT_EQ(rec->entries.size(), items.size());
  std::map<std::string, const ZipItem*> by_name;
  for (const ZipItem& it : items) by_name[it.name] = &it;
  int depth_seen_max = 0;
  for (const RecordEntry& e : rec->entries) {
    ASSERT_TRUE(by_name.count(e.path)) << e.path;
    const ZipItem& it = *by_name[e.path];
    EXPECT_EQ(it.type, AE_IFREG);
    if (e.path == "demo-1.0.0.dist-info/RECORD") {
      EXPECT_EQ(e.hash, "");
      EXPECT_FALSE(e.size.has_value());
      continue;
    }
    EXPECT_EQ(e.hash, Sha256UrlsafeBase64(it.data)) << e.path;
    EXPECT_EQ(e.size, std::optional<uint64_t>(it.data.size()));
    if (e.path.rfind("demo/", 0) == 0) {
      EXPECT_GE(it.data.size(), 10u);
      EXPECT_LE(it.data.size(), 100u);
      int depth = static_cast<int>(std::count(e.path.begin(), e.path.end(), '/')) - 1;
      EXPECT_LE(depth, 2) << e.path;
      depth_seen_max = std::max(depth_seen_max, depth);
    } else {
      EXPECT_EQ(e.path.rfind("demo-1.0.0.dist-info/", 0), 0u) << e.path;
    }
  }
  EXPECT_EQ(depth_seen_max, 2);  // 30 files with seed 7 do reach the maximum depth
  EXPECT_NE(by_name["demo-1.0.0.dist-info/WHEEL"]->data.find("Tag: py3-none-any"), std::string::npos);
}

TEST(FixtureWheelTest, HostileEntriesAreWrittenVerbatim) {
  FixtureWheelSpec spec;
  spec.file_count = 1;
  spec.extra_entries = {
      {RawZipEntry::Kind::kFile, "../x", "up", "", false},
      {RawZipEntry::Kind::kFile, "/abs/x", "abs", "", false},
      {RawZipEntry::Kind::kFile, "a/../../x", "mid", "", false},
      {RawZipEntry::Kind::kSymlink, "demo/link", "", "../../etc/passwd", false},
      {RawZipEntry::Kind::kDirectory, "demo/dir/", "", "", false},
  };
  Result<std::string> bytes = BuildFixtureWheel(spec);
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  std::vector<ZipItem> items = ListZip(*bytes, /*read_data=*/false);
  std::map<std::string, ZipItem> by_name;
  for (const ZipItem& it : items) by_name[it.name] = it;
  EXPECT_TRUE(by_name.count("../x"));
  EXPECT_TRUE(by_name.count("/abs/x"));
  EXPECT_TRUE(by_name.count("a/../../x"));
  ASSERT_TRUE(by_name.count("demo/link"));
  EXPECT_EQ(by_name["demo/link"].type, AE_IFLNK);
  EXPECT_EQ(by_name["demo/link"].symlink, "../../etc/passwd");
  ASSERT_TRUE(by_name.count("demo/dir/"));
  EXPECT_EQ(by_name["demo/dir/"].type, AE_IFDIR);
}

TEST(FixtureWheelTest, CorruptRecordHashOnlyTouchesFirstFile) {
  FixtureWheelSpec spec;
  spec.corrupt_record_hash = true;
  Result<std::string> bytes = BuildFixtureWheel(spec);
  ASSERT_TRUE(bytes.ok());
  std::vector<ZipItem> items = ListZip(*bytes);
  Result<Record> rec = ParseRecord(items.back().data, "RECORD");
  ASSERT_TRUE(rec.ok()) << rec.status().ToString();
  EXPECT_EQ(rec->entries[0].path, items[0].name);
  EXPECT_NE(rec->entries[0].hash, Sha256UrlsafeBase64(items[0].data));
  EXPECT_EQ(rec->entries[1].hash, Sha256UrlsafeBase64(items[1].data));
}

TEST(FixtureWheelTest, UnderstatedEntryDeclaresHalfItsSize) {
  FixtureWheelSpec spec;
  Result<std::string> good = BuildFixtureWheel(spec);
  spec.understate_entry_size = true;
  Result<std::string> bad = BuildFixtureWheel(spec);
  ASSERT_TRUE(good.ok() && bad.ok());
  EXPECT_EQ(good->size(), bad->size());  // only size fields differ
  std::vector<ZipItem> good_items = ListZip(*good);
  std::vector<ZipItem> bad_items = ListZip(*bad, /*read_data=*/false);
  ASSERT_EQ(good_items.size(), bad_items.size());
  const int64_t real = static_cast<int64_t>(good_items[0].data.size());
  EXPECT_EQ(bad_items[0].declared_size, real / 2);
  EXPECT_EQ(bad_items[1].declared_size, good_items[1].declared_size);
}

TEST(FixtureWheelTest, WriteFixtureWheelWritesTheBytes) {
  ScopedTempDir tmp("fixture_test");
  ASSERT_TRUE(tmp.ok()) << "cannot create a temp dir";
  const std::string& tmpl = tmp.path();
  FixtureWheelSpec spec;
  Result<std::string> path = WriteFixtureWheel(tmpl, spec);
  ASSERT_TRUE(path.ok()) << path.status().ToString();
  EXPECT_EQ(*path, tmpl + "/demo-1.0.0-py3-none-any.whl");
  std::ifstream in(*path, std::ios::binary);
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(content, *BuildFixtureWheel(spec));
  Result<std::string> missing = WriteFixtureWheel(tmpl + "/no/such/dir", spec);
  EXPECT_FALSE(missing.ok());
}

}  // namespace
}  // namespace prunecheck
