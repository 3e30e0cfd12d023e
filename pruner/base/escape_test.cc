#include "pruner/base/escape.h"

#include <gtest/gtest.h>

#include <string>

namespace prunecheck {
namespace {

TEST(EscapeNameTest, PlainNamesStayAsTheyAre) {
  EXPECT_EQ(EscapeName("numpy-2.1.0-cp312-cp312-manylinux_x86_64.whl"),
            "numpy-2.1.0-cp312-cp312-manylinux_x86_64.whl");
  EXPECT_EQ(EscapeName(""), "");
  EXPECT_EQ(EscapeName("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa6"), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x93\xa6");
  EXPECT_TRUE(IsPlainName("a b.c"));
}

TEST(EscapeNameTest, ControlCharactersCannotForgeALine) {
  EXPECT_EQ(EscapeName("evil\nviolation none: all good"), "evil\\nviolation none: all good");
  EXPECT_EQ(EscapeName("a\tb\rc"), "a\\tb\\rc");
  EXPECT_EQ(EscapeName("\x1b[2J"), "\\x1b[2J");
  EXPECT_EQ(EscapeName(std::string("nul\0x", 5)), "nul\\x00x");
  EXPECT_EQ(EscapeName("del\x7f"), "del\\x7f");
  EXPECT_FALSE(IsPlainName("a\nb"));
}

TEST(EscapeNameTest, BackslashIsEscapedSoTheFormIsReversible) {
  EXPECT_EQ(EscapeName("a\\nb"), "a\\\\nb");
  EXPECT_NE(EscapeName("a\\nb"), EscapeName("a\nb"));
}

TEST(EscapeNameTest, BytesThatAreNotUtf8BecomeHex) {
  EXPECT_EQ(EscapeName("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(EscapeName("\xc3"), "\\xc3");                  // truncated sequence
  EXPECT_EQ(EscapeName("\xc0\xaf"), "\\xc0\\xaf");         // overlong '/'
  EXPECT_EQ(EscapeName("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // UTF-16 surrogate
  EXPECT_EQ(EscapeName("\xf4\x90\x80\x80"), "\\xf4\\x90\\x80\\x80");  // above U+10FFFF
  EXPECT_EQ(EscapeName("ok\xe2\x82"), "ok\\xe2\\x82");
}

TEST(EscapeNameTest, AtMostFourTimesLonger) {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  EXPECT_LE(EscapeName(all).size(), 4 * all.size());
}

}  // namespace
}  // namespace prunecheck
