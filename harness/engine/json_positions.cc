#include "harness/engine/json_positions.h"

#include <algorithm>

namespace prunecheck::harness {

namespace {

// A recursive descent over text that is known to be valid JSON; depth is
// bounded by kMaxJsonDepth, so the recursion is too.
class Scanner {
 public:
  Scanner(std::string_view text, std::map<std::string, std::pair<size_t, size_t>>* out) : t_(text), out_(out) {}

  Status Value(const std::string& pointer, size_t key_offset, int depth) {
    SkipSpace();
    (*out_)[pointer] = {key_offset, pos_};
    if (pos_ >= t_.size()) return Status::Ok();
    const char c = t_[pos_];
    if (c == '{' || c == '[') {
      if (depth >= kMaxJsonDepth) {
        return Status(StatusCode::kInvalidInput, "nested more than " + std::to_string(kMaxJsonDepth) + " levels deep");
      }
      ++pos_;
      size_t index = 0;
      for (;;) {
        SkipSpace();
        if (pos_ >= t_.size()) return Status::Ok();
        if (t_[pos_] == '}' || t_[pos_] == ']') {
          ++pos_;
          return Status::Ok();
        }
        if (t_[pos_] == ',') {
          ++pos_;
          continue;
        }
        if (c == '{') {
          const size_t key_at = pos_;
          std::string key = String();
          SkipSpace();
          if (pos_ < t_.size() && t_[pos_] == ':') ++pos_;
          PC_RETURN_IF_ERROR(Value(JsonPointerChild(pointer, key), key_at, depth + 1));
        } else {
          const size_t at = pos_;
          PC_RETURN_IF_ERROR(Value(JsonPointerChild(pointer, index++), at, depth + 1));
        }
      }
    }
    if (c == '"') {
      String();
      return Status::Ok();
    }
    while (pos_ < t_.size() && t_[pos_] != ',' && t_[pos_] != '}' && t_[pos_] != ']' && !IsSpace(t_[pos_])) ++pos_;
    return Status::Ok();
  }

  size_t pos() const { return pos_; }

 private:
  static bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
  void SkipSpace() {
    while (pos_ < t_.size() && IsSpace(t_[pos_])) ++pos_;
  }
  // The decoded-enough content of a string starting at pos_ ('"'): escapes
  // other than \uXXXX are decoded; \uXXXX is kept as written, which only
  // matters for keys, and no key of a trace or config needs one.
  std::string String() {
    std::string s;
    ++pos_;  // opening quote
    while (pos_ < t_.size() && t_[pos_] != '"') {
      if (t_[pos_] == '\\' && pos_ + 1 < t_.size()) {
        const char e = t_[pos_ + 1];
        s += e == 'n' ? '\n' : e == 't' ? '\t' : e == 'r' ? '\r' : e == 'b' ? '\b' : e == 'f' ? '\f' : e;
        if (e == 'u') s += std::string(t_.substr(pos_ + 2, 4));
        pos_ += e == 'u' ? 6 : 2;
        continue;
      }
      s += t_[pos_++];
    }
    ++pos_;  // closing quote
    return s;
  }

  std::string_view t_;
  std::map<std::string, std::pair<size_t, size_t>>* out_;
  size_t pos_ = 0;
};

}  // namespace

TextPosition PositionOf(std::string_view text, size_t offset) {
  TextPosition p;
  offset = std::min(offset, text.size());
  for (size_t i = 0; i < offset; ++i) {
    if (text[i] == '\n') {
      ++p.line;
      p.column = 1;
    } else {
      ++p.column;
    }
  }
  return p;
}

std::string JsonPointerChild(const std::string& parent, std::string_view key) {
  std::string p = parent + "/";
  for (char c : key) {
    if (c == '~') {
      p += "~0";
    } else if (c == '/') {
      p += "~1";
    } else {
      p += c;
    }
  }
  return p;
}

std::string JsonPointerChild(const std::string& parent, size_t index) { return parent + "/" + std::to_string(index); }

Result<JsonPositions> JsonPositions::Scan(std::string_view text, size_t* error_offset) {
  JsonPositions out;
  out.text_ = text;
  Scanner s(text, &out.offsets_);
  Status st = s.Value("", 0, 0);
  if (!st.ok()) {
    if (error_offset) *error_offset = s.pos();
    return st;
  }
  return out;
}

TextPosition JsonPositions::ValueAt(const std::string& pointer) const {
  std::string p = pointer;
  for (;;) {
    auto it = offsets_.find(p);
    if (it != offsets_.end()) return PositionOf(text_, it->second.second);
    if (p.empty()) return TextPosition{};
    p.erase(p.rfind('/'));
  }
}

TextPosition JsonPositions::KeyAt(const std::string& pointer) const {
  auto it = offsets_.find(pointer);
  if (it == offsets_.end()) return ValueAt(pointer);
  return PositionOf(text_, it->second.first);
}

}  // namespace prunecheck::harness
