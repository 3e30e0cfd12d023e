#include "pruner/cache/cache_references.h"

#include "pruner/base/fs_util.h"
#include "pruner/cache/cache_layout.h"

namespace prunecheck {

std::set<std::string> ReferenceScan::All() const {
  std::set<std::string> all = by_symlink;
  all.insert(by_pointer.begin(), by_pointer.end());
  return all;
}

Result<ReferenceScan> ScanReferences(FileSystem& fs, int root_fd) {
  ReferenceScan scan;
  Result<Fd> index = fs.OpenDir(root_fd, layout::kWheelIndex);
  if (!index.ok()) {
    if (index.status().Is(StatusCode::kNotFound)) return scan;
    return index.status().Annotate("scanning references");
  }
  PC_ASSIGN_OR_RETURN(std::vector<DirEntry> packages, fs.ListDir(index->get()));
  for (const DirEntry& pkg : packages) {
    if (pkg.type != FileType::kDirectory) continue;
    Result<Fd> pkg_fd = fs.OpenDir(index->get(), pkg.name);
    if (!pkg_fd.ok()) {
      if (pkg_fd.status().Is(StatusCode::kNotFound)) continue;  // removed by a concurrent clean
      return pkg_fd.status();
    }
    Result<std::vector<DirEntry>> entries = fs.ListDir(pkg_fd->get());
    if (!entries.ok()) {
      if (entries.status().Is(StatusCode::kNotFound)) continue;
      return entries.status();
    }
    for (const DirEntry& e : *entries) {
      EntryReference ref;
      ref.package = pkg.name;
      ref.name = e.name;
      if (e.type == FileType::kSymlink) {
        ref.kind = layout::IsReplaceTempName(e.name) ? EntryReference::Kind::kReplaceTemp
                                                      : EntryReference::Kind::kSymlink;
        Result<std::string> target = fs.ReadLink(pkg_fd->get(), e.name);
        if (!target.ok()) {
          if (target.status().Is(StatusCode::kNotFound)) continue;  // replaced under us
          return target.status();
        }
        if (auto id = layout::ArchiveIdFromLinkTarget(*target)) {
          ref.archive_id = *id;
          scan.by_symlink.insert(*id);
        }
      } else if (e.type == FileType::kRegular && e.name.ends_with(layout::kPointerSuffix) &&
                 !layout::IsReplaceTempName(e.name)) {
        ref.kind = EntryReference::Kind::kPointer;
        Result<std::string> content = ReadFileToString(fs, pkg_fd->get(), e.name);
        if (!content.ok()) {
          if (content.status().Is(StatusCode::kNotFound)) continue;
          return content.status();
        }
        Result<layout::Pointer> p =
            layout::ParsePointer(*content, layout::PackageDir(pkg.name) + "/" + e.name);
        if (p.ok()) {
          ref.archive_id = p->archive_id;
          scan.by_pointer.insert(p->archive_id);
        } else {
          ref.pointer_parse_error = true;
        }
      } else {
        continue;
      }
      scan.entries.push_back(std::move(ref));
    }
  }
  return scan;
}

}  // namespace prunecheck
