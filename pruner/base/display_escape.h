// Names as they are printed: a file or archive name may contain a newline,
// an escape sequence or any other control byte, and printed raw it forges
// output lines (a fake "PASS", a fake violation) or drives the terminal.
// Every name that came from a file system, a wheel or another process is
// printed through EscapeForDisplay (issue 9 item 13).
//
// Thread-safety: pure function.
#pragma once

#include <string>
#include <string_view>

namespace prunecheck {

// `s` with '\\' doubled, '\n' '\t' '\r' as \n \t \r, and every other byte
// below 0x20 and 0x7f as \xHH. Printable ASCII and UTF-8 pass unchanged.
std::string EscapeForDisplay(std::string_view s);

}  // namespace prunecheck
