#include "harness/engine/run_directory_owner.h"

#include <fcntl.h>
#include <unistd.h>

#include <charconv>
#include <sstream>

#include "pruner/base/bounded_read.h"
#include "pruner/base/display_escape.h"
#include "pruner/base/file_system.h"
#include "pruner/base/fs_util.h"

namespace prunecheck::harness {

namespace {

constexpr const char* kMarkerHeader = "prunecheck-run-owner 1";
constexpr size_t kMaxMarkerBytes = 256;

bool ParseU64(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), *out);
  return ec == std::errc() && p == s.data() + s.size();
}

// Reads `name` under `dirfd` through `fs`: a regular file (never a symlink,
// never a FIFO that could block) of at most `max` bytes.
Result<std::string> ReadSmallRegular(FileSystem& fs, int dirfd, const std::string& name, size_t max) {
  PC_ASSIGN_OR_RETURN(Fd fd, fs.OpenFile(dirfd, name, O_RDONLY | O_NONBLOCK));
  PC_ASSIGN_OR_RETURN(FileStat st, fs.FStat(fd.get()));
  if (st.type != FileType::kRegular) return Status(StatusCode::kInvalidInput, name + ": not a regular file");
  std::string out(max + 1, '\0');
  size_t have = 0;
  while (have < out.size()) {
    PC_ASSIGN_OR_RETURN(size_t n, fs.Read(fd.get(), out.data() + have, out.size() - have));
    if (n == 0) break;
    have += n;
  }
  if (have > max) return Status(StatusCode::kInvalidInput, name + ": larger than " + std::to_string(max) + " bytes");
  out.resize(have);
  return out;
}

}  // namespace

Result<uint64_t> ProcessStartTime(pid_t pid) {
  if (pid <= 0) return Status(StatusCode::kInvalidInput, "pid " + std::to_string(pid));
  const std::string path = "/proc/" + std::to_string(pid) + "/stat";
  Result<std::string> text = ReadRegularFileBounded(path, 4096);
  // /proc files report size 0, which ReadRegularFileBounded handles by reading on.
  if (!text.ok()) {
    if (text.status().Is(StatusCode::kNotFound)) return Status(StatusCode::kNotFound, "no process " + std::to_string(pid));
    return text.status();
  }
  // "PID (COMM) S PPID ...": COMM may hold spaces and ')', so fields are
  // counted after the last ')'. Field 3 (state) follows it; field 22 is the start time.
  const size_t close = text->rfind(')');
  if (close == std::string::npos) return Status(StatusCode::kIoError, path + ": unexpected format");
  std::istringstream fields(text->substr(close + 1));
  std::string f;
  for (int field = 3; field <= 22; ++field) {
    if (!(fields >> f)) return Status(StatusCode::kIoError, path + ": unexpected format");
  }
  uint64_t start = 0;
  if (!ParseU64(f, &start)) return Status(StatusCode::kIoError, path + ": unexpected start time '" + f + "'");
  return start;
}

Result<RunDirOwner> CurrentOwner() {
  RunDirOwner o;
  o.pid = ::getpid();
  PC_ASSIGN_OR_RETURN(o.start_time, ProcessStartTime(o.pid));
  return o;
}

bool OwnerAlive(const RunDirOwner& owner) {
  Result<uint64_t> start = ProcessStartTime(owner.pid);
  if (start.ok()) return *start == owner.start_time;
  // Only "no such process" proves the owner gone; any other failure to look
  // (no /proc, EACCES) keeps the directory.
  return !start.status().Is(StatusCode::kNotFound);
}

std::string FormatOwnerMarker(const RunDirOwner& owner) {
  return std::string(kMarkerHeader) + "\npid " + std::to_string(owner.pid) + "\nstart " +
         std::to_string(owner.start_time) + "\n";
}

Result<RunDirOwner> ParseOwnerMarker(const std::string& text) {
  std::istringstream in(text);
  std::string header, pid_key, start_key, extra;
  uint64_t pid = 0, start = 0;
  std::string pid_s, start_s;
  if (!std::getline(in, header) || header != kMarkerHeader || !(in >> pid_key >> pid_s >> start_key >> start_s) ||
      pid_key != "pid" || start_key != "start" || !ParseU64(pid_s, &pid) || !ParseU64(start_s, &start) || pid == 0 ||
      pid > 0x7fffffff || (in >> extra)) {
    return Status(StatusCode::kInvalidInput, "not a version-1 run directory owner marker");
  }
  return RunDirOwner{static_cast<pid_t>(pid), start};
}

Status WriteOwnerMarker(const std::string& run_dir) {
  PC_ASSIGN_OR_RETURN(RunDirOwner me, CurrentOwner());
  FileSystem& fs = *DefaultFileSystem();
  PC_ASSIGN_OR_RETURN(Fd dir, fs.OpenDir(AT_FDCWD, run_dir));
  return WriteFile(fs, dir.get(), kOwnerMarker, FormatOwnerMarker(me)).Annotate(run_dir);
}

void ReleaseRunDirectory(const std::string& run_dir) {
  FileSystem& fs = *DefaultFileSystem();
  Result<Fd> dir = fs.OpenDir(AT_FDCWD, run_dir);
  if (dir.ok()) (void)fs.Unlink(dir->get(), kOwnerMarker, /*is_dir=*/false);  // absent: nothing to release
}

StaleRunDirCleanup RemoveStaleRunDirectories(const std::string& base_dir, size_t max_entries) {
  StaleRunDirCleanup out;
  FileSystem& fs = *DefaultFileSystem();
  Result<Fd> base = fs.OpenDir(AT_FDCWD, base_dir);
  if (!base.ok()) return out;  // nothing to clean; creating a run there will say what is wrong
  Result<std::vector<DirEntry>> entries = fs.ListDir(base->get());
  if (!entries.ok()) return out;
  const std::string prefix = kRunDirPrefix;
  size_t examined = 0;
  for (const DirEntry& e : *entries) {
    if (++examined > max_entries) break;
    if (e.name.compare(0, prefix.size(), prefix) != 0 || e.type != FileType::kDirectory) continue;
    // OpenDir refuses a symlink at every component: a directory swapped for
    // a link since the listing is not followed.
    Result<Fd> dir = fs.OpenDir(base->get(), e.name);
    if (!dir.ok()) continue;
    Result<std::string> marker = ReadSmallRegular(fs, dir->get(), kOwnerMarker, kMaxMarkerBytes);
    if (!marker.ok()) continue;  // no marker: kept on purpose, or not ours
    Result<RunDirOwner> owner = ParseOwnerMarker(*marker);
    if (!owner.ok() || OwnerAlive(*owner)) continue;
    dir->reset();
    const std::string path = base_dir + "/" + e.name;
    Status rm = RemoveTree(fs, base->get(), e.name);
    if (rm.ok()) {
      out.removed.push_back(path);
    } else {
      out.failed.push_back(path + ": " + rm.message());
    }
  }
  return out;
}

void RemoveStaleRunDirectoriesAndReport(const std::string& base_dir, const std::string& who, std::FILE* out) {
  const StaleRunDirCleanup c = RemoveStaleRunDirectories(base_dir);
  for (const std::string& p : c.removed) {
    std::fprintf(out, "%s: removed %s, left behind by a prunecheck process that is gone\n", who.c_str(),
                 EscapeForDisplay(p).c_str());
  }
  for (const std::string& f : c.failed) {
    std::fprintf(out, "%s: could not remove a leftover run directory: %s\n", who.c_str(), EscapeForDisplay(f).c_str());
  }
  std::fflush(out);
}

}  // namespace prunecheck::harness
