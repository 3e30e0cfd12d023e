// PinLocalTimeZone: stop glibc re-reading /etc/localtime on every mktime().
//
// libarchive's zip reader converts each entry's DOS timestamp with mktime(),
// and with TZ unset glibc stat()s /etc/localtime on every call to notice a
// changed zone: a system call per extracted file, about a tenth of an
// in-memory controlled schedule. Setting TZ to ":/etc/localtime" names the
// same zone explicitly, which glibc then loads once.
//
// Thread-safety: calls setenv(); call it at the start of main, before any
// thread exists.
#pragma once

#include <stdlib.h>

namespace prunecheck {

// If TZ is unset, sets it to ":/etc/localtime" (what glibc uses anyway).
// Leaves a TZ the user set alone.
inline void PinLocalTimeZone() {
  if (::getenv("TZ") == nullptr) ::setenv("TZ", ":/etc/localtime", 0);
}

}  // namespace prunecheck
