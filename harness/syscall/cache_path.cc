#include "harness/syscall/cache_path.h"

#include <limits.h>
#include <stdlib.h>

#include <algorithm>
#include <vector>

namespace prunecheck::harness {

std::string NormalizeLexically(const std::string& path) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (i <= path.size()) {
    size_t j = path.find('/', i);
    if (j == std::string::npos) j = path.size();
    std::string c = path.substr(i, j - i);
    if (c == "..") {
      if (!parts.empty()) parts.pop_back();
    } else if (!c.empty() && c != ".") {
      parts.push_back(std::move(c));
    }
    i = j + 1;
  }
  std::string out;
  for (const std::string& p : parts) out += "/" + p;
  return out.empty() ? "/" : out;
}

std::optional<std::string> CacheRelative(const std::string& root, const std::string& absolute) {
  std::string norm = NormalizeLexically(absolute);
  // Resolve every component but the last the kernel's way. A ".." after a
  // symlink means the symlink's parent, so realpath the unnormalised parent.
  const size_t slash = absolute.find_last_of('/');
  std::string last = slash == std::string::npos ? absolute : absolute.substr(slash + 1);
  std::string parent = slash == std::string::npos || slash == 0 ? "/" : absolute.substr(0, slash);
  if (last.empty() || last == "." || last == "..") {
    parent = absolute;
    last.clear();
  }
  char buf[PATH_MAX];
  if (::realpath(parent.c_str(), buf) != nullptr) {
    std::string p = buf;
    norm = last.empty() ? p : (p == "/" ? "/" + last : p + "/" + last);
  }
  if (norm == root) return std::string(".");
  if (norm.size() > root.size() && norm.compare(0, root.size(), root) == 0 && norm[root.size()] == '/') {
    return norm.substr(root.size() + 1);
  }
  return std::nullopt;
}

std::string ArchiveIdOf(const std::string& rel, int* depth) {
  static const std::string kPrefix = "archive-v0/";
  if (depth) *depth = 0;
  if (rel.compare(0, kPrefix.size(), kPrefix) != 0 || rel.size() == kPrefix.size()) return "";
  const std::string rest = rel.substr(kPrefix.size());
  const size_t slash = rest.find('/');
  if (depth) {
    int d = 1;
    for (char c : rest) d += c == '/';
    *depth = d;
  }
  return slash == std::string::npos ? rest : rest.substr(0, slash);
}

std::string TempDirOf(const std::string& rel, int* depth) {
  static const std::string kPrefix = ".tmp";
  if (depth) *depth = 0;
  if (rel.compare(0, kPrefix.size(), kPrefix) != 0) return "";
  const size_t slash = rel.find('/');
  if (depth) *depth = 1 + static_cast<int>(std::count(rel.begin(), rel.end(), '/'));
  return slash == std::string::npos ? rel : rel.substr(0, slash);
}

}  // namespace prunecheck::harness
