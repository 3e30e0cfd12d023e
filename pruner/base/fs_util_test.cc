#include "pruner/base/fs_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "pruner/base/fault_injecting_file_system.h"
#include "pruner/base/scoped_temp_dir.h"

namespace prunecheck {
namespace {

class FsUtilTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(tmp_.ok()) << "cannot create a temp dir";
    root_ = tmp_.path();
    Result<Fd> d = fs_->OpenDir(AT_FDCWD, root_);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    dir_ = std::move(d).value();
  }
  std::string P(const std::string& rel) const { return root_ + "/" + rel; }
  bool Exists(const std::string& rel) const {
    struct stat st;
    return ::lstat(P(rel).c_str(), &st) == 0;
  }
  void Touch(const std::string& rel, const std::string& content = "x") {
    ASSERT_TRUE(WriteFile(*fs_, dir_.get(), rel, content).ok()) << rel;
  }
  void Mkdir(const std::string& rel) { ASSERT_EQ(::mkdir(P(rel).c_str(), 0755), 0) << rel; }
  void Ln(const std::string& target, const std::string& rel) {
    ASSERT_EQ(::symlink(target.c_str(), P(rel).c_str()), 0) << rel;
  }
  // archive/{a/{x,y},b/c/z,top}, an "outside" dir holding a canary, and
  // archive/a/escape -> <abs outside> planted inside the tree.
  void BuildTreeWithEscape(const std::string& link_target) {
    Mkdir("archive");
    Mkdir("archive/a");
    Mkdir("archive/b");
    Mkdir("archive/b/c");
    Touch("archive/a/x");
    Touch("archive/a/y");
    Touch("archive/b/c/z");
    Touch("archive/top");
    Mkdir("outside");
    Touch("outside/canary.txt", "do not delete");
    Ln(link_target, "archive/a/escape");
  }

  FileSystem* fs_ = DefaultFileSystem();
  ScopedTempDir tmp_{"prunecheck-fsutil"};
  std::string root_;
  Fd dir_;
};

TEST_F(FsUtilTest, WriteAndReadRoundTrip) {
  std::string data(200000, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 7);
  ASSERT_TRUE(WriteFile(*fs_, dir_.get(), "f", data).ok());
  Result<std::string> got = ReadFileToString(*fs_, dir_.get(), "f");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, data);
  ASSERT_TRUE(WriteFile(*fs_, dir_.get(), "f", "short").ok());  // truncates
  EXPECT_EQ(*ReadFileToString(*fs_, dir_.get(), "f"), "short");
  ASSERT_TRUE(WriteFile(*fs_, dir_.get(), "empty", "").ok());
  EXPECT_EQ(*ReadFileToString(*fs_, dir_.get(), "empty"), "");
}

TEST_F(FsUtilTest, ReadMissingAndSymlink) {
  EXPECT_EQ(ReadFileToString(*fs_, dir_.get(), "nope").status().code(), StatusCode::kNotFound);
  Touch("f", "secret");
  Ln("f", "lf");
  EXPECT_EQ(ReadFileToString(*fs_, dir_.get(), "lf").status().code(), StatusCode::kInvalidInput);
  EXPECT_EQ(WriteFile(*fs_, dir_.get(), "lf", "clobber").code(), StatusCode::kInvalidInput);
  EXPECT_EQ(*ReadFileToString(*fs_, dir_.get(), "f"), "secret");
}

