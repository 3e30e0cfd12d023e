// MemFileSystem specifics. What it shares with the posix file system is
// tested against both in file_system_conformance_test.cc.
#include "pruner/base/mem_file_system.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <string>
#include <thread>
#include <vector>

#include "pruner/base/file_lock.h"
#include "pruner/base/fs_util.h"
#include "pruner/base/no_sync_file_system.h"
#include "pruner/base/virtual_fd.h"
#include "pruner/base/yield_points.h"

namespace prunecheck {
namespace {

TEST(MemFsTest, DescriptorsAreVirtualAndRealOnesAreRefused) {
  MemFileSystem fs;
  Result<Fd> root = fs.OpenDir(AT_FDCWD, "/");
  ASSERT_TRUE(root.ok());
  EXPECT_GE(root->get(), kFirstVirtualFd);
  EXPECT_EQ(fs.OpenFdCount(), 1u);

  // A real descriptor number (this process's stdin, or a real open file) is not ours.
  int real = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  ASSERT_GE(real, 0);
  char c;
  Result<size_t> r = fs.Read(real, &c, 1);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().os_error(), EBADF);
  EXPECT_EQ(fs.FStat(0).status().os_error(), EBADF);
  EXPECT_EQ(fs.MakeDir(real, "x", 0755).os_error(), EBADF);
  ::close(real);

  // Nor is another MemFileSystem's.
  MemFileSystem other;
  Result<Fd> theirs = other.OpenDir(AT_FDCWD, "/");
  ASSERT_TRUE(theirs.ok());
  EXPECT_NE(theirs->get(), root->get());
  EXPECT_EQ(fs.ListDir(theirs->get()).status().os_error(), EBADF);
  EXPECT_EQ(fs.FStat(theirs->get()).status().os_error(), EBADF);

  root->reset();
  EXPECT_EQ(fs.OpenFdCount(), 0u);
}

TEST(MemFsTest, CwdIsTheRootAndNothingReachesTheDisk) {
  MemFileSystem fs;
  const std::string path = "/tmp/prunecheck-memfs-" + std::to_string(::getpid()) + "-must-not-exist";
  ASSERT_TRUE(fs.MakeDirs(path).ok());
  ASSERT_TRUE(fs.WriteWholeFile(path + "/f", "x").ok());
  EXPECT_NE(::access(path.c_str(), F_OK), 0);  // not on the real disk
  // Relative to AT_FDCWD is relative to "/".
  Result<FileStat> st = fs.Stat(AT_FDCWD, path.substr(1) + "/f");
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  EXPECT_EQ(st->size, 1u);
  Result<Fd> tmp = fs.OpenDir(AT_FDCWD, "tmp");
  ASSERT_TRUE(tmp.ok());
  Result<std::vector<DirEntry>> top = fs.ListDir(AT_FDCWD);
  ASSERT_TRUE(top.ok());
  ASSERT_EQ(top->size(), 1u);
  EXPECT_EQ((*top)[0].name, "tmp");
  // ".." of the root is the root.
  Result<FileStat> up = fs.Stat(AT_FDCWD, "/../../tmp");
  ASSERT_TRUE(up.ok());
  EXPECT_EQ(up->ino, fs.Stat(AT_FDCWD, "/tmp")->ino);
}

TEST(MemFsTest, Helpers) {
  MemFileSystem fs;
  EXPECT_EQ(fs.InodeCount(), 1u);  // the root
  ASSERT_TRUE(fs.WriteWholeFile("/a/b/c.txt", "hello").ok());
  EXPECT_EQ(fs.InodeCount(), 4u);
  Result<std::string> r = fs.ReadWholeFile("/a/b/c.txt");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, "hello");
  ASSERT_TRUE(fs.WriteWholeFile("/a/b/c.txt", "bye").ok());  // truncates
  EXPECT_EQ(*fs.ReadWholeFile("/a/b/c.txt"), "bye");
  EXPECT_TRUE(fs.Exists("/a/b"));
  EXPECT_FALSE(fs.Exists("/a/x"));
  EXPECT_TRUE(fs.ReadWholeFile("/a/x").status().Is(StatusCode::kNotFound));
  ASSERT_TRUE(fs.MakeDirs("/a/b/d/e").ok());
  ASSERT_TRUE(fs.MakeDirs("/a/b/d/e").ok());  // idempotent
  Status not_dir = fs.MakeDirs("/a/b/c.txt/e");
  EXPECT_TRUE(not_dir.Is(StatusCode::kInvalidInput)) << not_dir.ToString();
  ASSERT_TRUE(fs.Symlink("/a/b", AT_FDCWD, "/link").ok());
  EXPECT_TRUE(fs.Exists("/link"));
  EXPECT_EQ(*fs.ReadWholeFile("/link/c.txt"), "bye");  // leading components follow links
  // RemoveAll never follows a symlink.
  ASSERT_TRUE(fs.MakeDirs("/victim").ok());
  ASSERT_TRUE(fs.Symlink("/a", AT_FDCWD, "/victim/l").ok());
  ASSERT_TRUE(fs.RemoveAll("/victim").ok());
  EXPECT_FALSE(fs.Exists("/victim"));
  EXPECT_TRUE(fs.Exists("/a/b/c.txt"));
  ASSERT_TRUE(fs.RemoveAll("/victim").ok());  // already gone
  ASSERT_TRUE(fs.Unlink(AT_FDCWD, "/link", false).ok());
  ASSERT_TRUE(fs.RemoveAll("/a").ok());
  EXPECT_EQ(fs.InodeCount(), 1u);
}

