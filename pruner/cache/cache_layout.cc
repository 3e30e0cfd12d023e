#include "pruner/cache/cache_layout.h"

#include <nlohmann/json.hpp>

#include "pruner/base/id_source.h"

namespace prunecheck::layout {

namespace {
constexpr std::string_view kLinkPrefix = "../../../archive-v0/";
}

std::string EntryLinkTarget(std::string_view archive_id) {
  std::string s(kLinkPrefix);
  s += archive_id;
  return s;
}

std::optional<std::string> ArchiveIdFromLinkTarget(std::string_view target) {
  if (!target.starts_with(kLinkPrefix)) return std::nullopt;
  std::string_view id = target.substr(kLinkPrefix.size());
  if (!IsValidArchiveId(id)) return std::nullopt;
  return std::string(id);
}

std::string PackageDir(std::string_view normalized_name) {
  std::string s(kWheelIndex);
  s += '/';
  s += normalized_name;
  return s;
}

std::string EntryLockName(std::string_view archive_id) {
  std::string s(kLocksDir);
  s += '/';
  s += archive_id;
  s += ".lock";
  return s;
}

bool IsTempDirName(std::string_view name) { return name.starts_with(kTempPrefix) && name.size() > kTempPrefix.size(); }

bool IsReplaceTempName(std::string_view name) { return name.find(kReplaceTempInfix) != std::string_view::npos; }

std::string FormatPointer(const Pointer& p) {
  nlohmann::ordered_json j;
  j["archive_id"] = p.archive_id;
  j["filename"] = p.filename;
  j["sha256"] = p.sha256;
  return j.dump() + "\n";
}

Result<Pointer> ParsePointer(std::string_view content, std::string_view source) {
  nlohmann::json j = nlohmann::json::parse(content, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) {
    return Status(StatusCode::kInvalidInput, std::string(source) + ": pointer file is not a JSON object");
  }
  Pointer p;
  for (auto [key, out] : {std::pair{"archive_id", &p.archive_id}, std::pair{"filename", &p.filename},
                          std::pair{"sha256", &p.sha256}}) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) {
      return Status(StatusCode::kInvalidInput,
                    std::string(source) + ": pointer file lacks string field '" + key + "'");
    }
    *out = it->get<std::string>();
  }
  if (!IsValidArchiveId(p.archive_id)) {
    return Status(StatusCode::kInvalidInput,
                  std::string(source) + ": pointer names an invalid archive id '" + p.archive_id + "'");
  }
  return p;
}

}  // namespace prunecheck::layout
