#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <chrono>
#include <filesystem>
#include <future>
#include <thread>
#include <set>
#include <string>

#include <gtest/gtest.h>

#include "pruner/base/file_system.h"
#include "pruner/base/yield_points.h"
#include "pruner/base/scoped_temp_dir.h"

namespace prunecheck {
namespace {

// Each test works in its own mkdtemp directory, removed with std::filesystem
// (which never follows symlinks) so cleanup does not depend on the code under test.
class PosixFsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(tmp_.ok()) << "cannot create a temp dir";
    root_ = tmp_.path();
    Result<Fd> d = fs_->OpenDir(AT_FDCWD, root_);
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    dir_ = std::move(d).value();
  }
  std::string P(const std::string& rel) const { return root_ + "/" + rel; }
  void Touch(const std::string& rel, const std::string& content = "x") {
    int fd = ::open(P(rel).c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    ASSERT_GE(fd, 0) << rel;
    ASSERT_EQ(::write(fd, content.data(), content.size()), static_cast<ssize_t>(content.size()));
    ::close(fd);
  }
  void Mkdir(const std::string& rel) { ASSERT_EQ(::mkdir(P(rel).c_str(), 0755), 0) << rel; }
  void Ln(const std::string& target, const std::string& rel) {
    ASSERT_EQ(::symlink(target.c_str(), P(rel).c_str()), 0) << rel;
  }

  FileSystem* fs_ = DefaultFileSystem();
  ScopedTempDir tmp_{"prunecheck-posixfs"};
  std::string root_;
  Fd dir_;
};

TEST_F(PosixFsTest, OpenDirWalksRelativeComponents) {
  Mkdir("a");
  Mkdir("a/b");
  Mkdir("a/b/c");
  Touch("a/b/c/f");
  Result<Fd> d = fs_->OpenDir(dir_.get(), "a/b//./c/");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  Result<FileStat> st = fs_->Stat(d->get(), "f");
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  EXPECT_EQ(st->type, FileType::kRegular);
}

TEST_F(PosixFsTest, OpenDirEmptyPathReopensDir) {
  Result<Fd> d = fs_->OpenDir(dir_.get(), "");
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_NE(d->get(), dir_.get());
  Result<FileStat> a = fs_->FStat(d->get());
  Result<FileStat> b = fs_->FStat(dir_.get());
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(a->ino, b->ino);
}

TEST_F(PosixFsTest, OpenDirRefusesSymlinkComponent) {
  Mkdir("real");
  Mkdir("real/sub");
  Ln("real", "link");
  Result<Fd> d = fs_->OpenDir(dir_.get(), "link/sub");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidInput) << d.status().ToString();
  EXPECT_NE(d.status().message().find("link"), std::string::npos) << d.status().message();

  // The last component too.
  Result<Fd> last = fs_->OpenDir(dir_.get(), "link");
  ASSERT_FALSE(last.ok());
  EXPECT_EQ(last.status().code(), StatusCode::kInvalidInput) << last.status().ToString();
  EXPECT_EQ(last.status().os_error(), ELOOP);
}

TEST_F(PosixFsTest, OpenDirAbsoluteWithRealDirfdAlsoRefusesSymlinks) {
  Mkdir("real");
  Ln(P("real"), "link");
  Result<Fd> d = fs_->OpenDir(dir_.get(), P("link"));
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kInvalidInput) << d.status().ToString();
  Result<Fd> ok = fs_->OpenDir(dir_.get(), P("real"));
  EXPECT_TRUE(ok.ok()) << ok.status().ToString();
}

TEST_F(PosixFsTest, OpenDirAbsoluteAtFdcwdResolvesSymlinks) {
  Mkdir("real");
  Touch("real/f");
  Ln(P("real"), "link");
  // The caller chose this path (like --cache): the kernel resolves it.
  Result<Fd> d = fs_->OpenDir(AT_FDCWD, P("link"));
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  EXPECT_TRUE(fs_->Stat(d->get(), "f").ok());
}