TEST(MemFsTest, InodesLiveWhileLinkedOrOpen) {
  MemFileSystem fs;
  ASSERT_TRUE(fs.WriteWholeFile("/d/f", "x").ok());
  ASSERT_EQ(fs.InodeCount(), 3u);
  {
    Result<Fd> f = fs.OpenFile(AT_FDCWD, "/d/f", O_RDONLY, 0);
    ASSERT_TRUE(f.ok());
    Result<Fd> d = fs.OpenDir(AT_FDCWD, "/d");
    ASSERT_TRUE(d.ok());
    ASSERT_TRUE(fs.Unlink(AT_FDCWD, "/d/f", false).ok());
    ASSERT_TRUE(fs.Unlink(AT_FDCWD, "/d", true).ok());
    EXPECT_EQ(fs.InodeCount(), 3u);  // both still open
    EXPECT_EQ(fs.OpenFdCount(), 2u);
  }
  EXPECT_EQ(fs.InodeCount(), 1u);
  EXPECT_EQ(fs.OpenFdCount(), 0u);
  // Replaced by rename: the old target goes.
  ASSERT_TRUE(fs.WriteWholeFile("/a", "a").ok());
  ASSERT_TRUE(fs.WriteWholeFile("/b", "b").ok());
  ASSERT_TRUE(fs.Rename(AT_FDCWD, "/a", AT_FDCWD, "/b", false).ok());
  EXPECT_EQ(fs.InodeCount(), 2u);
}

TEST(MemFsTest, ProcSelfFdNamesOurDescriptors) {
  MemFileSystem fs;
  ASSERT_TRUE(fs.MakeDirs("/c/sub").ok());
  Result<Fd> d = fs.OpenDir(AT_FDCWD, "/c/sub");
  ASSERT_TRUE(d.ok());
  Result<std::string> p = fs.ReadLink(AT_FDCWD, "/proc/self/fd/" + std::to_string(d->get()));
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(*p, "/c/sub");
  // It follows renames, and says when the directory is gone.
  ASSERT_TRUE(fs.Rename(AT_FDCWD, "/c", AT_FDCWD, "/moved", false).ok());
  EXPECT_EQ(*fs.ReadLink(AT_FDCWD, "/proc/self/fd/" + std::to_string(d->get())), "/moved/sub");
  ASSERT_TRUE(fs.Unlink(AT_FDCWD, "/moved/sub", true).ok());
  EXPECT_EQ(*fs.ReadLink(AT_FDCWD, "/proc/self/fd/" + std::to_string(d->get())), "/moved/sub (deleted)");
  // Not one of ours: an ordinary (missing) path.
  EXPECT_TRUE(fs.ReadLink(AT_FDCWD, "/proc/self/fd/0").status().Is(StatusCode::kNotFound));
}

TEST(MemFsTest, FdOutlivingTheFileSystemIsHarmless) {
  Fd stale;
  int number = -1;
  {
    MemFileSystem fs;
    Result<Fd> d = fs.OpenDir(AT_FDCWD, "/");
    ASSERT_TRUE(d.ok());
    number = d->get();
    stale = std::move(d).value();
  }
  // The number stays reserved until the stale Fd is closed...
  MemFileSystem next;
  Result<Fd> fresh = next.OpenDir(AT_FDCWD, "/");
  ASSERT_TRUE(fresh.ok());
  EXPECT_NE(fresh->get(), number);
  // ... and closing it does not touch the new file system's descriptors.
  stale.reset();
  EXPECT_EQ(next.OpenFdCount(), 1u);
  EXPECT_TRUE(next.FStat(fresh->get()).ok());
  // Now the number is free again.
  Result<Fd> again = next.OpenDir(AT_FDCWD, "/");
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->get(), number);
}

