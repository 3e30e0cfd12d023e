#include "pruner/wheel/record.h"
#include "pruner/base/scoped_temp_dir.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace prunecheck {
namespace {

namespace stdfs = std::filesystem;

const char kEmptySha[] = "47DEQpj8HBSa-_TImW-5JCeuQeRkm5NMpJWZG3hSuFU";

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(RecordTest, Sha256KnownVectors) {
  EXPECT_EQ(Sha256UrlsafeBase64(""), kEmptySha);
  // sha256("abc") = ba7816bf 8f01cfea 414140de 5dae2223 b00361a3 96177a9c b410ff61 f20015ad
  EXPECT_EQ(Sha256UrlsafeBase64("abc"), "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
}

TEST(RecordTest, Sha256IncrementalMatchesOneShotAndIsReusable) {
  std::string data;
  for (int i = 0; i < 100000; ++i) data += static_cast<char>(i * 7);
  Sha256 h;
  for (size_t pos = 0; pos < data.size(); pos += 977) {
    h.Update(data.data() + pos, std::min<size_t>(977, data.size() - pos));
  }
  EXPECT_EQ(h.FinishUrlsafeBase64(), Sha256UrlsafeBase64(data));
  // After Finish the object starts over.
  EXPECT_EQ(h.FinishUrlsafeBase64(), kEmptySha);
}

TEST(RecordTest, ParsesWheelRecord) {
  std::string text = std::string("demo/__init__.py,sha256=") + kEmptySha + ",0\n" +
                     "demo/data.bin,sha256=ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0,3\n" +
                     "demo/__pycache__/x.cpython-312.pyc,,\n" + "demo-1.0.dist-info/RECORD,,\n";
  Result<Record> r = ParseRecord(text, "RECORD");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->entries.size(), 4u);
  EXPECT_EQ(r->entries[0].path, "demo/__init__.py");
  EXPECT_EQ(r->entries[0].hash, kEmptySha);
  EXPECT_EQ(r->entries[0].size, std::optional<uint64_t>(0));
  EXPECT_EQ(r->entries[1].size, std::optional<uint64_t>(3));
  EXPECT_EQ(r->entries[2].hash, "");
  EXPECT_FALSE(r->entries[2].size.has_value());
  EXPECT_EQ(r->entries[3].path, "demo-1.0.dist-info/RECORD");
  EXPECT_EQ(r->entries[3].hash, "");
}

TEST(RecordTest, ParsesQuotedFieldsCrlfAndBlankLines) {
  std::string text = std::string("\"demo/a,b.py\",sha256=") + kEmptySha + ",0\r\n" + "\r\n" +
                     "\"demo/say \"\"hi\"\".py\",\"sha256=" + kEmptySha + "\",\"0\"\n" + "\n" +
                     "demo-1.0.dist-info/RECORD,,";
  Result<Record> r = ParseRecord(text, "RECORD");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->entries.size(), 3u);
  EXPECT_EQ(r->entries[0].path, "demo/a,b.py");
  EXPECT_EQ(r->entries[1].path, "demo/say \"hi\".py");
  EXPECT_EQ(r->entries[1].hash, kEmptySha);
  EXPECT_EQ(r->entries[2].path, "demo-1.0.dist-info/RECORD");
}

TEST(RecordTest, RejectsOtherHashAlgorithms) {
  std::string text = std::string("a.py,sha256=") + kEmptySha + ",0\n" +
                     "b.py,md5=1B2M2Y8AsgTpgAmY7PhCfg,0\n";
  Result<Record> r = ParseRecord(text, "w.whl:RECORD");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidInput);
  EXPECT_TRUE(Contains(r.status().message(), "w.whl:RECORD:2: ")) << r.status().message();
  EXPECT_TRUE(Contains(r.status().message(), "md5")) << r.status().message();
}

