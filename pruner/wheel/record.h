// RECORD: a wheel's manifest of files, sha256 hashes (urlsafe base64, no
// padding) and sizes, and verification of a directory tree against it.
//
// Used twice: when an archive is unpacked (every file must match, and nothing
// unlisted may be present) and when an environment is checked after linking
// (every listed file must be present with the recorded content).
//
// Thread-safety: pure functions; Sha256 objects are not shared.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pruner/base/file_system.h"
#include "pruner/base/status.h"

namespace prunecheck {

struct RecordEntry {
  std::string path;                // relative, '/'-separated
  std::string hash;                // urlsafe base64 sha256 without padding; empty if unhashed
  std::optional<uint64_t> size;    // empty if not given
};

struct Record {
  std::vector<RecordEntry> entries;
};

// Parses RECORD text (CSV with optional quoting). `source` names it in errors,
// which give "<source>:<line>: <what>" and code kInvalidInput. Rejects hash
// algorithms other than sha256, unsafe paths ('..', absolute), duplicates.
Result<Record> ParseRecord(std::string_view text, std::string_view source);

// Renders RECORD text for the given entries (used by the fixture generator).
std::string FormatRecord(const Record& record);

// Incremental SHA-256 (OpenSSL EVP).
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void Update(const void* data, size_t n);
  // urlsafe base64 of the digest, no '=' padding, as RECORD writes it.
  std::string FinishUrlsafeBase64();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

std::string Sha256UrlsafeBase64(std::string_view data);

struct VerifyOptions {
  // Fail if a regular file exists under the tree that RECORD does not list
  // (archives: yes; environments, which hold other packages too: no).
  bool reject_unlisted = false;
  // Follow symlinks when reading listed files (environments in symlink mode
  // point into the cache). Archives are verified without following.
  bool follow_symlinks = false;
};

// Verifies the tree under `dirfd` against `record`: every entry with a hash
// exists as a regular file (or, with follow_symlinks, a link to one) of the
// recorded size and sha256. Returns kVerificationFailed naming the first bad
// path and what differed; I/O errors keep their own codes.
Status VerifyTreeAgainstRecord(FileSystem& fs, int dirfd, const Record& record,
                               const VerifyOptions& options);

}  // namespace prunecheck
