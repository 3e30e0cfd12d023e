#include "pruner/base/status.h"

#include <cerrno>
#include <cstring>

namespace prunecheck {

std::string_view StatusCodeName(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kNotFound: return "not-found";
    case StatusCode::kAlreadyExists: return "already-exists";
    case StatusCode::kInvalidInput: return "invalid-input";
    case StatusCode::kIoError: return "io-error";
    case StatusCode::kNoSpace: return "no-space";
    case StatusCode::kPermissionDenied: return "permission-denied";
    case StatusCode::kWouldBlock: return "would-block";
    case StatusCode::kLockTimeout: return "lock-timeout";
    case StatusCode::kVerificationFailed: return "verification-failed";
    case StatusCode::kBusy: return "busy";
  }
  return "unknown";
}

Status Status::FromErrno(int err, std::string_view context) {
  StatusCode code = StatusCode::kIoError;
  switch (err) {
    case ENOENT: case ENOTDIR: code = StatusCode::kNotFound; break;
    case EEXIST: case ENOTEMPTY: code = StatusCode::kAlreadyExists; break;
    case ENOSPC: case EDQUOT: code = StatusCode::kNoSpace; break;
    case EACCES: case EPERM: case EROFS: code = StatusCode::kPermissionDenied; break;
    case EWOULDBLOCK: code = StatusCode::kWouldBlock; break;
    case ELOOP: case EINVAL: case ENAMETOOLONG: code = StatusCode::kInvalidInput; break;
    default: break;
  }
  std::string msg(context);
  msg += ": ";
  msg += std::strerror(err);
  return Status(code, std::move(msg), err);
}

std::string Status::ToString() const {
  if (ok()) return "ok";
  std::string s(StatusCodeName(code_));
  s += ": ";
  s += message_;
  return s;
}

Status Status::Annotate(std::string_view context) const {
  if (ok()) return *this;
  std::string msg(context);
  msg += ": ";
  msg += message_;
  return Status(code_, std::move(msg), err_);
}

}  // namespace prunecheck
