// Fuzz target: extraction of arbitrary zip bytes (pruner/wheel/wheel_extractor.h)
// into a sandbox on the real file system. Whatever the input:
//   - nothing is written outside the destination: the sandbox holds exactly
//     the wheel, the destination and an untouched canary directory;
//   - nothing inside the destination is a symlink or other special file;
//   - the call ends in a clear error (kInvalidInput or kVerificationFailed,
//     naming the wheel) or a verified result: the extracted tree holds exactly
//     the files its RECORD lists, with the recorded hashes and sizes.
#include <fcntl.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>

#include "pruner/base/file_system.h"
#include "pruner/base/scoped_temp_dir.h"
#include "pruner/cache/environment_linker.h"
#include "pruner/wheel/wheel_extractor.h"
#include "pruner/base/local_time_zone.h"

namespace {

namespace fs = std::filesystem;

[[noreturn]] void Fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "wheel_extract: %s: %.*s\n", what, static_cast<int>(detail.size()), detail.data());
  std::abort();
}

constexpr std::string_view kCanaryContent = "canary: extraction must never reach this file\n";

struct Sandbox {
  prunecheck::ScopedTempDir dir{"prunecheck-fuzz-wheel"};
  std::string wheel, dest, canary_dir, canary;
  Sandbox() {
    if (!dir.ok()) Fail("sandbox", "cannot create a temp dir");
    wheel = dir.path() + "/input-1.0-py3-none-any.whl";
    dest = dir.path() + "/dest";
    canary_dir = dir.path() + "/canary";
    canary = canary_dir + "/file";
    fs::create_directory(canary_dir);
    FILE* f = std::fopen(canary.c_str(), "wb");
    if (f == nullptr) Fail("sandbox", "cannot write the canary");
    std::fwrite(kCanaryContent.data(), 1, kCanaryContent.size(), f);
    std::fclose(f);
  }
};

Sandbox& TheSandbox() {
  static Sandbox s;  // removed when the process exits normally
  return s;
}

void CheckContained(const Sandbox& s) {
  for (const auto& e : fs::directory_iterator(s.dir.path())) {
    const std::string p = e.path().string();
    if (p != s.wheel && p != s.dest && p != s.canary_dir) Fail("wrote outside the destination", p);
  }
  size_t canary_entries = 0;
  for (const auto& e : fs::directory_iterator(s.canary_dir)) {
    ++canary_entries;
    if (e.path().string() != s.canary || !e.is_regular_file() || e.is_symlink()) Fail("canary dir changed", e.path().string());
  }
  if (canary_entries != 1 || fs::file_size(s.canary) != kCanaryContent.size()) Fail("canary changed", s.canary);
  for (const auto& e : fs::recursive_directory_iterator(s.dest)) {
    if (e.is_symlink() || !(e.is_regular_file() || e.is_directory())) Fail("special file extracted", e.path().string());
  }
}

}  // namespace

// Before any thread exists (libFuzzer calls this first; so does replay_main.cc).
extern "C" int LLVMFuzzerInitialize(int* /*argc*/, char*** /*argv*/) {
  prunecheck::PinLocalTimeZone();  // no stat of /etc/localtime per zip entry
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Sandbox& s = TheSandbox();
  if (FILE* f = std::fopen(s.wheel.c_str(), "wb")) {
    if (size > 0 && std::fwrite(data, 1, size, f) != size) Fail("short write", s.wheel);
    std::fclose(f);
  } else {
    Fail("cannot write", s.wheel);
  }
  fs::create_directory(s.dest);
  prunecheck::FileSystem* fsys = prunecheck::DefaultFileSystem();
  {
    auto dir = fsys->OpenDir(AT_FDCWD, s.dest);
    if (!dir.ok()) Fail("cannot open the destination", dir.status().ToString());
    prunecheck::ExtractLimits limits;
    limits.max_entries = 1000;
    limits.max_total_bytes = 1 << 24;
    prunecheck::Result<prunecheck::ExtractedWheel> out =
        prunecheck::ExtractWheel(*fsys, AT_FDCWD, s.wheel, dir->get(), limits);
    if (!out.ok()) {
      const prunecheck::Status& st = out.status();
      if (!st.Is(prunecheck::StatusCode::kInvalidInput) && !st.Is(prunecheck::StatusCode::kVerificationFailed)) {
        Fail("neither bad input nor a verification failure", st.ToString());
      }
      if (st.message().find(s.wheel) == std::string::npos) Fail("error does not name the wheel", st.ToString());
    } else {
      // Verified result: the tree is exactly what RECORD says.
      prunecheck::Result<prunecheck::ExtractedWheel> rec = prunecheck::ReadRecordFromTree(*fsys, dir->get());
      if (!rec.ok()) Fail("extracted tree has no readable RECORD", rec.status().ToString());
      prunecheck::Status v = prunecheck::VerifyEnvironment(*fsys, dir->get(), out->record, prunecheck::LinkMode::kCopy);
      if (!v.ok()) Fail("extracted tree does not match RECORD", v.ToString());
      if (out->files == 0) Fail("verified result with no files", s.wheel);
    }
  }
  CheckContained(s);
  fs::remove_all(s.dest);
  return 0;
}
