// Where each value of a JSON text is: JSON pointer -> LINE:COL, so that a
// trace or run config (--config) is reported like a scenario file,
// "FILE:LINE:COL: what was expected", at the offending key or value.
// nlohmann::json keeps no positions; this scans the text once more (only
// after nlohmann accepted it) and records every value's and key's offset.
//
// Thread-safety: immutable after Scan.
#pragma once

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "pruner/base/status.h"

namespace prunecheck::harness {

// Deeper nesting is refused: no trace or config nests more than 4 levels.
inline constexpr int kMaxJsonDepth = 64;

struct TextPosition {
  size_t line = 1;    // 1-based
  size_t column = 1;  // 1-based, in bytes
};

// 1-based line and column of byte `offset` of `text`.
TextPosition PositionOf(std::string_view text, size_t offset);

// "/a/0/b" for key "b" of element 0 of "a"; '~' and '/' escaped as RFC 6901.
std::string JsonPointerChild(const std::string& parent, std::string_view key);
std::string JsonPointerChild(const std::string& parent, size_t index);

class JsonPositions {
 public:
  // Scans `text`, which nlohmann::json::parse accepted. kInvalidInput (with
  // the byte offset in *error_offset) when it nests deeper than kMaxJsonDepth.
  static Result<JsonPositions> Scan(std::string_view text, size_t* error_offset);

  // Position of the value at `pointer`, or of its nearest ancestor that has one.
  TextPosition ValueAt(const std::string& pointer) const;
  // Position of the key naming the member at `pointer` (its value's when it
  // is an array element or the root).
  TextPosition KeyAt(const std::string& pointer) const;

 private:
  std::string_view text_;
  std::map<std::string, std::pair<size_t, size_t>> offsets_;  // pointer -> (key, value) offset
};

}  // namespace prunecheck::harness
