#include "pruner/base/fs_util.h"

#include <fcntl.h>

#include <algorithm>
#include <memory>

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

// NotFound on a removal step means someone else removed it first: fine.
bool Gone(const Status& s) { return s.Is(StatusCode::kNotFound); }

// The relative path of a deep tree can be megabytes long; messages show its
// two ends.
std::string ShortPath(std::string_view rel) {
  constexpr size_t kKeep = 160;
  if (rel.size() <= 2 * kKeep + 32) return std::string(rel);
  size_t levels = static_cast<size_t>(std::count(rel.begin(), rel.end(), '/'));
  return std::string(rel.substr(0, kKeep)) + "/...(" + std::to_string(levels) + " levels in all).../" +
         std::string(rel.substr(rel.size() - kKeep));
}

// Removes a tree depth first without recursion and with a bounded number of
// descriptors, however deep the tree is: only the directory being emptied is
// open. Going down opens the child and closes the parent; coming back up
// opens ".." of the emptied child and checks it is the parent it left (same
// dev and inode), so a directory renamed meanwhile is never mistaken for it.
// Each level keeps only its listing and the length of its path prefix.
//
// A failure to remove one entry does not stop the others: the error is
// recorded, the rest of the tree is removed, and the directories above the
// failed entry (which cannot be empty) are left in place.
class TreeRemover {
 public:
  TreeRemover(FileSystem& fs, const RemoveTreeOptions& options) : fs_(fs), options_(options) {}

  // Removes the entry `name` (of type `type`, as lstat saw it) in `dirfd`.
  // `relpath` is its path relative to the tree's parent, for before_unlink.
  Status RemoveEntry(int dirfd, std::string_view name, FileType type, std::string relpath) {
    path_ = std::move(relpath);
    if (type == FileType::kDirectory) {
      Result<Fd> sub = fs_.OpenDir(dirfd, name);  // O_NOFOLLOW: a swapped-in symlink fails here
      if (!sub.ok()) {
        if (!Gone(sub.status())) Record(sub.status().Annotate("remove tree " + ShortPath(path_)));
      } else if (EmptyDirectory(std::move(sub).value(), /*follow_depth=*/0)) {
        UnlinkOne(dirfd, name, /*is_dir=*/true);
      }
    } else {
      if (type == FileType::kSymlink && options_.follow_symlinks) MutantFollow(dirfd, name, 0);
      if (!interrupted_) UnlinkOne(dirfd, name, /*is_dir=*/false);
    }
    return Outcome();
  }

 private:
  struct Level {
    Fd fd;                        // open only for the deepest level
    uint64_t dev = 0, ino = 0;    // to recognise it again through ".."
    std::vector<DirEntry> entries;
    size_t next = 0;              // entries[next] is the next to remove
    size_t path_len = 0;          // path_.size() for this directory
    bool failed_below = false;    // something under it could not be removed
  };

  // Empties the open directory `top` (whose path is path_). Returns true if
  // it is now empty (the caller may unlink it); false after a failure below
  // it or an interruption.
  bool EmptyDirectory(Fd top, int follow_depth) {
    std::vector<Level> levels;
    if (!Push(&levels, std::move(top))) return false;
    while (!levels.empty() && !interrupted_) {
      Level& cur = levels.back();
      if (cur.next < cur.entries.size()) {
        const DirEntry& e = cur.entries[cur.next++];
        path_.resize(cur.path_len);
        AppendComponent(e.name);
        if (e.type == FileType::kDirectory) {
          Result<Fd> sub = fs_.OpenDir(cur.fd.get(), e.name);
          if (!sub.ok()) {
            if (!Gone(sub.status())) {
              Record(sub.status().Annotate("remove tree " + ShortPath(path_)));
              cur.failed_below = true;
            }
            continue;
          }
          if (!Push(&levels, std::move(sub).value())) {
            levels[levels.size() - 1].failed_below = true;
            continue;
          }
          levels[levels.size() - 2].fd.reset();  // only the deepest level stays open
          continue;
        }
        if (e.type == FileType::kSymlink && options_.follow_symlinks) {
          MutantFollow(cur.fd.get(), e.name, follow_depth + 1);
          if (interrupted_) break;
        }
        if (!UnlinkOne(cur.fd.get(), e.name, /*is_dir=*/false)) cur.failed_below = true;
        continue;
      }
      // `cur` is done. The bottom level belongs to the caller.
      if (levels.size() == 1) {
        bool ok = !cur.failed_below;
        path_.resize(cur.path_len);
        levels.pop_back();
        return ok && !interrupted_;
      }
      Level done = std::move(levels.back());
      levels.pop_back();
      Level& parent = levels.back();
      path_.resize(done.path_len);
      const std::string name = LastComponent(done.path_len, parent.path_len);
      Result<Fd> up = fs_.OpenDir(done.fd.get(), "..");
      Result<FileStat> up_st = up.ok() ? fs_.FStat(up->get()) : Result<FileStat>(up.status());
      if (!up_st.ok() || up_st->dev != parent.dev || up_st->ino != parent.ino) {
        // The tree was moved under us: the way back up is not the way down.
        // Give up on this tree rather than remove anything elsewhere.
        Record(Status(StatusCode::kIoError, "remove tree " + ShortPath(path_) +
                                                ": its parent directory was moved or replaced during removal" +
                                                (up_st.ok() ? "" : " (" + up_st.status().ToString() + ")")));
        return false;
      }
      parent.fd = std::move(up).value();
      done.fd.reset();
      if (done.failed_below || !UnlinkOne(parent.fd.get(), name, /*is_dir=*/true)) parent.failed_below = true;
    }
    return false;
  }

