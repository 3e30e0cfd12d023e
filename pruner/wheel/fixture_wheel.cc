// Fixture wheels, written with libarchive's zip writer.
//
// Determinism: every entry has the same mtime (2020-01-01T00:00:00Z), uid/gid
// 0 and fixed permissions; content and sizes come from std::mt19937_64(seed)
// through our own range reduction (std::uniform_int_distribution is not
// specified to produce the same values across standard libraries).
//
// What libarchive's zip writer does with hostile entries (checked against
// libarchive 3.6): it writes pathnames verbatim ("../x", "/abs",
// "a/../../x" are not sanitized; sanitizing is archive_write_disk's job), so no
// patching is needed for them. Symlinks are written as stored entries whose
// data is the target and whose central-directory mode is S_IFLNK. Zip has no
// hard links: an entry with a hardlink set is written as a plain (empty)
// regular file, so a kHardlink extra entry reaches a reader as a regular file.
//
// understate_entry_size: the writer deflates every regular file with a data
// descriptor (general purpose flag bit 3; the local header carries the
// uncompressed size but CRC and compressed size 0). We patch the uncompressed
// size of the first generated file to half its real size in all three places
// (local header, data descriptor, central directory) so the archive is
// self-consistent and only the deflate stream is longer than declared.
// libarchive's seekable reader then returns the whole decompressed block with
// ARCHIVE_WARN "ZIP uncompressed data is wrong size (read N, expected M)";
// the extractor refuses it as "data larger than declared size" before writing.
// (Patching only the central directory gives "Inconsistent uncompressed size"
// on the header instead; the streaming reader, which ignores the central
// directory, would accept a local-header-only patch silently and write all
// the data, which is one reason the extractor uses the seekable reader.)
#include "pruner/wheel/fixture_wheel.h"
#include "pruner/wheel/utf8_locale_scope.h"

#include <archive.h>
#include <archive_entry.h>
#include <locale.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <random>
#include <set>

#include "pruner/wheel/record.h"

namespace prunecheck {

namespace {

constexpr time_t kFixtureMtime = 1577836800;  // 2020-01-01T00:00:00Z

// Uniform-ish value in [lo, hi] from the engine, identical on every platform.
uint64_t Pick(std::mt19937_64& rng, uint64_t lo, uint64_t hi) {
  if (hi <= lo) return lo;
  uint64_t span = hi - lo + 1;
  if (span == 0) return rng();  // full 64-bit range
  return lo + rng() % span;
}

std::string Escape(std::string_view part) {
  std::string out(part);
  for (char& c : out) {
    if (c == '-') c = '_';
  }
  return out;
}

struct GeneratedFile {
  std::string path;
  std::string data;
};

// The regular files of the package, deterministic in the spec.
std::vector<GeneratedFile> GenerateFiles(const FixtureWheelSpec& spec) {
  std::mt19937_64 rng(spec.seed);
  const std::string pkg = Escape(spec.distribution);
  std::vector<GeneratedFile> files;
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz0123456789 _=()#";
  constexpr uint64_t kAlphabetSize = sizeof(kAlphabet) - 1;
  const uint64_t min_size = spec.min_file_size;
  const uint64_t max_size = std::max(spec.max_file_size, spec.min_file_size);
  for (int i = 0; i < spec.file_count; ++i) {
    GeneratedFile f;
    f.path = pkg + "/";
    int depth = spec.max_depth > 0 ? static_cast<int>(Pick(rng, 0, static_cast<uint64_t>(spec.max_depth))) : 0;
    for (int d = 0; d < depth; ++d) {
      f.path += "sub" + std::to_string(Pick(rng, 0, 2)) + "/";
    }
    f.path += "mod_" + std::to_string(i) + ".py";
    uint64_t size = Pick(rng, min_size, max_size);
    if (i == 0 && spec.understate_entry_size && size < 2) size = 2;  // something to understate
    f.data.reserve(size);
    for (uint64_t k = 0; k < size; ++k) {
      f.data += (k % 64 == 63) ? '\n' : kAlphabet[rng() % kAlphabetSize];
    }
    files.push_back(std::move(f));
  }
  return files;
}


la_ssize_t AppendCallback(struct archive*, void* user, const void* buf, size_t n) {
  static_cast<std::string*>(user)->append(static_cast<const char*>(buf), n);
  return static_cast<la_ssize_t>(n);
}

struct WriterDeleter {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
struct EntryDeleter {
  void operator()(struct archive_entry* e) const { archive_entry_free(e); }
};

class ZipWriter {
 public:
  Status Open(std::string* out) {
    a_.reset(archive_write_new());
    if (!a_) return Status(StatusCode::kIoError, "fixture: archive_write_new failed");
    if (archive_write_set_format_zip(a_.get()) != ARCHIVE_OK ||
        archive_write_set_options(a_.get(), "zip:hdrcharset=UTF-8") != ARCHIVE_OK ||
        archive_write_set_bytes_per_block(a_.get(), 0) != ARCHIVE_OK ||
        archive_write_open(a_.get(), out, nullptr, AppendCallback, nullptr) != ARCHIVE_OK) {
      return Error("open");
    }
    return Status::Ok();
  }

