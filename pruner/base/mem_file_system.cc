// MemFileSystem: see the header. The errno chosen for each failure follows
// Linux's checks in the same order (fs/namei.c: do_renameat2, do_linkat,
// do_rmdir/do_unlinkat, do_open/may_open), so a test can run against either
// implementation and see the same StatusCode. Messages follow
// PosixFileSystem's ("open file /c/x: No such file or directory").
#include "pruner/base/mem_file_system.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cerrno>
#include <limits>
#include <map>
#include <thread>
#include <utility>

#include "pruner/base/fs_util.h"

namespace prunecheck {

namespace {

constexpr int kMaxSymlinkFollows = 40;  // Linux's MAXSYMLINKS
constexpr size_t kNameMax = 255;        // NAME_MAX
constexpr uint64_t kDirSize = 4096;     // what ext4 reports for a small directory
constexpr std::string_view kProcSelfFd = "/proc/self/fd/";

uint64_t NextDev() {
  // Distinct per instance and far from real device numbers.
  static std::atomic<uint64_t> next{0};
  return (uint64_t{0x6d656d} << 20) + next.fetch_add(1);
}

bool IsDotOrDotDot(std::string_view s) { return s == "." || s == ".."; }

}  // namespace

struct MemFileSystem::Inode {
  uint64_t ino = 0;
  FileType type = FileType::kRegular;
  uint32_t mode = 0;
  uint64_t nlink = 0;  // names (non-directories; a directory's is derived)
  struct timespec mtime {};
  std::string data;    // regular file content, or symlink target
  // Directories:
  std::map<std::string, Inode*, std::less<>> children;
  Inode* parent = nullptr;  // containing directory (the root's is itself)
  std::string name;         // name in parent
  uint64_t subdirs = 0;
  bool removed = false;     // rmdir'ed or replaced by rename; may still be open
                            // (then `name` is the path it had, for messages)
  // Open file descriptions referring to this inode, and their flocks.
  int open_fds = 0;
  int shared_locks = 0;
  bool exclusive_lock = false;
};

struct MemFileSystem::OpenFileDesc {
  enum class Lock { kNone, kShared, kExclusive };
  Inode* node = nullptr;
  int access = O_RDONLY;  // flags & O_ACCMODE
  bool append = false;
  uint64_t offset = 0;
  Lock lock = Lock::kNone;
  std::string path;  // for non-directories: the path it was opened by
};

struct MemFileSystem::Resolved {
  Inode* dir = nullptr;        // directory holding the last component
  std::string_view leaf;       // last component: a name, ".", "..", or "" for "/"
  Inode* node = nullptr;       // what `leaf` names; nullptr if absent
  bool trailing_slash = false; // "name/": must be (or lead to) a directory
};

MemFileSystem::MemFileSystem() : dev_(NextDev()) {
  std::lock_guard<std::mutex> l(mu_);
  root_ = NewInode(FileType::kDirectory, 0755);
  root_->parent = root_;
}

MemFileSystem::~MemFileSystem() {
  std::lock_guard<std::mutex> l(mu_);
  // Fds still open elsewhere must not close someone else's number later.
  for (const auto& [fd, ofd] : fds_) OrphanVirtualFd(fd);
  fds_.clear();
  inodes_.clear();
}

// ---------------------------------------------------------------------------
// Internals (mu_ held)

MemFileSystem::Inode* MemFileSystem::NewInode(FileType type, uint32_t mode) {
  auto n = std::make_unique<Inode>();
  n->ino = next_ino_++;
  n->type = type;
  n->mode = mode & 07777;
  n->mtime = NowSpec();
  Inode* raw = n.get();
  inodes_.emplace(raw, std::move(n));
  return raw;
}

void MemFileSystem::MaybeFree(Inode* node) {
  if (node == nullptr || node == root_ || node->open_fds > 0) return;
  if (node->type == FileType::kDirectory ? !node->removed : node->nlink > 0) return;
  inodes_.erase(node);
}

MemFileSystem::OpenFileDesc* MemFileSystem::FindFd(int fd) {
  auto it = fds_.find(fd);
  return it == fds_.end() ? nullptr : it->second.get();
}

int MemFileSystem::NewFd(Inode* node, int flags, std::string path) {
  auto ofd = std::make_unique<OpenFileDesc>();
  ofd->node = node;
  ofd->access = flags & O_ACCMODE;
  ofd->append = (flags & O_APPEND) != 0;
  if (node->type != FileType::kDirectory) ofd->path = std::move(path);
  ++node->open_fds;
  int fd = AllocateVirtualFd(this);
  fds_.emplace(fd, std::move(ofd));
  return fd;
}

int MemFileSystem::StartDir(int dirfd, std::string_view name, Inode** out) {
  if ((!name.empty() && name.front() == '/') || dirfd == AT_FDCWD) {
    *out = root_;
    return 0;
  }
  OpenFileDesc* ofd = FindFd(dirfd);
  if (ofd == nullptr) return EBADF;
  if (ofd->node->type != FileType::kDirectory) return ENOTDIR;
  *out = ofd->node;
  return 0;
}

MemFileSystem::Inode* MemFileSystem::ParentOf(Inode* dir) {
  if (dir == root_) return root_;
  if (dir->removed) return nullptr;
  return dir->parent;
}

int MemFileSystem::FollowSymlink(Inode* dir, Inode* link, int* symlink_budget, Inode** out) {
  if (--*symlink_budget < 0) return ELOOP;
  return Walk(dir, link->data, /*follow_last=*/true, symlink_budget, out);
}

int MemFileSystem::Walk(Inode* start, std::string_view path, bool follow_last, int* symlink_budget,
                        Inode** out) {
  Inode* cur = (!path.empty() && path.front() == '/') ? root_ : start;
  size_t pos = 0;
  while (pos < path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view comp = path.substr(pos, slash - pos);
    pos = slash + 1;
    if (comp.empty()) continue;
    if (cur->type != FileType::kDirectory) return ENOTDIR;
    if (comp == ".") continue;
    if (comp == "..") {
      cur = ParentOf(cur);
      if (cur == nullptr) return ENOENT;
      continue;
    }
    if (comp.size() > kNameMax) return ENAMETOOLONG;
    if (cur->removed) return ENOENT;
    auto it = cur->children.find(comp);
    if (it == cur->children.end()) return ENOENT;
    Inode* next = it->second;
    const bool last = path.find_first_not_of('/', pos) == std::string_view::npos;
    if (next->type == FileType::kSymlink && (!last || follow_last || slash < path.size())) {
      if (int err = FollowSymlink(cur, next, symlink_budget, &next); err != 0) return err;
    }
    cur = next;
  }
  if (path.size() > 1 && path.back() == '/' && cur->type != FileType::kDirectory) return ENOTDIR;
  *out = cur;
  return 0;
}

int MemFileSystem::Resolve(int dirfd, std::string_view path, Resolved* r) {
  if (path.empty()) return ENOENT;
  Inode* start = nullptr;
  if (int err = StartDir(dirfd, path, &start); err != 0) return err;
  std::string_view p = path;
  while (p.size() > 1 && p.back() == '/') p.remove_suffix(1);
  r->trailing_slash = p.size() < path.size();
  size_t slash = p.rfind('/');
  std::string_view prefix = slash == std::string_view::npos ? std::string_view() : p.substr(0, slash + 1);
  r->leaf = slash == std::string_view::npos ? p : p.substr(slash + 1);
  int budget = kMaxSymlinkFollows;
  Inode* dir = start;
  if (!prefix.empty()) {
    if (int err = Walk(start, prefix, /*follow_last=*/true, &budget, &dir); err != 0) return err;
  }
  if (dir->type != FileType::kDirectory) return ENOTDIR;
  r->dir = dir;
  if (r->leaf.empty() || r->leaf == ".") {
    r->node = dir;
  } else if (r->leaf == "..") {
    r->node = ParentOf(dir);
    if (r->node == nullptr) return ENOENT;
  } else {
    if (r->leaf.size() > kNameMax) return ENAMETOOLONG;
    auto it = dir->removed ? dir->children.end() : dir->children.find(r->leaf);
    r->node = it == dir->children.end() ? nullptr : it->second;
  }
  if (r->trailing_slash && r->node != nullptr) {
    // "name/" resolves through a symlink and must end at a directory.
    if (r->node->type == FileType::kSymlink) {
      if (int err = FollowSymlink(dir, r->node, &budget, &r->node); err != 0) return err;
    }
    if (r->node->type != FileType::kDirectory) return ENOTDIR;
  }
  return 0;
}

std::string MemFileSystem::PathOfInode(const Inode* node) {
  std::string out;
  AppendPathOfInode(node, &out);
  return out;
}

// One allocation per path: every open of a file names it (OpenFileDesc::path),
// and string concatenation per component showed up in profiles.
void MemFileSystem::AppendPathOfInode(const Inode* node, std::string* out) {
  if (node == root_) {
    *out += '/';
    return;
  }
  if (node->removed) {
    *out += node->name;
    *out += " (deleted)";  // as /proc shows it
    return;
  }
  const Inode* names[64];
  size_t depth = 0;
  size_t bytes = out->size();
  for (const Inode* n = node; n != root_; n = n->parent) {
    if (depth == std::size(names)) return AppendPathOfInodeSlow(node, out);
    names[depth++] = n;
    bytes += 1 + n->name.size();
  }
  out->reserve(bytes);
  while (depth > 0) {
    *out += '/';
    *out += names[--depth]->name;
  }
}

void MemFileSystem::AppendPathOfInodeSlow(const Inode* node, std::string* out) {
  std::vector<const std::string*> names;
  for (const Inode* n = node; n != root_; n = n->parent) names.push_back(&n->name);
  for (auto it = names.rbegin(); it != names.rend(); ++it) {
    *out += '/';
    *out += **it;
  }
}

std::string MemFileSystem::DirName(int dirfd) {
  std::string out;
  AppendDirName(dirfd, &out);
  return out;
}

void MemFileSystem::AppendDirName(int dirfd, std::string* out) {
  if (dirfd == AT_FDCWD) {
    *out += '/';
    return;
  }
  OpenFileDesc* ofd = FindFd(dirfd);
  if (ofd == nullptr) {
    *out += "<fd " + std::to_string(dirfd) + ">";
  } else if (ofd->node->type == FileType::kDirectory) {
    AppendPathOfInode(ofd->node, out);
  } else {
    *out += ofd->path;
  }
}

std::string MemFileSystem::PathOf(int dirfd, std::string_view name) {
  if (!name.empty() && name.front() == '/') return std::string(name);
  std::string out;
  AppendDirName(dirfd, &out);
  if (name.empty()) return out;
  if (out != "/") out += '/';
  out += name;
  return out;
}

std::string MemFileSystem::FdName(int fd) {
  return "fd " + std::to_string(fd) + " (" + DirName(fd) + ")";
}

Status MemFileSystem::Err(int err, std::string_view op, int dirfd, std::string_view name) {
  std::string ctx(op);
  ctx += ' ';
  ctx += PathOf(dirfd, name);
  return Status::FromErrno(err, ctx);
}

FileStat MemFileSystem::StatOf(const Inode* node) const {
  FileStat st;
  st.type = node->type;
  st.dev = dev_;
  st.ino = node->ino;
  st.mode = node->mode;
  st.mtime = node->mtime;
  switch (node->type) {
    case FileType::kDirectory:
      st.size = kDirSize;
      st.nlink = node->removed ? 0 : 2 + node->subdirs;
      break;
    default:
      st.size = node->data.size();
      st.nlink = node->nlink;
      break;
  }
  return st;
}

struct timespec MemFileSystem::NowSpec() {
  auto d = std::chrono::system_clock::now().time_since_epoch();
  auto secs = std::chrono::duration_cast<std::chrono::seconds>(d);
  struct timespec ts {};
  ts.tv_sec = static_cast<time_t>(secs.count());
  ts.tv_nsec = static_cast<long>(std::chrono::duration_cast<std::chrono::nanoseconds>(d - secs).count());
  return ts;
}

void MemFileSystem::Touch(Inode* dir) { dir->mtime = NowSpec(); }

void MemFileSystem::AddEntry(Inode* dir, const std::string& name, Inode* node) {
  dir->children.emplace(name, node);
  if (node->type == FileType::kDirectory) {
    node->parent = dir;
    node->name = name;
    node->removed = false;
    ++dir->subdirs;
  } else {
    ++node->nlink;
  }
  Touch(dir);
}

// Drops the name: a directory becomes removed, a file loses a link. The
// caller frees the inode (MaybeFree) once nothing else refers to it.
void MemFileSystem::RemoveEntry(Inode* dir, const std::string& name) {
  auto it = dir->children.find(name);
  if (it == dir->children.end()) return;
  Inode* node = it->second;
  dir->children.erase(it);
  if (node->type == FileType::kDirectory) {
    node->name = PathOfInode(node);
    --dir->subdirs;
    node->parent = nullptr;
    node->removed = true;
  } else {
    --node->nlink;
  }
  Touch(dir);
}

void MemFileSystem::ReleaseLock(OpenFileDesc* ofd) {
  switch (ofd->lock) {
    case OpenFileDesc::Lock::kNone:
      return;
    case OpenFileDesc::Lock::kShared:
      --ofd->node->shared_locks;
      break;
    case OpenFileDesc::Lock::kExclusive:
      ofd->node->exclusive_lock = false;
      break;
  }
  ofd->lock = OpenFileDesc::Lock::kNone;
  lock_cv_.notify_all();
}

// ---------------------------------------------------------------------------
// VirtualFdOwner

void MemFileSystem::CloseVirtualFd(int fd) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = fds_.find(fd);
  if (it == fds_.end()) return;
  OpenFileDesc* ofd = it->second.get();
  ReleaseLock(ofd);
  Inode* node = ofd->node;
  --node->open_fds;
  fds_.erase(it);
  ReleaseVirtualFd(fd);
  MaybeFree(node);
}

