#include "pruner/base/fault_injecting_file_system.h"

#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "pruner/base/fs_util.h"
#include "pruner/base/scoped_temp_dir.h"

namespace prunecheck {
namespace {

class FaultFsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(tmp_.ok()) << "cannot create a temp dir";
    root_ = tmp_.path();
    Result<Fd> d = DefaultFileSystem()->OpenDir(AT_FDCWD, root_);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    dir_ = std::move(d).value();
  }

  FaultInjectingFileSystem fs_{DefaultFileSystem()};
  ScopedTempDir tmp_{"prunecheck-faultfs"};
  std::string root_;
  Fd dir_;
};

TEST_F(FaultFsTest, PassesThroughWithoutFaults) {
  ASSERT_TRUE(WriteFile(fs_, dir_.get(), "f", "hello").ok());
  Result<std::string> got = ReadFileToString(fs_, dir_.get(), "f");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, "hello");
  EXPECT_EQ(fs_.CallCount(FsOp::kOpenFile), 2);
  EXPECT_EQ(fs_.CallCount(FsOp::kWrite), 1);
  EXPECT_GE(fs_.CallCount(FsOp::kRead), 2);
  EXPECT_EQ(fs_.CallCount(FsOp::kRename), 0);
  EXPECT_EQ(fs_.InjectedCount(), 0);
}

TEST_F(FaultFsTest, FailsSecondWriteWithEnospc) {
  fs_.AddFault(Fault{FsOp::kWrite, ENOSPC, "", /*skip=*/1, /*count=*/1});
  Status first = WriteFile(fs_, dir_.get(), "a", "1");
  Status second = WriteFile(fs_, dir_.get(), "b", "2");
  Status third = WriteFile(fs_, dir_.get(), "c", "3");
  EXPECT_TRUE(first.ok()) << first.ToString();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.code(), StatusCode::kNoSpace);
  EXPECT_EQ(second.os_error(), ENOSPC);
  EXPECT_NE(second.message().find("injected"), std::string::npos) << second.message();
  EXPECT_TRUE(third.ok()) << third.ToString();  // count = 1: only one failure
  EXPECT_EQ(fs_.CallCount(FsOp::kWrite), 3);
  EXPECT_EQ(fs_.InjectedCount(), 1);
  // The failed write never reached the disk.
  Result<std::string> b = ReadFileToString(fs_, dir_.get(), "b");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*b, "");
}

TEST_F(FaultFsTest, NegativeCountFailsForever) {
  fs_.AddFault(Fault{FsOp::kMakeDir, EIO, "", 0, -1});
  for (int i = 0; i < 5; ++i) {
    Status s = fs_.MakeDir(dir_.get(), "d" + std::to_string(i), 0755);
    EXPECT_EQ(s.code(), StatusCode::kIoError);
    EXPECT_EQ(s.os_error(), EIO);
  }
  EXPECT_EQ(fs_.InjectedCount(), 5);
  EXPECT_EQ(fs_.CallCount(FsOp::kMakeDir), 5);
  fs_.ClearFaults();
  EXPECT_TRUE(fs_.MakeDir(dir_.get(), "d", 0755).ok());
  EXPECT_EQ(fs_.CallCount(FsOp::kMakeDir), 6);
}

TEST_F(FaultFsTest, SkipAndCountWindow) {
  fs_.AddFault(Fault{FsOp::kStat, EACCES, "", /*skip=*/2, /*count=*/2});
  std::vector<bool> ok;
  for (int i = 0; i < 6; ++i) ok.push_back(fs_.Stat(dir_.get(), "").ok());
  EXPECT_EQ(ok, (std::vector<bool>{true, true, false, false, true, true}));
  EXPECT_EQ(fs_.InjectedCount(), 2);
}

