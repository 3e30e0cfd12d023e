#include "harness/engine/removal_watcher.h"

#include <dirent.h>
#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <set>

namespace prunecheck::harness {

namespace {

int64_t MonotonicNs() {
  struct timespec ts {};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

constexpr uint32_t kBucketMask = IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ONLYDIR;
constexpr uint32_t kArchiveMask = IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF | IN_MOVED_FROM;

}  // namespace

RemovalWatcher::~RemovalWatcher() {
  if (thread_.joinable()) (void)Stop();
}

Status RemovalWatcher::Start(const std::string& cache) {
  bucket_ = cache + "/archive-v0";
  inotify_fd_ = inotify_init1(IN_CLOEXEC | IN_NONBLOCK);
  if (inotify_fd_ < 0) return Status::FromErrno(errno, "inotify_init1");
  if (pipe2(stop_pipe_, O_CLOEXEC) != 0) return Status::FromErrno(errno, "pipe2");
  if (inotify_add_watch(inotify_fd_, bucket_.c_str(), kBucketMask) < 0) {
    return Status::FromErrno(errno, "watching " + bucket_);
  }
  thread_ = std::thread([this] { Loop(); });
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

void RemovalWatcher::Loop() {
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
  // Archives that exist already.
  if (DIR* d = opendir(bucket_.c_str())) {
    while (struct dirent* e = readdir(d)) {
      std::string n = e->d_name;
      if (n != "." && n != "..") watch_archive(n);
    }
    closedir(d);
  }
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