  // Lists `dir` and pushes it as the deepest level. False (recorded) if it
  // cannot be listed.
  bool Push(std::vector<Level>* levels, Fd dir) {
    Level l;
    Result<FileStat> st = fs_.FStat(dir.get());
    Result<std::vector<DirEntry>> entries =
        st.ok() ? fs_.ListDir(dir.get()) : Result<std::vector<DirEntry>>(st.status());
    if (!entries.ok()) {
      Record(entries.status().Annotate("remove tree " + ShortPath(path_)));
      return false;
    }
    l.fd = std::move(dir);
    l.dev = st->dev;
    l.ino = st->ino;
    l.entries = std::move(entries).value();
    l.path_len = path_.size();
    levels->push_back(std::move(l));
    return true;
  }

  void AppendComponent(std::string_view name) {
    if (!path_.empty()) path_ += '/';
    path_ += name;
  }
  std::string LastComponent(size_t child_len, size_t parent_len) const {
    size_t start = parent_len == 0 ? 0 : parent_len + 1;
    return path_.substr(start, child_len - start);
  }

  // Unlinks one name; false (recorded) if it is still there.
  bool UnlinkOne(int dirfd, std::string_view name, bool is_dir) {
    if (options_.dry_run) return true;
    if (options_.before_unlink && !options_.before_unlink(path_)) {
      interrupted_ = true;
      return false;
    }
    Status s = fs_.Unlink(dirfd, name, is_dir);
    if (s.ok() || Gone(s)) return true;
    Record(s.Annotate("remove tree " + ShortPath(path_)));
    return false;
  }

  void Record(Status s) {
    if (first_error_.ok()) first_error_ = std::move(s);
    ++errors_;
  }

  Status Outcome() const {
    if (interrupted_) {
      return Status(StatusCode::kBusy, "removal interrupted before unlinking " + ShortPath(path_));
    }
    if (errors_ == 0) return Status::Ok();
    if (errors_ == 1) return first_error_;
    return Status(first_error_.code(), first_error_.message() + " (and " + std::to_string(errors_ - 1) +
                                           " more entries that could not be removed)",
                  first_error_.os_error());
  }

  // MUTANT ONLY (RemoveTreeOptions::follow_symlinks): enters the directory a
  // symlink points at and empties it, the containment bug the harness must
  // catch. Absolute targets are opened as given (the kernel resolves them);
  // relative targets are walked from the link's directory. A target that is
  // not an openable directory is left alone (the link itself is unlinked).
  // Links into links are followed a bounded number of times (a loop ends).
  void MutantFollow(int dirfd, std::string_view name, int follow_depth) {
    constexpr int kMaxFollows = 16;
    if (follow_depth > kMaxFollows) return;
    Result<std::string> target = fs_.ReadLink(dirfd, name);
    if (!target.ok()) return;
    const std::string& t = *target;
    Result<Fd> dir = (!t.empty() && t.front() == '/') ? fs_.OpenDir(AT_FDCWD, t) : fs_.OpenDir(dirfd, t);
    if (!dir.ok()) return;
    const std::string saved = path_;
    (void)EmptyDirectory(std::move(dir).value(), follow_depth);
    path_ = saved;
  }

  FileSystem& fs_;
  const RemoveTreeOptions& options_;
  std::string path_;  // of the entry being worked on, relative to the tree's parent
  Status first_error_;
  size_t errors_ = 0;
  bool interrupted_ = false;
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
  return remover.RemoveEntry(base, leaf, st->type, std::string(trimmed));
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
