#include "pruner/base/display_escape.h"

#include <gtest/gtest.h>

namespace prunecheck {
namespace {

TEST(EscapeForDisplay, ControlBytesCannotForgeLinesOrDriveTheTerminal) {
  EXPECT_EQ(EscapeForDisplay("plain-name_1.0"), "plain-name_1.0");
  EXPECT_EQ(EscapeForDisplay("a\nPASS b"), "a\\nPASS b");
  EXPECT_EQ(EscapeForDisplay("\t\r\x1b[2J\x7f"), "\\t\\r\\x1b[2J\\x7f");
  EXPECT_EQ(EscapeForDisplay(std::string("nul\0x", 5)), "nul\\x00x");
  // The escape character itself is escaped, so the output is unambiguous.
  EXPECT_EQ(EscapeForDisplay("a\\nb"), "a\\\\nb");
  EXPECT_EQ(EscapeForDisplay("caf\xc3\xa9"), "caf\xc3\xa9");  // UTF-8 unchanged
}

}  // namespace
}  // namespace prunecheck
