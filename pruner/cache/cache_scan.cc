#include "pruner/cache/cache_scan.h"

#include <set>

#include "pruner/cache/cache_layout.h"
#include "pruner/wheel/wheel_extractor.h"

namespace prunecheck {

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
  Result<Fd> trash = fs.OpenDir(root_fd, layout::kTrashDir);
  if (trash.ok()) {
    PC_ASSIGN_OR_RETURN(std::vector<DirEntry> t, fs.ListDir(trash->get()));
    for (const DirEntry& e : t) scan.trash.push_back(e.name);
  }
  return scan;
}

}  // namespace prunecheck