TEST_F(FaultFsTest, NameContainsMatchesOnlyThatName) {
  ASSERT_TRUE(WriteFile(fs_, dir_.get(), "keep.txt", "k").ok());
  ASSERT_TRUE(WriteFile(fs_, dir_.get(), "victim.txt", "v").ok());
  fs_.AddFault(Fault{FsOp::kUnlink, EACCES, "victim", 0, -1});
  Status v = fs_.Unlink(dir_.get(), "victim.txt", false);
  EXPECT_EQ(v.code(), StatusCode::kPermissionDenied);
  EXPECT_NE(v.message().find("victim.txt"), std::string::npos) << v.message();
  EXPECT_TRUE(fs_.Unlink(dir_.get(), "keep.txt", false).ok());
  EXPECT_TRUE(DefaultFileSystem()->Stat(dir_.get(), "victim.txt").ok());  // still there
  EXPECT_EQ(fs_.CallCount(FsOp::kUnlink), 2);
  EXPECT_EQ(fs_.InjectedCount(), 1);
}

TEST_F(FaultFsTest, NameContainsSkipCountsOnlyMatchingCalls) {
  fs_.AddFault(Fault{FsOp::kMakeDir, ENOSPC, "hit", /*skip=*/1, /*count=*/1});
  EXPECT_TRUE(fs_.MakeDir(dir_.get(), "miss1", 0755).ok());
  EXPECT_TRUE(fs_.MakeDir(dir_.get(), "hit1", 0755).ok());  // first match skipped
  EXPECT_TRUE(fs_.MakeDir(dir_.get(), "miss2", 0755).ok());
  EXPECT_EQ(fs_.MakeDir(dir_.get(), "hit2", 0755).code(), StatusCode::kNoSpace);
  EXPECT_TRUE(fs_.MakeDir(dir_.get(), "hit3", 0755).ok());
}

TEST_F(FaultFsTest, RenameMatchesEitherName) {
  ASSERT_TRUE(WriteFile(fs_, dir_.get(), "src", "s").ok());
  fs_.AddFault(Fault{FsOp::kRename, EIO, "dest", 0, -1});
  EXPECT_EQ(fs_.Rename(dir_.get(), "src", dir_.get(), "dest", false).code(), StatusCode::kIoError);
  ASSERT_TRUE(fs_.Rename(dir_.get(), "src", dir_.get(), "mid", false).ok());
  fs_.ClearFaults();
  fs_.AddFault(Fault{FsOp::kRename, EIO, "mid", 0, -1});
  EXPECT_EQ(fs_.Rename(dir_.get(), "mid", dir_.get(), "other", false).code(), StatusCode::kIoError);
  EXPECT_EQ(fs_.CallCount(FsOp::kRename), 3);
}

TEST_F(FaultFsTest, FdOperationsMatchByTheFilesPath) {
  fs_.AddFault(Fault{FsOp::kWrite, ENOSPC, ".http", 0, -1});
  EXPECT_TRUE(WriteFile(fs_, dir_.get(), "wheel.whl", "zip").ok());
  Status s = WriteFile(fs_, dir_.get(), "entry.http", "ptr");
  EXPECT_EQ(s.code(), StatusCode::kNoSpace) << s.ToString();
  EXPECT_NE(s.message().find("entry.http"), std::string::npos) << s.message();
  EXPECT_EQ(fs_.InjectedCount(), 1);
}

TEST_F(FaultFsTest, WriteFileAtomicUnderRenameFaultKeepsOldContent) {
  ASSERT_TRUE(WriteFile(fs_, dir_.get(), "ptr.http", "old").ok());
  fs_.AddFault(Fault{FsOp::kRename, EIO, "ptr.http", 0, 1});
  Status s = WriteFileAtomic(fs_, dir_.get(), "ptr.http", "new", "abc");
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  Result<std::string> got = ReadFileToString(fs_, dir_.get(), "ptr.http");
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, "old");
  // The temp file was cleaned up.
  EXPECT_EQ(fs_.Stat(dir_.get(), "ptr.http.tmp-abc").status().code(), StatusCode::kNotFound);
}