TEST_F(PosixFsTest, OpenDirMissingIsNotFoundAndNamesPath) {
  Result<Fd> d = fs_->OpenDir(dir_.get(), "nope/deeper");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kNotFound);
  EXPECT_NE(d.status().message().find(root_), std::string::npos) << d.status().message();
  EXPECT_NE(d.status().message().find("nope"), std::string::npos) << d.status().message();
}

TEST_F(PosixFsTest, OpenDirOnFileIsNotFound) {
  Touch("file");
  Result<Fd> d = fs_->OpenDir(dir_.get(), "file");
  ASSERT_FALSE(d.ok());
  EXPECT_EQ(d.status().code(), StatusCode::kNotFound);  // ENOTDIR
}

TEST_F(PosixFsTest, StatDoesNotFollowSymlinks) {
  Mkdir("d");
  Touch("f", "hello");
  Ln("f", "lf");
  Ln("d", "ld");
  Ln("missing", "dangling");
  Result<FileStat> f = fs_->Stat(dir_.get(), "f");
  Result<FileStat> lf = fs_->Stat(dir_.get(), "lf");
  Result<FileStat> ld = fs_->Stat(dir_.get(), "ld");
  Result<FileStat> dangling = fs_->Stat(dir_.get(), "dangling");
  ASSERT_TRUE(f.ok() && lf.ok() && ld.ok() && dangling.ok());
  EXPECT_EQ(f->type, FileType::kRegular);
  EXPECT_EQ(f->size, 5u);
  EXPECT_EQ(f->mode & ~07777u, 0u);  // permission bits only
  EXPECT_NE(f->mode & 0400u, 0u);
  EXPECT_EQ(lf->type, FileType::kSymlink);
  EXPECT_NE(lf->ino, f->ino);
  EXPECT_EQ(ld->type, FileType::kSymlink);
  EXPECT_EQ(dangling->type, FileType::kSymlink);

  Result<FileStat> self = fs_->Stat(dir_.get(), "");
  ASSERT_TRUE(self.ok()) << self.status().ToString();
  EXPECT_EQ(self->type, FileType::kDirectory);

  Result<FileStat> missing = fs_->Stat(dir_.get(), "missing");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find(P("missing")), std::string::npos)
      << missing.status().message();
}

TEST_F(PosixFsTest, OpenFileRefusesSymlink) {
  Touch("f");
  Ln("f", "lf");
  Result<Fd> fd = fs_->OpenFile(dir_.get(), "lf", O_RDONLY);
  ASSERT_FALSE(fd.ok());
  EXPECT_EQ(fd.status().code(), StatusCode::kInvalidInput);
  EXPECT_EQ(fd.status().os_error(), ELOOP);
}

TEST_F(PosixFsTest, OpenFileIsCloexec) {
  Result<Fd> fd = fs_->OpenFile(dir_.get(), "new", O_WRONLY | O_CREAT, 0600);
  ASSERT_TRUE(fd.ok()) << fd.status().ToString();
  EXPECT_TRUE(::fcntl(fd->get(), F_GETFD) & FD_CLOEXEC);
  Result<Fd> d = fs_->OpenDir(dir_.get(), "");
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(::fcntl(d->get(), F_GETFD) & FD_CLOEXEC);
}

