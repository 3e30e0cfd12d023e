#include "pruner/wheel/wheel_name.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

namespace prunecheck {
namespace {

TEST(WheelNameTest, ParsesPlainName) {
  Result<WheelName> wn = ParseWheelFilename("demo_pkg-1.0.0-py3-none-any.whl");
  ASSERT_TRUE(wn.ok()) << wn.status().ToString();
  EXPECT_EQ(wn->distribution, "demo_pkg");
  EXPECT_EQ(wn->version, "1.0.0");
  EXPECT_EQ(wn->build, "");
  EXPECT_EQ(wn->tags, "py3-none-any");
  EXPECT_EQ(wn->NormalizedName(), "demo-pkg");
  EXPECT_EQ(wn->EntryName(), "1.0.0-py3-none-any");
  EXPECT_EQ(wn->DistInfoDir(), "demo_pkg-1.0.0.dist-info");
  EXPECT_EQ(wn->Filename(), "demo_pkg-1.0.0-py3-none-any.whl");
}

TEST(WheelNameTest, ParsesBuildTagAndCompressedTags) {
  Result<WheelName> wn =
      ParseWheelFilename("Foo.Bar-2.1-1abc-py2.py3-none-manylinux_2_17_x86_64.whl");
  ASSERT_TRUE(wn.ok()) << wn.status().ToString();
  EXPECT_EQ(wn->distribution, "Foo.Bar");
  EXPECT_EQ(wn->version, "2.1");
  EXPECT_EQ(wn->build, "1abc");
  EXPECT_EQ(wn->tags, "py2.py3-none-manylinux_2_17_x86_64");
  EXPECT_EQ(wn->NormalizedName(), "foo-bar");
  EXPECT_EQ(wn->Filename(), "Foo.Bar-2.1-1abc-py2.py3-none-manylinux_2_17_x86_64.whl");
  EXPECT_EQ(wn->EntryName(), "2.1-py2.py3-none-manylinux_2_17_x86_64");
}

TEST(WheelNameTest, VersionMayHaveEpochAndLocalPart) {
  Result<WheelName> wn = ParseWheelFilename("foo-1!2.0+local.7-cp312-cp312-linux_x86_64.whl");
  ASSERT_TRUE(wn.ok()) << wn.status().ToString();
  EXPECT_EQ(wn->version, "1!2.0+local.7");
  EXPECT_EQ(wn->tags, "cp312-cp312-linux_x86_64");
}

TEST(WheelNameTest, RejectsBuildTagNotStartingWithDigit) {
  Result<WheelName> wn = ParseWheelFilename("foo-1.0-abc-py3-none-any.whl");
  ASSERT_FALSE(wn.ok());
  EXPECT_EQ(wn.status().code(), StatusCode::kInvalidInput);
  EXPECT_NE(wn.status().message().find("foo-1.0-abc-py3-none-any.whl"), std::string::npos);
  EXPECT_NE(wn.status().message().find("build tag"), std::string::npos);
}

TEST(WheelNameTest, RejectsMalformedNames) {
  const char* bad[] = {
      "foo-py3-none-any.whl",              // 4 parts
      "foo-1.0-1-2-py3-none-any.whl",      // 7 parts
      "foo-1.0-py3-none-any.zip",          // suffix
      "foo-1.0-py3-none-any",              // no suffix
      ".whl",                              // nothing
      "foo--py3-none-any.whl",             // empty version
      "foo$-1.0-py3-none-any.whl",         // bad char in name
      "foo-1.0-py3-none-any+x.whl",        // '+' only allowed in version
      "foo-1 0-py3-none-any.whl",          // space
      "../foo-1.0-py3-none-any.whl",       // a path
      "dir/foo-1.0-py3-none-any.whl",      // a path
      ".foo-1.0-py3-none-any.whl",         // leading dot would hide the entry
      "foo-.1-py3-none-any.whl",           // version starting with '.'
      "foo-1.0-py3-none-..whl",            // platform '.'
  };
  for (const char* name : bad) {
    Result<WheelName> wn = ParseWheelFilename(name);
    EXPECT_FALSE(wn.ok()) << name;
    if (!wn.ok()) {
      EXPECT_EQ(wn.status().code(), StatusCode::kInvalidInput) << name;
      EXPECT_NE(wn.status().message().find(name), std::string::npos) << wn.status().message();
    }
  }
}

TEST(WheelNameTest, NormalizesPackageNames) {
  EXPECT_EQ(NormalizePackageName("Foo.Bar__baz-Qux"), "foo-bar-baz-qux");
  EXPECT_EQ(NormalizePackageName("a--_.b"), "a-b");
  EXPECT_EQ(NormalizePackageName("Django"), "django");
  EXPECT_EQ(NormalizePackageName("zope.interface"), "zope-interface");
  EXPECT_EQ(NormalizePackageName(""), "");
}

TEST(WheelNameTest, SafeComponents) {
  EXPECT_TRUE(IsSafeComponent("demo-pkg"));
  EXPECT_TRUE(IsSafeComponent("1.0.0-py3-none-any"));
  EXPECT_TRUE(IsSafeComponent("a..b"));
  EXPECT_FALSE(IsSafeComponent(""));
  EXPECT_FALSE(IsSafeComponent("."));
  EXPECT_FALSE(IsSafeComponent(".."));
  EXPECT_FALSE(IsSafeComponent(".hidden"));
  EXPECT_FALSE(IsSafeComponent("a/b"));
  EXPECT_FALSE(IsSafeComponent(std::string_view("a\0b", 3)));
}

TEST(NormalizeVersionTest, EqualPep440VersionsCompareEqual) {
  const std::vector<std::pair<std::string, std::string>> same = {
      {"1.0", "1.0.0"},         {"01.02", "1.2"},           {"1.0A1", "1.0a1"},
      {"1.0-alpha.1", "1.0a1"}, {"1.0.beta2", "1.0b2"},     {"1.0c1", "1.0rc1"},
      {"1.0-pre1", "1.0rc1"},   {"1.0-post1", "1.0.post1"}, {"1.0-1", "1.0.post1"},
      {"1.0_rev2", "1.0.post2"}, {"1.0.dev0", "1.0dev"},    {"v1.0", "1.0"},
      {"0!1.0", "1.0"},         {"1.0+Ubuntu-1", "1.0+ubuntu.1"}};
  for (const auto& [a, b] : same) {
    EXPECT_EQ(NormalizeVersion(a), NormalizeVersion(b)) << a << " vs " << b;
  }
  const std::vector<std::pair<std::string, std::string>> different = {
      {"1.0", "1.1"},     {"1.0", "1.0.1"},   {"1.0a1", "1.0b1"}, {"1.0", "1.0.post1"},
      {"1.0", "1.0+x"},   {"1!1.0", "1.0"},   {"10", "1"},        {"1.0rc1", "1.0.dev1"},
      {"weird", "other"}, {"1.0", "1.0-x"}};
  for (const auto& [a, b] : different) {
    EXPECT_NE(NormalizeVersion(a), NormalizeVersion(b)) << a << " vs " << b;
  }
}

TEST(CheckDistInfoIdentityTest, RefusesAnotherProjectOrVersion) {
  Result<WheelName> w = ParseWheelFilename("Demo_Pkg-1.0-py3-none-any.whl");
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  EXPECT_TRUE(CheckDistInfoIdentity(*w, "demo_pkg-1.0.dist-info").ok());
  EXPECT_TRUE(CheckDistInfoIdentity(*w, "demo.pkg-1.0.0.dist-info").ok());
  EXPECT_TRUE(CheckDistInfoIdentity(*w, "DEMO_PKG-1.0.dist-info").ok());
  Status other = CheckDistInfoIdentity(*w, "numpy-1.0.dist-info");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.code(), StatusCode::kInvalidInput);
  EXPECT_EQ(other.message(),
            "the filename says Demo_Pkg 1.0 but numpy-1.0.dist-info says numpy 1.0; refusing the wheel, as "
            "installers do");
  EXPECT_FALSE(CheckDistInfoIdentity(*w, "demo_pkg-2.0.dist-info").ok());
  EXPECT_FALSE(CheckDistInfoIdentity(*w, "demo_pkg.dist-info").ok());
  EXPECT_FALSE(CheckDistInfoIdentity(*w, "demo_pkg_extra-1.0.dist-info").ok());
}

}  // namespace
}  // namespace prunecheck
