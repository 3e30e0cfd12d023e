#include "harness/engine/removal_watcher.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <functional>
#include <future>
#include <optional>
#include <regex>
#include <set>

#include "pruner/base/file_system.h"
#include "pruner/base/fs_util.h"
#include "pruner/cache/cache_layout.h"
#include "pruner/wheel/record.h"
#include "pruner/wheel/wheel_extractor.h"

namespace prunecheck::harness {

namespace {

int64_t MonotonicNs() {
  struct timespec ts {};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

constexpr uint32_t kBucketMask = IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ONLYDIR;
constexpr uint32_t kArchiveMask = IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_MOVED_FROM;
constexpr uint32_t kEntryDirMask = IN_CREATE | IN_MOVED_TO | IN_ONLYDIR;

// What an entry is, read once: its inode and the archive it names.
struct EntrySnapshot {
  dev_t dev = 0;
  ino_t ino = 0;
  std::string target;  // symlink target, or the pointer's content
  std::optional<std::string> archive_id;
};

// nullopt: not a reference (gone, a directory, a replace temp, other files).
std::optional<EntrySnapshot> ReadEntry(const std::string& path, const std::string& name) {
  if (name.find(layout::kReplaceTempInfix) != std::string::npos) return std::nullopt;
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0) return std::nullopt;
  EntrySnapshot e;
  e.dev = st.st_dev;
  e.ino = st.st_ino;
  if (S_ISLNK(st.st_mode)) {
    char buf[4096];
    ssize_t n = readlink(path.c_str(), buf, sizeof(buf));
    if (n < 0 || static_cast<size_t>(n) >= sizeof(buf)) return std::nullopt;
    e.target.assign(buf, static_cast<size_t>(n));
    e.archive_id = layout::ArchiveIdFromLinkTarget(e.target);
    return e;
  }
  if (S_ISREG(st.st_mode) && name.size() > layout::kPointerSuffix.size() && name.ends_with(layout::kPointerSuffix)) {
    int fd = open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) return std::nullopt;
    char buf[65536];
    ssize_t n = read(fd, buf, sizeof(buf));  // pointers are written whole (renamed into place); bounded
    close(fd);
    if (n <= 0) return std::nullopt;
    e.target.assign(buf, static_cast<size_t>(n));
    static const std::regex kId("\"archive_id\"\\s*:\\s*\"([^\"]+)\"");
    std::smatch m;
    if (std::regex_search(e.target, m, kId)) e.archive_id = m[1].str();
    return e;
  }
  return std::nullopt;
}

}  // namespace

std::string ArchiveProblem(const std::string& bucket, const std::string& id, bool* missing) {
  *missing = false;
  FileSystem& fs = *DefaultFileSystem();
  Result<Fd> b = fs.OpenDir(AT_FDCWD, bucket);
  if (!b.ok()) return b.status().ToString();
  Result<Fd> dir = fs.OpenDir(b->get(), id);
  if (!dir.ok()) {
    *missing = dir.status().Is(StatusCode::kNotFound);
    return dir.status().ToString();
  }
  Result<ExtractedWheel> rec = ReadRecordFromTree(fs, dir->get());
  if (!rec.ok()) return rec.status().ToString();
  Status v = VerifyTreeAgainstRecord(fs, dir->get(), rec->record, VerifyOptions{});
  return v.ok() ? "" : v.ToString();
}

RemovalWatcher::~RemovalWatcher() {
  if (thread_.joinable()) (void)Stop();
}

Status RemovalWatcher::Start(const std::string& cache, bool watch_entries) {
  cache_ = cache;
  watch_entries_ = watch_entries;
  bucket_ = cache + "/archive-v0";
  inotify_fd_ = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (inotify_fd_ < 0) return Status::FromErrno(errno, "inotify_init1");
  if (pipe2(stop_pipe_, O_CLOEXEC) != 0) return Status::FromErrno(errno, "pipe2");
  if (inotify_add_watch(inotify_fd_, bucket_.c_str(), kBucketMask) < 0) {
    return Status::FromErrno(errno, "watching " + bucket_);
  }
  // Start returns once the initial watches are in place: nothing an actor
  // started afterwards does can slip past them.
  std::promise<void> ready;
  std::future<void> watching = ready.get_future();
  thread_ = std::thread([this, &ready] { Loop(&ready); });
  watching.wait();
  return Status::Ok();
}

std::vector<ControlMessage> RemovalWatcher::Stop() {
  if (thread_.joinable()) {
    char c = 1;
    (void)!write(stop_pipe_[1], &c, 1);
    thread_.join();
  }
  for (int* fd : {&inotify_fd_, &stop_pipe_[0], &stop_pipe_[1]}) {
    if (*fd >= 0) close(*fd);
    *fd = -1;
  }
  return std::move(events_);
}

