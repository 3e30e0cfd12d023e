// ExtractWheel: libarchive's *seekable* zip reader over the FileSystem seam.
//
// Why seekable: only the central directory records the Unix mode of an entry.
// libarchive's streaming zip reader sees local headers only, so it reports a
// symlink entry as a regular file whose content is the link target (and its
// idea of the entry list can differ from what pip/zipfile, which read the
// central directory, see). The seekable reader walks the central directory,
// reports symlinks/devices as such, and cross-checks each local header
// against it (an inconsistent size or CRC is an ARCHIVE_WARN on the header,
// which we refuse).
//
// Reads go through fs.Read and seeks through fs.Seek on the same descriptor,
// so the wheel can live in any FileSystem (e.g. an in-memory one).
//
// Zip cannot represent hard links: libarchive's zip writer drops the hardlink
// field (the entry becomes a regular file) and its reader never sets one. The
// hardlink check below is defence in depth for that reason.
#include "pruner/wheel/wheel_extractor.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <locale.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <memory>
#include <set>
#include <vector>

#include "pruner/base/fs_util.h"
#include "pruner/wheel/utf8_locale_scope.h"

namespace prunecheck {

namespace {

struct ReaderContext {
  FileSystem* fs = nullptr;
  int fd = -1;
  std::vector<char> buf;
  Status read_error;  // the first failed fs.Read/Seek, reported instead of libarchive's text
};

la_ssize_t ReadCallback(struct archive* a, void* user, const void** out) {
  auto* ctx = static_cast<ReaderContext*>(user);
  *out = ctx->buf.data();
  Result<size_t> n = ctx->fs->Read(ctx->fd, ctx->buf.data(), ctx->buf.size());
  if (!n.ok()) {
    if (ctx->read_error.ok()) ctx->read_error = n.status();
    int err = n.status().os_error() != 0 ? n.status().os_error() : EIO;
    archive_set_error(a, err, "%s", n.status().message().c_str());
    return -1;
  }
  return static_cast<la_ssize_t>(*n);
}

la_int64_t SeekCallback(struct archive*, void* user, la_int64_t offset, int whence) {
  auto* ctx = static_cast<ReaderContext*>(user);
  Result<int64_t> pos = ctx->fs->Seek(ctx->fd, static_cast<int64_t>(offset), whence);
  if (!pos.ok()) {
    // EINVAL is a bad request (before the start of the file): libarchive
    // reports that as a corrupt archive itself. Anything else is an I/O error.
    if (ctx->read_error.ok() && pos.status().os_error() != EINVAL) ctx->read_error = pos.status();
    return ARCHIVE_FATAL;
  }
  return static_cast<la_int64_t>(*pos);
}


struct ArchiveDeleter {
  void operator()(struct archive* a) const { archive_read_free(a); }
};

std::string ArchiveError(struct archive* a) {
  const char* s = archive_error_string(a);
  return s != nullptr ? std::string(s) : std::string("unknown libarchive error");
}

// Why `name` (a zip entry name) is unsafe, or empty if it is acceptable.
// A single trailing '/' (directory entry) is allowed.
std::string NameProblem(std::string_view name) {
  if (name.empty()) return "empty name";
  if (name.front() == '/') return "absolute path";
  if (name.find('\\') != std::string_view::npos) return "backslash in name";
  std::string_view body = name;
  if (body.back() == '/') body.remove_suffix(1);
  size_t pos = 0;
  size_t components = 0;
  while (pos <= body.size()) {
    if (++components > static_cast<size_t>(kMaxTreeDepth)) {
      // The same bound every walk over an archive keeps (fs_util.h).
      return "nested more than " + std::to_string(kMaxTreeDepth) + " levels deep (the limit)";
    }
    size_t slash = body.find('/', pos);
    if (slash == std::string_view::npos) slash = body.size();
    std::string_view comp = body.substr(pos, slash - pos);
    if (comp.empty()) return "empty path component";
    if (comp == ".") return "'.' path component";
    if (comp == "..") return "'..' path component";
    pos = slash + 1;
  }
  return {};
}

// Reads a whole (small) file below `dirfd`; `dir` may be empty.
Result<std::string> ReadSmallFile(FileSystem& fs, int dirfd, std::string_view dir,
                                  std::string_view base, uint64_t max_bytes) {
  PC_ASSIGN_OR_RETURN(Fd d, fs.OpenDir(dirfd, dir));
  PC_ASSIGN_OR_RETURN(Fd f, fs.OpenFile(d.get(), base, O_RDONLY));
  std::string out;
  // Not zero-filled: that memset showed up in profiles of small files.
  constexpr size_t kBufBytes = kReadChunkBytes;
  auto buf = std::make_unique_for_overwrite<char[]>(kBufBytes);
  while (true) {
    PC_ASSIGN_OR_RETURN(size_t n, fs.Read(f.get(), buf.get(), kBufBytes));
    if (n == 0) break;
    out.append(buf.get(), n);
    if (out.size() > max_bytes) {
      return Status(StatusCode::kInvalidInput, std::string(dir) + "/" + std::string(base) +
                                                   ": larger than " + std::to_string(max_bytes) +
                                                   " bytes");
    }
  }
  return out;
}

bool IsDistInfoRecord(std::string_view path) {
  constexpr std::string_view kSuffix = ".dist-info/RECORD";
  if (path.size() <= kSuffix.size() || path.substr(path.size() - kSuffix.size()) != kSuffix) {
    return false;
  }
  // Exactly one '/': "<x>.dist-info/RECORD" at the top level.
  return path.find('/') == path.size() - std::string_view("RECORD").size() - 1;
}

class Extractor {
 public:
  Extractor(FileSystem& fs, std::string_view wheel, int dest, const ExtractLimits& limits)
      : fs_(fs), wheel_(wheel), dest_(dest), limits_(limits) {}

