// libFuzzer target: extraction of arbitrary zip bytes. Whatever the input,
// nothing may be created outside the destination directory, and nothing
// inside it may be a symlink.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "pruner/base/file_system.h"
#include "pruner/wheel/wheel_extractor.h"

namespace {

const std::string& WorkDir() {
  static const std::string dir = [] {
    char tmpl[] = "/tmp/prunecheck-fuzz-XXXXXX";
    if (mkdtemp(tmpl) == nullptr) std::abort();
    return std::string(tmpl);
  }();
  return dir;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  namespace fs = std::filesystem;
  const std::string& work = WorkDir();
  const std::string wheel = work + "/input-1.0-py3-none-any.whl";
  const std::string dest = work + "/dest";
  if (FILE* f = std::fopen(wheel.c_str(), "wb")) {
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  } else {
    std::abort();
  }
  fs::create_directory(dest);
  prunecheck::FileSystem* fsys = prunecheck::DefaultFileSystem();
  auto dir = fsys->OpenDir(AT_FDCWD, dest);
  if (!dir.ok()) std::abort();
  prunecheck::ExtractLimits limits;
  limits.max_entries = 1000;
  limits.max_total_bytes = 1 << 24;
  (void)prunecheck::ExtractWheel(*fsys, AT_FDCWD, wheel, dir->get(), limits);
  // Containment: the work dir holds exactly the input and dest.
  for (const auto& e : fs::directory_iterator(work)) {
    std::string n = e.path().filename();
    if (n != "dest" && n != "input-1.0-py3-none-any.whl") __builtin_trap();
  }
  for (const auto& e : fs::recursive_directory_iterator(dest)) {
    if (e.is_symlink()) __builtin_trap();
  }
  fs::remove_all(dest);
  return 0;
}
