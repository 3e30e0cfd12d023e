#include "pruner/base/bounded_read.h"

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "pruner/base/scoped_temp_dir.h"

namespace prunecheck {
namespace {

using ::testing::HasSubstr;

class BoundedReadTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(tmp_.ok()); }
  std::string Path(const std::string& name) const { return tmp_.path() + "/" + name; }
  ScopedTempDir tmp_{"bounded-read"};
};

TEST_F(BoundedReadTest, ReadsARegularFileAndASymlinkToOne) {
  std::ofstream(Path("a.toml")) << "x = 1\n";
  ASSERT_EQ(symlink(Path("a.toml").c_str(), Path("link.toml").c_str()), 0);
  for (const char* name : {"a.toml", "link.toml"}) {
    Result<std::string> r = ReadRegularFileBounded(Path(name), kMaxInputFileBytes);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(*r, "x = 1\n");
  }
  std::ofstream(Path("empty"));
  EXPECT_EQ(*ReadRegularFileBounded(Path("empty"), 10), "");
}

// A FIFO with no writer: open() without O_NONBLOCK would block forever, so a
// regression hangs this test (ctest's timeout reports it) instead of passing.
TEST_F(BoundedReadTest, RefusesAFifoWithoutBlocking) {
  ASSERT_EQ(mkfifo(Path("fifo").c_str(), 0600), 0);
  Result<std::string> r = ReadRegularFileBounded(Path("fifo"), kMaxInputFileBytes);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidInput);
  EXPECT_THAT(r.status().message(), HasSubstr(Path("fifo") + ": is a FIFO, not a regular file"));
}

// /dev/zero behind a symlink: unbounded before (read until out of memory).
TEST_F(BoundedReadTest, RefusesDevZeroBehindASymlink) {
  ASSERT_EQ(symlink("/dev/zero", Path("zero.toml").c_str()), 0);
  Result<std::string> r = ReadRegularFileBounded(Path("zero.toml"), kMaxInputFileBytes);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("zero.toml: is a character device, not a regular file"));
}

TEST_F(BoundedReadTest, RefusesDirectoriesAndSockets) {
  EXPECT_THAT(ReadRegularFileBounded(tmp_.path(), 100).status().message(), HasSubstr("is a directory"));
  // A bound socket file cannot be open()ed at all (ENXIO): refused either way.
  int s = socket(AF_UNIX, SOCK_STREAM, 0);
  ASSERT_GE(s, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string sock = Path("sock");
  ASSERT_LT(sock.size(), sizeof(addr.sun_path));
  std::copy(sock.begin(), sock.end(), addr.sun_path);
  ASSERT_EQ(bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)), 0);
  EXPECT_FALSE(ReadRegularFileBounded(sock, 100).ok());
  close(s);
}

TEST_F(BoundedReadTest, RefusesAFileOverTheCapNamingIt) {
  std::ofstream(Path("big")) << std::string(kMaxInputFileBytes + 1, 'x');
  Result<std::string> r = ReadRegularFileBounded(Path("big"), kMaxInputFileBytes);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().message(), HasSubstr("big: larger than 1 MiB"));
  std::ofstream(Path("exact")) << std::string(kMaxInputFileBytes, 'x');
  EXPECT_TRUE(ReadRegularFileBounded(Path("exact"), kMaxInputFileBytes).ok());
}

TEST_F(BoundedReadTest, MissingFileIsNotFound) {
  Result<std::string> r = ReadRegularFileBounded(Path("missing"), 100);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(r.status().message(), HasSubstr("missing: cannot open"));
}

}  // namespace
}  // namespace prunecheck