  Result<ExtractedWheel> Run(int wheel_dirfd) {
    Utf8LocaleScope utf8;  // outlives the archive object below
    // O_NONBLOCK: a FIFO must not block the open; then only a regular file
    // goes to libarchive (a FIFO, /dev/zero or a directory is refused here).
    PC_ASSIGN_OR_RETURN(Fd in, fs_.OpenFile(wheel_dirfd, wheel_, O_RDONLY | O_NONBLOCK));
    PC_ASSIGN_OR_RETURN(FileStat wheel_stat, fs_.FStat(in.get()));
    if (wheel_stat.type != FileType::kRegular) {
      return Status(StatusCode::kInvalidInput, wheel_ + ": not a regular file; a wheel must be one");
    }
    wheel_bytes_ = wheel_stat.size;
    expansion_limit_ = limits_.max_expansion_ratio != 0 && wheel_bytes_ > UINT64_MAX / limits_.max_expansion_ratio
                           ? UINT64_MAX
                           : wheel_bytes_ * limits_.max_expansion_ratio;
    expansion_limit_ = std::max(expansion_limit_, limits_.ratio_free_bytes);
    if (Result<int64_t> pos = fs_.Seek(in.get(), 0, SEEK_SET); !pos.ok()) {
      return Status(StatusCode::kInvalidInput, wheel_ + ": not a seekable file: " + pos.status().message(),
                    pos.status().os_error());
    }
    ReaderContext ctx;
    ctx.fs = &fs_;
    ctx.fd = in.get();
    ctx.buf.resize(kReadChunkBytes);

    std::unique_ptr<struct archive, ArchiveDeleter> a(archive_read_new());
    if (!a) return Status(StatusCode::kIoError, wheel_ + ": archive_read_new failed");
    archive_read_support_format_zip_seekable(a.get());
    archive_read_set_seek_callback(a.get(), SeekCallback);
    if (archive_read_open(a.get(), &ctx, nullptr, ReadCallback, nullptr) != ARCHIVE_OK) {
      if (!ctx.read_error.ok()) return ctx.read_error.Annotate(wheel_ + ": reading");
      return Status(StatusCode::kInvalidInput, wheel_ + ": not a zip archive: " + ArchiveError(a.get()));
    }

    while (true) {
      struct archive_entry* entry = nullptr;
      int r = archive_read_next_header(a.get(), &entry);
      if (r == ARCHIVE_EOF) break;
      if (!ctx.read_error.ok()) return ctx.read_error.Annotate(wheel_ + ": reading");
      if (r == ARCHIVE_FATAL || entry == nullptr) {
        return Status(StatusCode::kInvalidInput, wheel_ + ": corrupt zip: " + ArchiveError(a.get()));
      }
      const char* cname = archive_entry_pathname_utf8(entry);
      if (cname == nullptr) cname = archive_entry_pathname(entry);
      if (cname == nullptr) {
        return Status(StatusCode::kInvalidInput,
                      wheel_ + ": entry #" + std::to_string(entries_ + 1) + ": unreadable name");
      }
      const std::string name(cname);
      if (r != ARCHIVE_OK) return Refuse(name, "bad entry header: " + ArchiveError(a.get()));
      PC_RETURN_IF_ERROR(HandleEntry(a.get(), entry, name, ctx));
    }

    // The wheel's RECORD: exactly one top-level "*.dist-info/RECORD".
    std::vector<std::string> records;
    for (const std::string& f : files_) {
      if (IsDistInfoRecord(f)) records.push_back(f);
    }
    if (records.size() != 1) {
      return Status(StatusCode::kInvalidInput,
                    wheel_ + (records.empty() ? ": no *.dist-info/RECORD"
                                              : ": more than one *.dist-info/RECORD (" + records[0] +
                                                    ", " + records[1] + ")"));
    }
    ExtractedWheel out;
    out.record_path = records[0];
    out.files = files_.size();
    out.bytes = total_bytes_;
    const std::string dist_info = out.record_path.substr(0, out.record_path.find('/'));
    cached_fd_.reset();  // done writing
    PC_ASSIGN_OR_RETURN(std::string text,
                        ReadSmallFile(fs_, dest_, dist_info, "RECORD",
                                      std::min(limits_.max_entry_bytes, limits_.max_record_bytes)));
    PC_ASSIGN_OR_RETURN(out.record, ParseRecord(text, wheel_ + ":" + out.record_path));
    VerifyOptions vo;
    vo.reject_unlisted = true;
    vo.follow_symlinks = false;
    Status v = VerifyTreeAgainstRecord(fs_, dest_, out.record, vo);
    if (!v.ok()) return v.Annotate(wheel_);
    return out;
  }

