// The body of the cache_tree fuzz targets (cache_tree_fuzzer.cc on the
// in-memory file system, cache_tree_disk_fuzzer.cc on a real directory).
//
// Bytes -> a list of tree operations (FuzzedDataProvider) -> an adversarial
// cache: symlinks out of the root (absolute and by "../" walks), into sibling
// archives and into loops; files and symlinks where buckets are expected;
// unreadable directories; FIFOs (real directory only); non-UTF-8 and very
// long names; nesting deeper than any removal limit; hard links to files
// outside; aged mtimes; valid and garbage entries and .http pointers. The
// same tree is then built afresh and pruned under every profile that is not a
// documented unsafe mutant (ProfileSpec::mutant), and after each prune:
//   - nothing outside the cache root changed (every path, type, permission,
//     size, mtime, link target and file content beside the root is compared);
//   - every archive referenced before the prune (ScanReferences) is still
//     there, byte for byte;
//   - the prune ended in a report or in an error with a message.
// Any breach aborts with what changed. Hangs are the engine's -timeout.
//
// Test-only: included by the two target files, nowhere else.
#pragma once

#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <fuzzer/FuzzedDataProvider.h>

#include "pruner/base/file_system.h"
#include "pruner/base/fs_util.h"
#include "pruner/base/id_source.h"
#include "pruner/cache/cache_layout.h"
#include "pruner/cache/cache_references.h"
#include "pruner/cache/cache_session.h"
#include "pruner/profiles/profile_registry.h"

