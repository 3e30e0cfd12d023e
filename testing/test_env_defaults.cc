// Test-binary start-up: where the tests find the source tree and the binaries
// they run, unless the environment already says.
//
// Why not ctest's ENVIRONMENT property: gtest_discover_tests() passes only the
// first element of a ;-list through, so every variable after the first was
// silently missing and tests that need it skipped; and __FILE__ is relative
// under ccache's base_dir, so it cannot locate the source tree either. The
// build knows all three paths, so it compiles them in (CMake:
// prunecheck_test_env_defaults()). setenv(..., 0) keeps what a user exported.
//
// Thread-safety: runs during static initialisation, before main and before
// any test thread exists.
#include <cstdlib>

namespace {

struct TestEnvDefaults {
  TestEnvDefaults() {
#ifdef PRUNECHECK_DEFAULT_SOURCE_DIR
    setenv("PRUNECHECK_SOURCE_DIR", PRUNECHECK_DEFAULT_SOURCE_DIR, 0);
#endif
#ifdef PRUNECHECK_DEFAULT_CACHE_ACTOR
    setenv("PRUNECHECK_CACHE_ACTOR", PRUNECHECK_DEFAULT_CACHE_ACTOR, 0);
#endif
#ifdef PRUNECHECK_DEFAULT_BINARY
    setenv("PRUNECHECK_BINARY", PRUNECHECK_DEFAULT_BINARY, 0);
#endif
  }
};

const TestEnvDefaults kTestEnvDefaults;

}  // namespace
