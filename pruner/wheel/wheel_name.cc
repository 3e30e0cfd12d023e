#include "pruner/wheel/wheel_name.h"

#include <cctype>
#include <vector>

namespace prunecheck {

namespace {

bool IsAlnum(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// Characters a filename part may use. Every part allows [A-Za-z0-9._]; the
// version also allows '+' (local version) and '!' (epoch). '-' separates parts
// and so can never occur inside one.
bool PartCharsOk(std::string_view part, bool allow_version_chars) {
  for (char c : part) {
    if (IsAlnum(c) || c == '.' || c == '_') continue;
    if (allow_version_chars && (c == '+' || c == '!')) continue;
    return false;
  }
  return true;
}

Status Invalid(std::string_view filename, std::string_view what) {
  std::string msg = "invalid wheel filename '";
  msg += filename;
  msg += "': ";
  msg += what;
  return Status(StatusCode::kInvalidInput, std::move(msg));
}

}  // namespace

std::string NormalizePackageName(std::string_view name) {
  std::string out;
  out.reserve(name.size());
  bool in_sep = false;
  for (char c : name) {
    if (c == '-' || c == '_' || c == '.') {
      if (!in_sep) out += '-';
      in_sep = true;
      continue;
    }
    in_sep = false;
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

bool IsSafeComponent(std::string_view name) {
  if (name.empty() || name.front() == '.') return false;  // also covers "." and ".."
  for (char c : name) {
    if (c == '/' || c == '\0') return false;
  }
  return true;
}

std::string WheelName::NormalizedName() const { return NormalizePackageName(distribution); }

std::string WheelName::EntryName() const { return version + "-" + tags; }

std::string WheelName::DistInfoDir() const { return distribution + "-" + version + ".dist-info"; }

std::string WheelName::Filename() const {
  std::string out = distribution + "-" + version;
  if (!build.empty()) out += "-" + build;
  out += "-" + tags + ".whl";
  return out;
}

Result<WheelName> ParseWheelFilename(std::string_view filename) {
  constexpr std::string_view kSuffix = ".whl";
  if (filename.find('/') != std::string_view::npos || filename.find('\0') != std::string_view::npos) {
    return Invalid(filename, "not a plain file name");
  }
  if (filename.size() <= kSuffix.size() ||
      filename.substr(filename.size() - kSuffix.size()) != kSuffix) {
    return Invalid(filename, "does not end in .whl");
  }
  std::string_view stem = filename.substr(0, filename.size() - kSuffix.size());

  std::vector<std::string_view> parts;
  size_t pos = 0;
  while (true) {
    size_t dash = stem.find('-', pos);
    if (dash == std::string_view::npos) {
      parts.push_back(stem.substr(pos));
      break;
    }
    parts.push_back(stem.substr(pos, dash - pos));
    pos = dash + 1;
  }
  if (parts.size() != 5 && parts.size() != 6) {
    return Invalid(filename, "expected name-version[-build]-python-abi-platform, got " +
                                 std::to_string(parts.size()) + " dash-separated parts");
  }
  static constexpr const char* kPartNames[] = {"distribution", "version", "build tag",
                                               "python tag", "abi tag", "platform tag"};
  const bool has_build = parts.size() == 6;
  for (size_t i = 0; i < parts.size(); ++i) {
    // Map the index to the role it plays (skipping the absent build tag).
    size_t role = (!has_build && i >= 2) ? i + 1 : i;
    std::string_view part = parts[i];
    std::string name = kPartNames[role];
    if (part.empty()) return Invalid(filename, name + " is empty");
    if (!PartCharsOk(part, /*allow_version_chars=*/role == 1)) {
      return Invalid(filename, name + " '" + std::string(part) + "' has characters outside [A-Za-z0-9._" +
                                   (role == 1 ? "+!" : "") + "]");
    }
    if (part.front() == '.') {
      return Invalid(filename, name + " '" + std::string(part) + "' starts with '.'");
    }
  }
  WheelName wn;
  wn.distribution = std::string(parts[0]);
  wn.version = std::string(parts[1]);
  size_t t = 2;
  if (has_build) {
    if (!IsDigit(parts[2].front())) {
      return Invalid(filename, "build tag '" + std::string(parts[2]) + "' does not start with a digit");
    }
    wn.build = std::string(parts[2]);
    t = 3;
  }
  wn.tags = std::string(parts[t]) + "-" + std::string(parts[t + 1]) + "-" + std::string(parts[t + 2]);
  return wn;
}

}  // namespace prunecheck
