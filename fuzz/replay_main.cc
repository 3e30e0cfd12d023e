// Replay driver for fuzz targets built without a fuzzing engine (the default
// g++ preset), after LLVM compiler-rt's StandaloneFuzzTargetMain: runs
// LLVMFuzzerTestOneInput once on each file named on the command line; a
// directory stands for the regular files in it, in name order. It names each
// input before running it, so a crash (abort, trap) points at its file.
//
// Exit: 0 when every input ran, 2 on bad usage — no inputs at all, an input
// that cannot be read or is larger than kMaxInputBytes — so a replay test
// never passes on nothing.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
// Optional, as in libFuzzer: a target that defines it is initialized once first.
extern "C" __attribute__((weak)) int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace {

// Seeds and regressions are small by policy (fuzz/README.md); anything larger
// is a mistake, not an input to load whole.
constexpr uintmax_t kMaxInputBytes = 16u << 20;

bool Collect(const std::filesystem::path& arg, std::vector<std::filesystem::path>* out) {
  std::error_code ec;
  if (std::filesystem::is_directory(arg, ec)) {
    std::vector<std::filesystem::path> files;
    for (const auto& e : std::filesystem::directory_iterator(arg, ec)) {
      if (e.is_regular_file()) files.push_back(e.path());
    }
    if (ec) {
      std::fprintf(stderr, "replay: %s: cannot list: %s\n", arg.c_str(), ec.message().c_str());
      return false;
    }
    std::sort(files.begin(), files.end());
    out->insert(out->end(), files.begin(), files.end());
    return true;
  }
  if (!std::filesystem::is_regular_file(arg, ec)) {
    std::fprintf(stderr, "replay: %s: not a file or directory\n", arg.c_str());
    return false;
  }
  out->push_back(arg);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::filesystem::path> inputs;
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] == '-') continue;  // libFuzzer flags (-runs=N, ...) mean nothing here
    if (!Collect(argv[i], &inputs)) return 2;
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "usage: %s FILE|DIR...  (replays each input once; no inputs given)\n", argv[0]);
    return 2;
  }
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  for (const auto& path : inputs) {
    std::error_code ec;
    uintmax_t size = std::filesystem::file_size(path, ec);
    if (ec || size > kMaxInputBytes) {
      std::fprintf(stderr, "replay: %s: %s\n", path.c_str(),
                   ec ? ec.message().c_str() : "larger than 16 MiB; not a fuzz input");
      return 2;
    }
    std::ifstream in(path, std::ios::binary);
    std::vector<uint8_t> data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (!in.good() && !in.eof()) {
      std::fprintf(stderr, "replay: %s: read failed\n", path.c_str());
      return 2;
    }
    std::fprintf(stderr, "replay: %s (%zu bytes)\n", path.c_str(), data.size());
    LLVMFuzzerTestOneInput(data.data(), data.size());
  }
  std::fprintf(stderr, "replay: %zu inputs ran\n", inputs.size());
  return 0;
}