std::string MemFileSystem::VirtualFdPath(int fd) {
  std::lock_guard<std::mutex> l(mu_);
  if (FindFd(fd) == nullptr) return {};
  return DirName(fd);
}

// ---------------------------------------------------------------------------
// FileSystem

Result<Fd> MemFileSystem::OpenDir(int dirfd, std::string_view path) {
  std::lock_guard<std::mutex> l(mu_);
  const bool absolute = !path.empty() && path.front() == '/';
  if (absolute && dirfd == AT_FDCWD) {
    // As PosixFileSystem: the caller chose this path; resolve it like open(2).
    int budget = kMaxSymlinkFollows;
    Inode* n = nullptr;
    int err = Walk(root_, path, /*follow_last=*/true, &budget, &n);
    if (err == 0 && n->type != FileType::kDirectory) err = ENOTDIR;
    if (err != 0) return Status::FromErrno(err, "open directory " + std::string(path));
    return Fd(NewFd(n, O_RDONLY | O_DIRECTORY, ""));
  }

  // Component walk, each step as openat(O_NOFOLLOW | O_DIRECTORY).
  Inode* cur = nullptr;
  int base_err = 0;
  bool opened_any = false;
  if (absolute) {
    cur = root_;
    opened_any = true;
  } else if (dirfd == AT_FDCWD) {
    cur = root_;
  } else if (OpenFileDesc* ofd = FindFd(dirfd); ofd == nullptr) {
    base_err = EBADF;
  } else if (ofd->node->type != FileType::kDirectory) {
    base_err = ENOTDIR;
  } else {
    cur = ofd->node;
  }
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) slash = path.size();
    std::string_view comp = path.substr(pos, slash - pos);
    pos = slash + 1;
    if (comp.empty() || comp == ".") continue;
    auto fail = [&](int err, std::string_view why) {
      return Status::FromErrno(err, "open directory " + PathOf(dirfd, path) + " (" + std::string(why) + " '" +
                                        std::string(comp) + "'" +
                                        (why == "component" ? " is a symlink)" : ")"));
    };
    if (base_err != 0) return fail(base_err, "at component");
    Inode* next = nullptr;
    if (comp == "..") {
      next = ParentOf(cur);
      if (next == nullptr) return fail(ENOENT, "at component");
    } else {
      if (comp.size() > kNameMax) return fail(ENAMETOOLONG, "at component");
      auto it = cur->removed ? cur->children.end() : cur->children.find(comp);
      if (it == cur->children.end()) return fail(ENOENT, "at component");
      next = it->second;
      if (next->type == FileType::kSymlink) return fail(ELOOP, "component");
      if (next->type != FileType::kDirectory) return fail(ENOTDIR, "at component");
    }
    cur = next;
    opened_any = true;
  }
  if (!opened_any && base_err != 0) return Err(base_err, "open directory", dirfd, "");
  return Fd(NewFd(cur, O_RDONLY | O_DIRECTORY, ""));
}