TEST_F(FsUtilTest, WriteFileAtomicReplacesInode) {
  Touch("ptr.http", "old content");
  Result<Fd> reader = fs_->OpenFile(dir_.get(), "ptr.http", O_RDONLY);
  ASSERT_TRUE(reader.ok());
  Result<FileStat> before = fs_->Stat(dir_.get(), "ptr.http");
  ASSERT_TRUE(before.ok());

  ASSERT_TRUE(WriteFileAtomic(*fs_, dir_.get(), "ptr.http", "new content", "123").ok());

  Result<FileStat> after = fs_->Stat(dir_.get(), "ptr.http");
  ASSERT_TRUE(after.ok());
  EXPECT_NE(after->ino, before->ino);  // a new file was renamed over, not rewritten in place
  EXPECT_EQ(*ReadFileToString(*fs_, dir_.get(), "ptr.http"), "new content");
  // A reader that opened the old file still sees all of the old content.
  char buf[64];
  Result<size_t> n = fs_->Read(reader->get(), buf, sizeof buf);
  ASSERT_TRUE(n.ok());
  EXPECT_EQ(std::string(buf, *n), "old content");
  EXPECT_FALSE(Exists("ptr.http.tmp-123"));
  Result<std::vector<DirEntry>> es = fs_->ListDir(dir_.get());
  ASSERT_TRUE(es.ok());
  EXPECT_EQ(es->size(), 1u);
}

TEST_F(FsUtilTest, WriteFileAtomicCreatesAndOverwritesStaleTemp) {
  Touch("p.tmp-s", "stale garbage from a crashed writer, longer than the data");
  ASSERT_TRUE(WriteFileAtomic(*fs_, dir_.get(), "p", "fresh", "s").ok());
  EXPECT_EQ(*ReadFileToString(*fs_, dir_.get(), "p"), "fresh");
  EXPECT_FALSE(Exists("p.tmp-s"));
}

TEST_F(FsUtilTest, WriteFileAtomicDoesNotWriteThroughPlantedSymlink) {
  Mkdir("outside");
  Touch("outside/target", "outside data");
  Ln(P("outside/target"), "p.tmp-s");
  Status s = WriteFileAtomic(*fs_, dir_.get(), "p", "evil", "s");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(*ReadFileToString(*fs_, dir_.get(), "outside/target"), "outside data");
  EXPECT_FALSE(Exists("p"));
}

// Readers racing an atomic writer only ever see one whole version.
TEST_F(FsUtilTest, WriteFileAtomicReadersNeverSeeAMix) {
  const std::string a(64 * 1024, 'A'), b(64 * 1024, 'B');
  ASSERT_TRUE(WriteFileAtomic(*fs_, dir_.get(), "f", a, "w").ok());
  std::atomic<bool> done{false};
  std::atomic<int> bad{0}, reads{0};
  std::thread reader([&] {
    while (!done.load()) {
      Result<std::string> got = ReadFileToString(*fs_, dir_.get(), "f");
      if (!got.ok() || (*got != a && *got != b)) bad++;
      reads++;
    }
  });
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(WriteFileAtomic(*fs_, dir_.get(), "f", i % 2 ? a : b, "w").ok());
  }
  done = true;
  reader.join();
  EXPECT_EQ(bad.load(), 0) << "of " << reads.load() << " reads";
}

TEST_F(FsUtilTest, MakeDirsCreatesNestedAndIsIdempotent) {
  ASSERT_TRUE(MakeDirs(*fs_, dir_.get(), "wheels-v6/pypi/numpy").ok());
  EXPECT_TRUE(Exists("wheels-v6/pypi/numpy"));
  ASSERT_TRUE(MakeDirs(*fs_, dir_.get(), "wheels-v6/pypi/numpy/").ok());
  ASSERT_TRUE(MakeDirs(*fs_, dir_.get(), "wheels-v6//pypi/./six").ok());
  EXPECT_TRUE(Exists("wheels-v6/pypi/six"));
  ASSERT_TRUE(MakeDirs(*fs_, dir_.get(), "").ok());
}

TEST_F(FsUtilTest, MakeDirsRefusesSymlinkFileAndAbsolute) {
  Mkdir("outside");
  Ln(P("outside"), "link");
  Status s = MakeDirs(*fs_, dir_.get(), "link/sub");
  EXPECT_EQ(s.code(), StatusCode::kInvalidInput) << s.ToString();
  EXPECT_NE(s.message().find("symlink"), std::string::npos) << s.message();
  EXPECT_FALSE(Exists("outside/sub"));

  Touch("file");
  Status f = MakeDirs(*fs_, dir_.get(), "file/sub");
  EXPECT_EQ(f.code(), StatusCode::kInvalidInput) << f.ToString();

  EXPECT_EQ(MakeDirs(*fs_, dir_.get(), P("abs")).code(), StatusCode::kInvalidInput);
}