  Status Add(const RawZipEntry& e) {
    std::unique_ptr<struct archive_entry, EntryDeleter> entry(archive_entry_new());
    archive_entry_set_pathname_utf8(entry.get(), e.path.c_str());
    archive_entry_set_mtime(entry.get(), kFixtureMtime, 0);
    archive_entry_set_uid(entry.get(), 0);
    archive_entry_set_gid(entry.get(), 0);
    switch (e.kind) {
      case RawZipEntry::Kind::kFile:
        archive_entry_set_filetype(entry.get(), AE_IFREG);
        archive_entry_set_perm(entry.get(), 0644);
        archive_entry_set_size(entry.get(), static_cast<la_int64_t>(e.data.size()));
        break;
      case RawZipEntry::Kind::kDirectory:
        archive_entry_set_filetype(entry.get(), AE_IFDIR);
        archive_entry_set_perm(entry.get(), 0755);
        archive_entry_set_size(entry.get(), 0);
        break;
      case RawZipEntry::Kind::kSymlink:
        archive_entry_set_filetype(entry.get(), AE_IFLNK);
        archive_entry_set_perm(entry.get(), 0777);
        archive_entry_set_symlink_utf8(entry.get(), e.link_target.c_str());
        archive_entry_set_size(entry.get(), 0);
        break;
      case RawZipEntry::Kind::kHardlink:
        archive_entry_set_filetype(entry.get(), AE_IFREG);
        archive_entry_set_perm(entry.get(), 0644);
        archive_entry_set_hardlink_utf8(entry.get(), e.link_target.c_str());
        archive_entry_set_size(entry.get(), static_cast<la_int64_t>(e.data.size()));
        break;
    }
    if (archive_write_header(a_.get(), entry.get()) != ARCHIVE_OK) return Error("header for '" + e.path + "'");
    if ((e.kind == RawZipEntry::Kind::kFile || e.kind == RawZipEntry::Kind::kHardlink) && !e.data.empty()) {
      la_ssize_t n = archive_write_data(a_.get(), e.data.data(), e.data.size());
      if (n < 0 || static_cast<size_t>(n) != e.data.size()) return Error("data for '" + e.path + "'");
    }
    return Status::Ok();
  }

  Status Close() {
    if (archive_write_close(a_.get()) != ARCHIVE_OK) return Error("close");
    a_.reset();
    return Status::Ok();
  }

 private:
  Status Error(const std::string& what) {
    const char* s = archive_error_string(a_.get());
    return Status(StatusCode::kIoError, "fixture: libarchive zip writer: " + what + ": " +
                                            (s != nullptr ? s : "unknown error"));
  }

