#include "pruner/wheel/record.h"

#include <fcntl.h>
#include <openssl/evp.h>

#include <charconv>
#include <cstdlib>
#include <memory>
#include <set>
#include <unordered_set>

#include "pruner/base/fs_util.h"

namespace prunecheck {

// ---------------------------------------------------------------------------
// Sha256

struct Sha256::Impl {
  EVP_MD_CTX* ctx = nullptr;
};

namespace {

// Fetched once: OpenSSL 3 looks the algorithm up again on every
// EVP_DigestInit_ex(EVP_sha256()), which showed in profiles of small files.
const EVP_MD* Sha256Algorithm() {
  static EVP_MD* const md = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  return md;
}

}  // namespace

Sha256::Sha256() : impl_(std::make_unique<Impl>()) {
  impl_->ctx = EVP_MD_CTX_new();
  // Allocation failure or a missing digest is not an expected failure: abort.
  if (impl_->ctx == nullptr || EVP_DigestInit_ex(impl_->ctx, Sha256Algorithm(), nullptr) != 1) {
    std::abort();
  }
}

Sha256::~Sha256() { EVP_MD_CTX_free(impl_->ctx); }

void Sha256::Update(const void* data, size_t n) {
  if (n == 0) return;
  if (EVP_DigestUpdate(impl_->ctx, data, n) != 1) std::abort();
}

std::string Sha256::FinishUrlsafeBase64() {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(impl_->ctx, digest, &len) != 1) std::abort();
  // Ready for reuse from scratch.
  if (EVP_DigestInit_ex(impl_->ctx, Sha256Algorithm(), nullptr) != 1) std::abort();

  unsigned char b64[4 * ((EVP_MAX_MD_SIZE + 2) / 3) + 1];
  int n = EVP_EncodeBlock(b64, digest, static_cast<int>(len));
  std::string out;
  out.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    char c = static_cast<char>(b64[i]);
    if (c == '=') continue;
    if (c == '+') c = '-';
    if (c == '/') c = '_';
    out += c;
  }
  return out;
}

std::string Sha256UrlsafeBase64(std::string_view data) {
  Sha256 h;
  h.Update(data.data(), data.size());
  return h.FinishUrlsafeBase64();
}

// ---------------------------------------------------------------------------
// Parsing