TEST_F(FsUtilTest, RemoveTreeMissingIsOk) {
  EXPECT_TRUE(RemoveTree(*fs_, dir_.get(), "does-not-exist").ok());
  EXPECT_TRUE(RemoveTree(*fs_, dir_.get(), "no/such/parent").ok());
}

TEST_F(FsUtilTest, RemoveTreeRemovesSingleFileAndTopSymlink) {
  Touch("file");
  ASSERT_TRUE(RemoveTree(*fs_, dir_.get(), "file").ok());
  EXPECT_FALSE(Exists("file"));

  Mkdir("outside");
  Touch("outside/canary");
  Ln(P("outside"), "toplink");
  ASSERT_TRUE(RemoveTree(*fs_, dir_.get(), "toplink").ok());
  EXPECT_FALSE(Exists("toplink"));
  EXPECT_TRUE(Exists("outside/canary"));
}

TEST_F(FsUtilTest, RemoveTreeIsDeepestFirstFileByFile) {
  BuildTreeWithEscape(P("outside"));
  std::vector<std::string> order;
  RemoveTreeOptions opts;
  opts.before_unlink = [&](std::string_view rel) {
    order.emplace_back(rel);
    return true;
  };
  ASSERT_TRUE(RemoveTree(*fs_, dir_.get(), "archive", opts).ok());
  EXPECT_FALSE(Exists("archive"));
  EXPECT_EQ(order, (std::vector<std::string>{
                       "archive/a/escape", "archive/a/x", "archive/a/y", "archive/a",
                       "archive/b/c/z", "archive/b/c", "archive/b", "archive/top", "archive"}));
  // Every path is unlinked after everything below it.
  for (size_t i = 0; i < order.size(); ++i) {
    for (size_t j = i + 1; j < order.size(); ++j) {
      EXPECT_NE(order[j].rfind(order[i] + "/", 0), 0u) << order[j] << " after " << order[i];
    }
  }
}

// Containment: a symlink inside the tree pointing out of it is unlinked, never followed.
TEST_F(FsUtilTest, RemoveTreeDoesNotFollowSymlinkOutside) {
  BuildTreeWithEscape(P("outside"));
  Ln("../../outside", "archive/b/relescape");
  Ln(P("outside/canary.txt"), "archive/filelink");
  ASSERT_TRUE(RemoveTree(*fs_, dir_.get(), "archive").ok());
  EXPECT_FALSE(Exists("archive"));
  EXPECT_TRUE(Exists("outside/canary.txt"));
  EXPECT_EQ(*ReadFileToString(*fs_, dir_.get(), "outside/canary.txt"), "do not delete");
}

// The follow_symlinks mutant is detectable: the same tree loses the canary.
TEST_F(FsUtilTest, FollowSymlinksMutantDeletesCanary) {
  BuildTreeWithEscape(P("outside"));
  RemoveTreeOptions opts;
  opts.follow_symlinks = true;
  ASSERT_TRUE(RemoveTree(*fs_, dir_.get(), "archive", opts).ok());
  EXPECT_FALSE(Exists("archive"));
  EXPECT_FALSE(Exists("outside/canary.txt"));  // the containment violation
  EXPECT_TRUE(Exists("outside"));              // emptied, not removed
}

TEST_F(FsUtilTest, FollowSymlinksMutantFollowsRelativeTargetsToo) {
  BuildTreeWithEscape("../../outside");  // archive/a/escape -> ../../outside
  RemoveTreeOptions opts;
  opts.follow_symlinks = true;
  ASSERT_TRUE(RemoveTree(*fs_, dir_.get(), "archive", opts).ok());
  EXPECT_FALSE(Exists("outside/canary.txt"));
}

