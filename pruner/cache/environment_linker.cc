#include "pruner/cache/environment_linker.h"

#include <fcntl.h>

#include <memory>
#include <vector>

#include "pruner/base/fs_util.h"

namespace prunecheck {

std::string_view LinkModeName(LinkMode mode) {
  switch (mode) {
    case LinkMode::kHardlink: return "hardlink";
    case LinkMode::kCopy: return "copy";
    case LinkMode::kSymlink: return "symlink";
  }
  return "?";
}

Result<LinkMode> ParseLinkMode(std::string_view name) {
  if (name == "hardlink") return LinkMode::kHardlink;
  if (name == "copy") return LinkMode::kCopy;
  if (name == "symlink") return LinkMode::kSymlink;
  return Status(StatusCode::kInvalidInput,
                "unknown link mode '" + std::string(name) + "' (expected hardlink, copy or symlink)");
}

namespace {

Status CopyFileAt(FileSystem& fs, int src_dir, std::string_view src, int dst_dir, std::string_view dst) {
  PC_ASSIGN_OR_RETURN(Fd in, fs.OpenFile(src_dir, src, O_RDONLY));
  PC_ASSIGN_OR_RETURN(Fd out, fs.OpenFile(dst_dir, dst, O_WRONLY | O_CREAT | O_EXCL, 0644));
  // Not zero-filled: that memset showed up in profiles of small files.
  constexpr size_t kBufBytes = kReadChunkBytes;
  auto buf = std::make_unique_for_overwrite<char[]>(kBufBytes);
  for (;;) {
    PC_ASSIGN_OR_RETURN(size_t n, fs.Read(in.get(), buf.get(), kBufBytes));
    if (n == 0) break;
    PC_RETURN_IF_ERROR(fs.Write(out.get(), buf.get(), n));
  }
  return Status::Ok();
}

struct LinkWalk {
  FileSystem& fs;
  YieldPoints& points;
  LinkMode mode;
  std::string_view archive_id;
  uint64_t files = 0;

  Status LinkOne(int src_dir, const std::string& src_abs, int dst_dir, const std::string& name) {
    // uv replaces what the environment already has at that path.
    Status st = fs.Unlink(dst_dir, name, /*is_dir=*/false);
    if (!st.ok() && !st.Is(StatusCode::kNotFound)) return st;
    switch (mode) {
      case LinkMode::kHardlink: return fs.Link(src_dir, name, dst_dir, name);
      case LinkMode::kCopy: return CopyFileAt(fs, src_dir, name, dst_dir, name);
      case LinkMode::kSymlink: return fs.Symlink(src_abs + "/" + name, dst_dir, name);
    }
    return Status::Ok();
  }

  // Two descriptors per level, so the depth is bounded (fs_util.h): a deeper
  // archive was not made by the extractor.
  Status Walk(int src_dir, const std::string& src_abs, int dst_dir, const std::string& rel, int depth = 0) {
    if (depth >= kMaxTreeDepth) {
      return Status(StatusCode::kVerificationFailed, "archive " + std::string(archive_id) + " is nested more than " +
                                                         std::to_string(kMaxTreeDepth) + " levels deep");
    }
    PC_ASSIGN_OR_RETURN(std::vector<DirEntry> entries, fs.ListDir(src_dir));
    for (const DirEntry& e : entries) {
      std::string child_rel = rel.empty() ? e.name : rel + "/" + e.name;
      if (e.type == FileType::kDirectory) {
        Status mk = fs.MakeDir(dst_dir, e.name);
        if (!mk.ok() && !mk.Is(StatusCode::kAlreadyExists)) return mk;
        PC_ASSIGN_OR_RETURN(Fd sub_src, fs.OpenDir(src_dir, e.name));
        PC_ASSIGN_OR_RETURN(Fd sub_dst, fs.OpenDir(dst_dir, e.name));
        PC_RETURN_IF_ERROR(Walk(sub_src.get(), src_abs + "/" + e.name, sub_dst.get(), child_rel, depth + 1));
      } else if (e.type == FileType::kRegular) {
        Status st = LinkOne(src_dir, src_abs, dst_dir, e.name);
        if (!st.ok()) return st.Annotate("linking " + child_rel);
        ++files;
        if (files == 1 || files % 64 == 0) points.Yield("link.progress", archive_id);
      } else {
        // Archives hold only regular files and directories (the extractor
        // refuses anything else); anything else here was planted.
        return Status(StatusCode::kVerificationFailed,
                      "archive " + std::string(archive_id) + " holds a non-regular entry '" + child_rel + "'");
      }
    }
    return Status::Ok();
  }
};

}  // namespace

Result<uint64_t> LinkArchive(FileSystem& fs, YieldPoints& points, int archive_fd,
                             const std::string& archive_abs_path, int env_fd, LinkMode mode,
                             std::string_view archive_id) {
  points.Yield("link.begin", archive_id);
  LinkWalk walk{fs, points, mode, archive_id};
  PC_RETURN_IF_ERROR(walk.Walk(archive_fd, archive_abs_path, env_fd, ""));
  return walk.files;
}

Status VerifyEnvironment(FileSystem& fs, int env_fd, const Record& record, LinkMode mode) {
  VerifyOptions options;
  options.reject_unlisted = false;  // environments hold other packages too
  options.follow_symlinks = (mode == LinkMode::kSymlink);
  return VerifyTreeAgainstRecord(fs, env_fd, record, options);
}

}  // namespace prunecheck