 private:
  Status Refuse(std::string_view name, std::string_view reason) const {
    // A hostile name can be megabytes long: show its two ends.
    constexpr size_t kKeep = 120;
    std::string shown = name.size() <= 2 * kKeep + 16
                            ? std::string(name)
                            : std::string(name.substr(0, kKeep)) + "..." + std::string(name.substr(name.size() - kKeep));
    return Status(StatusCode::kInvalidInput, wheel_ + ": entry '" + shown + "': " + std::string(reason));
  }

  Status RefuseExpansion(const std::string& name, uint64_t would_be) const {
    return Refuse(name, "the wheel would unpack to " + std::to_string(would_be) + " bytes, more than " +
                            std::to_string(limits_.max_expansion_ratio) + " times its size of " +
                            std::to_string(wheel_bytes_) + " bytes (a limit no real wheel reaches; a zip bomb?)");
  }

  Status HandleEntry(struct archive* a, struct archive_entry* entry, const std::string& name,
                     ReaderContext& ctx) {
    if (++entries_ > limits_.max_entries) {
      return Refuse(name, "more entries than the limit of " + std::to_string(limits_.max_entries));
    }
    if (std::string problem = NameProblem(name); !problem.empty()) return Refuse(name, problem);
    if (const char* hl = archive_entry_hardlink(entry); hl != nullptr) {
      return Refuse(name, std::string("hardlink entry (to '") + hl + "')");
    }
    const bool trailing_slash = name.back() == '/';
    const std::string path = trailing_slash ? name.substr(0, name.size() - 1) : name;
    switch (archive_entry_filetype(entry)) {
      case AE_IFREG:
        if (trailing_slash) return Refuse(name, "regular file entry with a directory name");
        PC_RETURN_IF_ERROR(CheckConflicts(name, path, /*is_dir=*/false));
        return ExtractFile(a, entry, name, path, ctx);
      case AE_IFDIR:
        PC_RETURN_IF_ERROR(CheckConflicts(name, path, /*is_dir=*/true));
        return DirFd(path).status();
      case AE_IFLNK: {
        const char* target = archive_entry_symlink(entry);
        return Refuse(name, std::string("symlink entry (to '") + (target ? target : "") + "')");
      }
      case AE_IFCHR:
      case AE_IFBLK:
        return Refuse(name, "device entry");
      case AE_IFIFO:
        return Refuse(name, "fifo entry");
      case AE_IFSOCK:
        return Refuse(name, "socket entry");
      default:
        return Refuse(name, "entry of unknown type");
    }
  }