Result<Fd> MemFileSystem::OpenFile(int dirfd, std::string_view name, int flags, mode_t mode) {
  std::lock_guard<std::mutex> l(mu_);
  constexpr std::string_view kOp = "open file";
  if ((flags & O_DIRECTORY) && (flags & O_CREAT)) return Err(EINVAL, kOp, dirfd, name);
  Resolved r;
  if (int err = Resolve(dirfd, name, &r); err != 0) return Err(err, kOp, dirfd, name);
  const int access = flags & O_ACCMODE;
  Inode* n = r.node;
  if (n == nullptr) {
    if (!(flags & O_CREAT)) return Err(ENOENT, kOp, dirfd, name);
    if (r.trailing_slash) return Err(EISDIR, kOp, dirfd, name);
    if (r.dir->removed) return Err(ENOENT, kOp, dirfd, name);
    n = NewInode(FileType::kRegular, static_cast<uint32_t>(mode));
    AddEntry(r.dir, std::string(r.leaf), n);
  } else {
    if ((flags & O_CREAT) && (flags & O_EXCL)) return Err(EEXIST, kOp, dirfd, name);
    if ((flags & O_CREAT) && n->type == FileType::kDirectory) return Err(EISDIR, kOp, dirfd, name);
    if ((flags & O_DIRECTORY) && n->type != FileType::kDirectory) return Err(ENOTDIR, kOp, dirfd, name);
    if (n->type == FileType::kSymlink) return Err(ELOOP, kOp, dirfd, name);  // O_NOFOLLOW
    if (n->type == FileType::kDirectory && (access != O_RDONLY || (flags & O_TRUNC))) {
      return Err(EISDIR, kOp, dirfd, name);
    }
    if (n->type == FileType::kRegular && (flags & O_TRUNC)) {
      n->data.clear();
      n->mtime = NowSpec();
    }
  }
  return Fd(NewFd(n, flags, PathOf(dirfd, name)));
}