namespace prunecheck::fuzz {

[[noreturn]] inline void Fail(const std::string& profile, const std::string& what, const std::string& detail) {
  std::fprintf(stderr, "cache_tree [profile %s]: %s: %s\n", profile.c_str(), what.c_str(), detail.c_str());
  std::abort();
}

// One step of building the adversarial tree. Decoded once from the input and
// applied to a fresh tree for every profile, so all profiles see one tree.
struct TreeOp {
  enum Kind : uint8_t {
    kFile, kDir, kSymlink, kEntry, kPointer, kDeep, kUnreadableDir, kFifo,
    kAge, kHardlinkOut, kReplaceBucket, kArchive, kMaxKind = kArchive,
  } kind = kFile;
  std::string parent;  // relative to the cache root; "" is the root
  std::string name;
  std::string data;    // file content, link target, pointer text
  int number = 0;      // depth, seconds, bucket variant
};

inline const std::vector<std::string>& ArchiveIds() {
  static const std::vector<std::string> ids = {"AAAAAAAAAAAAAAAA", "BBBBBBBBBBBBBBBB", "CCCCCCCCCCCCCCCC",
                                               "D-_0123456789xyz"};
  return ids;
}

inline std::string ArchiveRel(size_t k) { return std::string(layout::kArchiveBucket) + "/" + ArchiveIds()[k % 4]; }

// A name: usually a plain one, sometimes raw bytes (non-UTF-8 included) or a
// very long run of one character. '/' and NUL cannot be in a name; "." and
// ".." are replaced.
inline std::string ConsumeName(FuzzedDataProvider& in) {
  std::string n;
  switch (in.ConsumeIntegralInRange<int>(0, 5)) {
    case 0: n = "f"; break;
    case 1: n = "pkg"; break;
    case 2: n = in.ConsumeBytesAsString(in.ConsumeIntegralInRange<size_t>(1, 24)); break;
    case 3: n = std::string(in.ConsumeIntegralInRange<size_t>(200, 300), in.ConsumeIntegral<char>()); break;
    case 4: n = ".tmp" + std::to_string(in.ConsumeIntegralInRange<int>(0, 3)); break;
    default: n = "\xff\xfe\xc0\x80-" + std::to_string(in.ConsumeIntegralInRange<int>(0, 9)); break;
  }
  for (char& c : n) {
    if (c == '/' || c == '\0') c = '_';
  }
  if (n.empty() || n == "." || n == "..") n = "x";
  return n;
}

inline std::string ConsumeParent(FuzzedDataProvider& in) {
  const size_t k = in.ConsumeIntegralInRange<size_t>(0, 3);
  const std::string pkg = k % 2 ? "other" : "demo";
  switch (in.ConsumeIntegralInRange<int>(0, 10)) {
    case 0: return "";
    case 1: return ArchiveRel(k);
    case 2: return ArchiveRel(k) + "/demo";
    case 3: return std::string(layout::kWheelIndex) + "/" + pkg;
    case 4: return ".tmp" + std::to_string(k);
    case 5: return std::string(layout::kTrashDir) + "/" + ArchiveIds()[k];
    case 6: return std::string(layout::kLocksDir);
    case 7: return std::string(layout::kSeenDir);
    case 8: return std::string(layout::kArchiveBucket);
    case 9: return std::string(layout::kWheelIndex) + "/" + pkg + "/1.0.0-py3-none-any";
    default: return "unknown-bucket";
  }
}

// Where a symlink points: out of the root, into a loop, into a sibling
// archive, at the root itself, or anything at all. `outside` is the absolute
// path of the directory beside the root that must never change.
inline std::string ConsumeTarget(FuzzedDataProvider& in, const std::string& name) {
  const size_t k = in.ConsumeIntegralInRange<size_t>(0, 3);
  switch (in.ConsumeIntegralInRange<int>(0, 12)) {
    case 0: return "@OUTSIDE@";
    case 1: return "@OUTSIDE@/dir";
    case 2: return "@OUTSIDE@/file";
    case 3: {
      std::string up;
      for (int i = in.ConsumeIntegralInRange<int>(1, 6); i > 0; --i) up += "../";
      return up + "outside/dir";
    }
    case 4: return ".";
    case 5: return "..";
    case 6: return name;  // a loop onto itself
    case 7: return "loop-" + name;
    case 8: return "../" + ArchiveIds()[k];
    case 9: return layout::EntryLinkTarget(ArchiveIds()[k]);
    case 10: return "@ROOT@";
    case 11: return "/";
    default: return in.ConsumeRandomLengthString(64);
  }
}

inline std::vector<TreeOp> DecodeOps(FuzzedDataProvider& in, bool fifos) {
  std::vector<TreeOp> ops;
  // Nesting beyond the removal depth limit (256) is worth building once per
  // input, not dozens of times: a budget keeps every input fast.
  int depth_budget = 400;
  while (in.remaining_bytes() > 0 && ops.size() < 48) {
    TreeOp op;
    op.kind = static_cast<TreeOp::Kind>(in.ConsumeIntegralInRange<int>(0, TreeOp::kMaxKind));
    if (op.kind == TreeOp::kFifo && !fifos) op.kind = TreeOp::kFile;
    op.parent = ConsumeParent(in);
    op.name = ConsumeName(in);
    switch (op.kind) {
      case TreeOp::kSymlink: op.data = ConsumeTarget(in, op.name); break;
      case TreeOp::kPointer: {
        const size_t k = in.ConsumeIntegralInRange<size_t>(0, 3);
        op.data = in.ConsumeBool()
                      ? layout::FormatPointer({ArchiveIds()[k], "demo-1.0.0-py3-none-any.whl", "x"})
                      : in.ConsumeRandomLengthString(128);
        op.number = static_cast<int>(k);
        break;
      }
      case TreeOp::kDeep:
        op.number = std::min(depth_budget, in.ConsumeIntegralInRange<int>(1, 300));
        depth_budget -= op.number;
        break;
      case TreeOp::kAge: op.number = in.ConsumeIntegralInRange<int>(0, 1 << 20); break;
      case TreeOp::kReplaceBucket: op.number = in.ConsumeIntegralInRange<int>(0, 13); break;
      case TreeOp::kEntry:
      case TreeOp::kArchive: op.number = in.ConsumeIntegralInRange<int>(0, 3); break;
      default: op.data = in.ConsumeRandomLengthString(32); break;
    }
    ops.push_back(std::move(op));
  }
  return ops;
}

// Hooks for what the FileSystem seam cannot do (FIFOs, permission changes)
// or does differently per file system; paths are absolute.
struct TreeHost {
  FileSystem* fs = nullptr;
  std::string top;      // an existing, empty directory holding the two below
  std::string outside;  // top + "/outside": beside the root, must never change
  std::string root;     // top + "/cache": the cache root
  std::function<void(const std::string& abs_path)> make_fifo;  // unset: no FIFOs
};

inline std::string Substitute(std::string s, const TreeHost& h) {
  for (auto [key, value] : {std::pair<std::string, std::string>{"@OUTSIDE@", h.outside}, {"@ROOT@", h.root}}) {
    for (size_t at = s.find(key); at != std::string::npos; at = s.find(key, at + value.size())) {
      s.replace(at, key.size(), value);
    }
  }
  return s;
}

// Opens (creating with the no-follow MakeDirs) `rel` below the root; an
// invalid Fd when that is impossible (a file or symlink is in the way).
inline Fd OpenParent(const TreeHost& h, int root_fd, const std::string& rel) {
  if (rel.empty()) {
    Result<Fd> r = h.fs->OpenDir(root_fd, ".");
    return r.ok() ? std::move(r).value() : Fd();
  }
  if (!MakeDirs(*h.fs, root_fd, rel).ok()) return Fd();
  Result<Fd> r = h.fs->OpenDir(root_fd, rel);
  return r.ok() ? std::move(r).value() : Fd();
}

inline void WriteArchive(const TreeHost& h, int root_fd, size_t k) {
  const std::string rel = ArchiveRel(k);
  Fd dir = OpenParent(h, root_fd, rel + "/demo");
  if (!dir.valid()) return;
  (void)WriteFile(*h.fs, dir.get(), "__init__.py", "print('demo " + std::to_string(k) + "')\n");
  (void)WriteFile(*h.fs, dir.get(), "data.bin", std::string(100 + k, 'a' + static_cast<char>(k)));
}

// Failures while building are expected (the tree is adversarial to its own
// construction too) and ignored: whatever got built is what gets pruned.
inline void ApplyOp(const TreeHost& h, int root_fd, const TreeOp& op) {
  FileSystem& fs = *h.fs;
  switch (op.kind) {
    case TreeOp::kArchive:
      WriteArchive(h, root_fd, static_cast<size_t>(op.number));
      return;
    case TreeOp::kEntry: {
      Fd pkg = OpenParent(h, root_fd, std::string(layout::kWheelIndex) + "/demo");
      if (pkg.valid()) (void)fs.Symlink(layout::EntryLinkTarget(ArchiveIds()[op.number]), pkg.get(), op.name);
      return;
    }
    case TreeOp::kReplaceBucket: {
      static const char* const kBuckets[] = {"archive-v0", "wheels-v6", "wheels-v6/pypi", "gc-v0", "gc-v0/trash",
                                             "gc-v0/seen", "locks"};
      const std::string bucket = kBuckets[op.number % 7];
      (void)RemoveTree(fs, root_fd, bucket);
      if (op.number < 7) {
        const size_t slash = bucket.rfind('/');
        Fd parent = OpenParent(h, root_fd, slash == std::string::npos ? "" : bucket.substr(0, slash));
        if (parent.valid()) (void)WriteFile(fs, parent.get(), bucket.substr(slash + 1), "not a directory\n");
      } else {
        (void)fs.Symlink(h.outside + "/dir", root_fd, bucket);
      }
      return;
    }
    default:
      break;
  }
  Fd parent = OpenParent(h, root_fd, op.parent);
  if (!parent.valid()) return;
  const int pfd = parent.get();
  switch (op.kind) {
    case TreeOp::kFile:
      (void)WriteFile(fs, pfd, op.name, op.data);
      return;
    case TreeOp::kDir:
      (void)fs.MakeDir(pfd, op.name);
      return;
    case TreeOp::kSymlink:
      (void)fs.Symlink(Substitute(op.data, h), pfd, op.name);
      return;
    case TreeOp::kPointer:
      (void)WriteFile(fs, pfd, op.name + ".http", op.data);
      return;
    case TreeOp::kDeep: {
      // One-letter levels: deep paths, not deep and long ones (a 300-level
      // path of 300-byte names makes every path string of the tree 90 KB,
      // and the target quadratic). Long names get their own op.
      const std::string level = op.name.substr(0, 1);
      Fd cur;
      int at = pfd;
      for (int i = 0; i < op.number; ++i) {
        if (!fs.MakeDir(at, level).ok()) return;
        Result<Fd> next = fs.OpenDir(at, level);
        if (!next.ok()) return;
        cur = std::move(next).value();
        at = cur.get();
      }
      (void)fs.Symlink(h.outside + "/dir", at, "out");
      (void)WriteFile(fs, at, "bottom", "deep\n");
      return;
    }
    case TreeOp::kUnreadableDir: {
      if (!fs.MakeDir(pfd, op.name, 0755).ok()) return;
      Result<Fd> d = fs.OpenDir(pfd, op.name);
      if (d.ok()) {
        (void)WriteFile(fs, d->get(), "hidden", "x");
        (void)fs.Symlink(h.outside, d->get(), "out");
      }
      // Mode 0 on a fresh directory: the posix host applies it with chmod,
      // the in-memory one records it (MakeDir's mode) — see TreeHost.
      (void)fs.Unlink(pfd, op.name + "-0", true);
      (void)fs.MakeDir(pfd, op.name + "-0", 0);
      return;
    }
    case TreeOp::kFifo:
      // The parent was opened component by component without following a
      // symlink, so this path names it.
      if (h.make_fifo) h.make_fifo(h.root + (op.parent.empty() ? "" : "/" + op.parent) + "/" + op.name);
      return;
    case TreeOp::kAge: {
      struct timespec ts {};
      ts.tv_sec = std::chrono::system_clock::to_time_t(fs.Now()) - op.number;
      (void)fs.SetTimes(pfd, op.name, ts);
      (void)fs.SetTimes(root_fd, op.parent.empty() ? "." : op.parent, ts);
      return;
    }
    case TreeOp::kHardlinkOut:
      (void)fs.Link(AT_FDCWD, h.outside + "/file", pfd, op.name);
      return;
    default:
      return;
  }
}

// Everything below `dir` (not following symlinks), one line per entry:
// type, permissions, size, mtime, link target or content. `skip` (a name
// directly in `dir`) is left out.
inline void Snapshot(FileSystem& fs, int dirfd, const std::string& rel, std::string_view skip, int depth,
                     std::map<std::string, std::string>* out) {
  Result<std::vector<DirEntry>> list = fs.ListDir(dirfd);
  if (!list.ok()) {
    (*out)[rel + "/"] = "unlistable: " + list.status().ToString();
    return;
  }
  for (const DirEntry& e : *list) {
    if (depth == 0 && e.name == skip) continue;
    const std::string path = rel + "/" + e.name;
    Result<FileStat> st = fs.Stat(dirfd, e.name);
    if (!st.ok()) {
      (*out)[path] = "unstatable";
      continue;
    }
    std::string d = std::to_string(static_cast<int>(st->type)) + " mode=" + std::to_string(st->mode) +
                    " size=" + std::to_string(st->size) + " mtime=" + std::to_string(st->mtime.tv_sec) + "." +
                    std::to_string(st->mtime.tv_nsec);
    if (st->type == FileType::kSymlink) {
      Result<std::string> t = fs.ReadLink(dirfd, e.name);
      d += " -> " + (t.ok() ? *t : std::string("?"));
    } else if (st->type == FileType::kRegular) {
      Result<std::string> c = ReadFileToString(fs, dirfd, e.name);
      d += " content=" + (c.ok() ? *c : std::string("?"));
    } else if (st->type == FileType::kDirectory && depth < 400) {
      Result<Fd> sub = fs.OpenDir(dirfd, e.name);
      if (sub.ok()) Snapshot(fs, sub->get(), path, skip, depth + 1, out);
    }
    (*out)[path] = d;
  }
}

inline std::string DescribeDiff(const std::map<std::string, std::string>& before,
                                const std::map<std::string, std::string>& after) {
  for (const auto& [path, d] : before) {
    auto it = after.find(path);
    if (it == after.end()) return path + " is gone (was: " + d.substr(0, 200) + ")";
    if (it->second != d) return path + " changed: " + d.substr(0, 200) + " => " + it->second.substr(0, 200);
  }
  for (const auto& [path, d] : after) {
    if (!before.count(path)) return path + " appeared: " + d.substr(0, 200);
  }
  return "";
}

// The profiles a prune must be safe under: all but the documented mutants.
inline const std::vector<const ProfileSpec*>& SafeProfiles() {
  static const std::vector<const ProfileSpec*> safe = [] {
    std::vector<const ProfileSpec*> out;
    for (const ProfileSpec* p : AllProfiles()) {
      if (!p->mutant) out.push_back(p);
    }
    return out;
  }();
  return safe;
}

// Builds the tree `ops` describe under `h.root` (beside `h.outside`, which
// gets its canaries), prunes it with `profile`, and checks the properties in
// the file comment. The caller provides a fresh, empty host per call.
inline void BuildPruneAndCheck(const TreeHost& h, const std::vector<TreeOp>& ops, const ProfileSpec& profile,
                               bool grace_zero) {
  FileSystem& fs = *h.fs;
  const std::string& pname = profile.name;
  Result<Fd> top_fd = fs.OpenDir(AT_FDCWD, h.top);
  if (!top_fd.ok()) Fail(pname, "setup", top_fd.status().ToString());
  // Canaries outside: a file, a directory with a file, a symlink.
  if (!MakeDirs(fs, top_fd->get(), "outside/dir").ok()) Fail(pname, "setup", "cannot create " + h.outside);
  {
    Result<Fd> out = fs.OpenDir(top_fd->get(), "outside");
    if (!out.ok()) Fail(pname, "setup", out.status().ToString());
    if (!WriteFile(fs, out->get(), "file", "canary\n").ok()) Fail(pname, "setup", "canary file");
    Result<Fd> dir = fs.OpenDir(out->get(), "dir");
    if (!dir.ok() || !WriteFile(fs, dir->get(), "inner", "inner canary\n").ok()) Fail(pname, "setup", "canary dir");
    (void)fs.Symlink("file", out->get(), "link");
  }
  // The starting point every input shares: a cache with one referenced and
  // one unreferenced archive, so short inputs already exercise a real prune.
  {
    SessionOptions init;
    Result<const ProfileSpec*> reference = FindProfile("reference");
    if (!reference.ok()) Fail(pname, "setup", reference.status().ToString());
    init.profile = *reference;
    init.fs = &fs;
    Result<std::unique_ptr<CacheSession>> s = CacheSession::Open(h.root, init);
    if (!s.ok()) Fail(pname, "setup", s.status().ToString());
  }
  Result<Fd> root = fs.OpenDir(AT_FDCWD, h.root);
  if (!root.ok()) Fail(pname, "setup", root.status().ToString());
  WriteArchive(h, root->get(), 0);
  WriteArchive(h, root->get(), 1);
  ApplyOp(h, root->get(), TreeOp{TreeOp::kEntry, "", "1.0.0-py3-none-any", "", 0});
  for (const TreeOp& op : ops) ApplyOp(h, root->get(), op);

  // What must not change: everything beside the root, and every archive
  // referenced now.
  const std::string root_name = h.root.substr(h.root.rfind('/') + 1);
  std::map<std::string, std::string> outside_before, outside_after;
  Snapshot(fs, top_fd->get(), "", root_name, 0, &outside_before);
  std::map<std::string, std::map<std::string, std::string>> archives_before;
  if (Result<ReferenceScan> refs = ScanReferences(fs, root->get()); refs.ok()) {
    Result<Fd> bucket = fs.OpenDir(root->get(), layout::kArchiveBucket);
    for (const std::string& id : refs->All()) {
      if (!bucket.ok()) break;
      Result<FileStat> st = fs.Stat(bucket->get(), id);
      if (!st.ok() || st->type != FileType::kDirectory) continue;
      Result<Fd> a = fs.OpenDir(bucket->get(), id);
      if (a.ok()) Snapshot(fs, a->get(), id, "", 1, &archives_before[id]);
    }
  }
  root->reset();

  {
    SessionOptions o;
    o.profile = &profile;
    o.fs = &fs;
    o.create = false;
    if (grace_zero) o.grace = std::chrono::seconds(0);
    o.lock_timeout = std::chrono::milliseconds(200);
    Result<std::unique_ptr<CacheSession>> s = CacheSession::Open(h.root, o);
    if (!s.ok()) {
      if (s.status().message().empty()) Fail(pname, "open failed without a message", s.status().ToString());
    } else {
      Result<PruneReport> r = (*s)->Prune();
      if (!r.ok() && r.status().message().empty()) Fail(pname, "prune failed without a message", r.status().ToString());
    }
  }

  Snapshot(fs, top_fd->get(), "", root_name, 0, &outside_after);
  if (std::string diff = DescribeDiff(outside_before, outside_after); !diff.empty()) {
    Fail(pname, "the prune changed something outside the cache root", diff);
  }
  Result<Fd> root_after = fs.OpenDir(AT_FDCWD, h.root);
  for (const auto& [id, before] : archives_before) {
    std::map<std::string, std::string> after;
    Result<Fd> a = root_after.ok() ? fs.OpenDir(root_after->get(), std::string(layout::kArchiveBucket) + "/" + id)
                                   : Result<Fd>(root_after.status());
    if (!a.ok()) Fail(pname, "a referenced archive is gone", id + ": " + a.status().ToString());
    Snapshot(fs, a->get(), id, "", 1, &after);
    if (std::string diff = DescribeDiff(before, after); !diff.empty()) {
      Fail(pname, "a referenced archive changed", diff);
    }
  }
}

}  // namespace prunecheck::fuzz
