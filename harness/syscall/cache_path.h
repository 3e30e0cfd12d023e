// Where a path a black box named lies relative to the cache root.
//
// The supervisor (syscall_actor.h) reads a path argument from the caller,
// joins it to the caller's cwd or dirfd, and asks CacheRelative() whether it
// names something in the cache. Every component but the last is resolved as
// the kernel would (symlinks followed, so a call through a symlinked
// top-level directory that leads out of the cache is outside it); the last
// component is never followed (unlink, rename and lstat do not follow it).
//
// Thread-safety: pure functions over the file system; no shared state.
#pragma once

#include <optional>
#include <string>

namespace prunecheck::harness {

// `path` lexically normalised: "." and empty components dropped, ".." taking
// off the previous component (at "/" it stays at "/"). REQUIRES: absolute.
std::string NormalizeLexically(const std::string& path);

// The path of `absolute` relative to `root` ("." for the root itself), or
// nullopt when it lies outside. `root` must be canonical (realpath).
std::optional<std::string> CacheRelative(const std::string& root, const std::string& absolute);

// The archive id when `rel` is "archive-v0/<id>" or below it ("" otherwise);
// *depth gets the number of components below archive-v0 (1: the archive itself).
std::string ArchiveIdOf(const std::string& rel, int* depth = nullptr);

// The top-level temp dir (".tmp<anything>", an installer's in-flight unpack
// dir) when `rel` is that dir or below it ("" otherwise); *depth as above.
std::string TempDirOf(const std::string& rel, int* depth = nullptr);

}  // namespace prunecheck::harness
