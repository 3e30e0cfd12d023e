#include "pruner/base/bounded_read.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "pruner/base/file_system.h"

namespace prunecheck {

namespace {

std::string SizeText(size_t bytes) {
  if (bytes % (size_t{1} << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  if (bytes % (size_t{1} << 10) == 0) return std::to_string(bytes >> 10) + " KiB";
  return std::to_string(bytes) + " bytes";
}

Status OsError(const std::string& path, const char* what, int err) {
  const StatusCode code = err == ENOENT ? StatusCode::kNotFound
                          : err == EACCES || err == EPERM ? StatusCode::kPermissionDenied
                                                          : StatusCode::kIoError;
  return Status(code, path + ": cannot " + what + ": " + std::strerror(err), err);
}

}  // namespace

const char* FileTypeDescription(unsigned mode) {
  switch (mode & S_IFMT) {
    case S_IFREG: return "a regular file";
    case S_IFDIR: return "a directory";
    case S_IFIFO: return "a FIFO";
    case S_IFCHR: return "a character device";
    case S_IFBLK: return "a block device";
    case S_IFSOCK: return "a socket";
    case S_IFLNK: return "a symlink";
  }
  return "not a regular file";
}

Result<std::string> ReadRegularFileBounded(const std::string& path, size_t max_bytes) {
  int raw = -1;
  do {
    raw = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
  } while (raw < 0 && errno == EINTR);
  if (raw < 0) return OsError(path, "open", errno);
  Fd fd(raw);
  struct stat st {};
  if (::fstat(fd.get(), &st) != 0) return OsError(path, "stat", errno);
  if (!S_ISREG(st.st_mode)) {
    return Status(StatusCode::kInvalidInput,
                  path + ": is " + FileTypeDescription(st.st_mode) + ", not a regular file; only regular files are read");
  }
  const std::string too_big = path + ": larger than " + SizeText(max_bytes) + ", the limit for this kind of file";
  if (static_cast<uint64_t>(st.st_size) > max_bytes) return Status(StatusCode::kInvalidInput, too_big);
  // Sized by fstat, grown up to the cap (+1 byte, to see a file that grew).
  std::string out;
  out.resize(static_cast<size_t>(st.st_size) + 1);
  size_t have = 0;
  for (;;) {
    if (have == out.size()) {
      if (out.size() > max_bytes) break;
      out.resize(max_bytes + 1);
    }
    const ssize_t n = ::read(fd.get(), out.data() + have, out.size() - have);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return OsError(path, "read", errno);
    if (n == 0) break;
    have += static_cast<size_t>(n);
  }
  if (have > max_bytes) return Status(StatusCode::kInvalidInput, too_big);
  out.resize(have);
  return out;
}

}  // namespace prunecheck
