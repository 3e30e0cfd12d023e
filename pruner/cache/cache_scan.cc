#include "pruner/cache/cache_scan.h"

#include <fcntl.h>

#include <set>

#include "pruner/base/fs_util.h"
#include "pruner/cache/cache_layout.h"
#include "pruner/wheel/wheel_extractor.h"

namespace prunecheck {

namespace {

std::string_view TypeName(FileType t) {
  switch (t) {
    case FileType::kRegular: return "a regular file";
    case FileType::kDirectory: return "a directory";
    case FileType::kSymlink: return "a symlink";
    case FileType::kOther: return "a special file (FIFO, socket or device)";
  }
  return "unknown";
}

// "<rel> is a symlink (to '<target>')" etc., for a path that must be a directory.
std::string NotADirectory(FileSystem& fs, int root_fd, std::string_view rel, FileType type) {
  std::string what = std::string(rel) + " is " + std::string(TypeName(type));
  if (type == FileType::kSymlink) {
    Result<std::string> target = fs.ReadLink(root_fd, rel);
    if (target.ok()) what += " (to '" + *target + "')";
  }
  return what + ", not a directory";
}

}  // namespace

Status VerifyIsCache(FileSystem& fs, int root_fd, std::string_view root_path) {
  Result<FileStat> tag = fs.Stat(root_fd, layout::kCacheDirTag);
  if (tag.ok() && tag->type == FileType::kRegular) {
    // Only the signature line is read: bounded, whatever the file holds.
    Result<Fd> f = fs.OpenFile(root_fd, layout::kCacheDirTag, O_RDONLY);
    if (f.ok()) {
      constexpr std::string_view kSignature = "Signature: 8a477f597d28d172789f06886806bc55";
      char buf[64];
      size_t got = 0;
      while (got < kSignature.size()) {
        Result<size_t> n = fs.Read(f->get(), buf + got, kSignature.size() - got);
        if (!n.ok() || *n == 0) break;
        got += *n;
      }
      if (std::string_view(buf, got) == kSignature) return Status::Ok();
    }
  }
  for (std::string_view bucket : {layout::kArchiveBucket, layout::kWheelBucket}) {
    Result<FileStat> st = fs.Stat(root_fd, bucket);
    if (st.ok() && st->type == FileType::kDirectory) return Status::Ok();
  }
  return Status(StatusCode::kInvalidInput,
                std::string(root_path) + " is not a cache: it has no CACHEDIR.TAG (with the cache signature) and "
                "neither an archive-v0 nor a wheels-v6 directory; refusing to touch it");
}

size_t CacheScan::UnreferencedArchives() const {
  size_t n = 0;
  for (const Archive& a : archives) n += a.referenced ? 0 : 1;
  return n;
}

Result<CacheScan> ScanCache(FileSystem& fs, int root_fd, bool verify_content) {
  CacheScan scan;
  PC_ASSIGN_OR_RETURN(ReferenceScan refs, ScanReferences(fs, root_fd));
  std::set<std::string> referenced = refs.All();
  scan.entries = refs.entries;

  std::set<std::string> complete;
  std::set<std::string> present;
  Result<Fd> bucket = fs.OpenDir(root_fd, layout::kArchiveBucket);
  if (bucket.ok()) {
    PC_ASSIGN_OR_RETURN(std::vector<DirEntry> archives, fs.ListDir(bucket->get()));
    for (const DirEntry& d : archives) {
      CacheScan::Archive a;
      a.id = d.name;
      a.referenced = referenced.count(d.name) > 0;
      present.insert(d.name);
      if (d.type != FileType::kDirectory) {
        a.problem = "not a directory";
      } else {
        Result<Fd> dir = fs.OpenDir(bucket->get(), d.name);
        if (!dir.ok()) {
          a.problem = dir.status().ToString();
        } else {
          Result<ExtractedWheel> rec = ReadRecordFromTree(fs, dir->get());
          if (!rec.ok()) {
            a.problem = rec.status().ToString();
          } else if (verify_content) {
            VerifyOptions opts;
            opts.reject_unlisted = true;
            Status v = VerifyTreeAgainstRecord(fs, dir->get(), rec->record, opts);
            if (!v.ok()) a.problem = v.ToString();
          }
        }
      }
      a.complete = a.problem.empty();
      if (a.complete) complete.insert(a.id);
      if (!a.complete) {
        scan.violations.push_back({a.referenced ? "no-corruption" : "no-partial-archive", a.id,
                                   "archive-v0/" + a.id + " is incomplete: " + a.problem});
      }
      scan.archives.push_back(std::move(a));
    }
  } else if (!bucket.status().Is(StatusCode::kNotFound)) {
    return bucket.status();
  }

  for (const EntryReference& r : refs.entries) {
    if (r.kind == EntryReference::Kind::kReplaceTemp) continue;  // debris, not a reference users follow
    std::string where = layout::PackageDir(r.package) + "/" + r.name;
    if (r.archive_id.empty()) {
      scan.violations.push_back({"no-dangling-reference", where,
                                 where + (r.pointer_parse_error ? " is an unreadable pointer"
                                                                : " does not point at an archive")});
    } else if (!present.count(r.archive_id)) {
      scan.violations.push_back({"no-dangling-reference", where, where + " names missing archive " + r.archive_id});
    }
  }

  PC_ASSIGN_OR_RETURN(std::vector<DirEntry> top, fs.ListDir(root_fd));
  for (const DirEntry& e : top) {
    if (layout::IsTempDirName(e.name)) scan.temp_dirs.push_back(e.name);
  }
  // The directories a prune works in must be directories inside the root.
  for (std::string_view rel : {layout::kArchiveBucket, layout::kWheelBucket, layout::kWheelIndex, layout::kLocksDir,
                               layout::kGcDir, layout::kSeenDir, layout::kTrashDir}) {
    Result<FileStat> st = fs.Stat(root_fd, rel);
    if (st.ok() && st->type != FileType::kDirectory) {
      scan.findings.push_back({"cache-structure", std::string(rel), NotADirectory(fs, root_fd, rel, st->type)});
    } else if (!st.ok() && !st.status().Is(StatusCode::kNotFound)) {
      scan.findings.push_back({"cache-structure", std::string(rel), std::string(rel) + ": " + st.status().ToString()});
    }
  }
  // A lease that is not a regular file can never be taken: the prune skips
  // its archive for ever.
  if (Result<Fd> locks = fs.OpenDir(root_fd, layout::kLocksDir); locks.ok()) {
    Result<std::vector<DirEntry>> files = fs.ListDir(locks->get());
    if (files.ok()) {
      for (const DirEntry& f : *files) {
        if (f.type == FileType::kRegular) continue;
        const std::string rel = std::string(layout::kLocksDir) + "/" + f.name;
        scan.findings.push_back({"unusable-lease", rel,
                                 rel + " is " + std::string(TypeName(f.type)) +
                                     ", not a regular lock file; a prune cannot take it and skips its archive"});
      }
    }
  }
  Result<Fd> trash = fs.OpenDir(root_fd, layout::kTrashDir);
  if (trash.ok()) {
    PC_ASSIGN_OR_RETURN(std::vector<DirEntry> t, fs.ListDir(trash->get()));
    RemoveTreeOptions walk_only;
    walk_only.dry_run = true;
    for (const DirEntry& e : t) {
      scan.trash.push_back(e.name);
      // Walked as the prune's removal would walk it, removing nothing.
      Status removable = RemoveTree(fs, trash->get(), e.name, walk_only);
      if (!removable.ok()) {
        const std::string rel = std::string(layout::kTrashDir) + "/" + e.name;
        scan.findings.push_back({"unremovable-trash", rel,
                                 rel + " cannot be removed: " + removable.ToString()});
      }
    }
  }
  return scan;
}

}  // namespace prunecheck