TEST_F(PosixFsTest, WriteReadFsyncRoundTrip) {
  std::string big(300000, 'q');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  {
    Result<Fd> fd = fs_->OpenFile(dir_.get(), "data", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ASSERT_TRUE(fd.ok());
    ASSERT_TRUE(fs_->Write(fd->get(), big.data(), big.size()).ok());
    ASSERT_TRUE(fs_->Fsync(fd->get()).ok());
  }
  Result<Fd> fd = fs_->OpenFile(dir_.get(), "data", O_RDONLY);
  ASSERT_TRUE(fd.ok());
  std::string got;
  char buf[4096];
  for (;;) {
    Result<size_t> n = fs_->Read(fd->get(), buf, sizeof buf);
    ASSERT_TRUE(n.ok());
    if (*n == 0) break;
    got.append(buf, *n);
  }
  EXPECT_EQ(got, big);
}

TEST_F(PosixFsTest, WriteToReadOnlyFdFailsWithMessage) {
  Touch("f");
  Result<Fd> fd = fs_->OpenFile(dir_.get(), "f", O_RDONLY);
  ASSERT_TRUE(fd.ok());
  Status s = fs_->Write(fd->get(), "x", 1);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.os_error(), EBADF);
  EXPECT_NE(s.message().find("write"), std::string::npos);
  EXPECT_NE(s.message().find(P("f")), std::string::npos) << s.message();
}

TEST_F(PosixFsTest, MakeDirAndExisting) {
  ASSERT_TRUE(fs_->MakeDir(dir_.get(), "d", 0750).ok());
  Result<FileStat> st = fs_->Stat(dir_.get(), "d");
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->type, FileType::kDirectory);
  Status again = fs_->MakeDir(dir_.get(), "d", 0755);
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists);
}

TEST_F(PosixFsTest, RenameReplaceAndNoReplace) {
  Touch("a", "A");
  Touch("b", "B");
  Status s = fs_->Rename(dir_.get(), "a", dir_.get(), "b", /*no_replace=*/true);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists);
  EXPECT_NE(s.message().find(P("a")), std::string::npos) << s.message();
  EXPECT_NE(s.message().find(P("b")), std::string::npos) << s.message();
  EXPECT_TRUE(fs_->Stat(dir_.get(), "a").ok());

  ASSERT_TRUE(fs_->Rename(dir_.get(), "a", dir_.get(), "b", false).ok());
  EXPECT_FALSE(fs_->Stat(dir_.get(), "a").ok());
  Result<FileStat> b = fs_->Stat(dir_.get(), "b");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->size, 1u);

  ASSERT_TRUE(fs_->Rename(dir_.get(), "b", dir_.get(), "c", true).ok());
  EXPECT_TRUE(fs_->Stat(dir_.get(), "c").ok());
}

TEST_F(PosixFsTest, RenameDirectoryIntoPlace) {
  Mkdir("tmp1");
  Touch("tmp1/f");
  Mkdir("archive");
  Result<Fd> archive = fs_->OpenDir(dir_.get(), "archive");
  ASSERT_TRUE(archive.ok());
  ASSERT_TRUE(fs_->Rename(dir_.get(), "tmp1", archive->get(), "id1", true).ok());
  EXPECT_TRUE(fs_->Stat(archive->get(), "id1/f").ok());
}

TEST_F(PosixFsTest, SymlinkAndReadLink) {
  ASSERT_TRUE(fs_->Symlink("../../../archive-v0/abc", dir_.get(), "entry").ok());
  Result<std::string> t = fs_->ReadLink(dir_.get(), "entry");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, "../../../archive-v0/abc");
  std::string longt(1000, 'z');
  ASSERT_TRUE(fs_->Symlink(longt, dir_.get(), "long").ok());
  Result<std::string> lt = fs_->ReadLink(dir_.get(), "long");
  ASSERT_TRUE(lt.ok());
  EXPECT_EQ(*lt, longt);
  EXPECT_EQ(fs_->Symlink("x", dir_.get(), "entry").code(), StatusCode::kAlreadyExists);
  Touch("plain");
  EXPECT_EQ(fs_->ReadLink(dir_.get(), "plain").status().code(), StatusCode::kInvalidInput);
}

