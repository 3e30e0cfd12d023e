#include "pruner/wheel/wheel_name.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace prunecheck