Result<size_t> MemFileSystem::Read(int fd, void* buf, size_t n) {
  std::lock_guard<std::mutex> l(mu_);
  OpenFileDesc* ofd = FindFd(fd);
  int err = 0;
  if (ofd == nullptr || ofd->access == O_WRONLY) {
    err = EBADF;
  } else if (ofd->node->type == FileType::kDirectory) {
    err = EISDIR;
  }
  if (err != 0) return Status::FromErrno(err, "read " + FdName(fd));
  const std::string& data = ofd->node->data;
  if (ofd->offset >= data.size() || n == 0) return size_t{0};
  size_t k = std::min(n, data.size() - static_cast<size_t>(ofd->offset));
  data.copy(static_cast<char*>(buf), k, static_cast<size_t>(ofd->offset));
  ofd->offset += k;
  return k;
}

Status MemFileSystem::Write(int fd, const void* buf, size_t n) {
  std::lock_guard<std::mutex> l(mu_);
  OpenFileDesc* ofd = FindFd(fd);
  if (ofd == nullptr || ofd->access == O_RDONLY) return Status::FromErrno(EBADF, "write " + FdName(fd));
  if (n == 0) return Status::Ok();
  std::string& data = ofd->node->data;
  if (ofd->append) ofd->offset = data.size();
  const size_t off = static_cast<size_t>(ofd->offset);
  if (off > data.size()) data.resize(off, '\0');
  data.replace(off, std::min(n, data.size() - off), static_cast<const char*>(buf), n);
  ofd->offset += n;
  ofd->node->mtime = NowSpec();
  return Status::Ok();
}