TEST(MemFsTest, FileLockWorksOnMemFs) {
  MemFileSystem fs;
  NoSyncFileSystem no_sync(&fs);
  ASSERT_TRUE(fs.MakeDirs("/c").ok());
  Result<Fd> root = fs.OpenDir(AT_FDCWD, "/c");
  ASSERT_TRUE(root.ok());
  NoYieldPoints none;
  LockRequest req;
  req.mode = LockMode::kExclusive;
  req.wait = LockRequest::Wait::kTry;
  Result<FileLock> a = FileLock::Acquire(no_sync, none, root->get(), ".lock", req);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  req.mode = LockMode::kShared;
  Result<FileLock> b = FileLock::Acquire(no_sync, none, root->get(), ".lock", req);
  EXPECT_TRUE(b.status().Is(StatusCode::kWouldBlock)) << b.status().ToString();
  ASSERT_TRUE(a->UnlinkAndRelease().ok());
  EXPECT_FALSE(fs.Exists("/c/.lock"));
  Result<FileLock> c = FileLock::Acquire(no_sync, none, root->get(), ".lock", req);
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  // A blocking waiter is woken by the holder's release.
  req.mode = LockMode::kExclusive;
  req.wait = LockRequest::Wait::kBlocking;
  req.timeout = std::chrono::milliseconds(10000);
  // The holder lets go exactly when the waiter reports it is blocked: the
  // blocking path is exercised deterministically, without sleeping.
  struct ReleaseWhenBlocked final : YieldPoints {
    FileLock* holder = nullptr;
    int blocked = 0;
    void Yield(std::string_view, std::string_view) override {}
    void Report(const Event&) override {}
    void Blocked(std::string_view, std::chrono::microseconds) override {
      ++blocked;
      (void)holder->Release();
    }
  } release_when_blocked;
  release_when_blocked.holder = &c.value();
  Result<FileLock> d = FileLock::Acquire(no_sync, release_when_blocked, root->get(), ".lock", req);
  EXPECT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_EQ(release_when_blocked.blocked, 1);
}

TEST(MemFsTest, ConcurrentUseFromThreads) {
  MemFileSystem fs;
  ASSERT_TRUE(fs.MakeDirs("/shared").ok());
  ASSERT_TRUE(fs.WriteWholeFile("/shared/.lock", "").ok());
  constexpr int kThreads = 4;
  constexpr int kRounds = 200;
  std::atomic<int> inside{0};
  std::atomic<int> max_inside{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      Result<Fd> dir = fs.OpenDir(AT_FDCWD, "/shared");
      ASSERT_TRUE(dir.ok());
      for (int i = 0; i < kRounds; ++i) {
        const std::string tmp = "t" + std::to_string(t) + "-" + std::to_string(i);
        ASSERT_TRUE(WriteFile(fs, dir->get(), tmp, tmp).ok());
        ASSERT_TRUE(fs.Rename(dir->get(), tmp, dir->get(), "current", false).ok());
        Result<std::string> cur = ReadFileToString(fs, dir->get(), "current");
        if (cur.ok()) {
          EXPECT_EQ(cur->front(), 't');
        }
        Result<Fd> lock = fs.OpenFile(dir->get(), ".lock", O_RDONLY, 0);
        ASSERT_TRUE(lock.ok());
        ASSERT_TRUE(fs.Flock(lock->get(), LockMode::kExclusive, /*nonblocking=*/false).ok());
        int now = ++inside;
        int seen = max_inside.load();
        while (now > seen && !max_inside.compare_exchange_weak(seen, now)) {
        }
        std::this_thread::yield();
        --inside;
        ASSERT_TRUE(fs.Unlock(lock->get()).ok());
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(max_inside.load(), 1);  // the exclusive lock excluded
  Result<Fd> dir = fs.OpenDir(AT_FDCWD, "/shared");
  ASSERT_TRUE(dir.ok());
  Result<std::vector<DirEntry>> l = fs.ListDir(dir->get());
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->size(), 2u);  // .lock and current
  dir->reset();
  EXPECT_EQ(fs.OpenFdCount(), 0u);
  EXPECT_EQ(fs.InodeCount(), 4u);  // root, shared, .lock, current
}

}  // namespace
}  // namespace prunecheck
