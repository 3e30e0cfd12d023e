// Reading a RunConfig, a trace's or a --config file's, from JSON as strictly
// as a scenario file is read from TOML (harness/scenario/scenario.h): the
// same names, the same ranges (run_config.h), unknown keys refused with a
// did-you-mean, and every problem reported as "FILE:LINE:COL: what was
// expected" at the offending key or value (issue 9 item 6). Files are read
// with ReadRegularFileBounded: a regular file of at most 1 MiB.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "harness/engine/json_positions.h"
#include "harness/engine/run_config.h"
#include "pruner/base/bounded_read.h"
#include "pruner/base/status.h"

namespace prunecheck::harness {

// A parsed JSON document and where each of its values is, for messages.
class JsonDocument {
 public:
  // Parses `text`; kInvalidInput "PATH:LINE:COL: not valid JSON: ..." on a
  // syntax error. `text` is copied.
  static Result<JsonDocument> Parse(std::string text, const std::string& path);
  // Reads `path` (a regular file, at most `max_bytes`) and parses it.
  static Result<JsonDocument> Load(const std::string& path, size_t max_bytes = kMaxInputFileBytes);

  const nlohmann::json& root() const { return root_; }
  const std::string& path() const { return path_; }

  // "PATH:LINE:COL" of the value (or of the member's key) at `pointer`.
  std::string ValueWhere(const std::string& pointer) const;
  std::string KeyWhere(const std::string& pointer) const;
  Status FailAtValue(const std::string& pointer, const std::string& message) const;
  Status FailAtKey(const std::string& pointer, const std::string& message) const;

  JsonDocument(const JsonDocument&) = delete;
  JsonDocument& operator=(const JsonDocument&) = delete;
  JsonDocument(JsonDocument&&) = default;
  JsonDocument& operator=(JsonDocument&&) = default;

 private:
  JsonDocument() = default;
  std::string path_;
  std::unique_ptr<std::string> text_;  // stable address: positions_ views it
  nlohmann::json root_;
  JsonPositions positions_;
};

// The RunConfig at `pointer` of `doc` ("" for a --config file, "/config" in a
// trace). kInvalidInput "PATH:LINE:COL: ..." on anything a scenario file
// would be refused for.
Result<RunConfig> ReadRunConfig(const JsonDocument& doc, const std::string& pointer);

// Every file prunecheck writes as JSON carries a top-level "format":
// "prunecheck-<kind>/<version>" (docs/design.md §7). OK when `doc`'s root is
// an object whose "format" is `expected`; otherwise kInvalidInput at the
// place ("PATH:LINE:COL: ..."): not an object, no "format" (not a prunecheck
// <what>, or one written before format versions), not a string, another
// kind, or another version of this kind.
Status RequireFormat(const JsonDocument& doc, std::string_view expected, std::string_view what);

// Reads actor, point and occurrence of a kill in `r`, checked against `c`'s actors.
class JsonObjectReader;
Status ReadKill(const JsonObjectReader& r, const RunConfig& c, KillAt* k);

// --config FILE.
Result<RunConfig> LoadRunConfigFile(const std::string& path);

// JSON type names as messages use them: "a string", "an integer", ...
const char* JsonTypeName(const nlohmann::json& j);

// Reads the members of one JSON object: keys checked against a list, typed
// values with ranges, errors at the member's position. Shared by the run
// config and the trace reader.
class JsonObjectReader {
 public:
  JsonObjectReader(const JsonDocument& doc, const nlohmann::json& object, std::string pointer, std::string what)
      : doc_(doc), j_(object), pointer_(std::move(pointer)), what_(std::move(what)) {}

  Status CheckKeys(const std::vector<std::string>& allowed) const;
  bool Has(const char* key) const { return j_.contains(key); }
  std::string Pointer(const char* key) const { return JsonPointerChild(pointer_, key); }
  Status FailAt(const char* key, const std::string& message) const;
  Status Missing(const char* key, const std::string& hint) const;

  Status String(const char* key, std::string* out, bool required = false, const std::string& hint = "") const;
  Status Int(const char* key, int64_t* out, int64_t min, int64_t max, bool required = false) const;
  Status Int(const char* key, int* out, int min, int max, bool required = false) const;
  Status Uint64(const char* key, uint64_t* out, bool required = false) const;
  Status Float(const char* key, double* out, double min, double max) const;
  Status Bool(const char* key, bool* out) const;
  Status Strings(const char* key, std::vector<std::string>* out) const;
  // The array `key` (or nullptr when absent), refusing anything else.
  Result<const nlohmann::json*> Array(const char* key, bool required = false) const;

  const std::string& what() const { return what_; }

 private:
  Status WrongType(const char* key, const nlohmann::json& v, const std::string& expected) const;

  const JsonDocument& doc_;
  const nlohmann::json& j_;
  std::string pointer_;
  std::string what_;
};

}  // namespace prunecheck::harness
