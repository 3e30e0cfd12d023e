// ScopedTempDir: a fresh directory under the system temp dir, removed (with
// everything below it) when the object goes away. For tests and tools.
//
// Removal uses std::filesystem::remove_all, which never follows symlinks, so
// cleanup does not depend on the code under test and cannot escape the tree.
//
// Thread-safety: an object is used by one thread; distinct objects are
// independent (mkdtemp names are unique).
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

namespace prunecheck {

class ScopedTempDir {
 public:
  // Creates `<temp dir>/<prefix>-XXXXXX`. On failure ok() is false and
  // path() is empty.
  explicit ScopedTempDir(std::string_view prefix) {
    std::error_code ec;
    std::filesystem::path base = std::filesystem::temp_directory_path(ec);
    if (ec) base = "/tmp";
    std::string tmpl = (base / (std::string(prefix) + "-XXXXXX")).string();
    if (::mkdtemp(tmpl.data()) != nullptr) path_ = std::move(tmpl);
  }
  ~ScopedTempDir() {
    if (path_.empty()) return;
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  ScopedTempDir(const ScopedTempDir&) = delete;
  ScopedTempDir& operator=(const ScopedTempDir&) = delete;

  bool ok() const { return !path_.empty(); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace prunecheck