Result<int64_t> MemFileSystem::Seek(int fd, int64_t offset, int whence) {
  std::lock_guard<std::mutex> l(mu_);
  OpenFileDesc* ofd = FindFd(fd);
  if (ofd == nullptr) return Status::FromErrno(EBADF, "seek " + FdName(fd));
  const int64_t size = static_cast<int64_t>(StatOf(ofd->node).size);
  const int64_t cur = static_cast<int64_t>(ofd->offset);
  int64_t base = 0;
  switch (whence) {
    case SEEK_SET: base = 0; break;
    case SEEK_CUR: base = cur; break;
    case SEEK_END: base = size; break;
    case SEEK_DATA:
    case SEEK_HOLE:
      if (ofd->node->type != FileType::kRegular) return Status::FromErrno(EINVAL, "seek " + FdName(fd));
      if (offset < 0 || offset >= size) return Status::FromErrno(ENXIO, "seek " + FdName(fd));
      ofd->offset = static_cast<uint64_t>(whence == SEEK_DATA ? offset : size);
      return static_cast<int64_t>(ofd->offset);
    default:
      return Status::FromErrno(EINVAL, "seek " + FdName(fd));
  }
  if ((offset > 0 && base > std::numeric_limits<int64_t>::max() - offset) || base + offset < 0) {
    return Status::FromErrno(offset > 0 ? EOVERFLOW : EINVAL, "seek " + FdName(fd));
  }
  ofd->offset = static_cast<uint64_t>(base + offset);
  return base + offset;
}

Status MemFileSystem::Fsync(int fd) {
  std::lock_guard<std::mutex> l(mu_);
  if (FindFd(fd) == nullptr) return Status::FromErrno(EBADF, "fsync " + FdName(fd));
  return Status::Ok();
}

Result<FileStat> MemFileSystem::Stat(int dirfd, std::string_view name) {
  std::lock_guard<std::mutex> l(mu_);
  if (name.empty()) {  // AT_EMPTY_PATH: dirfd itself
    if (dirfd == AT_FDCWD) return StatOf(root_);
    OpenFileDesc* ofd = FindFd(dirfd);
    if (ofd == nullptr) return Err(EBADF, "stat", dirfd, name);
    return StatOf(ofd->node);
  }
  Resolved r;
  int err = Resolve(dirfd, name, &r);
  if (err == 0 && r.node == nullptr) err = ENOENT;
  if (err != 0) return Err(err, "stat", dirfd, name);
  return StatOf(r.node);
}

Result<FileStat> MemFileSystem::FStat(int fd) {
  std::lock_guard<std::mutex> l(mu_);
  OpenFileDesc* ofd = FindFd(fd);
  if (ofd == nullptr) return Status::FromErrno(EBADF, "fstat " + FdName(fd));
  return StatOf(ofd->node);
}

