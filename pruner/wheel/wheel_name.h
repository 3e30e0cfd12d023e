// WheelName: the parts of a wheel filename (PEP 427) that name cache entries.
//
// `demo_pkg-1.0.0-py3-none-any.whl` -> distribution "demo_pkg", version
// "1.0.0", tags "py3-none-any"; uv files it as
// wheels-v6/pypi/demo-pkg/1.0.0-py3-none-any (PEP 503 normalized name).
//
// Thread-safety: value type.
#pragma once

#include <string>
#include <string_view>

#include "pruner/base/status.h"

namespace prunecheck {

struct WheelName {
  std::string distribution;  // as written in the filename
  std::string version;
  std::string build;         // optional build tag, may be empty
  std::string tags;          // "<python>-<abi>-<platform>"

  // PEP 503 normalization: lowercase, runs of [-_.] become "-".
  std::string NormalizedName() const;
  // The entry file name inside the package's bucket: "<version>-<tags>".
  std::string EntryName() const;
  // "<distribution>-<version>.dist-info"
  std::string DistInfoDir() const;
  // The canonical filename, "<distribution>-<version>[-<build>]-<tags>.whl".
  std::string Filename() const;
};

// Parses a wheel filename (a basename, not a path). kInvalidInput naming the
// filename and what is wrong when it is not `name-version[-build]-py-abi-plat.whl`
// or a part contains characters that cannot be a cache entry name.
Result<WheelName> ParseWheelFilename(std::string_view filename);

// PEP 503 normalization of a package name, e.g. for `clean <package>`.
std::string NormalizePackageName(std::string_view name);

// A PEP 440 version in a form where equal versions compare equal as strings:
// case-folded, a leading "v" dropped, release numbers without leading zeros
// or trailing ".0"s ("1.0" == "1.0.0" == "01.0"), the spellings of pre-,
// post- and dev-release tags unified ("1.0-Alpha.1" == "1.0a1",
// "1.0-post1" == "1.0.post1" == "1.0-1"), and a local part
// ("+ubuntu.1") kept with its separators unified. Not a validator: a string
// that is not a PEP 440 version comes back folded but otherwise as given.
std::string NormalizeVersion(std::string_view version);

// Refuses a wheel whose `.dist-info` directory (e.g. "demo_pkg-1.0.dist-info")
// names another project or version than its filename says, as pip and uv do:
// cached under the filename's identity, its content would be served to every
// later install of a different package. Names compare PEP 503-normalized,
// versions NormalizeVersion()-ed. kInvalidInput naming both identities.
Status CheckDistInfoIdentity(const WheelName& wheel, std::string_view dist_info_dir);

// True iff `name` is safe as a single path component inside the cache
// (non-empty, not "." or "..", no '/', no NUL, no leading '.').
bool IsSafeComponent(std::string_view name);

}  // namespace prunecheck