  std::unique_ptr<struct archive, WriterDeleter> a_;
};

// --- Minimal zip structure access, for patching ------------------------------

uint16_t Get16(const std::string& z, size_t off) {
  return static_cast<uint16_t>(static_cast<unsigned char>(z[off]) |
                               (static_cast<unsigned char>(z[off + 1]) << 8));
}
uint32_t Get32(const std::string& z, size_t off) {
  return static_cast<uint32_t>(Get16(z, off)) | (static_cast<uint32_t>(Get16(z, off + 2)) << 16);
}
void Put32(std::string& z, size_t off, uint32_t v) {
  for (int i = 0; i < 4; ++i) z[off + static_cast<size_t>(i)] = static_cast<char>((v >> (8 * i)) & 0xff);
}

Status PatchError(const std::string& what) {
  return Status(StatusCode::kIoError, "fixture: cannot patch zip: " + what);
}

void Put16(std::string& z, size_t off, uint16_t v) {
  z[off] = static_cast<char>(v & 0xff);
  z[off + 1] = static_cast<char>(v >> 8);
}

// One central directory entry and where its parts are.
struct CentralEntry {
  size_t cd_offset = 0;     // of the central directory header
  size_t local_offset = 0;  // of the local file header
  uint16_t flags = 0;
  uint32_t csize = 0;
  uint32_t usize = 0;
  std::string name;
};

Result<std::vector<CentralEntry>> ReadCentralDirectory(const std::string& z) {
  // End of central directory record: no archive comment is written.
  if (z.size() < 22 || Get32(z, z.size() - 22) != 0x06054b50) return PatchError("no EOCD at end");
  const size_t eocd = z.size() - 22;
  const size_t count = Get16(z, eocd + 10);
  size_t p = Get32(z, eocd + 16);
  std::vector<CentralEntry> out;
  for (size_t i = 0; i < count; ++i) {
    if (p + 46 > z.size() || Get32(z, p) != 0x02014b50) return PatchError("bad central directory");
    CentralEntry e;
    e.cd_offset = p;
    e.flags = Get16(z, p + 8);
    e.csize = Get32(z, p + 20);
    e.usize = Get32(z, p + 24);
    const size_t nlen = Get16(z, p + 28), elen = Get16(z, p + 30), clen = Get16(z, p + 32);
    e.local_offset = Get32(z, p + 42);
    if (p + 46 + nlen > z.size()) return PatchError("bad central directory name");
    if (e.local_offset + 30 > z.size() || Get32(z, e.local_offset) != 0x04034b50) {
      return PatchError("bad local header");
    }
    e.name = z.substr(p + 46, nlen);
    out.push_back(std::move(e));
    p += 46 + nlen + elen + clen;
  }
  return out;
}

// libarchive writes the MS-DOS time fields in the *local* time zone; pin them
// so the bytes do not depend on TZ (the UTC mtime is in the UT extra field).
void PinDosTimes(std::string& z, const std::vector<CentralEntry>& entries) {
  constexpr uint16_t kDosDate = ((2020 - 1980) << 9) | (1 << 5) | 1;  // 2020-01-01
  constexpr uint16_t kDosTime = 0;                                   // 00:00:00
  for (const CentralEntry& e : entries) {
    Put16(z, e.cd_offset + 12, kDosTime);
    Put16(z, e.cd_offset + 14, kDosDate);
    Put16(z, e.local_offset + 10, kDosTime);
    Put16(z, e.local_offset + 12, kDosDate);
  }
}

// Sets the declared uncompressed size of entry `name` to `new_size` in the
// central directory, the local header and (if present) the data descriptor.
Status PatchUncompressedSize(std::string& z, const std::vector<CentralEntry>& entries,
                             const std::string& name, uint32_t new_size) {
  for (const CentralEntry& e : entries) {
    if (e.name != name) continue;
    if (e.csize == 0xffffffffu || e.usize == 0xffffffffu) return PatchError("zip64 entry");
    Put32(z, e.cd_offset + 24, new_size);
    if (Get32(z, e.local_offset + 22) != 0) Put32(z, e.local_offset + 22, new_size);
    if (e.flags & 0x8) {
      const size_t data = e.local_offset + 30 + Get16(z, e.local_offset + 26) + Get16(z, e.local_offset + 28);
      size_t dd = data + e.csize;
      if (dd + 4 <= z.size() && Get32(z, dd) == 0x08074b50) dd += 4;  // optional signature
      if (dd + 12 > z.size()) return PatchError("bad data descriptor");
      Put32(z, dd + 8, new_size);
    }
    return Status::Ok();
  }
  return PatchError("entry '" + name + "' not found");
}

}  // namespace

std::string FixtureWheelFilename(const FixtureWheelSpec& spec) {
  return Escape(spec.distribution) + "-" + Escape(spec.version) + "-" + spec.tags + ".whl";
}

Result<std::string> BuildFixtureWheel(const FixtureWheelSpec& spec) {
  if (spec.distribution.empty() || spec.version.empty() || spec.tags.empty()) {
    return Status(StatusCode::kInvalidInput, "fixture: distribution, version and tags must be set");
  }
  if (spec.file_count < 0) return Status(StatusCode::kInvalidInput, "fixture: negative file_count");
  if (spec.understate_entry_size && spec.file_count < 1) {
    return Status(StatusCode::kInvalidInput, "fixture: understate_entry_size needs a generated file");
  }
  const std::string dist_info = Escape(spec.distribution) + "-" + Escape(spec.version) + ".dist-info";
  std::vector<GeneratedFile> files = GenerateFiles(spec);

  Record record;
  std::vector<RawZipEntry> entries;
  for (size_t i = 0; i < files.size(); ++i) {
    RecordEntry re;
    re.path = files[i].path;
    re.hash = Sha256UrlsafeBase64(files[i].data);
    if (i == 0 && spec.corrupt_record_hash) re.hash = Sha256UrlsafeBase64(files[i].data + "corrupt");
    re.size = files[i].data.size();
    record.entries.push_back(std::move(re));
    RawZipEntry ze;
    ze.path = files[i].path;
    ze.data = std::move(files[i].data);
    entries.push_back(std::move(ze));
  }
  for (const RawZipEntry& extra : spec.extra_entries) {
    if (extra.in_record) {
      RecordEntry re;
      re.path = extra.path;
      re.hash = Sha256UrlsafeBase64(extra.data);
      re.size = extra.data.size();
      record.entries.push_back(std::move(re));
    }
    entries.push_back(extra);
  }
  auto add_meta = [&](const std::string& name, std::string data) {
    RecordEntry re;
    re.path = dist_info + "/" + name;
    re.hash = Sha256UrlsafeBase64(data);
    re.size = data.size();
    record.entries.push_back(std::move(re));
    RawZipEntry ze;
    ze.path = dist_info + "/" + name;
    ze.data = std::move(data);
    entries.push_back(std::move(ze));
  };
  add_meta("METADATA", "Metadata-Version: 2.1\nName: " + spec.distribution + "\nVersion: " + spec.version +
                           "\nSummary: prunecheck fixture wheel (seed " + std::to_string(spec.seed) + ")\n");
  add_meta("WHEEL", "Wheel-Version: 1.0\nGenerator: prunecheck-fixture\nRoot-Is-Purelib: true\nTag: " +
                        spec.tags + "\n");
  RecordEntry self;
  self.path = dist_info + "/RECORD";
  record.entries.push_back(self);
  RawZipEntry record_entry;
  record_entry.path = self.path;
  record_entry.data = FormatRecord(record);
  entries.push_back(std::move(record_entry));

  std::string out;
  Utf8LocaleScope utf8;  // outlives the writer
  ZipWriter w;
  PC_RETURN_IF_ERROR(w.Open(&out));
  for (const RawZipEntry& e : entries) PC_RETURN_IF_ERROR(w.Add(e));
  PC_RETURN_IF_ERROR(w.Close());

  PC_ASSIGN_OR_RETURN(std::vector<CentralEntry> central, ReadCentralDirectory(out));
  PinDosTimes(out, central);
  if (spec.understate_entry_size) {
    const RawZipEntry& first = entries[0];
    PC_RETURN_IF_ERROR(PatchUncompressedSize(out, central, first.path,
                                             static_cast<uint32_t>(first.data.size() / 2)));
  }
  return out;
}

Result<std::string> WriteFixtureWheel(const std::string& dir, const FixtureWheelSpec& spec) {
  PC_ASSIGN_OR_RETURN(std::string bytes, BuildFixtureWheel(spec));
  std::string path = dir + "/" + FixtureWheelFilename(spec);
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return Status::FromErrno(errno, "create " + path);
  size_t n = std::fwrite(bytes.data(), 1, bytes.size(), f);
  int write_err = std::ferror(f) ? errno : 0;
  if (std::fclose(f) != 0 && write_err == 0) write_err = errno;
  if (n != bytes.size() || write_err != 0) {
    return Status::FromErrno(write_err != 0 ? write_err : EIO, "write " + path);
  }
  return path;
}

}  // namespace prunecheck