  // Duplicate names, and a name used both as a file and as a directory
  // ("a/b" and "a/b/", or "a" and "a/b"), are refused.
  Status CheckConflicts(const std::string& name, const std::string& path, bool is_dir) {
    if (files_.count(path)) return Refuse(name, "duplicate entry name");
    if (is_dir) {
      if (!explicit_dirs_.insert(path).second) return Refuse(name, "duplicate entry name");
    } else if (dirs_.count(path)) {
      return Refuse(name, "file entry where another entry has a directory");
    }
    for (size_t slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1)) {
      std::string prefix = path.substr(0, slash);
      if (files_.count(prefix)) return Refuse(name, "parent '" + prefix + "' is a file entry");
      dirs_.insert(std::move(prefix));
    }
    if (is_dir) {
      dirs_.insert(path);
    } else {
      files_.insert(path);
    }
    return Status::Ok();
  }

  // An fd for the directory `dir` (relative to the destination, possibly
  // empty), creating missing components. Every component is opened with
  // O_NOFOLLOW; the last one stays cached.
  Result<int> DirFd(const std::string& dir) {
    if (dir.empty()) return dest_;
    if (cached_fd_.valid() && cached_path_ == dir) return cached_fd_.get();
    cached_fd_.reset();
    Fd cur;
    int base = dest_;
    size_t pos = 0;
    while (true) {
      size_t slash = dir.find('/', pos);
      std::string prefix = dir.substr(0, slash);
      std::string comp = dir.substr(pos, slash == std::string::npos ? std::string::npos : slash - pos);
      if (!created_dirs_.count(prefix)) {
        Status s = fs_.MakeDir(base, comp, 0755);
        if (!s.ok() && !s.Is(StatusCode::kAlreadyExists)) return s.Annotate(wheel_ + ": creating " + prefix);
        created_dirs_.insert(prefix);
      }
      Result<Fd> next = fs_.OpenDir(base, comp);
      if (!next.ok()) return next.status().Annotate(wheel_ + ": opening " + prefix);
      cur = std::move(next).value();
      base = cur.get();
      if (slash == std::string::npos) break;
      pos = slash + 1;
    }
    cached_path_ = dir;
    cached_fd_ = std::move(cur);
    return cached_fd_.get();
  }

  Status ExtractFile(struct archive* a, struct archive_entry* entry, const std::string& name,
                     const std::string& path, ReaderContext& ctx) {
    const bool size_known = archive_entry_size_is_set(entry) != 0;
    const uint64_t declared =
        size_known && archive_entry_size(entry) > 0 ? static_cast<uint64_t>(archive_entry_size(entry)) : 0;
    if (size_known && declared > limits_.max_entry_bytes) {
      return Refuse(name, "declares " + std::to_string(declared) + " bytes, more than the per-entry limit of " +
                              std::to_string(limits_.max_entry_bytes));
    }
    if (size_known && total_bytes_ + declared > expansion_limit_) return RefuseExpansion(name, total_bytes_ + declared);
    if (size_known && total_bytes_ + declared > limits_.max_total_bytes) {
      return Refuse(name, "total size would exceed the limit of " + std::to_string(limits_.max_total_bytes) +
                              " bytes");
    }
    size_t slash = path.rfind('/');
    std::string dir = slash == std::string::npos ? std::string() : path.substr(0, slash);
    std::string base = slash == std::string::npos ? path : path.substr(slash + 1);
    PC_ASSIGN_OR_RETURN(int parent, DirFd(dir));
    const mode_t mode = (archive_entry_perm(entry) & 0111) != 0 ? 0755 : 0644;
    Result<Fd> out = fs_.OpenFile(parent, base, O_WRONLY | O_CREAT | O_EXCL, mode);
    if (!out.ok()) return out.status().Annotate(wheel_ + ": entry '" + name + "'");

    uint64_t written = 0;
    while (true) {
      const void* block = nullptr;
      size_t size = 0;
      la_int64_t offset = 0;
      int r = archive_read_data_block(a, &block, &size, &offset);
      if (r == ARCHIVE_EOF) break;
      if (!ctx.read_error.ok()) return ctx.read_error.Annotate(wheel_ + ": reading");
      if (r < ARCHIVE_WARN) return Refuse(name, "corrupt data: " + ArchiveError(a));
      // Checked before libarchive's own complaint (a WARN on the same block)
      // so the message says what happened.
      if (size_known && written + size > declared) {
        return Refuse(name, "data larger than declared size (" + std::to_string(declared) + " bytes)");
      }
      if (written + size > limits_.max_entry_bytes) {
        return Refuse(name, "data exceeds the per-entry limit of " + std::to_string(limits_.max_entry_bytes) +
                                " bytes");
      }
      if (total_bytes_ + size > expansion_limit_) return RefuseExpansion(name, total_bytes_ + size);
      if (total_bytes_ + size > limits_.max_total_bytes) {
        return Refuse(name, "total size exceeds the limit of " + std::to_string(limits_.max_total_bytes) +
                                " bytes");
      }
      if (r == ARCHIVE_WARN) return Refuse(name, "corrupt data: " + ArchiveError(a));
      if (offset < 0 || static_cast<uint64_t>(offset) != written) {
        return Refuse(name, "non-contiguous entry data");
      }
      if (size > 0) {
        Status s = fs_.Write(out->get(), block, size);
        if (!s.ok()) return s.Annotate(wheel_ + ": entry '" + name + "'");
      }
      written += size;
      total_bytes_ += size;
    }
    if (size_known && written != declared) {
      return Refuse(name, "data shorter than declared size (" + std::to_string(written) + " of " +
                              std::to_string(declared) + " bytes)");
    }
    return Status::Ok();
  }

