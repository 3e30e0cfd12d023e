// Status and Result<T>: how the library reports expected failures.
//
// The library never throws across its API for an expected failure (a missing
// file, a held lock, a malformed wheel, ENOSPC). Every fallible call returns a
// Status or a Result<T>; the code says what kind of failure it was so callers
// (and the cache-actor exit code) can tell them apart, the message says where.
//
// Thread-safety: values; distinct objects may be used from distinct threads.
#pragma once

#include <cassert>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

namespace prunecheck {

enum class StatusCode {
  kOk = 0,
  kNotFound,            // a file, entry or archive does not exist
  kAlreadyExists,       // create/rename target exists
  kInvalidInput,        // bad argument, malformed wheel, unsafe zip entry, bad cache tree
  kIoError,             // EIO and other unexpected OS errors
  kNoSpace,             // ENOSPC / EDQUOT
  kPermissionDenied,    // EACCES / EPERM
  kWouldBlock,          // a non-blocking lock attempt found the lock held
  kLockTimeout,         // a blocking lock attempt gave up at its deadline
  kVerificationFailed,  // content does not match RECORD
  kBusy,                // an operation was skipped because someone else holds the cache
};

std::string_view StatusCodeName(StatusCode code);

class [[nodiscard]] Status {
 public:
  Status() = default;  // OK
  Status(StatusCode code, std::string message, int err = 0)
      : code_(code), err_(err), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  // Maps an errno to a code; `context` says what was being done to what.
  static Status FromErrno(int err, std::string_view context);

  bool ok() const { return code_ == StatusCode::kOk; }
  StatusCode code() const { return code_; }
  int os_error() const { return err_; }  // errno when the failure came from the OS, else 0
  const std::string& message() const { return message_; }
  bool Is(StatusCode c) const { return code_ == c; }

  // "<code>: <message>"
  std::string ToString() const;
  // Returns a copy whose message is prefixed with `context: `.
  Status Annotate(std::string_view context) const;

 private:
  StatusCode code_ = StatusCode::kOk;
  int err_ = 0;
  std::string message_;
};

// Holds either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : value_(std::move(value)) {}  // NOLINT: implicit by design
  Result(Status status) : status_(std::move(status)) {  // NOLINT
    if (status_.ok()) {
      // A Result must never be OK without a value; this guards the invariant in release builds too.
      status_ = Status(StatusCode::kIoError, "internal: Result constructed from OK status");
    }
  }

  bool ok() const { return value_.has_value(); }
  const Status& status() const { return status_; }
  T& value() & { Check(); return *value_; }
  const T& value() const& { Check(); return *value_; }
  T&& value() && { Check(); return std::move(*value_); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  void Check() const {
    if (!value_) std::abort();  // programming error: value() on a failed Result
  }
  std::optional<T> value_;
  Status status_;
};

}  // namespace prunecheck

#define PC_CONCAT_INNER(a, b) a##b
#define PC_CONCAT(a, b) PC_CONCAT_INNER(a, b)

// Returns the Status from the enclosing function if `expr` failed.
#define PC_RETURN_IF_ERROR(expr)                      \
  do {                                                \
    ::prunecheck::Status pc_status_ = (expr);         \
    if (!pc_status_.ok()) return pc_status_;          \
  } while (0)

// `lhs = value of expr`, or return its Status from the enclosing function.
#define PC_ASSIGN_OR_RETURN(lhs, expr) \
  PC_ASSIGN_OR_RETURN_IMPL(PC_CONCAT(pc_result_, __LINE__), lhs, expr)
#define PC_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                             \
  if (!tmp.ok()) return tmp.status();            \
  lhs = std::move(tmp).value()