TEST_F(PosixFsTest, LinkDoesNotFollowSymlink) {
  Touch("f");
  Ln("f", "lf");
  ASSERT_TRUE(fs_->Link(dir_.get(), "f", dir_.get(), "f2").ok());
  Result<FileStat> f = fs_->Stat(dir_.get(), "f");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->nlink, 2u);
  ASSERT_TRUE(fs_->Link(dir_.get(), "lf", dir_.get(), "lf2").ok());
  Result<FileStat> lf2 = fs_->Stat(dir_.get(), "lf2");
  ASSERT_TRUE(lf2.ok());
  EXPECT_EQ(lf2->type, FileType::kSymlink);  // the link itself, not its target
}

TEST_F(PosixFsTest, UnlinkFilesAndDirs) {
  Touch("f");
  Mkdir("d");
  Touch("d/x");
  EXPECT_EQ(fs_->Unlink(dir_.get(), "d", true).code(), StatusCode::kAlreadyExists);  // ENOTEMPTY
  ASSERT_TRUE(fs_->Unlink(dir_.get(), "d/x", false).ok());
  ASSERT_TRUE(fs_->Unlink(dir_.get(), "d", true).ok());
  ASSERT_TRUE(fs_->Unlink(dir_.get(), "f", false).ok());
  Status missing = fs_->Unlink(dir_.get(), "f", false);
  EXPECT_EQ(missing.code(), StatusCode::kNotFound);
  EXPECT_NE(missing.message().find(P("f")), std::string::npos) << missing.message();
}

TEST_F(PosixFsTest, ListDirSortedWithTypesAndRepeatable) {
  Touch("zeta");
  Mkdir("alpha");
  Ln("alpha", "mid");
  ASSERT_EQ(::mkfifo(P("fifo").c_str(), 0644), 0);
  for (int round = 0; round < 2; ++round) {  // a second listing of the same fd sees everything again
    Result<std::vector<DirEntry>> es = fs_->ListDir(dir_.get());
    ASSERT_TRUE(es.ok()) << es.status().ToString();
    ASSERT_EQ(es->size(), 4u);
    EXPECT_EQ((*es)[0].name, "alpha");
    EXPECT_EQ((*es)[0].type, FileType::kDirectory);
    EXPECT_EQ((*es)[1].name, "fifo");
    EXPECT_EQ((*es)[1].type, FileType::kOther);
    EXPECT_EQ((*es)[2].name, "mid");
    EXPECT_EQ((*es)[2].type, FileType::kSymlink);
    EXPECT_EQ((*es)[3].name, "zeta");
    EXPECT_EQ((*es)[3].type, FileType::kRegular);
  }
}

TEST_F(PosixFsTest, ListDirOfRemovedDirIsEmpty) {
  Mkdir("gone");
  Result<Fd> d = fs_->OpenDir(dir_.get(), "gone");
  ASSERT_TRUE(d.ok());
  ASSERT_EQ(::rmdir(P("gone").c_str()), 0);
  Result<std::vector<DirEntry>> es = fs_->ListDir(d->get());
  ASSERT_TRUE(es.ok()) << es.status().ToString();
  EXPECT_TRUE(es->empty());
}

