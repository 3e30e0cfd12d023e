#include "pruner/base/fs_util.h"

#include <memory>
#include <fcntl.h>

#include <string>
#include <vector>

namespace prunecheck {

namespace {


std::string JoinRel(std::string_view prefix, std::string_view name) {
  std::string s(prefix);
  if (!s.empty()) s += '/';
  s += name;
  return s;
}

Status Interrupted(std::string_view relpath) {
  return Status(StatusCode::kBusy,
                "removal interrupted before unlinking " + std::string(relpath));
}

// NotFound on a removal step means someone else removed it first: fine.
bool Gone(const Status& s) { return s.Is(StatusCode::kNotFound); }

class TreeRemover {
 public:
  TreeRemover(FileSystem& fs, const RemoveTreeOptions& options) : fs_(fs), options_(options) {}

  // Removes the entry `name` (of type `type`, as lstat saw it) in `dirfd`.
  // `relpath` is its path relative to the tree's parent, for before_unlink.
  Status RemoveEntry(int dirfd, std::string_view name, FileType type, const std::string& relpath,
                     int depth) {
    if (type == FileType::kDirectory) {
      Result<Fd> sub = fs_.OpenDir(dirfd, name);  // O_NOFOLLOW: a swapped-in symlink fails here
      if (!sub.ok()) {
        if (Gone(sub.status())) return Status::Ok();
        return sub.status();
      }
      PC_RETURN_IF_ERROR(RemoveContents(sub->get(), relpath, depth + 1));
      sub->reset();
      return UnlinkOne(dirfd, name, /*is_dir=*/true, relpath);
    }
    if (type == FileType::kSymlink && options_.follow_symlinks) {
      PC_RETURN_IF_ERROR(MutantFollow(dirfd, name, relpath, depth));
    }
    return UnlinkOne(dirfd, name, /*is_dir=*/false, relpath);
  }

 private:
  static constexpr int kMaxDepth = 256;

  Status RemoveContents(int dirfd, const std::string& relpath, int depth) {
    if (depth > kMaxDepth) {
      return Status(StatusCode::kInvalidInput, "remove tree: " + relpath + " is nested too deeply");
    }
    Result<std::vector<DirEntry>> entries = fs_.ListDir(dirfd);
    if (!entries.ok()) return entries.status().Annotate("remove tree " + relpath);
    for (const DirEntry& e : *entries) {
      PC_RETURN_IF_ERROR(RemoveEntry(dirfd, e.name, e.type, JoinRel(relpath, e.name), depth));
    }
    return Status::Ok();
  }

  Status UnlinkOne(int dirfd, std::string_view name, bool is_dir, const std::string& relpath) {
    if (options_.before_unlink && !options_.before_unlink(relpath)) return Interrupted(relpath);
    Status s = fs_.Unlink(dirfd, name, is_dir);
    if (Gone(s)) return Status::Ok();
    return s;
  }

  // MUTANT ONLY (RemoveTreeOptions::follow_symlinks): enters the directory a
  // symlink points at and empties it, the containment bug the harness must
  // catch. Absolute targets are opened as given (the kernel resolves them);
  // relative targets are walked from the link's directory. A target that is
  // not an openable directory is left alone (the link itself is unlinked).
  Status MutantFollow(int dirfd, std::string_view name, const std::string& relpath, int depth) {
    Result<std::string> target = fs_.ReadLink(dirfd, name);
    if (!target.ok()) return Gone(target.status()) ? Status::Ok() : target.status();
    const std::string& t = *target;
    Result<Fd> dir = (!t.empty() && t.front() == '/') ? fs_.OpenDir(AT_FDCWD, t)
                                                      : fs_.OpenDir(dirfd, t);
    if (!dir.ok()) return Status::Ok();
    return RemoveContents(dir->get(), relpath, depth + 1);
  }

