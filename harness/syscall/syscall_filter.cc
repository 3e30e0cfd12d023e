#include "harness/syscall/syscall_filter.h"

#include <fcntl.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>

#include "pruner/base/syscall_points.h"

namespace prunecheck::harness {

namespace {

struct Intercepted {
  int nr;
  std::string_view name;
};

// Every call by which a process can change or use a path in the cache.
const std::vector<Intercepted>& InterceptedCalls() {
  static const std::vector<Intercepted> calls = {
      {SYS_open, "open"},           {SYS_openat, "openat"},     {SYS_openat2, "openat2"},
      {SYS_creat, "creat"},         {SYS_mkdir, "mkdir"},       {SYS_mkdirat, "mkdirat"},
      {SYS_rename, "rename"},       {SYS_renameat, "renameat"}, {SYS_renameat2, "renameat2"},
      {SYS_unlink, "unlink"},       {SYS_unlinkat, "unlinkat"}, {SYS_rmdir, "rmdir"},
      {SYS_symlink, "symlink"},     {SYS_symlinkat, "symlinkat"}, {SYS_link, "link"},
      {SYS_linkat, "linkat"},       {SYS_flock, "flock"},       {SYS_fcntl, "fcntl"},
      {SYS_utimensat, "utimensat"}, {SYS_utimes, "utimes"},     {SYS_truncate, "truncate"},
      {SYS_ftruncate, "ftruncate"},
  };
  return calls;
}

Result<std::vector<sock_filter>> Build() {
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (ctx == nullptr) return Status(StatusCode::kIoError, "seccomp_init failed");
  struct Release {
    scmp_filter_ctx c;
    ~Release() { seccomp_release(c); }
  } release{ctx};
  auto fail = [](int rc, std::string_view what) {
    return Status::FromErrno(-rc, "building the seccomp filter: " + std::string(what));
  };
  // The child sets no_new_privs itself; libseccomp must not try to.
  if (int rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0); rc != 0) return fail(rc, "NNP attribute");
  for (const Intercepted& c : InterceptedCalls()) {
    if (c.nr == SYS_fcntl) {
      // Only the record-lock commands can block or change a lock; every
      // other fcntl is never seen by the harness.
      for (int cmd : {F_SETLK, F_SETLKW, F_OFD_SETLK, F_OFD_SETLKW}) {
        // Spelled out, not SCMP_A1(): that macro is a C99 compound literal,
        // which clang warns about in C++.
        scmp_arg_cmp arg{};
        arg.arg = 1;
        arg.op = SCMP_CMP_EQ;
        arg.datum_a = static_cast<scmp_datum_t>(cmd);
        if (int rc = seccomp_rule_add_array(ctx, SCMP_ACT_NOTIFY, c.nr, 1, &arg); rc != 0) {
          return fail(rc, "fcntl rule");
        }
      }
      continue;
    }
    if (int rc = seccomp_rule_add(ctx, SCMP_ACT_NOTIFY, c.nr, 0); rc != 0) return fail(rc, c.name);
  }
  // io_uring performs file operations the filter never sees: refuse it, so
  // programs fall back to ordinary system calls.
  if (int rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SYS_io_uring_setup, 0); rc != 0) {
    return fail(rc, "io_uring_setup rule");
  }
  // libseccomp 2.5 exports to an fd only: go through a memfd.
  const int mfd = ::memfd_create("prunecheck-seccomp-bpf", MFD_CLOEXEC);
  if (mfd < 0) return Status::FromErrno(errno, "memfd_create for the seccomp filter");
  struct CloseFd {
    int fd;
    ~CloseFd() { ::close(fd); }
  } close_mfd{mfd};
  if (int rc = seccomp_export_bpf(ctx, mfd); rc != 0) return fail(rc, "export");
  const off_t size = ::lseek(mfd, 0, SEEK_END);
  if (size <= 0 || size % static_cast<off_t>(sizeof(sock_filter)) != 0 || size > (1 << 20)) {
    return Status(StatusCode::kIoError, "seccomp filter export has an odd size " + std::to_string(size));
  }
  std::vector<sock_filter> prog(static_cast<size_t>(size) / sizeof(sock_filter));
  if (::pread(mfd, prog.data(), static_cast<size_t>(size), 0) != size) {
    return Status::FromErrno(errno, "reading back the seccomp filter");
  }
  return prog;
}

}  // namespace

Result<const std::vector<sock_filter>*> SyscallFilterProgram() {
  static std::once_flag once;
  static Result<std::vector<sock_filter>>* built = nullptr;
  std::call_once(once, [] { built = new Result<std::vector<sock_filter>>(Build()); });
  if (!built->ok()) return built->status();
  return &built->value();
}

const std::vector<std::string_view>& InterceptedSyscallNames() {
  static const std::vector<std::string_view> names = [] {
    std::vector<std::string_view> v;
    for (const Intercepted& c : InterceptedCalls()) v.push_back(c.name);
    return v;
  }();
  return names;
}

std::string_view InterceptedSyscallName(int nr) {
  for (const Intercepted& c : InterceptedCalls()) {
    if (c.nr == nr) return c.name;
  }
  return "";
}

}  // namespace prunecheck::harness
