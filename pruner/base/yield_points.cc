#include "pruner/base/yield_points.h"

#include <algorithm>

namespace prunecheck {

// Kept beside the code that yields: KnownYieldPointsCoverThePrunerSources
// (harness/scenario/scenario_test.cc) fails when a literal point in pruner/
// is missing here.
const std::vector<std::string>& KnownYieldPoints() {
  static const std::vector<std::string> kPoints = [] {
    std::vector<std::string> p = {
        "install.begin", "install.tmp_created", "install.extracted", "install.persisted",
        "install.entry_unlinked", "install.referenced", "install.pointer_written",
        "read.begin", "read.resolved", "refresh.begin",
        "link.begin", "link.progress", "link.record_reread", "link.done",
        "prune.begin", "prune.resume", "prune.listed", "prune.before_remove_temp", "prune.before_remove_unknown",
        "prune.before_remove", "prune.recheck", "prune.trashed", "prune.remove_progress", "prune.after_remove",
        "prune.done",
        "clean.begin", "clean.before_remove_entries", "clean.before_remove", "clean.done",
        "wipe.begin", "wipe.before_remove_entries", "wipe.before_remove", "wipe.before_remove_top_level",
        "wipe.before_unlink_lock", "wipe.done"};
    for (const char* label : {"root", "entry"}) {
      for (const char* what : {"acquire", "acquired", "release", "wait"}) {
        p.push_back(std::string("lock.") + label + "." + what);
      }
    }
    return p;
  }();
  return kPoints;
}

bool IsKnownYieldPoint(std::string_view point) {
  const std::vector<std::string>& known = KnownYieldPoints();
  return std::find(known.begin(), known.end(), point) != known.end();
}

}  // namespace prunecheck
