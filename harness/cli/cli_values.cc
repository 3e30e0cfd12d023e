#include "harness/cli/cli_values.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <fstream>

namespace prunecheck::harness {

namespace {

std::string Quoted(const std::string& s) { return "'" + s + "'"; }

}  // namespace

CLI::Validator IntegerAtLeast(long long min) {
  return CLI::Validator(
      [min](std::string& value) -> std::string {
        long long v = 0;
        const char* end = value.data() + value.size();
        auto [ptr, ec] = std::from_chars(value.data(), end, v);
        if (value.empty() || ec != std::errc() || ptr != end) {
          if (ec == std::errc::result_out_of_range && !value.empty() && value[0] != '-') {
            // Larger than int64: only a non-negative bound can hold it, and
            // the option's own type decides whether it fits.
            return min >= 0 ? std::string() : Quoted(value) + " is out of range";
          }
          return Quoted(value) + " is not an integer";
        }
        if (v < min) return "must be at least " + std::to_string(min) + ", not " + value;
        return std::string();
      },
      ">=" + std::to_string(min), "INTEGER>=" + std::to_string(min));
}

CLI::Validator Probability() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        errno = 0;
        char* end = nullptr;
        const double v = std::strtod(value.c_str(), &end);
        if (value.empty() || end != value.c_str() + value.size() || errno == ERANGE) {
          return Quoted(value) + " is not a number";
        }
        if (!std::isfinite(v) || v < 0.0 || v > 1.0) {
          return "must be a probability within [0, 1], not " + value;
        }
        return std::string();
      },
      "in [0, 1]", "PROBABILITY");
}

CLI::Validator PositiveSeconds() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        errno = 0;
        char* end = nullptr;
        const double v = std::strtod(value.c_str(), &end);
        if (value.empty() || end != value.c_str() + value.size() || errno == ERANGE) {
          return Quoted(value) + " is not a number";
        }
        // Bounded so that seconds * 1000 fits the millisecond count it becomes.
        if (!std::isfinite(v) || v <= 0.0 || v > 1e9) return "must be a number of seconds in (0, 1e9], not " + value;
        return std::string();
      },
      "seconds > 0", "SECONDS");
}

std::string WritableDirectoryProblem(const std::string& path) {
  if (path.empty()) return "must name a directory, not \"\"";
  struct stat st{};
  if (stat(path.c_str(), &st) != 0) return Quoted(path) + ": " + std::strerror(errno);
  if (!S_ISDIR(st.st_mode)) return Quoted(path) + " is not a directory";
  if (access(path.c_str(), W_OK | X_OK) != 0) {
    return Quoted(path) + " is a directory this user cannot create entries in: " + std::strerror(errno);
  }
  return std::string();
}

std::string WritableFilePathProblem(const std::string& path) {
  if (path.empty()) return "must name a file, not \"\"";
  struct stat st{};
  if (stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Quoted(path) + " is a directory";
    if (access(path.c_str(), W_OK) != 0) return Quoted(path) + " cannot be written: " + std::strerror(errno);
    return std::string();
  }
  if (errno != ENOENT) return Quoted(path) + ": " + std::strerror(errno);
  const size_t slash = path.rfind('/');
  const std::string parent = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  const std::string why = WritableDirectoryProblem(parent);
  return why.empty() ? std::string() : Quoted(path) + " cannot be created: " + why;
}

CLI::Validator WritableDirectory() {
  return CLI::Validator([](std::string& value) { return WritableDirectoryProblem(value); }, "writable directory",
                        "DIR");
}

CLI::Validator WritableFilePath() {
  return CLI::Validator([](std::string& value) { return WritableFilePathProblem(value); }, "writable file", "FILE");
}

Status WriteResultFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return Status(StatusCode::kIoError, path + ": cannot open for writing: " + std::strerror(errno));
  out << text;
  out.close();
  if (!out) return Status(StatusCode::kIoError, path + ": write failed: " + std::strerror(errno));
  return Status::Ok();
}

}  // namespace prunecheck::harness