TEST_F(PosixFsTest, SetTimesDoesNotFollowSymlink) {
  Touch("f");
  Ln("f", "lf");
  Result<FileStat> before = fs_->Stat(dir_.get(), "f");
  ASSERT_TRUE(before.ok());
  struct timespec old = {1000000000, 123};
  ASSERT_TRUE(fs_->SetTimes(dir_.get(), "lf", old).ok());
  Result<FileStat> link = fs_->Stat(dir_.get(), "lf");
  Result<FileStat> after = fs_->Stat(dir_.get(), "f");
  ASSERT_TRUE(link.ok() && after.ok());
  EXPECT_EQ(link->mtime.tv_sec, old.tv_sec);
  EXPECT_EQ(link->mtime.tv_nsec, old.tv_nsec);
  EXPECT_EQ(after->mtime.tv_sec, before->mtime.tv_sec);  // target untouched

  ASSERT_TRUE(fs_->SetTimes(dir_.get(), "f", old).ok());
  struct stat st;
  ASSERT_EQ(::stat(P("f").c_str(), &st), 0);
  EXPECT_EQ(st.st_mtim.tv_sec, old.tv_sec);
  EXPECT_EQ(st.st_atim.tv_sec, old.tv_sec);  // atime = mtime

  Mkdir("d");
  Result<Fd> d = fs_->OpenDir(dir_.get(), "d");
  ASSERT_TRUE(d.ok());
  ASSERT_TRUE(fs_->SetTimes(d->get(), "", old).ok());
  Result<FileStat> ds = fs_->Stat(dir_.get(), "d");
  ASSERT_TRUE(ds.ok());
  EXPECT_EQ(ds->mtime.tv_sec, old.tv_sec);
  EXPECT_EQ(fs_->SetTimes(dir_.get(), "missing", old).code(), StatusCode::kNotFound);
}

TEST_F(PosixFsTest, FlockConflictsBetweenOpenFileDescriptions) {
  Touch("lock");
  Result<Fd> a = fs_->OpenFile(dir_.get(), "lock", O_RDONLY);
  Result<Fd> b = fs_->OpenFile(dir_.get(), "lock", O_RDONLY);
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE(fs_->Flock(a->get(), LockMode::kShared, true).ok());
  ASSERT_TRUE(fs_->Flock(b->get(), LockMode::kShared, true).ok());
  ASSERT_TRUE(fs_->Unlock(b->get()).ok());
  Status ex = fs_->Flock(b->get(), LockMode::kExclusive, true);
  EXPECT_EQ(ex.code(), StatusCode::kWouldBlock) << ex.ToString();
  ASSERT_TRUE(fs_->Unlock(a->get()).ok());
  EXPECT_TRUE(fs_->Flock(b->get(), LockMode::kExclusive, true).ok());
  EXPECT_EQ(fs_->Flock(a->get(), LockMode::kShared, true).code(), StatusCode::kWouldBlock);
}

TEST_F(PosixFsTest, FdOwnershipAndMove) {
  int raw = ::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(raw, 0);
  {
    Fd a(raw);
    Fd b(std::move(a));
    EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move)
    EXPECT_EQ(b.get(), raw);
    Fd c;
    c = std::move(b);
    EXPECT_EQ(c.get(), raw);
    EXPECT_FALSE(b.valid());  // NOLINT(bugprone-use-after-move)
    c = std::move(c);         // self-move keeps the fd
    EXPECT_EQ(c.get(), raw);
  }
  EXPECT_EQ(::fcntl(raw, F_GETFD), -1);  // closed by the destructor
  EXPECT_EQ(errno, EBADF);

  int raw2 = ::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  int raw3 = ::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  Fd x(raw2);
  Fd y(raw3);
  x = std::move(y);  // closes raw2
  EXPECT_EQ(::fcntl(raw2, F_GETFD), -1);
  EXPECT_EQ(x.get(), raw3);
  int released = x.release();
  EXPECT_EQ(released, raw3);
  EXPECT_FALSE(x.valid());
  x.reset();  // no-op
  EXPECT_NE(::fcntl(raw3, F_GETFD), -1);
  ::close(raw3);
}

TEST_F(PosixFsTest, NowAndSleep) {
  auto before = std::chrono::system_clock::now();
  auto now = fs_->Now();
  fs_->SleepFor(std::chrono::microseconds(0));
  auto after = std::chrono::system_clock::now();
  EXPECT_LE(before, now);
  EXPECT_LE(now, after);
}