TEST(RecordTest, BadLineReportsLineNumber) {
  std::string good = std::string("a.py,sha256=") + kEmptySha + ",0\n";
  struct Case {
    std::string text;
    std::string want;
  } cases[] = {
      {good + good.substr(0, 0) + "\n" + "b.py,sha256=abc\n", "RECORD:3: expected 3 fields"},
      {good + "b.py,sha256=" + kEmptySha + ",12x\n", "RECORD:2: bad size"},
      {good + "b.py,sha256=short,1\n", "RECORD:2: sha256 digest"},
      {good + "b.py,sha256=" + std::string(43, '+') + ",1\n", "not urlsafe base64"},
      {good + "b.py,nohash,1\n", "RECORD:2: malformed hash"},
      {good + "\"b.py,sha256=x,1\n", "RECORD:2: unterminated quoted field"},
      {good + "\"b.py\"x,,\n", "RECORD:2: unexpected character after closing quote"},
      {good + "b.py,,\n", "RECORD:2: no hash for 'b.py'"},
  };
  for (const Case& c : cases) {
    Result<Record> r = ParseRecord(c.text, "RECORD");
    ASSERT_FALSE(r.ok()) << c.text;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidInput);
    EXPECT_TRUE(Contains(r.status().message(), c.want)) << r.status().message() << " / want " << c.want;
  }
}

TEST(RecordTest, RejectsDuplicatePaths) {
  std::string line = std::string("a/b.py,sha256=") + kEmptySha + ",0\n";
  Result<Record> r = ParseRecord(line + "c.py,sha256=" + kEmptySha + ",0\n" + line, "RECORD");
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(Contains(r.status().message(), "RECORD:3: duplicate path 'a/b.py'")) << r.status().message();
}

TEST(RecordTest, RejectsUnsafePaths) {
  for (const char* path : {"../x", "/abs", "a/../../x", "a//b", "./a", "a\\b", "a/"}) {
    Result<Record> r = ParseRecord(std::string(path) + ",sha256=" + kEmptySha + ",0\n", "RECORD");
    EXPECT_FALSE(r.ok()) << path;
    if (!r.ok()) {
      EXPECT_TRUE(Contains(r.status().message(), "RECORD:1: ")) << r.status().message();
    }
  }
}

TEST(RecordTest, FormatRoundTrips) {
  Record rec;
  rec.entries.push_back({"demo/a,b.py", kEmptySha, 0});
  rec.entries.push_back({"demo/q\"uote.py", "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0", 3});
  rec.entries.push_back({"demo-1.0.dist-info/RECORD", "", std::nullopt});
  std::string text = FormatRecord(rec);
  EXPECT_EQ(text.substr(text.size() - 28), "demo-1.0.dist-info/RECORD,,\n");
  Result<Record> back = ParseRecord(text, "RECORD");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->entries.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(back->entries[i].path, rec.entries[i].path);
    EXPECT_EQ(back->entries[i].hash, rec.entries[i].hash);
    EXPECT_EQ(back->entries[i].size, rec.entries[i].size);
  }
}

// --- VerifyTreeAgainstRecord ------------------------------------------------

class RecordVerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(tmp_.ok()) << "cannot create a temp dir";
    root_ = tmp_.path();
    stdfs::create_directories(root_ / "tree/pkg/sub");
    stdfs::create_directories(root_ / "elsewhere");
    Write("tree/pkg/__init__.py", "");
    Write("tree/pkg/sub/mod.py", "abc");
    Write("tree/top.txt", "hello\n");
    Write("elsewhere/real.py", "abc");
    rec_.entries.push_back({"pkg/__init__.py", Sha256UrlsafeBase64(""), 0});
    rec_.entries.push_back({"pkg/sub/mod.py", Sha256UrlsafeBase64("abc"), 3});
    rec_.entries.push_back({"top.txt", Sha256UrlsafeBase64("hello\n"), 6});
    rec_.entries.push_back({"pkg-1.0.dist-info/RECORD", "", std::nullopt});
    Result<Fd> d = fs_->OpenDir(AT_FDCWD, (root_ / "tree").string());
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    tree_ = std::move(d).value();
  }
  void Write(const std::string& rel, const std::string& data) {
    std::ofstream(root_ / rel, std::ios::binary) << data;
  }
  Status Verify(bool reject_unlisted, bool follow) {
    VerifyOptions o;
    o.reject_unlisted = reject_unlisted;
    o.follow_symlinks = follow;
    return VerifyTreeAgainstRecord(*fs_, tree_.get(), rec_, o);
  }

  FileSystem* fs_ = DefaultFileSystem();
  ScopedTempDir tmp_{"record_test"};
  stdfs::path root_;
  Fd tree_;
  Record rec_;
};

