// Utf8LocaleScope: run a block with LC_CTYPE = C.UTF-8 on this thread.
//
// libarchive converts entry names between the archive's charset (UTF-8 for
// wheels) and the *current locale's*; in the "C" locale a non-ASCII name
// cannot be converted and the entry has no usable name. The extractor and the
// fixture writer run under C.UTF-8 for their duration. uselocale() is per
// thread, so other threads are unaffected. The locale object is created once
// per process (creating it per extraction showed up in profiles).
//
// Thread-safety: each scope affects only its own thread.
#pragma once

#include <locale.h>

namespace prunecheck {

class Utf8LocaleScope {
 public:
  Utf8LocaleScope() {
    static const locale_t utf8 = ::newlocale(LC_CTYPE_MASK, "C.UTF-8", static_cast<locale_t>(nullptr));
    if (utf8 != static_cast<locale_t>(nullptr)) {
      old_ = ::uselocale(utf8);
      active_ = true;
    }
  }
  ~Utf8LocaleScope() {
    if (active_) ::uselocale(old_);
  }
  Utf8LocaleScope(const Utf8LocaleScope&) = delete;
  Utf8LocaleScope& operator=(const Utf8LocaleScope&) = delete;

 private:
  locale_t old_ = static_cast<locale_t>(nullptr);
  bool active_ = false;
};

}  // namespace prunecheck