  FileSystem& fs_;
  const RemoveTreeOptions& options_;
};

}  // namespace

Result<std::string> ReadFileToString(FileSystem& fs, int dirfd, std::string_view name) {
  PC_ASSIGN_OR_RETURN(Fd fd, fs.OpenFile(dirfd, name, O_RDONLY));
  std::string out;
  auto buf = std::make_unique_for_overwrite<char[]>(kReadChunkBytes);
  for (;;) {
    Result<size_t> n = fs.Read(fd.get(), buf.get(), kReadChunkBytes);
    if (!n.ok()) return n.status().Annotate("read " + std::string(name));
    if (*n == 0) break;
    out.append(buf.get(), *n);
  }
  return out;
}

Status WriteFile(FileSystem& fs, int dirfd, std::string_view name, std::string_view data,
                 mode_t mode) {
  PC_ASSIGN_OR_RETURN(Fd fd, fs.OpenFile(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC, mode));
  Status s = fs.Write(fd.get(), data.data(), data.size());
  if (!s.ok()) return s.Annotate("write " + std::string(name));
  return Status::Ok();
}

Status WriteFileAtomic(FileSystem& fs, int dirfd, std::string_view name, std::string_view data,
                       std::string_view temp_suffix) {
  std::string temp(name);
  temp += ".tmp-";
  temp += temp_suffix;
  Status s = [&]() -> Status {
    // O_NOFOLLOW (added by OpenFile) refuses a symlink planted at the temp name.
    PC_ASSIGN_OR_RETURN(Fd fd, fs.OpenFile(dirfd, temp, O_WRONLY | O_CREAT | O_TRUNC, 0644));
    PC_RETURN_IF_ERROR(fs.Write(fd.get(), data.data(), data.size()));
    PC_RETURN_IF_ERROR(fs.Fsync(fd.get()));
    fd.reset();
    return fs.Rename(dirfd, temp, dirfd, name);
  }();
  if (!s.ok()) {
    (void)fs.Unlink(dirfd, temp, /*is_dir=*/false);  // best effort; may not exist
    return s.Annotate("atomic write " + std::string(name));
  }
  return Status::Ok();
}

Status MakeDirs(FileSystem& fs, int dirfd, std::string_view path, mode_t mode) {
  if (!path.empty() && path.front() == '/') {
    return Status(StatusCode::kInvalidInput, "make dirs: path must be relative: " + std::string(path));
  }
  // Usually every directory exists already (a session opening an existing
  // cache): one component-wise O_NOFOLLOW open of the whole path proves it,
  // instead of a failed mkdir and an open per component.
  if (fs.OpenDir(dirfd, path).ok()) return Status::Ok();
  Fd cur;
  int base = dirfd;
  std::string done;
  size_t pos = 0;
  while (pos < path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    std::string comp(path.substr(pos, slash - pos));
    pos = slash + 1;
    if (comp.empty() || comp == ".") continue;
    done = JoinRel(done, comp);
    Status made = fs.MakeDir(base, comp, mode);
    if (!made.ok() && !made.Is(StatusCode::kAlreadyExists)) return made.Annotate("make dirs " + std::string(path));
    Result<Fd> next = fs.OpenDir(base, comp);  // O_NOFOLLOW: a symlink component fails
    if (!next.ok()) {
      Result<FileStat> st = fs.Stat(base, comp);
      if (st.ok() && st->type != FileType::kDirectory) {
        return Status(StatusCode::kInvalidInput,
                      "make dirs " + std::string(path) + ": " + done + " exists and is " +
                          (st->type == FileType::kSymlink ? "a symlink" : "not a directory"));
      }
      return next.status().Annotate("make dirs " + std::string(path));
    }
    cur = std::move(next).value();
    base = cur.get();
  }
  return Status::Ok();
}

Status RemoveTree(FileSystem& fs, int dirfd, std::string_view name,
                  const RemoveTreeOptions& options) {
  // A multi-component name: open its parent with the O_NOFOLLOW walk and work
  // on the last component, so no symlink in the leading components is followed
  // (fstatat/unlinkat would resolve them).
  std::string_view trimmed = name;
  while (trimmed.size() > 1 && trimmed.back() == '/') trimmed.remove_suffix(1);
  Fd parent;
  int base = dirfd;
  std::string_view leaf = trimmed;
  if (size_t slash = trimmed.rfind('/'); slash != std::string_view::npos) {
    std::string_view parent_path = trimmed.substr(0, slash == 0 ? 1 : slash);
    leaf = trimmed.substr(slash + 1);
    Result<Fd> p = fs.OpenDir(dirfd, parent_path);
    if (!p.ok()) return Gone(p.status()) ? Status::Ok() : p.status().Annotate("remove tree");
    parent = std::move(p).value();
    base = parent.get();
  }
  if (leaf.empty() || leaf == "." || leaf == "..") {
    return Status(StatusCode::kInvalidInput, "remove tree: refusing to remove " + std::string(name));
  }
  Result<FileStat> st = fs.Stat(base, leaf);
  if (!st.ok()) return Gone(st.status()) ? Status::Ok() : st.status();
  TreeRemover remover(fs, options);
  return remover.RemoveEntry(base, leaf, st->type, std::string(trimmed), 0);
}

}  // namespace prunecheck

namespace prunecheck {

Status MakeUserDirs(FileSystem& fs, const std::string& path, mode_t mode) {
  if (path.empty()) return Status(StatusCode::kInvalidInput, "empty directory path");
  // Usually only the last component is missing: try it first.
  if (Status mk = fs.MakeDir(AT_FDCWD, path, mode); mk.ok() || mk.Is(StatusCode::kAlreadyExists)) {
    return Status::Ok();
  }
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    std::string prefix = path.substr(0, pos);
    if (prefix.empty() || prefix == "/") continue;
    Status mk = fs.MakeDir(AT_FDCWD, prefix, mode);
    if (!mk.ok() && !mk.Is(StatusCode::kAlreadyExists)) return mk;
  }
  return Status::Ok();
}

}  // namespace prunecheck