TEST_F(FsUtilTest, FollowSymlinksMutantIgnoresDanglingAndFileLinks) {
  Mkdir("t");
  Ln("nowhere", "t/dangling");
  Touch("keep");
  Ln(P("keep"), "t/filelink");
  RemoveTreeOptions opts;
  opts.follow_symlinks = true;
  ASSERT_TRUE(RemoveTree(*fs_, dir_.get(), "t", opts).ok());
  EXPECT_FALSE(Exists("t"));
  EXPECT_TRUE(Exists("keep"));
}

TEST_F(FsUtilTest, RemoveTreeInterruptedIsBusyAndResumable) {
  BuildTreeWithEscape(P("outside"));
  int calls = 0;
  RemoveTreeOptions opts;
  opts.before_unlink = [&](std::string_view) { return ++calls <= 3; };
  Status s = RemoveTree(*fs_, dir_.get(), "archive", opts);
  EXPECT_EQ(s.code(), StatusCode::kBusy) << s.ToString();
  EXPECT_NE(s.message().find("removal interrupted"), std::string::npos) << s.message();
  EXPECT_NE(s.message().find("archive/a"), std::string::npos) << s.message();
  EXPECT_EQ(calls, 4);  // stopped at the 4th unlink: archive/a itself
  EXPECT_FALSE(Exists("archive/a/x"));
  EXPECT_TRUE(Exists("archive/a"));
  EXPECT_TRUE(Exists("archive/b/c/z"));  // a half-deleted tree, as a reader could see it

  ASSERT_TRUE(RemoveTree(*fs_, dir_.get(), "archive").ok());  // a later run finishes the job
  EXPECT_FALSE(Exists("archive"));
  EXPECT_TRUE(Exists("outside/canary.txt"));
}

TEST_F(FsUtilTest, RemoveTreeMultiComponentNameRefusesSymlinkParent) {
  Mkdir("outside");
  Mkdir("outside/victim");
  Touch("outside/victim/f");
  Ln(P("outside"), "archive-v0");
  Status s = RemoveTree(*fs_, dir_.get(), "archive-v0/victim");
  EXPECT_FALSE(s.ok());
  EXPECT_TRUE(Exists("outside/victim/f"));

  Mkdir("cache");
  Mkdir("cache/archive");
  Touch("cache/archive/f");
  ASSERT_TRUE(RemoveTree(*fs_, dir_.get(), "cache/archive").ok());
  EXPECT_FALSE(Exists("cache/archive"));
  EXPECT_TRUE(Exists("cache"));
}

TEST_F(FsUtilTest, RemoveTreeRefusesDotNames) {
  EXPECT_EQ(RemoveTree(*fs_, dir_.get(), ".").code(), StatusCode::kInvalidInput);
  EXPECT_EQ(RemoveTree(*fs_, dir_.get(), "..").code(), StatusCode::kInvalidInput);
}

TEST_F(FsUtilTest, RemoveTreeReportsInjectedFaultAndCanResume) {
  BuildTreeWithEscape(P("outside"));
  FaultInjectingFileSystem faulty(fs_);
  faulty.AddFault(Fault{FsOp::kUnlink, EACCES, "z", 0, 1});
  Status s = RemoveTree(faulty, dir_.get(), "archive");
  EXPECT_EQ(s.code(), StatusCode::kPermissionDenied) << s.ToString();
  EXPECT_TRUE(Exists("archive/b/c/z"));
  EXPECT_FALSE(Exists("archive/a"));  // earlier siblings were already removed
  ASSERT_TRUE(RemoveTree(faulty, dir_.get(), "archive").ok());
  EXPECT_FALSE(Exists("archive"));
  EXPECT_TRUE(Exists("outside/canary.txt"));
}

}  // namespace
}  // namespace prunecheck
