#include "pruner/wheel/wheel_name.h"

#include <cctype>
#include <cstdlib>
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

namespace {

bool IsVersionSeparator(char c) { return c == '.' || c == '-' || c == '_'; }

// One dotted run of decimal numbers, without leading zeros and trailing .0s.
std::string NormalizeRelease(std::string_view release) {
  std::vector<std::string> parts;
  size_t pos = 0;
  while (pos <= release.size()) {
    size_t dot = release.find('.', pos);
    std::string_view part = release.substr(pos, dot == std::string_view::npos ? std::string_view::npos : dot - pos);
    size_t nz = part.find_first_not_of('0');
    parts.emplace_back(nz == std::string_view::npos ? std::string_view("0") : part.substr(nz));
    if (dot == std::string_view::npos) break;
    pos = dot + 1;
  }
  while (parts.size() > 1 && parts.back() == "0") parts.pop_back();
  std::string out;
  for (const std::string& p : parts) out += (out.empty() ? "" : ".") + p;
  return out;
}

// The canonical spelling of a pre/post/dev tag word, or "" when `word` is none.
std::string_view CanonicalTag(std::string_view word) {
  if (word == "a" || word == "alpha") return "a";
  if (word == "b" || word == "beta") return "b";
  if (word == "rc" || word == "c" || word == "pre" || word == "preview") return "rc";
  if (word == "post" || word == "rev" || word == "r") return "post";
  if (word == "dev") return "dev";
  return "";
}

}  // namespace

std::string NormalizeVersion(std::string_view version) {
  std::string v;
  for (char c : version) v += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string local;
  if (size_t plus = v.find('+'); plus != std::string::npos) {
    for (char c : v.substr(plus + 1)) local += IsVersionSeparator(c) ? '.' : c;
    v.resize(plus);
  }
  size_t i = 0;
  if (!v.empty() && v[0] == 'v') i = 1;
  std::string epoch;
  if (size_t bang = v.find('!', i); bang != std::string::npos) {
    const unsigned long long n = std::strtoull(v.substr(i, bang - i).c_str(), nullptr, 10);
    if (n != 0) epoch = std::to_string(n) + "!";  // epoch 0 is the default
    i = bang + 1;
  }
  size_t release_end = i;
  while (release_end < v.size() && (IsDigit(v[release_end]) || v[release_end] == '.')) ++release_end;
  while (release_end > i && v[release_end - 1] == '.') --release_end;  // "1.0.dev0": the dot separates the tag
  if (release_end == i || v[i] == '.') return v;  // not PEP 440: fold only
  std::string out = epoch + NormalizeRelease(std::string_view(v).substr(i, release_end - i));
  // The rest: tag words each with an optional number, any separators between.
  size_t pos = release_end;
  while (pos < v.size()) {
    size_t start = pos;
    while (pos < v.size() && IsVersionSeparator(v[pos])) ++pos;
    size_t word_start = pos;
    while (pos < v.size() && std::isalpha(static_cast<unsigned char>(v[pos]))) ++pos;
    std::string_view word = std::string_view(v).substr(word_start, pos - word_start);
    while (pos < v.size() && IsVersionSeparator(v[pos])) ++pos;
    size_t num_start = pos;
    while (pos < v.size() && IsDigit(v[pos])) ++pos;
    std::string_view num = std::string_view(v).substr(num_start, pos - num_start);
    std::string_view tag = CanonicalTag(word);
    if (word.empty() && !num.empty() && start < word_start && v[start] == '-') {
      tag = "post";  // "1.0-1": the implicit post-release
    }
    if (tag.empty() || pos == start) return v;  // not PEP 440: fold only
    size_t nz = num.find_first_not_of('0');
    out += std::string(tag == "post" || tag == "dev" ? "." : "") + std::string(tag) +
           std::string(nz == std::string_view::npos ? std::string_view("0") : num.substr(nz));
  }
  return local.empty() ? out : out + "+" + local;
}

Status CheckDistInfoIdentity(const WheelName& wheel, std::string_view dist_info_dir) {
  constexpr std::string_view kSuffix = ".dist-info";
  std::string_view stem = dist_info_dir;
  if (stem.ends_with(kSuffix)) stem.remove_suffix(kSuffix.size());
  const size_t dash = stem.rfind('-');
  const std::string_view name = dash == std::string_view::npos ? stem : stem.substr(0, dash);
  const std::string_view version = dash == std::string_view::npos ? std::string_view() : stem.substr(dash + 1);
  if (NormalizePackageName(name) == wheel.NormalizedName() &&
      NormalizeVersion(version) == NormalizeVersion(wheel.version)) {
    return Status::Ok();
  }
  return Status(StatusCode::kInvalidInput,
                "the filename says " + wheel.distribution + " " + wheel.version + " but " + std::string(dist_info_dir) +
                    " says " + std::string(name) + " " + std::string(version) +
                    "; refusing the wheel, as installers do");
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
