// EscapeName: one way to print a name that came from the disk or the user.
//
// File names may hold any byte but '/' and NUL: a newline in a name would
// forge a line of `prune`/`check` output (or of a harness report), a terminal
// escape would rewrite the screen, and bytes that are not UTF-8 make JSON
// writers throw. Every human-readable line that prints such a name passes it
// through EscapeName first.
//
// The escaping is C-like and reversible: printable ASCII and well-formed
// multi-byte UTF-8 stay as they are; '\\' becomes "\\\\"; \n \t \r become
// "\\n" "\\t" "\\r"; every other control byte, DEL, and every byte that is not
// part of well-formed UTF-8 becomes "\\xHH". An escaped name is never longer
// than four times the input.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

namespace prunecheck {

// The printable, single-line form of `name` (see above).
std::string EscapeName(std::string_view name);

// True if EscapeName(name) == name (nothing needs escaping).
bool IsPlainName(std::string_view name);

}  // namespace prunecheck