void RemovalWatcher::Loop(std::promise<void>* ready) {
  std::map<int, std::string> archive_of;  // watch descriptor -> archive id
  std::set<std::string> reported;         // one remove_begin per archive
  auto watch_archive = [&](const std::string& id) {
    int wd = inotify_add_watch(inotify_fd_, (bucket_ + "/" + id).c_str(), kArchiveMask | IN_ONLYDIR);
    if (wd >= 0) archive_of[wd] = id;
  };
  auto removed = [&](const std::string& id, const char* how) {
    if (id.empty() || !reported.insert(id).second) return;
    ControlMessage m;
    m.type = MessageType::kEvent;
    m.kind = EventKind::kRemoveBegin;
    m.subject = id;
    m.detail = std::string("inotify: ") + how;
    m.t_ns = MonotonicNs();
    events_.push_back(std::move(m));
  };
  // wheels-v6 and every directory under it: watch descriptor -> path under the cache.
  std::map<int, std::string> entry_dir_of;
  std::set<std::string> judged;  // "entry\ttarget": one finding per entry version
  auto judge = [&](const std::string& rel, const std::string& name) {
    const std::string path = cache_ + "/" + rel + "/" + name;
    std::optional<EntrySnapshot> before = ReadEntry(path, name);
    if (!before) return;
    const std::string entry = rel + "/" + name;
    Invariant invariant = Invariant::kNoDanglingReference;
    std::string what;
    if (!before->archive_id) {
      return;  // not naming an archive at all is for the scan at quiescence to judge
    }
    const std::string& id = *before->archive_id;
    bool missing = false;
    const std::string problem = ArchiveProblem(bucket_, id, &missing);
    if (problem.empty()) return;
    if (missing) {
      invariant = Invariant::kNoDanglingReference;
      what = entry + " appeared naming missing archive " + id;
    } else if (reported.count(id)) {
      invariant = Invariant::kNoDanglingReference;
      what = entry + " appeared naming archive " + id + ", which was being removed (" + problem + ")";
    } else {
      invariant = Invariant::kNoPartialArchive;
      what = entry + " appeared naming archive " + id + " before it was complete (" + problem + ")";
    }
    // Still the same entry naming the same archive after the look: the
    // reference and the incomplete archive existed together.
    std::optional<EntrySnapshot> after = ReadEntry(path, name);
    if (!after || after->dev != before->dev || after->ino != before->ino || after->target != before->target) return;
    if (!judged.insert(entry + "\t" + before->target).second) return;
    findings_.push_back({invariant, "(inotify)", id, -1, what + " (seen by the entry watcher)"});
  };
  std::function<void(const std::string&)> watch_entry_dir = [&](const std::string& rel) {
    int wd = inotify_add_watch(inotify_fd_, (cache_ + "/" + rel).c_str(), kEntryDirMask);
    if (wd < 0) return;
    entry_dir_of[wd] = rel;
    // What appeared before the watch did: judge it now, descend into directories.
    if (DIR* d = opendir((cache_ + "/" + rel).c_str())) {
      std::vector<std::pair<std::string, bool>> children;
      while (struct dirent* e = readdir(d)) {
        std::string n = e->d_name;
        if (n != "." && n != "..") children.emplace_back(n, e->d_type == DT_DIR);
      }
      closedir(d);
      for (const auto& [n, is_dir] : children) {
        if (is_dir) {
          watch_entry_dir(rel + "/" + n);
        } else {
          judge(rel, n);
        }
      }
    }
  };
  if (watch_entries_) watch_entry_dir(std::string(layout::kWheelBucket));
  // Archives that exist already.
  if (DIR* d = opendir(bucket_.c_str())) {
    while (struct dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") watch_archive(n);
    }
    closedir(d);
  }
  ready->set_value();
  alignas(struct inotify_event) char buf[1 << 16];
  for (;;) {
    struct pollfd fds[2] = {{inotify_fd_, POLLIN, 0}, {stop_pipe_[0], POLLIN, 0}};
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      return;
    }
    bool stopping = (fds[1].revents & POLLIN) != 0;
    for (;;) {
      ssize_t n = read(inotify_fd_, buf, sizeof(buf));
      if (n <= 0) break;
      for (char* p = buf; p < buf + n;) {
        auto* ev = reinterpret_cast<struct inotify_event*>(p);
        std::string name = ev->len ? ev->name : "";
        if (auto ed = entry_dir_of.find(ev->wd); ed != entry_dir_of.end()) {
          if (ev->mask & (IN_CREATE | IN_MOVED_TO)) {
            if (ev->mask & IN_ISDIR) {
              watch_entry_dir(ed->second + "/" + name);
            } else {
              judge(ed->second, name);
            }
          }
          p += sizeof(struct inotify_event) + ev->len;
          continue;
        }
        auto it = archive_of.find(ev->wd);
        if (it == archive_of.end()) {
          // The bucket itself.
          if (ev->mask & (IN_CREATE | IN_MOVED_TO)) watch_archive(name);
          if (ev->mask & IN_MOVED_FROM) removed(name, "moved out of archive-v0");
          if (ev->mask & IN_DELETE) removed(name, "deleted");
        } else if (ev->mask & (IN_DELETE | IN_MOVED_FROM)) {
          removed(it->second, "a file inside was deleted");
        } else if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF)) {
          removed(it->second, "deleted");
        }
        p += sizeof(struct inotify_event) + ev->len;
      }
    }
    if (stopping) return;
  }
}

}  // namespace prunecheck::harness