TEST_F(FaultFsTest, FsyncAndOpenFaults) {
  fs_.AddFault(Fault{FsOp::kFsync, EIO, "", 0, 1});
  EXPECT_EQ(WriteFileAtomic(fs_, dir_.get(), "x", "data", "t").code(), StatusCode::kIoError);
  EXPECT_EQ(fs_.Stat(dir_.get(), "x").status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(WriteFileAtomic(fs_, dir_.get(), "x", "data", "t").ok());

  fs_.AddFault(Fault{FsOp::kOpenDir, EACCES, "sub", 0, 1});
  ASSERT_TRUE(fs_.MakeDir(dir_.get(), "sub", 0755).ok());
  EXPECT_EQ(fs_.OpenDir(dir_.get(), "sub").status().code(), StatusCode::kPermissionDenied);
  EXPECT_TRUE(fs_.OpenDir(dir_.get(), "sub").ok());
}

TEST_F(FaultFsTest, MultipleFaultsFirstAddedWins) {
  fs_.AddFault(Fault{FsOp::kSymlink, EIO, "", 0, 1});
  fs_.AddFault(Fault{FsOp::kSymlink, ENOSPC, "", 0, 2});
  Status a = fs_.Symlink("t", dir_.get(), "l1");
  Status b = fs_.Symlink("t", dir_.get(), "l2");
  Status c = fs_.Symlink("t", dir_.get(), "l3");
  EXPECT_EQ(a.os_error(), EIO);
  EXPECT_EQ(b.os_error(), ENOSPC);
  EXPECT_TRUE(c.ok()) << c.ToString();  // both faults used up
  EXPECT_EQ(fs_.InjectedCount(), 2);
}

TEST_F(FaultFsTest, EveryOperationIsCounted) {
  ASSERT_TRUE(fs_.MakeDir(dir_.get(), "d", 0755).ok());
  Result<Fd> d = fs_.OpenDir(dir_.get(), "d");
  ASSERT_TRUE(d.ok());
  Result<Fd> f = fs_.OpenFile(d->get(), "f", O_RDWR | O_CREAT, 0644);
  ASSERT_TRUE(f.ok());
  ASSERT_TRUE(fs_.Write(f->get(), "ab", 2).ok());
  ASSERT_TRUE(fs_.Fsync(f->get()).ok());
  char buf[2];
  ASSERT_TRUE(fs_.Read(f->get(), buf, 2).ok());
  ASSERT_TRUE(fs_.FStat(f->get()).ok());
  ASSERT_TRUE(fs_.Stat(d->get(), "f").ok());
  ASSERT_TRUE(fs_.Symlink("f", d->get(), "l").ok());
  ASSERT_TRUE(fs_.ReadLink(d->get(), "l").ok());
  ASSERT_TRUE(fs_.Link(d->get(), "f", d->get(), "f2").ok());
  ASSERT_TRUE(fs_.ListDir(d->get()).ok());
  ASSERT_TRUE(fs_.SetTimes(d->get(), "f", timespec{1, 0}).ok());
  ASSERT_TRUE(fs_.Flock(f->get(), LockMode::kExclusive, true).ok());
  ASSERT_TRUE(fs_.Unlock(f->get()).ok());  // counted as kFlock
  ASSERT_TRUE(fs_.Rename(d->get(), "f2", d->get(), "f3", false).ok());
  ASSERT_TRUE(fs_.Unlink(d->get(), "f3", false).ok());
  for (int i = 0; i <= static_cast<int>(FsOp::kFlock); ++i) {
    FsOp op = static_cast<FsOp>(i);
    EXPECT_EQ(fs_.CallCount(op), op == FsOp::kFlock ? 2 : 1) << FsOpName(op);
  }
}

TEST_F(FaultFsTest, ConcurrentUseIsCountedExactly) {
  fs_.AddFault(Fault{FsOp::kStat, EIO, "", /*skip=*/100, /*count=*/50});
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 100; ++i) {
        if (!fs_.Stat(dir_.get(), "").ok()) failures++;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(fs_.CallCount(FsOp::kStat), 400);
  EXPECT_EQ(failures.load(), 50);
  EXPECT_EQ(fs_.InjectedCount(), 50);
}

}  // namespace
}  // namespace prunecheck
