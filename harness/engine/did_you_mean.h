// Did-you-mean hints for names read from input files and the command line:
// one definition of "close" for scenario TOML, trace/config JSON and CLI
// values, so a typo gets the same hint wherever it is made.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <vector>

namespace prunecheck::harness {

// " (did you mean 'x'?)" when one of `known` is within edit distance 2 of
// `word`, else "".
std::string Suggest(const std::string& word, const std::vector<std::string>& known);

}  // namespace prunecheck::harness
