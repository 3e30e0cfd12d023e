// Fuzz target: the cache_tree trees (fuzz/cache_tree_body.h) on a real
// directory through the posix file system, adding what only the kernel has:
// FIFOs (a pruner that opens one without O_NONBLOCK hangs, which the engine's
// -timeout reports) and real symlink resolution. Slower than cache_tree.
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "fuzz/cache_tree_body.h"
#include "harness/engine/run_directory.h"

namespace {

// Makes every directory below `path` writable and searchable again (an
// unprivileged run cannot otherwise remove what it built with mode 0), then
// removes it; remove_all never follows a symlink.
void RemoveAll(const std::string& path) {
  std::error_code ec;
  if (::geteuid() != 0) {
    for (auto it = std::filesystem::recursive_directory_iterator(path, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (it->is_directory(ec) && !it->is_symlink(ec)) {
        std::filesystem::permissions(it->path(), std::filesystem::perms::owner_all,
                                     std::filesystem::perm_options::add, ec);
      }
    }
  }
  std::filesystem::remove_all(path, ec);
}

// The scratch directory, on tmpfs when there is one (as run directories are:
// harness/engine/run_directory.h); removed at exit.
struct Scratch {
  std::string path;
  Scratch() {
    std::string tmpl = prunecheck::harness::DefaultRunBaseDir() + "/prunecheck-fuzz-tree-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) prunecheck::fuzz::Fail("-", "setup", "mkdtemp " + tmpl);
    path = tmpl;
  }
  ~Scratch() { RemoveAll(path); }
};

const std::string& ScratchPath() {
  static Scratch scratch;
  return scratch.path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const bool grace_zero = in.ConsumeBool();
  const std::vector<prunecheck::fuzz::TreeOp> ops = prunecheck::fuzz::DecodeOps(in, /*fifos=*/true);
  const std::string top = ScratchPath() + "/t";
  for (const prunecheck::ProfileSpec* profile : prunecheck::fuzz::SafeProfiles()) {
    RemoveAll(top);
    std::filesystem::create_directory(top);
    prunecheck::fuzz::TreeHost host{prunecheck::DefaultFileSystem(), top, top + "/outside", top + "/cache",
                                    [](const std::string& p) { (void)::mkfifo(p.c_str(), 0644); }};
    prunecheck::fuzz::BuildPruneAndCheck(host, ops, *profile, grace_zero);
  }
  RemoveAll(top);
  return 0;
}