Status MemFileSystem::MakeDir(int dirfd, std::string_view name, mode_t mode) {
  std::lock_guard<std::mutex> l(mu_);
  constexpr std::string_view kOp = "make directory";
  Resolved r;
  int err = Resolve(dirfd, name, &r);
  // "name/" naming a file is EEXIST, not ENOTDIR: the name exists.
  if (err == ENOTDIR && r.trailing_slash && r.node != nullptr) err = EEXIST;
  if (err == 0 && r.node != nullptr) err = EEXIST;
  if (err == 0 && r.dir->removed) err = ENOENT;
  if (err != 0) return Err(err, kOp, dirfd, name);
  Inode* n = NewInode(FileType::kDirectory, static_cast<uint32_t>(mode));
  AddEntry(r.dir, std::string(r.leaf), n);
  return Status::Ok();
}

Status MemFileSystem::Rename(int olddirfd, std::string_view oldname, int newdirfd,
                             std::string_view newname, bool no_replace) {
  std::lock_guard<std::mutex> l(mu_);
  auto fail = [&](int err) {
    return Status::FromErrno(err, std::string(no_replace ? "rename (no-replace) " : "rename ") +
                                      PathOf(olddirfd, oldname) + " -> " + PathOf(newdirfd, newname));
  };
  Resolved o, n;
  if (int err = Resolve(olddirfd, oldname, &o); err != 0) return fail(err);
  if (o.leaf.empty() || IsDotOrDotDot(o.leaf)) return fail(EBUSY);
  if (o.node == nullptr) return fail(ENOENT);
  Inode* src = o.dir->children.find(o.leaf)->second;  // the entry itself, even for "link/"
  int nerr = Resolve(newdirfd, newname, &n);
  // A trailing slash on a missing/non-dir target is judged below, not here.
  if (nerr == ENOTDIR && n.trailing_slash && n.dir != nullptr) nerr = 0;
  if (nerr != 0) return fail(nerr);
  if (n.leaf.empty() || IsDotOrDotDot(n.leaf)) return fail(EBUSY);
  Inode* tgt = n.node == nullptr ? nullptr : n.dir->children.find(n.leaf)->second;
  if (no_replace && tgt != nullptr) return fail(EEXIST);
  const bool src_dir = src->type == FileType::kDirectory;
  if (!src_dir && (o.trailing_slash || n.trailing_slash)) return fail(ENOTDIR);
  // Source must not be an ancestor of the target's directory...
  for (Inode* d = n.dir;; d = d->parent) {
    if (d == src) return fail(EINVAL);
    if (d == root_ || d->parent == nullptr) break;
  }
  // ... nor the target an ancestor of the source's directory.
  if (tgt != nullptr) {
    for (Inode* d = o.dir;; d = d->parent) {
      if (d == tgt) return fail(ENOTEMPTY);
      if (d == root_ || d->parent == nullptr) break;
    }
  }
  if (tgt == src) return Status::Ok();  // same file: nothing to do
  if (tgt != nullptr) {
    const bool tgt_dir = tgt->type == FileType::kDirectory;
    if (src_dir && !tgt_dir) return fail(ENOTDIR);
    if (!src_dir && tgt_dir) return fail(EISDIR);
    if (tgt_dir && !tgt->children.empty()) return fail(ENOTEMPTY);
  }
  if (n.dir->removed) return fail(ENOENT);

  const std::string old_leaf(o.leaf), new_leaf(n.leaf);
  if (tgt != nullptr) RemoveEntry(n.dir, new_leaf);
  // Move the entry without changing the inode's link count.
  o.dir->children.erase(old_leaf);
  n.dir->children.emplace(new_leaf, src);
  if (src_dir) {
    --o.dir->subdirs;
    ++n.dir->subdirs;
    src->parent = n.dir;
    src->name = new_leaf;
  }
  Touch(o.dir);
  Touch(n.dir);
  MaybeFree(tgt);
  return Status::Ok();
}

Status MemFileSystem::Symlink(std::string_view target, int dirfd, std::string_view name) {
  std::lock_guard<std::mutex> l(mu_);
  auto fail = [&](int err) {
    return Status::FromErrno(err, "symlink " + PathOf(dirfd, name) + " -> " + std::string(target));
  };
  if (target.empty()) return fail(ENOENT);
  Resolved r;
  int err = Resolve(dirfd, name, &r);
  if (err == ENOTDIR && r.trailing_slash && r.node != nullptr) err = EEXIST;
  if (err == 0 && r.node != nullptr) err = EEXIST;
  if (err == 0 && r.trailing_slash) err = ENOENT;
  if (err == 0 && r.dir->removed) err = ENOENT;
  if (err != 0) return fail(err);
  Inode* n = NewInode(FileType::kSymlink, 0777);
  n->data = std::string(target);
  AddEntry(r.dir, std::string(r.leaf), n);
  return Status::Ok();
}