  FileSystem& fs_;
  const std::string wheel_;
  const int dest_;
  const ExtractLimits limits_;

  uint64_t entries_ = 0;
  uint64_t total_bytes_ = 0;
  uint64_t wheel_bytes_ = 0;
  uint64_t expansion_limit_ = UINT64_MAX;
  std::set<std::string> files_;          // regular file entries (paths)
  std::set<std::string> dirs_;           // directories, explicit or implied by a deeper entry
  std::set<std::string> explicit_dirs_;  // directory entries
  std::set<std::string> created_dirs_;   // directories made under dest_
  std::string cached_path_;
  Fd cached_fd_;
};

}  // namespace

Result<ExtractedWheel> ExtractWheel(FileSystem& fs, int wheel_dirfd, std::string_view wheel_path,
                                    int dest_dirfd, const ExtractLimits& limits) {
  Extractor ex(fs, wheel_path, dest_dirfd, limits);
  return ex.Run(wheel_dirfd);
}

Result<ExtractedWheel> ReadRecordFromTree(FileSystem& fs, int dirfd) {
  PC_ASSIGN_OR_RETURN(std::vector<DirEntry> top, fs.ListDir(dirfd));
  std::vector<std::string> found;
  constexpr std::string_view kSuffix = ".dist-info";
  for (const DirEntry& e : top) {
    if (e.type != FileType::kDirectory || e.name.size() <= kSuffix.size() ||
        std::string_view(e.name).substr(e.name.size() - kSuffix.size()) != kSuffix) {
      continue;
    }
    PC_ASSIGN_OR_RETURN(Fd sub, fs.OpenDir(dirfd, e.name));
    Result<FileStat> st = fs.Stat(sub.get(), "RECORD");
    if (!st.ok()) {
      if (st.status().Is(StatusCode::kNotFound)) continue;
      return st.status();
    }
    if (st->type == FileType::kRegular) found.push_back(e.name);
  }
  if (found.size() != 1) {
    return Status(StatusCode::kInvalidInput,
                  found.empty() ? std::string("no *.dist-info/RECORD in tree")
                                : "more than one *.dist-info/RECORD in tree (" + found[0] + ", " +
                                      found[1] + ")");
  }
  ExtractedWheel out;
  out.record_path = found[0] + "/RECORD";
  PC_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(fs, dirfd, found[0], "RECORD", 1ull << 30));
  PC_ASSIGN_OR_RETURN(out.record, ParseRecord(text, out.record_path));
  // Not extracted here: report what RECORD lists.
  for (const RecordEntry& e : out.record.entries) {
    ++out.files;
    out.bytes += e.size.value_or(0);
  }
  return out;
}

}  // namespace prunecheck