namespace {

constexpr size_t kSha256B64Len = 43;  // 32 bytes -> 44 base64 chars, one '=' stripped

Status ParseError(std::string_view source, size_t line, std::string_view what) {
  std::string msg(source);
  msg += ":" + std::to_string(line) + ": ";
  msg += what;
  return Status(StatusCode::kInvalidInput, std::move(msg));
}

bool IsUrlsafeB64Char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// Why `path` is not an acceptable RECORD path, or empty if it is.
std::string PathProblem(std::string_view path) {
  if (path.empty()) return "empty path";
  if (path.front() == '/') return "absolute path";
  if (path.find('\\') != std::string_view::npos) return "backslash in path";
  if (path.find('\0') != std::string_view::npos) return "NUL in path";
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view comp = path.substr(pos, slash - pos);
    if (comp.empty()) return "empty path component";
    if (comp == ".") return "'.' path component";
    if (comp == "..") return "'..' path component";
    pos = slash + 1;
  }
  return {};
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Files that RECORD may list without a hash: RECORD itself (and its
// signature files, which are written after it), and compiled bytecode.
bool MayBeUnhashed(std::string_view path) {
  size_t slash = path.rfind('/');
  std::string_view base = slash == std::string_view::npos ? path : path.substr(slash + 1);
  std::string_view dir = slash == std::string_view::npos ? std::string_view() : path.substr(0, slash);
  if ((base == "RECORD" || base == "RECORD.jws" || base == "RECORD.p7s") &&
      EndsWith(dir, ".dist-info")) {
    return true;
  }
  return EndsWith(base, ".pyc") || EndsWith(base, ".pyo");
}

// A minimal CSV reader (Python's csv dialect "excel": ',' separated, fields
// optionally quoted with '"', a quote inside a quoted field doubled).
class CsvReader {
 public:
  CsvReader(std::string_view text, std::string_view source) : text_(text), source_(source) {}

  // Reads the next non-empty row into `fields`; false at end of input.
  // `line` receives the 1-based line number the row starts on.
  Result<bool> Next(std::vector<std::string>* fields, size_t* line) {
    fields->clear();
    // Skip blank lines.
    while (pos_ < text_.size() && (text_[pos_] == '\n' || text_[pos_] == '\r')) {
      if (text_[pos_] == '\n') ++line_;
      ++pos_;
    }
    if (pos_ >= text_.size()) return false;
    *line = line_;
    std::string field;
    while (true) {
      field.clear();
      if (pos_ < text_.size() && text_[pos_] == '"') {
        ++pos_;
        bool closed = false;
        while (pos_ < text_.size()) {
          char c = text_[pos_++];
          if (c == '"') {
            if (pos_ < text_.size() && text_[pos_] == '"') {
              field += '"';
              ++pos_;
              continue;
            }
            closed = true;
            break;
          }
          if (c == '\n') ++line_;
          field += c;
        }
        if (!closed) return ParseError(source_, *line, "unterminated quoted field");
        if (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\n' && text_[pos_] != '\r') {
          return ParseError(source_, *line, "unexpected character after closing quote");
        }
      } else {
        while (pos_ < text_.size() && text_[pos_] != ',' && text_[pos_] != '\n' &&
               text_[pos_] != '\r') {
          field += text_[pos_++];
        }
      }
      fields->push_back(field);
      if (pos_ < text_.size() && text_[pos_] == ',') {
        ++pos_;
        continue;
      }
      // End of row: "\n", "\r\n", a lone "\r", or end of input.
      if (pos_ < text_.size() && text_[pos_] == '\r') ++pos_;
      if (pos_ < text_.size() && text_[pos_] == '\n') {
        ++pos_;
        ++line_;
      }
      return true;
    }
  }

 private:
  std::string_view text_;
  std::string_view source_;
  size_t pos_ = 0;
  size_t line_ = 1;
};

bool NeedsQuoting(std::string_view field) {
  return field.find_first_of(",\"\r\n") != std::string_view::npos;
}

void AppendCsvField(std::string* out, std::string_view field) {
  if (!NeedsQuoting(field)) {
    *out += field;
    return;
  }
  *out += '"';
  for (char c : field) {
    if (c == '"') *out += '"';
    *out += c;
  }
  *out += '"';
}

}  // namespace

Result<Record> ParseRecord(std::string_view text, std::string_view source) {
  Record record;
  std::unordered_set<std::string> seen;
  CsvReader reader(text, source);
  std::vector<std::string> fields;
  size_t line = 0;
  while (true) {
    PC_ASSIGN_OR_RETURN(bool more, reader.Next(&fields, &line));
    if (!more) break;
    if (fields.size() != 3) {
      return ParseError(source, line,
                        "expected 3 fields (path,hash,size), got " + std::to_string(fields.size()));
    }
    RecordEntry entry;
    entry.path = fields[0];
    if (std::string problem = PathProblem(entry.path); !problem.empty()) {
      return ParseError(source, line, problem + " '" + entry.path + "'");
    }
    const std::string& hash = fields[1];
    if (!hash.empty()) {
      size_t eq = hash.find('=');
      if (eq == std::string::npos) {
        return ParseError(source, line, "malformed hash '" + hash + "' (want sha256=<digest>)");
      }
      std::string algo = hash.substr(0, eq);
      if (algo != "sha256") {
        return ParseError(source, line, "unsupported hash algorithm '" + algo + "' for '" + entry.path + "'");
      }
      std::string digest = hash.substr(eq + 1);
      if (digest.size() != kSha256B64Len) {
        return ParseError(source, line, "sha256 digest of '" + entry.path + "' has length " +
                                            std::to_string(digest.size()) + ", want 43");
      }
      for (char c : digest) {
        if (!IsUrlsafeB64Char(c)) {
          return ParseError(source, line, "sha256 digest of '" + entry.path +
                                              "' is not urlsafe base64");
        }
      }
      entry.hash = std::move(digest);
    } else if (!MayBeUnhashed(entry.path)) {
      return ParseError(source, line, "no hash for '" + entry.path + "'");
    }
    const std::string& size = fields[2];
    if (!size.empty()) {
      uint64_t v = 0;
      auto [ptr, ec] = std::from_chars(size.data(), size.data() + size.size(), v);
      if (ec != std::errc() || ptr != size.data() + size.size()) {
        return ParseError(source, line, "bad size '" + size + "' for '" + entry.path + "'");
      }
      entry.size = v;
    }
    if (!seen.insert(entry.path).second) {
      return ParseError(source, line, "duplicate path '" + entry.path + "'");
    }
    record.entries.push_back(std::move(entry));
  }
  return record;
}

std::string FormatRecord(const Record& record) {
  std::string out;
  for (const RecordEntry& e : record.entries) {
    AppendCsvField(&out, e.path);
    out += ',';
    if (!e.hash.empty()) out += "sha256=" + e.hash;
    out += ',';
    if (e.size) out += std::to_string(*e.size);
    out += '\n';
  }
  return out;
}

// ---------------------------------------------------------------------------
// Verification

namespace {

Status Mismatch(std::string_view path, std::string_view what) {
  std::string msg(path);
  msg += ": ";
  msg += what;
  return Status(StatusCode::kVerificationFailed, std::move(msg));
}

// A missing or wrong-typed path component is a verification failure, not an I/O error.
bool IsAbsentOrWrongType(const Status& s) {
  return s.Is(StatusCode::kNotFound) || s.Is(StatusCode::kInvalidInput);
}

// Opens the regular file a RECORD path names. Directory components are opened
// without following symlinks; the leaf is followed (one level, to a regular
// file) only with `follow_symlinks`.
Result<Fd> OpenListedFile(FileSystem& fs, int parent, std::string_view path, std::string_view base,
                          bool follow_symlinks) {
  Result<FileStat> st = fs.Stat(parent, base);
  if (!st.ok()) {
    if (st.status().Is(StatusCode::kNotFound)) return Mismatch(path, "missing");
    return st.status();
  }
  if (st->type == FileType::kSymlink) {
    if (!follow_symlinks) return Mismatch(path, "is a symlink");
    PC_ASSIGN_OR_RETURN(std::string target, fs.ReadLink(parent, base));
    if (target.empty()) return Mismatch(path, "empty symlink");
    size_t slash = target.rfind('/');
    std::string tdir = slash == std::string::npos ? std::string() : target.substr(0, slash);
    std::string tbase = slash == std::string::npos ? target : target.substr(slash + 1);
    if (tbase.empty() || tbase == "." || tbase == "..") {
      return Mismatch(path, "symlink target '" + target + "' is not a file");
    }
    Result<Fd> dir = Status(StatusCode::kIoError, "unset");
    if (target.front() == '/') {
      dir = fs.OpenDir(AT_FDCWD, tdir.empty() ? "/" : tdir);
    } else {
      dir = fs.OpenDir(parent, tdir);
    }
    if (!dir.ok()) {
      if (IsAbsentOrWrongType(dir.status())) {
        return Mismatch(path, "symlink target '" + target + "' not found (" +
                                  dir.status().message() + ")");
      }
      return dir.status();
    }
    Result<FileStat> tst = fs.Stat(dir->get(), tbase);
    if (!tst.ok()) {
      if (tst.status().Is(StatusCode::kNotFound)) {
        return Mismatch(path, "symlink target '" + target + "' is missing");
      }
      return tst.status();
    }
    if (tst->type != FileType::kRegular) {
      return Mismatch(path, "symlink target '" + target + "' is not a regular file");
    }
    Result<Fd> fd = fs.OpenFile(dir->get(), tbase, O_RDONLY);
    if (!fd.ok() && IsAbsentOrWrongType(fd.status())) {
      return Mismatch(path, "symlink target '" + target + "': " + fd.status().message());
    }
    return fd;
  }
  if (st->type != FileType::kRegular) return Mismatch(path, "not a regular file");
  Result<Fd> fd = fs.OpenFile(parent, base, O_RDONLY);
  if (!fd.ok() && IsAbsentOrWrongType(fd.status())) {
    return Mismatch(path, "cannot open: " + fd.status().message());
  }
  return fd;
}

Status VerifyEntry(FileSystem& fs, int parent, const RecordEntry& entry, std::string_view base,
                   bool follow_symlinks) {
  PC_ASSIGN_OR_RETURN(Fd fd, OpenListedFile(fs, parent, entry.path, base, follow_symlinks));
  Sha256 h;
  uint64_t total = 0;
  // Not zero-filled: that memset showed up in profiles of small files.
  constexpr size_t kBufBytes = kReadChunkBytes;
  auto buf = std::make_unique_for_overwrite<char[]>(kBufBytes);
  while (true) {
    PC_ASSIGN_OR_RETURN(size_t n, fs.Read(fd.get(), buf.get(), kBufBytes));
    if (n == 0) break;
    h.Update(buf.get(), n);
    total += n;
  }
  if (entry.size && *entry.size != total) {
    return Mismatch(entry.path, "size " + std::to_string(total) + " differs from RECORD size " +
                                    std::to_string(*entry.size));
  }
  std::string got = h.FinishUrlsafeBase64();
  if (got != entry.hash) {
    return Mismatch(entry.path, "sha256 " + got + " differs from RECORD sha256 " + entry.hash);
  }
  return Status::Ok();
}

// Walks the tree under `dirfd` (whose path relative to the root is `prefix`)
// and fails on anything RECORD does not list.
// Recursion (one descriptor per level) is bounded by kMaxTreeDepth: a deeper
// tree is not an archive any wheel could have produced.
Status CheckUnlisted(FileSystem& fs, int dirfd, const std::string& prefix,
                     const std::unordered_set<std::string>& listed, bool follow_symlinks, int depth = 0) {
  if (depth >= kMaxTreeDepth) {
    return Mismatch(prefix.substr(0, 200) + "...", "nested more than " + std::to_string(kMaxTreeDepth) + " levels deep");
  }
  PC_ASSIGN_OR_RETURN(std::vector<DirEntry> entries, fs.ListDir(dirfd));
  for (const DirEntry& e : entries) {
    std::string rel = prefix.empty() ? e.name : prefix + "/" + e.name;
    switch (e.type) {
      case FileType::kDirectory: {
        PC_ASSIGN_OR_RETURN(Fd sub, fs.OpenDir(dirfd, e.name));
        PC_RETURN_IF_ERROR(CheckUnlisted(fs, sub.get(), rel, listed, follow_symlinks, depth + 1));
        break;
      }
      case FileType::kRegular:
        if (!listed.count(rel)) return Mismatch(rel, "not listed in RECORD");
        break;
      case FileType::kSymlink:
        if (!follow_symlinks) return Mismatch(rel, "unexpected symlink");
        if (!listed.count(rel)) return Mismatch(rel, "symlink not listed in RECORD");
        break;
      case FileType::kOther:
        return Mismatch(rel, "unexpected special file");
    }
  }
  return Status::Ok();
}

}  // namespace

Status VerifyTreeAgainstRecord(FileSystem& fs, int dirfd, const Record& record,
                               const VerifyOptions& options) {
  // The directory of the previous entry stays open: RECORD lists files of a
  // directory together, so most entries reuse it.
  std::string open_dir_path;
  Fd open_dir;
  bool have_dir = false;
  for (const RecordEntry& entry : record.entries) {
    if (entry.hash.empty()) continue;  // RECORD itself, bytecode: nothing to check
    size_t slash = entry.path.rfind('/');
    std::string dir = slash == std::string::npos ? std::string() : entry.path.substr(0, slash);
    std::string base = slash == std::string::npos ? entry.path : entry.path.substr(slash + 1);
    if (!have_dir || dir != open_dir_path) {
      have_dir = false;
      Result<Fd> d = fs.OpenDir(dirfd, dir);
      if (!d.ok()) {
        if (IsAbsentOrWrongType(d.status())) {
          return Mismatch(entry.path, "directory missing or not a directory (" +
                                          d.status().message() + ")");
        }
        return d.status();
      }
      open_dir = std::move(d).value();
      open_dir_path = dir;
      have_dir = true;
    }
    PC_RETURN_IF_ERROR(VerifyEntry(fs, open_dir.get(), entry, base, options.follow_symlinks));
  }
  if (options.reject_unlisted) {
    std::unordered_set<std::string> listed;
    for (const RecordEntry& e : record.entries) listed.insert(e.path);
    PC_ASSIGN_OR_RETURN(Fd root, fs.OpenDir(dirfd, ""));
    PC_RETURN_IF_ERROR(CheckUnlisted(fs, root.get(), "", listed, options.follow_symlinks));
  }
  return Status::Ok();
}

}  // namespace prunecheck
