// CacheSession: opening the cache, locks, and the install/read/refresh paths.
// Prune and clean live in prune_operation.cc and clean_operation.cc.
#include "pruner/cache/cache_session.h"

#include <memory>
#include <fcntl.h>

#include <string>

#include "pruner/base/fs_util.h"
#include "pruner/cache/cache_layout.h"
#include "pruner/wheel/wheel_extractor.h"

namespace prunecheck {

namespace {

std::string Basename(std::string_view path) {
  size_t slash = path.find_last_of('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

}  // namespace

CacheSession::~CacheSession() = default;

Result<std::unique_ptr<CacheSession>> CacheSession::Open(const std::string& root_path,
                                                         SessionOptions options) {
  if (options.profile == nullptr) {
    return Status(StatusCode::kInvalidInput, "CacheSession::Open: no profile given");
  }
  if (root_path.empty()) return Status(StatusCode::kInvalidInput, "cache root path is empty");
  std::unique_ptr<CacheSession> s(new CacheSession());
  s->profile_ = options.profile;
  s->fs_ = options.fs != nullptr ? options.fs : DefaultFileSystem();
  if (options.points == nullptr) s->owned_points_ = std::make_unique<NoYieldPoints>();
  s->points_ = options.points != nullptr ? options.points : s->owned_points_.get();
  if (options.ids == nullptr) s->owned_ids_ = std::make_unique<CsprngIdSource>();
  s->ids_ = options.ids != nullptr ? options.ids : s->owned_ids_.get();
  s->grace_ = options.grace.value_or(options.profile->default_grace);
  s->lock_timeout_ = options.lock_timeout;

  Result<Fd> root = s->fs_->OpenDir(AT_FDCWD, root_path);
  if (!root.ok() && root.status().Is(StatusCode::kNotFound) && options.create) {
    Status mk = MakeUserDirs(*s->fs_, root_path);
    if (!mk.ok()) return mk.Annotate("creating cache root");
    root = s->fs_->OpenDir(AT_FDCWD, root_path);
  }
  if (!root.ok()) return root.status().Annotate("opening cache root " + root_path);
  s->root_ = std::move(root).value();

  // Symlink-mode environments point at absolute paths inside the cache, so
  // remember where the root really is (the fd's path, symlinks resolved).
  Result<std::string> abs = s->fs_->ReadLink(AT_FDCWD, "/proc/self/fd/" + std::to_string(s->root_.get()));
  s->root_path_ = abs.ok() ? *abs : root_path;

  if (options.create) PC_RETURN_IF_ERROR(s->InitLayout());
  // A cache someone else laid out must still have the shapes we rely on.
  for (std::string_view bucket : {layout::kArchiveBucket, layout::kWheelBucket}) {
    Result<FileStat> st = s->fs_->Stat(s->root_.get(), bucket);
    if (st.ok() && st->type != FileType::kDirectory) {
      return Status(StatusCode::kInvalidInput, s->root_path_ + "/" + std::string(bucket) +
                                                   " is not a directory (a symlink or file); refusing to use this cache");
    }
  }
  return s;
}

Status CacheSession::InitLayout() {
  int root = root_.get();
  auto ensure_file = [&](std::string_view name, std::string_view content) -> Status {
    Result<FileStat> st = fs_->Stat(root, name);
    if (st.ok()) return Status::Ok();
    if (!st.status().Is(StatusCode::kNotFound)) return st.status();
    // Created with a unique temp and renamed without replace, so two processes
    // initializing at once never see a half-written file.
    Status w = WriteFileAtomic(*fs_, root, name, content, ids_->NewId(8));
    return w.Is(StatusCode::kAlreadyExists) ? Status::Ok() : w;
  };
  PC_RETURN_IF_ERROR(ensure_file(layout::kCacheDirTag, layout::kCacheDirTagContent));
  PC_RETURN_IF_ERROR(ensure_file(layout::kGitignore, layout::kGitignoreContent));
  {
    // The root lock file is created in place and never replaced or removed:
    // replacing it would let two processes lock different inodes.
    Result<Fd> lock = fs_->OpenFile(root, layout::kRootLock, O_RDWR | O_CREAT, 0644);
    if (!lock.ok()) return lock.status().Annotate("creating " + root_path_ + "/.lock");
  }
  PC_RETURN_IF_ERROR(EnsureDirs(layout::kArchiveBucket));
  PC_RETURN_IF_ERROR(EnsureDirs(layout::kWheelIndex));
  return Status::Ok();
}

Status CacheSession::EnsureDirs(std::string_view relpath) {
  Status st = MakeDirs(*fs_, root_.get(), relpath);
  if (!st.ok()) return st.Annotate("creating " + root_path_ + "/" + std::string(relpath));
  return st;
}

Result<FileLock> CacheSession::AcquireActorRootLock() {
  LockRequest req;
  req.mode = LockMode::kShared;
  req.wait = LockRequest::Wait::kBlocking;
  req.timeout = lock_timeout_;
  req.label = "root";
  req.verify_inode = profile_->verify_lock_inode;
  switch (profile_->actor_root_lock) {
    case ActorRootLock::kNone:
      return FileLock();
    case ActorRootLock::kSharedPerOperation:
      return FileLock::Acquire(*fs_, *points_, root_.get(), std::string(layout::kRootLock), req);
    case ActorRootLock::kSharedForProcess:
      if (!process_lock_.held()) {
        PC_ASSIGN_OR_RETURN(process_lock_,
                            FileLock::Acquire(*fs_, *points_, root_.get(), std::string(layout::kRootLock), req));
      }
      return FileLock();
  }
  return FileLock();
}

void CacheSession::ReleaseActorRootLock(FileLock& op_lock) {
  // Release errors only mean the fd was already gone; the lock is dropped either way.
  (void)op_lock.Release();
  (void)process_lock_.Release();
}

Result<FileLock> CacheSession::AcquirePrunerRootLock(std::string_view op) {
  LockRequest req;
  req.label = "root";
  req.timeout = lock_timeout_;
  req.verify_inode = profile_->verify_lock_inode;
  switch (profile_->pruner_root_lock) {
    case PrunerRootLock::kNone:
      return FileLock();
    case PrunerRootLock::kExclusiveBlocking:
      req.mode = LockMode::kExclusive;
      req.wait = LockRequest::Wait::kBlocking;
      break;
    case PrunerRootLock::kExclusiveTry:
      req.mode = LockMode::kExclusive;
      req.wait = LockRequest::Wait::kTry;
      break;
    case PrunerRootLock::kSharedMutant:
      req.mode = LockMode::kShared;
      req.wait = LockRequest::Wait::kBlocking;
      break;
  }
  Result<FileLock> lock = FileLock::Acquire(*fs_, *points_, root_.get(), std::string(layout::kRootLock), req);
  if (!lock.ok() && lock.status().Is(StatusCode::kWouldBlock)) {
    return Status(StatusCode::kBusy, std::string(op) + " skipped: " + root_path_ +
                                         "/.lock is held by another process (profile " + profile_->name +
                                         " only tries the lock)");
  }
  if (!lock.ok()) return lock.status().Annotate(std::string(op));
  return lock;
}

Result<FileLock> CacheSession::AcquireEntryLock(std::string_view archive_id, LockMode mode,
                                                LockRequest::Wait wait) {
  PC_RETURN_IF_ERROR(EnsureDirs(layout::kLocksDir));
  LockRequest req;
  req.mode = mode;
  req.wait = wait;
  req.timeout = lock_timeout_;
  req.label = "entry";
  req.verify_inode = profile_->verify_lock_inode;
  return FileLock::Acquire(*fs_, *points_, root_.get(), layout::EntryLockName(archive_id), req);
}

Result<Fd> CacheSession::OpenEnvironment(const std::string& env_path) {
  if (env_path.empty()) return Status(StatusCode::kInvalidInput, "no environment directory given");
  Result<Fd> env = fs_->OpenDir(AT_FDCWD, env_path);
  if (env.ok() || !env.status().Is(StatusCode::kNotFound)) {
    if (!env.ok()) return env.status().Annotate("opening environment " + env_path);
    return env;
  }
  Status mk = MakeUserDirs(*fs_, env_path);
  if (!mk.ok()) return mk.Annotate("creating environment " + env_path);
  return fs_->OpenDir(AT_FDCWD, env_path);
}

Result<std::string> CacheSession::ResolveEntry(const WheelName& wheel) {
  PC_ASSIGN_OR_RETURN(Fd index, fs_->OpenDir(root_.get(), layout::kWheelIndex));
  Result<Fd> pkg = fs_->OpenDir(index.get(), wheel.NormalizedName());
  if (!pkg.ok()) return pkg.status();
  Result<std::string> target = fs_->ReadLink(pkg->get(), wheel.EntryName());
  if (!target.ok()) return target.status();
  std::optional<std::string> id = layout::ArchiveIdFromLinkTarget(*target);
  if (!id) {
    return Status(StatusCode::kInvalidInput, root_path_ + "/" + layout::PackageDir(wheel.NormalizedName()) + "/" +
                                                 wheel.EntryName() + ": entry points at '" + *target +
                                                 "', not at an archive");
  }
  return *id;
}

Result<uint64_t> CacheSession::LinkAndVerify(std::string_view id, const InstallRequest& request) {
  const std::string archive_rel = std::string(layout::kArchiveBucket) + "/" + std::string(id);
  auto vanished = [&](const Status& st) {
    // The archive disappearing while this actor holds it in use is exactly the
    // bug the harness hunts; say so instead of surfacing a bare ENOENT.
    return Status(StatusCode::kVerificationFailed,
                  "archive " + std::string(id) + " vanished or changed while in use: " + st.ToString());
  };
  PC_ASSIGN_OR_RETURN(Fd env, OpenEnvironment(request.env_path));
  Result<Fd> archive = fs_->OpenDir(root_.get(), archive_rel);
  if (!archive.ok()) return vanished(archive.status());
  Result<uint64_t> files = LinkArchive(*fs_, *points_, archive->get(), root_path_ + "/" + archive_rel, env.get(),
                                       request.link_mode, id);
  if (!files.ok()) {
    return files.status().Is(StatusCode::kNotFound) ? vanished(files.status()) : files.status();
  }
  // uv reads RECORD and entry points from the archive again after linking.
  points_->Yield("link.record_reread", id);
  Result<ExtractedWheel> rec = ReadRecordFromTree(*fs_, archive->get());
  if (!rec.ok()) return vanished(rec.status());
  Status verified = VerifyEnvironment(*fs_, env.get(), rec->record, request.link_mode);
  if (!verified.ok()) return verified.Annotate("environment " + request.env_path);
  points_->Yield("link.done", id);
  return files;
}

Result<InstallOutcome> CacheSession::UseCached(const InstallRequest& request, const WheelName& wheel,
                                               FileLock& op_lock) {
  points_->Yield("read.begin", wheel.Filename());
  PC_ASSIGN_OR_RETURN(std::string id, ResolveEntry(wheel));
  points_->Yield("read.resolved", id);
  FileLock lease;
  if (profile_->entry_locks) {
    PC_ASSIGN_OR_RETURN(lease, AcquireEntryLock(id, LockMode::kShared, LockRequest::Wait::kBlocking));
  }
  // Like uv, a cache hit requires the archive to exist. With a lease, this
  // check happens after the lease is held, so a pruner cannot slip in between.
  Result<FileStat> st = fs_->Stat(root_.get(), std::string(layout::kArchiveBucket) + "/" + id);
  if (!st.ok() || st->type != FileType::kDirectory) {
    return Status(StatusCode::kNotFound, "entry " + wheel.EntryName() + " points at missing archive " + id);
  }
  points_->Report({EventKind::kUseBegin, id, "read " + wheel.EntryName()});
  if (profile_->early_release && lease.held()) ReleaseActorRootLock(op_lock);
  Result<uint64_t> files = LinkAndVerify(id, request);
  points_->Report({EventKind::kUseEnd, id, files.ok() ? "ok" : files.status().ToString()});
  if (!files.ok()) return files.status();
  InstallOutcome out;
  out.cache_hit = true;
  out.archive_id = id;
  out.entry = layout::PackageDir(wheel.NormalizedName()) + "/" + wheel.EntryName();
  out.files_linked = *files;
  return out;
}

Result<InstallOutcome> CacheSession::FreshInstall(const InstallRequest& request, const WheelName& wheel,
                                                  FileLock& op_lock) {
  const int root = root_.get();
  const std::string id = ids_->NewId();
  const std::string entry_dir = layout::PackageDir(wheel.NormalizedName());
  const std::string entry = wheel.EntryName();
  points_->Yield("install.begin", id);

  FileLock lease;
  if (profile_->entry_locks) {
    PC_ASSIGN_OR_RETURN(lease, AcquireEntryLock(id, LockMode::kShared, LockRequest::Wait::kBlocking));
  }
  points_->Report({EventKind::kUseBegin, id, "install " + wheel.Filename()});
  auto fail = [&](Status st) -> Status {
    points_->Report({EventKind::kUseEnd, id, st.ToString()});
    return st;
  };

  // Step 2: a fresh temp dir in the root (or, mutant, the archive dir itself).
  std::string unpack_dir;
  if (profile_->extract_in_place) {
    unpack_dir = std::string(layout::kArchiveBucket) + "/" + id;
    Status mk = fs_->MakeDir(root, unpack_dir);
    if (!mk.ok()) return fail(mk.Annotate("creating " + unpack_dir));
  } else {
    for (int attempt = 0;; ++attempt) {
      unpack_dir = std::string(layout::kTempPrefix) + ids_->NewId(6);
      Status mk = fs_->MakeDir(root, unpack_dir, 0700);
      if (mk.ok()) break;
      if (!mk.Is(StatusCode::kAlreadyExists) || attempt > 100) return fail(mk.Annotate("creating temp dir"));
    }
  }
  points_->Report({EventKind::kUseBegin, unpack_dir, "unpack " + id});
  points_->Yield("install.tmp_created", unpack_dir);

  auto discard_unpack = [&](Status st) -> Status {
    // Best effort: a crash here leaves the temp dir for a later prune.
    (void)RemoveTree(*fs_, root, unpack_dir);
    points_->Report({EventKind::kUseEnd, unpack_dir, "discarded"});
    return fail(st);
  };
  {
    Result<Fd> dest = fs_->OpenDir(root, unpack_dir);
    if (!dest.ok()) return discard_unpack(dest.status());
    Result<ExtractedWheel> extracted = ExtractWheel(*fs_, AT_FDCWD, request.wheel_path, dest->get());
    if (!extracted.ok()) return discard_unpack(extracted.status());
    const std::string& record = extracted->record_path;
    Status identity = CheckDistInfoIdentity(wheel, std::string_view(record).substr(0, record.find('/')));
    if (!identity.ok()) return discard_unpack(identity.Annotate(request.wheel_path));
  }
  points_->Yield("install.extracted", unpack_dir);

  // Step 3: persist. The archive exists now but nothing references it.
  if (!profile_->extract_in_place) {
    Status mv = fs_->Rename(root, unpack_dir, root, std::string(layout::kArchiveBucket) + "/" + id, true);
    if (!mv.ok()) return discard_unpack(mv.Annotate("persisting archive " + id));
  }
  points_->Report({EventKind::kUseEnd, unpack_dir, "persisted as " + id});
  points_->Report({EventKind::kArchivePublished, id, wheel.Filename()});
  points_->Yield("install.persisted", id);

  // Step 4: point the entry at it.
  Status dirs = EnsureDirs(entry_dir);
  if (!dirs.ok()) return fail(dirs);
  PC_ASSIGN_OR_RETURN(Fd pkg, fs_->OpenDir(root, entry_dir));
  if (profile_->atomic_entry_replace) {
    std::string temp = entry + std::string(layout::kReplaceTempInfix) + ids_->NewId(8);
    Status ln = fs_->Symlink(layout::EntryLinkTarget(id), pkg.get(), temp);
    if (!ln.ok()) return fail(ln.Annotate("creating entry symlink"));
    Status mv = fs_->Rename(pkg.get(), temp, pkg.get(), entry);
    if (!mv.ok()) {
      (void)fs_->Unlink(pkg.get(), temp, false);
      return fail(mv.Annotate("replacing entry " + entry));
    }
  } else {
    Status rm = fs_->Unlink(pkg.get(), entry, false);
    if (!rm.ok() && !rm.Is(StatusCode::kNotFound)) return fail(rm);
    points_->Yield("install.entry_unlinked", id);
    Status ln = fs_->Symlink(layout::EntryLinkTarget(id), pkg.get(), entry);
    if (!ln.ok()) return fail(ln.Annotate("creating entry symlink"));
  }
  points_->Report({EventKind::kReferenced, id, entry_dir + "/" + entry});
  points_->Yield("install.referenced", id);

  // Step 5: the .http pointer, atomically.
  {
    Result<Fd> whl = fs_->OpenFile(AT_FDCWD, request.wheel_path, O_RDONLY);
    std::string sha;
    if (whl.ok()) {
      Sha256 h;
      auto buf = std::make_unique_for_overwrite<char[]>(kReadChunkBytes);
      for (;;) {
        Result<size_t> n = fs_->Read(whl->get(), buf.get(), kReadChunkBytes);
        if (!n.ok()) return fail(n.status());
        if (*n == 0) break;
        h.Update(buf.get(), *n);
      }
      sha = h.FinishUrlsafeBase64();
    }
    Status w = WriteFileAtomic(*fs_, pkg.get(), entry + std::string(layout::kPointerSuffix),
                               layout::FormatPointer({id, wheel.Filename(), sha}), ids_->NewId(8));
    if (!w.ok()) return fail(w.Annotate("writing pointer for " + entry));
  }
  points_->Yield("install.pointer_written", id);

  // Step 6: link into the environment.
  if (profile_->early_release && lease.held()) ReleaseActorRootLock(op_lock);
  Result<uint64_t> files = LinkAndVerify(id, request);
  points_->Report({EventKind::kUseEnd, id, files.ok() ? "ok" : files.status().ToString()});
  if (!files.ok()) return files.status();
  InstallOutcome out;
  out.archive_id = id;
  out.entry = entry_dir + "/" + entry;
  out.files_linked = *files;
  return out;
}

namespace {
Result<WheelName> WheelOf(const InstallRequest& request) {
  Result<WheelName> w = ParseWheelFilename(request.wheel_filename.empty() ? Basename(request.wheel_path)
                                                                         : request.wheel_filename);
  if (!w.ok()) return w.status().Annotate(request.wheel_path);
  return w;
}
}  // namespace

Result<InstallOutcome> CacheSession::Install(const InstallRequest& request) {
  PC_ASSIGN_OR_RETURN(WheelName wheel, WheelOf(request));
  PC_ASSIGN_OR_RETURN(FileLock op_lock, AcquireActorRootLock());
  Result<InstallOutcome> hit = UseCached(request, wheel, op_lock);
  if (hit.ok() || !hit.status().Is(StatusCode::kNotFound)) return hit;
  if (!op_lock.held() && profile_->actor_root_lock == ActorRootLock::kSharedPerOperation) {
    // Early release dropped it during the failed hit; a fresh install needs it again.
    PC_ASSIGN_OR_RETURN(op_lock, AcquireActorRootLock());
  }
  return FreshInstall(request, wheel, op_lock);
}

Result<InstallOutcome> CacheSession::Read(const InstallRequest& request) {
  PC_ASSIGN_OR_RETURN(WheelName wheel, WheelOf(request));
  PC_ASSIGN_OR_RETURN(FileLock op_lock, AcquireActorRootLock());
  Result<InstallOutcome> hit = UseCached(request, wheel, op_lock);
  if (!hit.ok() && hit.status().Is(StatusCode::kNotFound)) {
    return Status(StatusCode::kNotFound, wheel.Filename() + " is not in the cache at " + root_path_ + " (" +
                                             hit.status().message() + ")");
  }
  return hit;
}

Result<InstallOutcome> CacheSession::Refresh(const InstallRequest& request) {
  PC_ASSIGN_OR_RETURN(WheelName wheel, WheelOf(request));
  PC_ASSIGN_OR_RETURN(FileLock op_lock, AcquireActorRootLock());
  Result<std::string> old = ResolveEntry(wheel);
  points_->Yield("refresh.begin", old.ok() ? *old : std::string());
  PC_ASSIGN_OR_RETURN(InstallOutcome out, FreshInstall(request, wheel, op_lock));
  if (old.ok() && *old != out.archive_id) out.displaced_archive = *old;
  return out;
}

}  // namespace prunecheck
