#include "harness/engine/golden_match.h"

#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <vector>

namespace prunecheck::harness {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::string line;
  std::istringstream in(text);
  while (std::getline(in, line)) lines.push_back(line);
  // A final newline or its absence is a difference too.
  if (!text.empty() && text.back() != '\n') lines.push_back("<no newline at end>");
  return lines;
}

std::string EscapeRegex(const std::string& s) {
  static const std::string kSpecial = R"(\^$.|?*+()[]{})";
  std::string out;
  for (char c : s) {
    if (kSpecial.find(c) != std::string::npos) out += '\\';
    out += c;
  }
  return out;
}

// The golden line as a regex: literals escaped, placeholders expanded.
std::string LinePattern(const std::string& golden) {
  static const std::pair<const char*, const char*> kPlaceholders[] = {
      {"{{int}}", "-?[0-9]+"},
      {"{{float}}", "-?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?"},
      {"{{hex}}", "[0-9a-f]+"},
      {"{{any}}", ".*"},
  };
  std::string pattern;
  size_t i = 0;
  while (i < golden.size()) {
    bool replaced = false;
    for (const auto& [name, regex] : kPlaceholders) {
      if (golden.compare(i, std::char_traits<char>::length(name), name) == 0) {
        pattern += regex;
        i += std::char_traits<char>::length(name);
        replaced = true;
        break;
      }
    }
    if (!replaced) {
      size_t next = golden.find("{{", i + 1);
      if (next == std::string::npos) next = golden.size();
      pattern += EscapeRegex(golden.substr(i, next - i));
      i = next;
    }
  }
  return pattern;
}

}  // namespace

std::string GoldenMismatch(const std::string& actual, const std::string& golden) {
  const std::vector<std::string> a = Lines(actual);
  const std::vector<std::string> g = Lines(golden);
  for (size_t i = 0; i < std::max(a.size(), g.size()); ++i) {
    const std::string al = i < a.size() ? a[i] : "<end of output>";
    const std::string gl = i < g.size() ? g[i] : "<end of golden file>";
    if (i < a.size() && i < g.size()) {
      if (al == gl) continue;
      if (gl.find("{{") != std::string::npos && std::regex_match(al, std::regex(LinePattern(gl)))) continue;
    }
    return "line " + std::to_string(i + 1) + ":\n  golden: " + gl + "\n  actual: " + al;
  }
  return "";
}

std::string GoldenPath(const std::string& name) {
  const char* dir = std::getenv("PRUNECHECK_SOURCE_DIR");
  return std::string(dir != nullptr ? dir : ".") + "/harness/testdata/golden/" + name;
}

std::string ReadGolden(const std::string& name) {
  std::ifstream in(GoldenPath(name), std::ios::binary);
  if (!in) return "";
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

std::string SaveActualForGolden(const std::string& name, const std::string& actual) {
  const char* dir = std::getenv("PRUNECHECK_GOLDEN_OUT");
  if (dir == nullptr || *dir == '\0') return "";
  const std::string path = std::string(dir) + "/" + name;
  std::ofstream(path, std::ios::binary) << actual;
  return path;
}

}  // namespace prunecheck::harness
