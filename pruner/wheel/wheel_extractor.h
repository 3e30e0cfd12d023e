// ExtractWheel: stream a .whl (zip) into an empty directory, refusing anything
// that could write outside it, then verify RECORD.
//
// Reads the zip with libarchive through the FileSystem seam (so injected read
// errors reach it) and writes every file through the seam too (so an injected
// ENOSPC fails extraction cleanly). Refused with kInvalidInput and a message
// naming the wheel and the entry:
//   - absolute paths, empty, "." or ".." components, backslashes, NUL;
//   - symlink, hardlink, device, fifo and socket entries;
//   - duplicate names;
//   - an entry whose data is larger than its declared size;
//   - more entries / bytes than ExtractLimits allow (zip bombs).
// After extraction the tree is verified against the wheel's
// `<name>-<version>.dist-info/RECORD` with reject_unlisted: a mismatch is
// kVerificationFailed.
//
// On any failure the destination may hold a partial tree: the caller owns the
// (temporary) destination and removes it. Nothing is ever written elsewhere:
// every file is created with openat() under `dest_dirfd` after its directory
// components were created/opened with O_NOFOLLOW.
//
// Thread-safety: reentrant.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "pruner/base/file_system.h"
#include "pruner/base/status.h"
#include "pruner/wheel/record.h"

namespace prunecheck {

struct ExtractLimits {
  uint64_t max_entries = 200000;
  uint64_t max_total_bytes = 16ull << 30;
  uint64_t max_entry_bytes = 4ull << 30;
  // RECORD is read into memory whole: bounded far below max_entry_bytes. The
  // largest real RECORDs (wheels of ~20,000 files) are a few MiB.
  uint64_t max_record_bytes = 64ull << 20;
  // Zip bombs: beyond the first ratio_free_bytes, a wheel may unpack to at
  // most max_expansion_ratio times its own size. Real wheels stay far below:
  // every wheel on a Debian 12 machine (pip, setuptools, wheel under
  // /usr/share/python-wheels, virtualenv's seed wheels) unpacks to at most
  // 3.6 times its size, single files to at most 17 times; the largest wheels
  // on PyPI (torch, tensorflow, the nvidia CUDA wheels) are mostly compiled
  // code that deflate shrinks 2-4 times. Deflate itself reaches ~1030 times,
  // so without this a 1 MB wheel could write 1 GiB before RECORD is checked.
  // The free allowance keeps tiny wheels of sparse data files working.
  uint64_t max_expansion_ratio = 100;
  uint64_t ratio_free_bytes = 16ull << 20;
};

struct ExtractedWheel {
  Record record;
  std::string record_path;  // e.g. "demo-1.0.0.dist-info/RECORD"
  uint64_t files = 0;
  uint64_t bytes = 0;
};

// `wheel_path` is opened relative to `wheel_dirfd` (AT_FDCWD for a user path).
// REQUIRES: dest_dirfd is an empty directory the caller created.
Result<ExtractedWheel> ExtractWheel(FileSystem& fs, int wheel_dirfd, std::string_view wheel_path,
                                    int dest_dirfd, const ExtractLimits& limits = {});

// Reads only RECORD from an extracted tree: finds the single
// "*.dist-info/RECORD" at depth 2 and parses it. kInvalidInput if absent/ambiguous.
Result<ExtractedWheel> ReadRecordFromTree(FileSystem& fs, int dirfd);

}  // namespace prunecheck