Result<std::string> MemFileSystem::ReadLink(int dirfd, std::string_view name) {
  std::lock_guard<std::mutex> l(mu_);
  if (!name.empty() && (dirfd == AT_FDCWD || name.front() == '/') && name.substr(0, kProcSelfFd.size()) == kProcSelfFd) {
    // /proc/self/fd/<N> for one of our descriptors: its path, as /proc says.
    std::string_view num = name.substr(kProcSelfFd.size());
    int fd = 0;
    bool digits = !num.empty() && num.size() < 10;
    for (char c : num) {
      if (c < '0' || c > '9') digits = false;
      if (digits) fd = fd * 10 + (c - '0');
    }
    if (digits && FindFd(fd) != nullptr) return DirName(fd);
  }
  Resolved r;
  int err = Resolve(dirfd, name, &r);
  if (err == 0 && r.node == nullptr) err = ENOENT;
  if (err == 0 && (r.node->type != FileType::kSymlink || r.trailing_slash)) err = EINVAL;
  if (err != 0) return Err(err, "read link", dirfd, name);
  return r.node->data;
}

Status MemFileSystem::Link(int olddirfd, std::string_view oldname, int newdirfd,
                           std::string_view newname) {
  std::lock_guard<std::mutex> l(mu_);
  auto fail = [&](int err) {
    return Status::FromErrno(err, "link " + PathOf(olddirfd, oldname) + " -> " + PathOf(newdirfd, newname));
  };
  Resolved o, n;
  if (int err = Resolve(olddirfd, oldname, &o); err != 0) return fail(err);
  if (o.node == nullptr) return fail(ENOENT);
  int nerr = Resolve(newdirfd, newname, &n);
  if (nerr == ENOTDIR && n.trailing_slash && n.node != nullptr) nerr = EEXIST;
  if (nerr == 0 && n.node != nullptr) nerr = EEXIST;
  if (nerr != 0) return fail(nerr);
  if (o.node->type == FileType::kDirectory) return fail(EPERM);
  if (n.trailing_slash) return fail(ENOENT);
  if (n.dir->removed || o.node->nlink == 0) return fail(ENOENT);
  AddEntry(n.dir, std::string(n.leaf), o.node);
  return Status::Ok();
}

Status MemFileSystem::Unlink(int dirfd, std::string_view name, bool is_dir) {
  std::lock_guard<std::mutex> l(mu_);
  const std::string_view op = is_dir ? "remove directory" : "unlink";
  Resolved r;
  int err = Resolve(dirfd, name, &r);
  if (err == 0) {
    if (is_dir) {
      if (r.leaf == ".") {
        err = EINVAL;
      } else if (r.leaf == "..") {
        err = ENOTEMPTY;
      } else if (r.leaf.empty()) {
        err = EBUSY;
      }
    } else if (r.leaf.empty() || IsDotOrDotDot(r.leaf)) {
      err = EISDIR;
    }
  }
  if (err == 0 && r.node == nullptr) err = ENOENT;
  if (err == 0) {
    Inode* n = r.dir->children.find(r.leaf)->second;  // the entry itself, even for "link/"
    if (is_dir) {
      if (n->type != FileType::kDirectory) {
        err = ENOTDIR;
      } else if (!n->children.empty()) {
        err = ENOTEMPTY;
      }
    } else if (n->type == FileType::kDirectory) {
      err = EISDIR;
    } else if (r.trailing_slash) {
      err = ENOTDIR;
    }
  }
  if (err != 0) return Err(err, op, dirfd, name);
  Inode* n = r.dir->children.find(r.leaf)->second;
  RemoveEntry(r.dir, std::string(r.leaf));
  MaybeFree(n);
  return Status::Ok();
}

Result<std::vector<DirEntry>> MemFileSystem::ListDir(int dirfd) {
  std::lock_guard<std::mutex> l(mu_);
  Inode* dir = root_;
  if (dirfd != AT_FDCWD) {
    OpenFileDesc* ofd = FindFd(dirfd);
    int err = ofd == nullptr ? EBADF : ofd->node->type != FileType::kDirectory ? ENOTDIR : 0;
    if (err != 0) return Err(err, "list directory", dirfd, "");
    dir = ofd->node;
  }
  std::vector<DirEntry> out;
  out.reserve(dir->children.size());
  for (const auto& [name, node] : dir->children) out.push_back(DirEntry{name, node->type});
  return out;
}

Status MemFileSystem::SetTimes(int dirfd, std::string_view name, struct timespec mtime) {
  std::lock_guard<std::mutex> l(mu_);
  Inode* n = nullptr;
  if (name.empty()) {  // futimens(dirfd)
    OpenFileDesc* ofd = dirfd == AT_FDCWD ? nullptr : FindFd(dirfd);
    if (ofd == nullptr) return Err(EBADF, "set times of", dirfd, name);
    n = ofd->node;
  } else {
    Resolved r;
    int err = Resolve(dirfd, name, &r);
    if (err == 0 && r.node == nullptr) err = ENOENT;
    if (err != 0) return Err(err, "set times of", dirfd, name);
    n = r.node;
  }
  if (mtime.tv_nsec == UTIME_OMIT) return Status::Ok();
  if (mtime.tv_nsec == UTIME_NOW) {
    n->mtime = NowSpec();
  } else if (mtime.tv_nsec < 0 || mtime.tv_nsec >= 1000000000L) {
    return Err(EINVAL, "set times of", dirfd, name);
  } else {
    n->mtime = mtime;
  }
  return Status::Ok();
}

