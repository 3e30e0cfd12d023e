// Fuzz target: adversarial cache trees pruned under every safe profile, on
// the in-memory file system (fast, no root, nothing on disk). What is built
// and what must hold: fuzz/cache_tree_body.h. The same trees on a real
// directory, with FIFOs: cache_tree_disk_fuzzer.cc.
#include <cstdint>

#include "fuzz/cache_tree_body.h"
#include "pruner/base/mem_file_system.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  FuzzedDataProvider in(data, size);
  const bool grace_zero = in.ConsumeBool();
  const std::vector<prunecheck::fuzz::TreeOp> ops = prunecheck::fuzz::DecodeOps(in, /*fifos=*/false);
  for (const prunecheck::ProfileSpec* profile : prunecheck::fuzz::SafeProfiles()) {
    prunecheck::MemFileSystem mem;
    if (!mem.MakeDirs("/t").ok()) prunecheck::fuzz::Fail(profile->name, "setup", "mkdir /t");
    prunecheck::fuzz::TreeHost host{&mem, "/t", "/t/outside", "/t/cache", nullptr};
    prunecheck::fuzz::BuildPruneAndCheck(host, ops, *profile, grace_zero);
  }
  return 0;
}