TEST_F(RecordVerifyTest, MatchingTreeVerifies) {
  Status s = Verify(/*reject_unlisted=*/true, /*follow=*/false);
  EXPECT_TRUE(s.ok()) << s.ToString();
}

TEST_F(RecordVerifyTest, ContentMismatchNamesTheFile) {
  Write("tree/pkg/sub/mod.py", "abd");
  Status s = Verify(false, false);
  EXPECT_EQ(s.code(), StatusCode::kVerificationFailed);
  EXPECT_TRUE(Contains(s.message(), "pkg/sub/mod.py")) << s.message();
  EXPECT_TRUE(Contains(s.message(), "sha256")) << s.message();
}

TEST_F(RecordVerifyTest, SizeMismatchAndMissingFile) {
  Write("tree/top.txt", "hello!\n");
  Status s = Verify(false, false);
  EXPECT_EQ(s.code(), StatusCode::kVerificationFailed);
  EXPECT_TRUE(Contains(s.message(), "top.txt: size 7")) << s.message();
  Write("tree/top.txt", "hello\n");
  stdfs::remove(root_ / "tree/pkg/sub/mod.py");
  s = Verify(false, false);
  EXPECT_EQ(s.code(), StatusCode::kVerificationFailed);
  EXPECT_TRUE(Contains(s.message(), "pkg/sub/mod.py: missing")) << s.message();
  stdfs::remove_all(root_ / "tree/pkg/sub");
  s = Verify(false, false);
  EXPECT_EQ(s.code(), StatusCode::kVerificationFailed);
  EXPECT_TRUE(Contains(s.message(), "pkg/sub/mod.py")) << s.message();
}

TEST_F(RecordVerifyTest, UnlistedFileFailsOnlyWhenRejected) {
  Write("tree/pkg/sub/extra.py", "x");
  EXPECT_TRUE(Verify(false, false).ok());
  Status s = Verify(true, false);
  EXPECT_EQ(s.code(), StatusCode::kVerificationFailed);
  EXPECT_TRUE(Contains(s.message(), "pkg/sub/extra.py: not listed in RECORD")) << s.message();
}

TEST_F(RecordVerifyTest, SymlinkedFileFollowedOnlyWhenAsked) {
  stdfs::remove(root_ / "tree/pkg/sub/mod.py");
  // Relative target, resolved from the link's directory.
  stdfs::create_symlink("../../../elsewhere/real.py", root_ / "tree/pkg/sub/mod.py");
  Status s = Verify(false, false);
  EXPECT_EQ(s.code(), StatusCode::kVerificationFailed);
  EXPECT_TRUE(Contains(s.message(), "pkg/sub/mod.py: is a symlink")) << s.message();
  s = Verify(false, true);
  EXPECT_TRUE(s.ok()) << s.ToString();
  // Archives (reject_unlisted, no follow) never accept a symlink.
  s = Verify(true, false);
  EXPECT_EQ(s.code(), StatusCode::kVerificationFailed);

  // Absolute target.
  stdfs::remove(root_ / "tree/pkg/sub/mod.py");
  stdfs::create_symlink(root_ / "elsewhere/real.py", root_ / "tree/pkg/sub/mod.py");
  s = Verify(false, true);
  EXPECT_TRUE(s.ok()) << s.ToString();

  // A link to the wrong content, and a dangling link.
  Write("elsewhere/real.py", "xyz");
  s = Verify(false, true);
  EXPECT_EQ(s.code(), StatusCode::kVerificationFailed);
  EXPECT_TRUE(Contains(s.message(), "pkg/sub/mod.py")) << s.message();
  stdfs::remove(root_ / "elsewhere/real.py");
  s = Verify(false, true);
  EXPECT_EQ(s.code(), StatusCode::kVerificationFailed);
  EXPECT_TRUE(Contains(s.message(), "missing")) << s.message();
}

TEST_F(RecordVerifyTest, SymlinkedDirectoryIsNotFollowed) {
  stdfs::rename(root_ / "tree/pkg/sub", root_ / "elsewhere/sub");
  stdfs::create_directory_symlink("../../elsewhere/sub", root_ / "tree/pkg/sub");
  Status s = Verify(false, true);
  EXPECT_EQ(s.code(), StatusCode::kVerificationFailed);
  EXPECT_TRUE(Contains(s.message(), "pkg/sub/mod.py")) << s.message();
}

}  // namespace
}  // namespace prunecheck