Status MemFileSystem::Flock(int fd, LockMode mode, bool nonblocking) {
  std::unique_lock<std::mutex> l(mu_);
  auto fail = [&](int err) {
    return Status::FromErrno(err, std::string(mode == LockMode::kShared ? "shared" : "exclusive") +
                                      " flock on " + FdName(fd));
  };
  OpenFileDesc* ofd = FindFd(fd);
  if (ofd == nullptr) return fail(EBADF);
  const auto want = mode == LockMode::kShared ? OpenFileDesc::Lock::kShared : OpenFileDesc::Lock::kExclusive;
  if (ofd->lock == want) return Status::Ok();
  // Like Linux, a conversion drops the held lock first (it is not atomic).
  ReleaseLock(ofd);
  for (;;) {
    Inode* n = ofd->node;
    const bool compatible = want == OpenFileDesc::Lock::kShared ? !n->exclusive_lock
                                                          : !n->exclusive_lock && n->shared_locks == 0;
    if (compatible) {
      if (want == OpenFileDesc::Lock::kShared) {
        ++n->shared_locks;
      } else {
        n->exclusive_lock = true;
      }
      ofd->lock = want;
      return Status::Ok();
    }
    if (nonblocking) return fail(EWOULDBLOCK);
    lock_cv_.wait(l);
    ofd = FindFd(fd);  // closed meanwhile (by a misbehaving caller)?
    if (ofd == nullptr) return fail(EBADF);
  }
}

Status MemFileSystem::Unlock(int fd) {
  std::lock_guard<std::mutex> l(mu_);
  OpenFileDesc* ofd = FindFd(fd);
  if (ofd == nullptr) return Status::FromErrno(EBADF, "unlock " + FdName(fd));
  ReleaseLock(ofd);
  return Status::Ok();
}

std::chrono::system_clock::time_point MemFileSystem::Now() { return std::chrono::system_clock::now(); }

void MemFileSystem::SleepFor(std::chrono::microseconds d) {
  if (d.count() > 0) std::this_thread::sleep_for(d);
}

// ---------------------------------------------------------------------------
// Helpers (through the public calls; mu_ not held)

namespace {

std::string Absolute(const std::string& path) { return path.empty() || path.front() != '/' ? "/" + path : path; }

}  // namespace

Status MemFileSystem::MakeDirs(const std::string& abs_path) {
  const std::string path = Absolute(abs_path);
  size_t pos = 0;
  while (pos != std::string::npos) {
    pos = path.find('/', pos + 1);
    std::string prefix = path.substr(0, pos);
    if (prefix.empty() || prefix.back() == '/') continue;
    Status mk = MakeDir(AT_FDCWD, prefix, 0755);
    if (mk.ok()) continue;
    if (!mk.Is(StatusCode::kAlreadyExists)) return mk.Annotate("make dirs " + path);
    Result<Fd> d = OpenDir(AT_FDCWD, prefix);  // follows symlinks, as mkdir -p does
    if (!d.ok()) {
      return Status(StatusCode::kInvalidInput, "make dirs " + path + ": " + prefix + " exists and is not a directory");
    }
  }
  return Status::Ok();
}

Status MemFileSystem::WriteWholeFile(const std::string& abs_path, std::string_view data) {
  const std::string path = Absolute(abs_path);
  size_t slash = path.rfind('/');
  if (slash > 0) PC_RETURN_IF_ERROR(MakeDirs(path.substr(0, slash)));
  return WriteFile(*this, AT_FDCWD, path, data);
}

Result<std::string> MemFileSystem::ReadWholeFile(const std::string& abs_path) {
  return ReadFileToString(*this, AT_FDCWD, Absolute(abs_path));
}

Status MemFileSystem::RemoveAll(const std::string& abs_path) {
  return RemoveTree(*this, AT_FDCWD, Absolute(abs_path));
}

bool MemFileSystem::Exists(const std::string& abs_path) { return Stat(AT_FDCWD, Absolute(abs_path)).ok(); }

size_t MemFileSystem::InodeCount() {
  std::lock_guard<std::mutex> l(mu_);
  return inodes_.size();
}

size_t MemFileSystem::OpenFdCount() {
  std::lock_guard<std::mutex> l(mu_);
  return fds_.size();
}

}  // namespace prunecheck