TEST(PosixFsNames, FsOpAndEventNamesAreDistinct) {
  std::set<std::string_view> ops;
  for (int i = 0; i <= static_cast<int>(FsOp::kFlock); ++i) {
    std::string_view n = FsOpName(static_cast<FsOp>(i));
    EXPECT_NE(n, "unknown");
    ops.insert(n);
  }
  EXPECT_EQ(ops.size(), static_cast<size_t>(FsOp::kFlock) + 1);
  std::set<std::string_view> kinds;
  for (int i = 0; i <= static_cast<int>(EventKind::kLockReleased); ++i) {
    std::string_view n = EventKindName(static_cast<EventKind>(i));
    EXPECT_NE(n, "unknown");
    kinds.insert(n);
  }
  EXPECT_EQ(kinds.size(), static_cast<size_t>(EventKind::kLockReleased) + 1);
}

TEST(PosixFsNames, DefaultFileSystemIsSingleton) {
  EXPECT_NE(DefaultFileSystem(), nullptr);
  EXPECT_EQ(DefaultFileSystem(), DefaultFileSystem());
}

}  // namespace
}  // namespace prunecheck

namespace prunecheck {
namespace {

// Opens `rel` through the seam on another thread; if the open has not
// returned within a generous bound (the bug: open(2) of a FIFO blocks until a
// writer comes), unblocks it by opening the FIFO's other end and fails.
Result<Fd> OpenFifoBounded(FileSystem* fs, int dirfd, const std::string& path, const std::string& rel, int flags) {
  std::promise<Result<Fd>> done;
  std::future<Result<Fd>> result = done.get_future();
  std::thread opener([&] { done.set_value(fs->OpenFile(dirfd, rel, flags, 0644)); });
  if (result.wait_for(std::chrono::seconds(10)) != std::future_status::ready) {
    ADD_FAILURE() << "OpenFile(" << rel << ") blocked on a FIFO";
    int unblock = ::open(path.c_str(), ((flags & O_ACCMODE) == O_RDONLY ? O_WRONLY : O_RDONLY) | O_NONBLOCK);
    if (unblock >= 0) ::close(unblock);
  }
  opener.join();
  return result.get();
}

TEST_F(PosixFsTest, OpenFileRefusesAFifoWithoutBlocking) {
  ASSERT_EQ(::mkfifo(P("fifo").c_str(), 0644), 0);
  for (int flags : {O_RDONLY, O_RDONLY | O_CREAT, O_RDWR | O_CREAT, O_WRONLY}) {
    Result<Fd> f = OpenFifoBounded(fs_, dir_.get(), P("fifo"), "fifo", flags);
    ASSERT_FALSE(f.ok()) << "flags " << flags;
    EXPECT_EQ(f.status().code(), StatusCode::kInvalidInput) << f.status().ToString();
    EXPECT_NE(f.status().message().find("FIFO"), std::string::npos) << f.status().ToString();
    EXPECT_NE(f.status().message().find(P("fifo")), std::string::npos) << f.status().ToString();
  }
}

TEST_F(PosixFsTest, OpenFileRefusesADeviceAndClearsNonblockOnFiles) {
  Result<Fd> dev = fs_->OpenFile(AT_FDCWD, "/dev/zero", O_RDONLY, 0);
  ASSERT_FALSE(dev.ok());
  EXPECT_EQ(dev.status().code(), StatusCode::kInvalidInput) << dev.status().ToString();
  EXPECT_NE(dev.status().message().find("character device"), std::string::npos);

  Touch("plain");
  Result<Fd> f = fs_->OpenFile(dir_.get(), "plain", O_RDONLY, 0);
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(::fcntl(f->get(), F_GETFL) & O_NONBLOCK, 0) << "O_NONBLOCK leaked to the caller";
  Result<Fd> nb = fs_->OpenFile(dir_.get(), "plain", O_RDONLY | O_NONBLOCK, 0);
  ASSERT_TRUE(nb.ok()) << nb.status().ToString();
  EXPECT_NE(::fcntl(nb->get(), F_GETFL) & O_NONBLOCK, 0) << "asked-for O_NONBLOCK was dropped";
}

}  // namespace
}  // namespace prunecheck
